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


def test_the_pso_hospital_filter_lists_each_member_hospital_and_marks_the_chosen(world):
    import uuid

    forms._FIELDS_HTML.clear()
    chosen = forms.PsoFilterForm({"hospital": str(world.other_hospital.public_id)})
    assert chosen.is_valid(), chosen.errors
    html = chosen.fields_html()
    for hospital in (world.hospital, world.other_hospital, world.expired_hospital):
        assert f'<option value="{hospital.public_id}"' in html
    assert f'<option value="{world.other_hospital.public_id}" selected>' in html
    for hospital in (world.hospital, world.expired_hospital):
        assert f'<option value="{hospital.public_id}" selected>' not in html
    assert '<option value="" selected>Any hospital</option>' in forms.PsoFilterForm({}).fields_html()
    unknown = forms.PsoFilterForm({"hospital": str(uuid.uuid4())})
    assert not unknown.is_valid() and "hospital" in unknown.errors


def test_the_hospital_filter_shows_a_new_member_hospital_within_five_minutes(world, monkeypatch):
    from members.models import Hospital
    from tests.factories import ContractFactory, HospitalFactory

    def listed(hospital):
        return f'<option value="{hospital.public_id}"' in forms.PsoFilterForm({}).fields_html()

    assert listed(world.hospital)
    # Saved in this process (a service, the admin): at once.
    new = ContractFactory(hospital__name="Harbor Test Hospital").hospital
    assert listed(new)
    applicant = HospitalFactory(name="Applicant Test Hospital", status="applicant")
    assert not listed(applicant)
    assert not forms.PsoFilterForm({"hospital": str(applicant.public_id)}).is_valid()
    # Changed where this process does not hear of it (another process, a bulk update): within
    # five minutes.
    Hospital.objects.filter(pk=applicant.pk).update(status=new.status)
    assert not listed(applicant)
    now = forms.time.monotonic()
    monkeypatch.setattr(forms.time, "monotonic", lambda: now + forms.HOSPITAL_CHOICES_SECONDS)
    assert listed(applicant)
    assert forms.PsoFilterForm({"hospital": str(applicant.public_id)}).is_valid()
