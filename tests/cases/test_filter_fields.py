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
    blank = forms.PsoFilterForm({}).fields_html()
    assert '<option value="" selected>Any hospital</option>' in blank
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


def test_each_form_gets_its_own_copy_of_the_filter_fields(db):
    import copy

    from django import forms as django_forms

    from collaboratives.lessons.forms import LibraryFilterForm

    for form_class in (forms.ReportFilterForm, forms.PsoFilterForm, LibraryFilterForm):
        for name, field in form_class.base_fields.items():
            quick, django_copy = copy.deepcopy(field), django_forms.Field.__deepcopy__(field, {})
            assert type(quick) is type(field) and type(quick.widget) is type(field.widget)
            assert vars(quick).keys() == vars(django_copy).keys()
            for key, value in vars(django_copy).items():
                if key != "widget":
                    assert getattr(quick, key) == value, (name, key)
            assert vars(quick.widget) == vars(django_copy.widget), name
            for part in ("widget", "error_messages", "validators"):
                assert getattr(quick, part) is not getattr(field, part)
            assert quick.widget.attrs is not field.widget.attrs
    # What one form changes in its fields stays in that form.
    pso = forms.PsoFilterForm({"sort": "harm"})
    assert [value for value, _ in pso.fields["sort"].choices] == ["newest", "oldest"]
    plain = forms.ReportFilterForm({"sort": "harm"})
    assert plain.is_valid() and plain.cleaned_data["sort"] == "harm"
    assert "status" in plain.fields and len(plain.fields["sort"].choices) == 11
    for form in (plain, forms.ReportFilterForm({}), pso):
        assert form.fields["category"].widget.attrs["class"] == "form-select"
        assert form.fields["q"].widget.attrs["class"] == "form-control"
    assert "class" not in forms.ReportFilterForm.base_fields["q"].widget.attrs
