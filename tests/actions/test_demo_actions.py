"""Demo actions loaded by `manage.py demo_data`."""

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from actions.demo import ACTIONS, load_demo_actions
from actions.models import ActionItem, ActionStatus


def test_demo_actions_show_each_state_and_load_once(db, settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private")}}}
    call_command("demo_data", stdout=StringIO())
    actions = list(ActionItem.objects.select_related("hospital", "lesson", "report"))
    assert len(actions) == len(ACTIONS)
    assert {a.hospital.name for a in actions} == {"Mercy General Hospital"}
    assert any(a.is_overdue for a in actions)
    assert any(a.status == ActionStatus.DONE for a in actions)
    assert sum(a.lesson_id is not None for a in actions) == 1
    assert all(a.report is None or a.report.hospital_id == a.hospital_id for a in actions)
    assert all(a.due_date >= timezone.localdate() or a.is_overdue or not a.is_open
               for a in actions)
    assert load_demo_actions() == 0
