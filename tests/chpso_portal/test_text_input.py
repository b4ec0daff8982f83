"""Control characters are refused in one-line fields everywhere; .ics text is escaped and
folded; titles and subjects are shortened in one place."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory

from chpso_portal.forms import SafeTextMixin
from chpso_portal.text import shorten
from collaboratives.calendar import session_ics
from members.forms import HospitalApplicationForm, SignupDetailsForm
from members.models import Hospital
from tests.collaboratives.test_rules import make_session
from tests.collaboratives.test_services import parse_ics
from tests.factories import admin_hospital_extra

BAD = ["Mercy\r\nBcc: all@evil.example", "Mercy\rGeneral", "Mercy\nGeneral", "Mercy\x00",
       "Mercy\x1bGeneral", "Mercy\u2028General", "Mercy\x85General"]
# Search boxes on GET: never stored, mailed or put in a file.
NOT_STORED = {"ReportFilterForm", "PsoFilterForm", "LibraryFilterForm"}


def application(**overrides):
    data = {"name": "Redwood Coast Hospital", "city": "Eureka", "state": "CA", "ccn": "",
            "bed_size": "100-199", "contact_name": "Jordan Avery",
            "contact_title": "Director of Quality", "contact_email": "jordan@redwood.example"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("bad", BAD)
def test_the_public_application_refuses_control_characters(client, db, bad):
    response = client.post("/register/", application(name=bad))
    assert response.status_code == 200
    assert not Hospital.objects.exists()
    assert "one line" in response.content.decode() or "control character" in \
        response.content.decode()


@pytest.mark.parametrize("field", ["contact_name", "contact_title", "city"])
def test_every_one_line_field_of_the_application_refuses_a_line_break(db, field):
    form = HospitalApplicationForm(application(**{field: "a\rb"}))
    assert not form.is_valid() and field in form.errors


def test_sign_up_refuses_a_line_break_in_the_name(db):
    form = SignupDetailsForm({"full_name": "Jordan\r\nAvery"})
    assert not form.is_valid()


def test_text_areas_keep_line_breaks_but_not_other_control_characters(world):
    from collaboratives.forms import CommentForm

    assert CommentForm({"text": "First line\r\nsecond line\ttab"}).is_valid()
    assert not CommentForm({"text": "bell \x07"}).is_valid()


def _project_forms():
    for package in ("members", "cases", "collaboratives", "chpso_portal"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if "migrations" in info.name or "management" in info.name or ".tests" in info.name:
                continue
            if not info.name.endswith(("forms", "admin", "views")):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
                        and cls.__name__ not in NOT_STORED):
                    yield cls


def test_every_form_of_the_portal_refuses_control_characters():
    found = list(_project_forms())
    assert len(found) > 20
    missing = [f"{cls.__module__}.{cls.__name__}" for cls in found
               if not issubclass(cls, SafeTextMixin)
               and not _is_admin_form(cls)]
    assert missing == []


def _is_admin_form(cls):
    # Admin forms are covered by harden_admin_forms, tested below.
    return cls.__module__.endswith(".admin")


def test_every_admin_form_refuses_control_characters(world):
    request = RequestFactory().get("/admin/")
    request.user = world.coordinator
    world.coordinator.is_superuser = True
    checked = 0
    for model, model_admin in admin.site._registry.items():
        form_class = model_admin.get_form(request, None)
        assert issubclass(form_class, SafeTextMixin), model
        form = form_class()
        for field in form.fields.values():
            if (isinstance(field, forms.CharField)
                    and not isinstance(field.widget, forms.Textarea | forms.PasswordInput)):
                with pytest.raises(forms.ValidationError):
                    field.run_validators("a\rb")
                checked += 1
    assert checked > 5


def test_the_admin_refuses_a_line_break_in_a_hospital_name(world, client_for):
    hospital = world.hospital
    client = client_for(world.coordinator)
    url = f"/admin/members/hospital/{hospital.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = {"name": "Mercy\r\nBcc: all@evil.example", "city": hospital.city,
            "state": hospital.state, "ccn": hospital.ccn or "", "bed_size": hospital.bed_size,
            "contact_name": "A", "contact_title": "B", "contact_email": hospital.contact_email,
            **admin_hospital_extra(hospital)}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "one line" in refused.content.decode()
    hospital.refresh_from_db()
    assert "\n" not in hospital.name
    # The same form with a plain name saves: the refusal was the line break.
    assert client.post(url, {**data, "name": "Mercy General"}).status_code == 302


def test_a_lone_carriage_return_never_reaches_the_ics_file(world):
    session = make_session(world.facilitator, title="Pumps\rand alarms",
                           location="Room 4\u2028Building B",
                           description="Line one\rline two\r\nline three\x0b")
    text = session_ics(session)
    body = text.replace("\r\n", "")
    assert "\r" not in body and "\n" not in body and "\x0b" not in body
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = next(c for c in parse_ics(text) if c["_type"] == "VEVENT")
    assert event["SUMMARY"] == "Pumps\\nand alarms"
    assert event["DESCRIPTION"].startswith("Line one\\nline two\\nline three\\n")


def test_long_multibyte_ics_lines_fold_at_character_boundaries(world):
    session = make_session(world.facilitator, title="é" * 200)
    text = session_ics(session)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    text.encode().decode()  # no broken character
    event = next(c for c in parse_ics(text) if c["_type"] == "VEVENT")
    assert event["SUMMARY"] == "é" * 200


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"),
    ("one\r\ntwo", 20, "one two"),
    ("word " * 100, 30, ("word " * 6).strip() + "\u2026"),
])
def test_shorten(text, limit, expected):
    result = shorten(text, limit)
    assert result == expected and len(result) <= limit
