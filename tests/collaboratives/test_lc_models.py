"""Invariants of the learning collaborative data model, held by the database and the models."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chpso_portal.audit.models import AuditEvent
from collaboratives.discussion.models import Post, Thread
from collaboratives.measures import selectors as measure_selectors
from collaboratives.measures.models import Measure, MeasureValue, MonthlyReport, ReportStatus
from collaboratives.measures.services import value_record
from collaboratives.office.models import Resource
from collaboratives.pdsa.models import FacultyComment, PdsaCycle
from collaboratives.programmes import selectors, services
from collaboratives.programmes.models import (
    PEER_CODE_ALPHABET,
    SkillsAssessment,
    Team,
    TeamMember,
    TeamPeerCode,
    TeamRole,
    TeamStatus,
)

from .learning import enrol, make_collaborative

pytestmark = pytest.mark.django_db

MONTH = date(2026, 3, 1)


@pytest.fixture
def lc(world):
    return make_collaborative(world)


@pytest.fixture
def team(world, lc):
    return enrol(lc, world.hospital, world.lead, members=[(world.staff, TeamRole.NURSE)])


def report(team, user, month=MONTH, **extra):
    return MonthlyReport.objects.create(team=team, month=month, created_by=user, **extra)


def rate(lc):
    return lc.measures.get(short_name="falls_injury")


def test_a_saved_value_is_never_changed_nor_deleted(world, lc, team):
    value = value_record(actor=world.lead, report=report(team, world.lead), measure=rate(lc),
                         numerator=3, denominator=1200)
    value.numerator = 2
    with pytest.raises(ValidationError):
        value.save()
    with pytest.raises(ValidationError):
        value.delete()
    value.refresh_from_db()
    assert value.numerator == 3


def test_a_correction_is_a_new_version_and_the_old_one_is_kept_and_audited(world, lc, team):
    month = report(team, world.lead)
    first = value_record(actor=world.lead, report=month, measure=rate(lc),
                         numerator=3, denominator=1200)
    MonthlyReport.objects.filter(pk=month.pk).update(
        status=ReportStatus.SUBMITTED, submitted_by=world.lead, submitted_at=first.entered_at,
        progress_score=Decimal("2.5"))
    month.refresh_from_db()
    with pytest.raises(ValidationError):  # a correction of a submitted month needs a reason
        value_record(actor=world.lead, report=month, measure=rate(lc), numerator=4,
                     denominator=1200)
    second = value_record(actor=world.lead, report=month, measure=rate(lc), numerator=4,
                          denominator=1200, correction_reason="One fall was found late")
    first.refresh_from_db()
    assert (first.version, first.is_current, first.superseded_by) == (1, False, second)
    assert (second.version, second.is_current) == (2, True)
    assert first.numerator == 3 and second.numerator == 4
    assert MeasureValue.objects.filter(team=team, month=MONTH).count() == 2
    event = AuditEvent.objects.get(object_id=str(month.public_id))
    assert event.detail["old"]["numerator"] == "3.0000"
    assert event.detail["reason"] == "One fall was found late"
    # Entering the same figures again writes nothing.
    assert value_record(actor=world.lead, report=month, measure=rate(lc), numerator=4,
                        denominator=1200, correction_reason="again") is None


def test_only_one_current_value_per_team_measure_and_month(world, lc, team):
    month = report(team, world.lead)
    value_record(actor=world.lead, report=month, measure=rate(lc), numerator=1, denominator=900)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureValue.objects.create(report=month, team=team, measure=rate(lc), month=MONTH,
                                    numerator=2, denominator=900, version=2,
                                    entered_by=world.lead)


def test_not_collected_needs_a_reason_and_no_figures(world, lc, team):
    month = report(team, world.lead)
    with pytest.raises(ValidationError):
        value_record(actor=world.lead, report=month, measure=rate(lc), not_collected=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureValue.objects.create(report=month, team=team, measure=rate(lc), month=MONTH,
                                    not_collected=True, not_collected_reason="", numerator=1,
                                    entered_by=world.lead)
    value = value_record(actor=world.lead, report=month, measure=rate(lc), numerator=5,
                         not_collected=True, not_collected_reason="Abstractor on leave")
    assert value.numerator is None and value.not_collected


def test_a_proportion_cannot_exceed_its_denominator(world, lc, team):
    with pytest.raises(ValidationError):
        value_record(actor=world.lead, report=report(team, world.lead),
                     measure=lc.measures.get(short_name="bundle"), numerator=12, denominator=10)


def test_the_progress_score_is_on_the_ihi_scale(world, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        report(team, world.lead, progress_score=Decimal("3.2"))
    with pytest.raises(IntegrityError), transaction.atomic():  # submitted without a score
        report(team, world.lead, status=ReportStatus.SUBMITTED, submitted_by=world.lead,
               submitted_at=team.created_at)
    assert report(team, world.lead, progress_score=Decimal("3.5")).progress_score == Decimal("3.5")


def test_a_rate_needs_its_multiplier(world, lc):
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(collaborative=lc, name="x", short_name="x", type="outcome",
                               kind="rate", direction="down")


def test_team_series_is_one_query_of_current_submitted_values(world, lc, team,
                                                             django_assert_num_queries):
    measure = rate(lc)
    for n, month in enumerate([date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]):
        monthly = report(team, world.lead, month=month)
        value_record(actor=world.lead, report=monthly, measure=rate(lc), numerator=n,
                     denominator=1000)
        if n < 2:
            MonthlyReport.objects.filter(pk=monthly.pk).update(
                status=ReportStatus.SUBMITTED, submitted_by=world.lead,
                submitted_at=monthly.created_at, progress_score=2)
    january = MonthlyReport.objects.get(team=team, month=date(2026, 1, 1))
    value_record(actor=world.lead, report=january, measure=rate(lc), numerator=7,
                 denominator=1000, correction_reason="late fall")
    with django_assert_num_queries(1):
        series = measure_selectors.team_series(team=team, measure=measure)
    assert [(p.month.month, p.numerator) for p in series] == [(1, 7), (2, 1)]
    with django_assert_num_queries(1):
        own = measure_selectors.team_series(team=team, measure=measure, include_drafts=True)
    assert [(p.month.month, p.submitted) for p in own] == [(1, True), (2, True), (3, False)]
    with django_assert_num_queries(1):
        across = measure_selectors.collaborative_month_values(measure=measure)
    assert {row.peer_code for row in across} == {team.peer_code.code}


def test_enrolled_team_needs_sponsor_and_lead(world, lc):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(collaborative=lc, hospital=world.other_hospital,
                            status=TeamStatus.ENROLLED, created_by=world.other_lead)


def test_one_team_per_hospital(world, lc, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(collaborative=lc, hospital=world.hospital, status=TeamStatus.APPLIED,
                            created_by=world.lead)


def test_peer_codes_are_random_unique_and_not_derived_from_the_team(world, lc, monkeypatch):
    draws = iter(["ZZZZ", "ZZZZ", "K7QM"])
    monkeypatch.setattr("collaboratives.programmes.models.random_peer_code",
                        lambda: next(draws))
    monkeypatch.setattr("collaboratives.programmes.services.random_peer_code",
                        lambda: next(draws))
    first = enrol(lc, world.hospital, world.lead)
    second = enrol(lc, world.other_hospital, world.other_lead)
    # The second team drew the first one's code, so it drew again.
    assert (first.peer_code.code, second.peer_code.code) == ("ZZZZ", "K7QM")
    assert services.assign_peer_code(first).code == "ZZZZ"  # kept once assigned


def test_real_peer_codes_use_the_alphabet_and_vary(world, lc):
    from collaboratives.programmes.models import random_peer_code

    codes = {random_peer_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(set(code) <= set(PEER_CODE_ALPHABET) and len(code) == 4 for code in codes)


def test_teams_named_is_the_charter_setting(world, lc, team):
    other = enrol(lc, world.other_hospital, world.other_lead)
    other = Team.objects.select_related("hospital", "peer_code").get(pk=other.pk)
    assert not selectors.teams_named(lc)
    label = selectors.team_label(other, collaborative=lc, viewer_team_id=team.pk)
    assert label == f"Team {other.peer_code.code}" and "Valley" not in label
    assert selectors.team_label(other, collaborative=lc, viewer_team_id=other.pk) == \
        world.other_hospital.name
    lc.teams_named = True
    assert selectors.team_label(other, collaborative=lc, viewer_team_id=team.pk) == \
        world.other_hospital.name


def test_only_a_patient_partner_joins_without_a_hospital_membership(world, lc, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(team=team, user=world.outsider, role=TeamRole.NURSE,
                                  added_by=world.lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(team=team, user=world.staff, role=TeamRole.PATIENT_PARTNER,
                                  added_by=world.lead,
                                  membership=world.staff.memberships.first())
    partner = TeamMember.objects.create(team=team, user=world.outsider,
                                        role=TeamRole.PATIENT_PARTNER, added_by=world.lead)
    assert partner.is_patient_partner


def test_skills_are_scored_one_to_five_once_per_member(world, team):
    scores = dict(model_for_improvement=2, measurement=3, pdsa_testing=1, teamwork=4)
    SkillsAssessment.objects.create(team=team, user=world.staff, **scores)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkillsAssessment.objects.create(team=team, user=world.staff, **scores)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkillsAssessment.objects.create(team=team, user=world.lead,
                                        **{**scores, "teamwork": 6})


def test_pdsa_cycle_needs_an_idea_and_a_decision_to_act(world, lc, team):
    base = dict(team=team, title="Rounding on 4 West", objective="Test hourly rounding",
                created_by=world.lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        PdsaCycle.objects.create(number=1, **base)
    idea = lc.change_ideas.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PdsaCycle.objects.create(number=1, change_idea=idea, stage="act", **base)
    first = PdsaCycle.objects.create(number=1, change_idea=idea, **base)
    second = PdsaCycle.objects.create(number=2, change_idea=idea, follows=first,
                                      ramp_start=first, **base)
    assert first.ramp_id == second.ramp_id == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        PdsaCycle.objects.create(number=2, own_idea="Bed alarms", **base)


def test_faculty_comment_targets_one_thing(world, lc, team):
    cycle = PdsaCycle.objects.create(team=team, number=1, title="t", objective="o",
                                     own_idea="idea", created_by=world.lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        FacultyComment.objects.create(team=team, author=world.facilitator, text="Good",
                                      cycle=cycle, report=report(team, world.lead))
    with pytest.raises(IntegrityError), transaction.atomic():
        FacultyComment.objects.create(team=team, author=world.facilitator, text="Good")


def test_resource_is_a_file_or_a_link_and_hiding_needs_a_reason(world, lc):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(collaborative=lc, kind="link", title="t", uploaded_by=world.lead)
    Resource.objects.create(collaborative=lc, kind="link", title="t", url="https://ahrq.gov",
                            uploaded_by=world.facilitator)
    thread = Thread.objects.create(collaborative=lc, category="free", title="Hello",
                                   author=world.lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(thread=thread, author=world.lead, body="x",
                            hidden_at=thread.created_at, hidden_by=world.facilitator)


def test_peer_code_mapping_is_its_own_table(world, lc, team):
    # Reading a team does not bring its code along: the mapping is fetched on purpose only.
    assert "peer_code" not in [f.name for f in Team._meta.concrete_fields]
    assert TeamPeerCode.objects.get(team=team).collaborative == lc
