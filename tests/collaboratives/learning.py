"""Learning collaboratives for tests: a charter with three measures and enrolled teams."""

from datetime import date

from django.utils import timezone

from collaboratives.measures.models import Direction, Measure, MeasureKind, MeasureType
from collaboratives.programmes import services as programme_services
from collaboratives.programmes.models import (
    ChangeIdea,
    CollaborativeStatus,
    LearningCollaborative,
    Team,
    TeamMember,
    TeamRole,
    TeamStatus,
)


def make_collaborative(world, *, teams_named=False, name="Reducing falls with injury"):
    collaborative = LearningCollaborative.objects.create(
        name=name, topic="Falls", aim_statement="Halve falls with injury by the end of 2027.",
        teams_named=teams_named, status=CollaborativeStatus.RUNNING,
        starts_on=date(2026, 1, 1), ends_on=date(2027, 6, 30), created_by=world.coordinator,
    )
    collaborative.faculty.add(world.facilitator)
    ChangeIdea.objects.create(collaborative=collaborative, position=1,
                              title="Hourly rounding", source="AHRQ Fall Prevention Toolkit")
    Measure.objects.create(
        collaborative=collaborative, position=1, name="Falls with injury per 1,000 patient days",
        short_name="falls_injury", type=MeasureType.OUTCOME, kind=MeasureKind.RATE,
        numerator_definition="Falls with injury", denominator_definition="Patient days",
        rate_multiplier=1000, direction=Direction.DOWN)
    Measure.objects.create(
        collaborative=collaborative, position=2, name="At-risk patients with a completed bundle",
        short_name="bundle", type=MeasureType.PROCESS, kind=MeasureKind.PROPORTION,
        numerator_definition="Bundle complete", denominator_definition="At-risk patients",
        direction=Direction.UP)
    Measure.objects.create(
        collaborative=collaborative, position=3, name="Restraint use per 1,000 patient days",
        short_name="restraints", type=MeasureType.BALANCING, kind=MeasureKind.COUNT,
        numerator_definition="Restraint episodes", direction=Direction.DOWN)
    return collaborative


def enrol(collaborative, hospital, lead, *, members=(), actor=None):
    """An enrolled team of `hospital` with `lead` as sponsor and team lead, plus `members`
    (user, role) pairs from the same hospital."""
    team = Team.objects.create(
        collaborative=collaborative, hospital=hospital, status=TeamStatus.ENROLLED,
        sponsor=lead, team_lead=lead, enrolled_at=timezone.now(), created_by=actor or lead)
    programme_services.assign_peer_code(team)
    TeamMember.objects.create(team=team, user=lead, role=TeamRole.TEAM_LEAD, added_by=lead,
                              membership=lead.memberships.get(hospital=hospital))
    for user, role in members:
        TeamMember.objects.create(
            team=team, user=user, role=role, added_by=lead,
            membership=(None if role == TeamRole.PATIENT_PARTNER
                        else user.memberships.get(hospital=hospital)))
    return team


def registry_world(world):
    """One running collaborative with `world.facilitator` as faculty and three enrolled teams:
    `world.hospital` (lead as team lead, staff as nurse), `world.other_hospital` (its lead) and
    `world.expired_hospital` (its lead; the contract has lapsed). Made once per test, then
    found again; returns the objects that URLs of `world.hospital`'s team name."""
    from datetime import timedelta

    from collaboratives.measures.models import MonthlyReport
    from collaboratives.pdsa.models import PdsaCycle
    from collaboratives.programmes.models import CalendarEvent, EventKind

    collaborative = LearningCollaborative.objects.filter(name="Registry collaborative").first()
    if collaborative is None:
        collaborative = make_collaborative(world, name="Registry collaborative")
        enrol(collaborative, world.hospital, world.lead,
              members=[(world.staff, TeamRole.NURSE)])
        enrol(collaborative, world.other_hospital, world.other_lead)
        enrol(collaborative, world.expired_hospital, world.expired_lead)
        team = collaborative.teams.get(hospital=world.hospital)
        now = timezone.now()
        CalendarEvent.objects.create(
            collaborative=collaborative, kind=EventKind.LEARNING_SESSION,
            title="Learning session 1", starts_at=now + timedelta(days=10),
            ends_at=now + timedelta(days=10, hours=6), created_by=world.coordinator)
        MonthlyReport.objects.create(team=team, month=date(2026, 1, 1), created_by=world.lead)
        PdsaCycle.objects.create(team=team, number=1, title="Hourly rounding on 4 West",
                                 objective="Test rounding", own_idea="Rounding",
                                 created_by=world.lead)
        # The other team starts a thread and shares a link; this team replies.
        from collaboratives.discussion.models import Post, Thread
        from collaboratives.office.models import Resource

        theirs = collaborative.teams.get(hospital=world.other_hospital)
        thread = Thread.objects.create(collaborative=collaborative, category="change_ideas",
                                       title="Rounding at night?", author=world.other_lead,
                                       author_team=theirs, post_count=2)
        Post.objects.create(thread=thread, author=world.other_lead, author_team=theirs,
                            body="How do you round at night without waking patients?")
        Post.objects.create(thread=thread, author=world.lead, author_team=team,
                            body="We pair it with toileting at fixed times.")
        Resource.objects.create(collaborative=collaborative, team=theirs, kind="link",
                                title="Our rounding log", url="https://example.org/log",
                                uploaded_by=world.other_lead)
    team = collaborative.teams.get(hospital=world.hospital)
    return {
        "collaborative": collaborative,
        "team": team,
        "event": collaborative.events.get(),
        "report": team.monthly_reports.get(),
        "cycle": team.pdsa_cycles.get(),
        "member": team.members.get(user=world.staff),
        "thread": collaborative.threads.get(),
        "post": collaborative.threads.get().posts.order_by("id").first(),
        "resource": collaborative.resources.get(),
    }
