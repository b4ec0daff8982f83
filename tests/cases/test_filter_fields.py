"""The list pages' filter fields are kept rendered per process for each set of chosen values,
but never for typed text (a search) nor for a form with errors."""

from cases import forms


def test_chosen_filters_are_kept_and_a_search_is_rendered_afresh(db):
    forms._FIELDS_HTML.clear()
    chosen = forms.ReportFilterForm({"status": "submitted"})
    assert chosen.is_valid(), chosen.errors
    html = chosen.fields_html()
    assert 'value="submitted" selected' in html
    assert len(forms._FIELDS_HTML) == 1
    assert forms.ReportFilterForm({"status": "submitted"}).fields_html() == html

    searched = forms.ReportFilterForm({"status": "submitted", "q": "grey pump bay 4"})
    assert searched.is_valid(), searched.errors
    assert 'value="grey pump bay 4"' in searched.fields_html()
    assert len(forms._FIELDS_HTML) == 1  # nothing kept for the search
    assert not any("grey pump" in kept for kept in forms._FIELDS_HTML.values())
