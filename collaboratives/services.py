"""Every write on sessions, nominations, attestations and notes, with the ground rules enforced.

Each refusal is a ValidationError whose message says which rule and why, for the user to read.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.models import IncidentReport, ReportStatus
from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify, queue_email
from chpso_portal.text import day, day_and_month
from members import selectors as member_selectors
from members.models import Contract, Membership
from members.roles import PsoRole

from . import grants
from .calendar import session_ics
from .models import (
    GUEST_ACCESS_DAYS,
    Attendee,
    Attestation,
    CollaborativeSession,
    DiscussionNote,
    Guest,
    Nomination,
    NominationComment,
    NominationStatus,
    ParticipationStatus,
    SessionHospital,
    SessionStatus,
)
from .rules import attestation_version

SCHEDULE_FIELDS = ("date", "start_time", "time_zone", "duration_minutes", "location")
# Invitations are sent and the meeting has not happened yet: answers can change, cases can leave.
_BEFORE_MEETING = [SessionStatus.INVITATIONS_SENT, SessionStatus.NOMINATIONS_CLOSED]


def _contract_active_on(hospital, day) -> bool:
    return Contract.objects.active_on(day).filter(hospital=hospital).exists()


def _link(session) -> str:
    try:
        return reverse("session-detail", args=[session.public_id])
    except NoReverseMatch:  # the session pages are not installed: a notice without a link
        return ""


def _leads(hospital):
    return list(member_selectors.safety_leads(hospital=hospital))


def _notify(*, title: str, **kwargs):
    """notify(), with the title cut to what the notification and email subject can hold."""
    if len(title) > 200:
        title = title[:199] + "\u2026"
    return notify(title=title, **kwargs)


def _ics_attachment(session) -> list[dict]:
    return [{"filename": "session.ics", "content": session_ics(session),
             "content_type": "text/calendar"}]


# --- Scheduling --------------------------------------------------------------------------


@transaction.atomic
def session_create(*, actor, **fields) -> CollaborativeSession:
    session = CollaborativeSession(created_by=actor, **fields)
    _check_schedule(session)
    session.full_clean()
    session.save()
    session.facilitators.add(actor)
    grants.materials_group(session)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=session,
                 summary=f"Scheduled session {session.title}")
    return session


SESSION_YEARS_AHEAD = 3
SESSION_YEARS_BACK = 2


def _check_schedule(session: CollaborativeSession) -> None:
    today = timezone.localdate()
    earliest = today.replace(year=today.year - SESSION_YEARS_BACK, day=min(today.day, 28))
    latest = today.replace(year=today.year + SESSION_YEARS_AHEAD, day=min(today.day, 28))
    for name in ("date", "nomination_deadline"):
        value = getattr(session, name)
        if value and not earliest <= value <= latest:
            raise ValidationError({name: f"Choose a date between {day(earliest)} and "
                                         f"{day(latest)}."})
    if session.nomination_deadline and session.date and session.nomination_deadline > session.date:
        raise ValidationError({"nomination_deadline": "The nomination deadline must be on or "
                                                      "before the session date."})


@transaction.atomic
def session_update(*, session: CollaborativeSession, actor, **fields) -> CollaborativeSession:
    if not session.is_open:
        raise ValidationError("A cancelled or closed session cannot be changed.")
    moved = any(name in fields and fields[name] != getattr(session, name)
                for name in SCHEDULE_FIELDS)
    for name, value in fields.items():
        setattr(session, name, value)
    _check_schedule(session)
    session.full_clean()
    session.save()
    if "date" in fields:
        session.guests.update(access_until=session.date + timedelta(days=GUEST_ACCESS_DAYS))
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                 summary=f"Changed session {session.title}", detail={"fields": sorted(fields)})
    grants.sync_session(session)
    if moved and session.status != SessionStatus.DRAFT:
        stamp = f"{session.date:%Y%m%d}{session.start_time:%H%M}-{session.location}"[:60]
        _notify(kind=kinds.SESSION_CHANGED, event_key=f"session:{session.pk}:moved:{stamp}",
                recipients=_everyone_invited(session),
                title=f"Session moved: {session.title}",
                body=f"Now on {day(session.date)} at {session.start_time:%H:%M} "
                     f"({session.get_time_zone_display()}), {session.location}.",
                link=_link(session))
    return session


@transaction.atomic
def session_add_facilitator(*, session, user, actor) -> None:
    if user.pso_role not in (PsoRole.FACILITATOR, PsoRole.COORDINATOR):
        raise ValidationError("Only PSO facilitators and coordinators can facilitate.")
    session.facilitators.add(user)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                 summary=f"Added co-facilitator {user.email}")
    grants.sync_session(session)


def _everyone_invited(session):
    people = list(session.facilitators.all())
    for invitation in session.hospitals.exclude(status=ParticipationStatus.DECLINED):
        people += _leads(invitation.hospital)
    people += [a.membership.user for a in
               Attendee.objects.filter(session_hospital__session=session)
               .select_related("membership__user")]
    people += [g.user for g in session.guests.select_related("user")]
    return people


@transaction.atomic
def session_invite_hospitals(*, session, hospitals, actor) -> list[SessionHospital]:
    if not session.is_open:
        raise ValidationError("A cancelled or closed session cannot invite anyone.")
    invited = []
    for hospital in hospitals:
        if not _contract_active_on(hospital, session.date):
            raise ValidationError(
                f"{hospital.name} cannot be invited: its PSO contract is not in force on "
                f"{day(session.date)} (ground rule 1)."
            )
        row, created = SessionHospital.objects.get_or_create(session=session, hospital=hospital)
        if not created:
            continue
        invited.append(row)
        audit_record(actor=actor, action=AuditAction.INVITE, obj=session, hospital=hospital,
                     summary=f"Invited {hospital.name} to {session.title}")
        for lead in _leads(hospital):
            _notify(kind=kinds.SESSION_INVITATION,
                    event_key=f"session:{session.pk}:invite:{hospital.pk}",
                    recipients=[lead], title=f"Your hospital is invited: {session.title}",
                    body=f"{day(session.date)} at {session.start_time:%H:%M} "
                         f"({session.get_time_zone_display()}). Nominations close "
                         f"{day_and_month(session.nomination_deadline)}.",
                    link=_link(session), attachments=_ics_attachment(session))
    if invited and session.status == SessionStatus.DRAFT:
        session.status = SessionStatus.INVITATIONS_SENT
        session.save(update_fields=["status"])
    return invited


@transaction.atomic
def session_answer(*, session_hospital: SessionHospital, accept: bool, actor,
                   attendees=()) -> SessionHospital:
    session_hospital = SessionHospital.objects.select_for_update().select_related(
        "session", "hospital").get(pk=session_hospital.pk)
    session = session_hospital.session
    if session.status not in _BEFORE_MEETING:
        raise ValidationError("This session was cancelled, has been held or is closed: "
                              "invitations can no longer be answered.")
    if accept and not _contract_active_on(session_hospital.hospital, session.date):
        raise ValidationError("Your hospital's PSO contract is not in force on the session "
                              "date, so it cannot take part (ground rule 1).")
    session_hospital.status = (ParticipationStatus.ACCEPTED if accept
                               else ParticipationStatus.DECLINED)
    session_hospital.answered_at = timezone.now()
    session_hospital.answered_by = actor
    session_hospital.save()
    if accept:
        session_set_attendees(session_hospital=session_hospital, memberships=attendees,
                              actor=actor)
    else:
        session_hospital.attendees.all().delete()
        for nomination in session_hospital.nominations.exclude(
                status=NominationStatus.WITHDRAWN):
            nomination_withdraw(nomination=nomination, reason="The hospital declined.",
                                actor=actor)
        grants.sync_session(session)
    audit_record(actor=actor, action=AuditAction.ACCEPT if accept else AuditAction.UPDATE,
                 obj=session, hospital=session_hospital.hospital,
                 summary=("Accepted" if accept else "Declined") + f" {session.title}")
    _notify(kind=kinds.SESSION_ANSWERED,
            event_key=(f"session:{session.pk}:answer:{session_hospital.pk}:"
                       f"{session_hospital.status}"),
            recipients=session.facilitators.all(),
            title=f"A hospital {session_hospital.get_status_display().lower()} your invitation "
                  f"to {session.title}",
            link=_link(session))
    return session_hospital


@transaction.atomic
def session_set_attendees(*, session_hospital: SessionHospital, memberships, actor) -> None:
    if not session_hospital.session.is_open:
        raise ValidationError("This session was cancelled or is closed.")
    if session_hospital.status != ParticipationStatus.ACCEPTED:
        raise ValidationError("Accept the invitation before naming who will attend.")
    memberships = list(memberships)
    for membership in memberships:
        if membership.hospital_id != session_hospital.hospital_id or not membership.is_active:
            raise ValidationError("Attendees must be active members of your hospital.")
    session_hospital.attendees.exclude(membership__in=memberships).delete()
    for membership in memberships:
        Attendee.objects.get_or_create(session_hospital=session_hospital, membership=membership)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session_hospital.session,
                 hospital=session_hospital.hospital,
                 summary=f"Named {len(memberships)} attendee(s)")
    grants.sync_session(session_hospital.session)


@transaction.atomic
def session_invite_guest(*, session, email: str, full_name: str, expertise: str,
                         actor) -> Guest:
    from allauth.account.models import EmailAddress
    from django.conf import settings as conf

    from members.models import User

    if not session.is_open:
        raise ValidationError("A cancelled or closed session cannot invite anyone.")
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    new_account = user is None
    if new_account:
        from members.services import release_unproven_claims

        release_unproven_claims(email=email)
        user = User.objects.create_user(email, None, full_name=full_name.strip())
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif user.pso_role:
        raise ValidationError("PSO staff take part as facilitators, not as guests.")
    elif user.memberships.filter(is_active=True).exists():
        raise ValidationError(
            "This person is a member of a hospital. Guests are experts from outside the "
            "member hospitals; members take part through their own hospital's invitation.")
    guest, created = Guest.objects.get_or_create(
        session=session, user=user,
        defaults={"expertise": expertise, "invited_by": actor,
                  "access_until": session.date + timedelta(days=GUEST_ACCESS_DAYS)},
    )
    if not created:
        raise ValidationError("This person is already invited to the session.")
    audit_record(actor=actor, action=AuditAction.INVITE, obj=session,
                 summary=f"Invited guest expert {email}")
    how = ("Set a password for your new account with \"Forgot your password?\" on the sign-in "
           "page, using this address." if new_account else "Sign in with your account.")
    queue_email(
        kind=kinds.SESSION_INVITATION, event_key=f"session:{session.pk}:guest:{user.pk}",
        to_address=email, recipient=user,
        subject=f"Invitation to a PSO session: {session.title}",
        body=(f"{actor.display_name} invited you as a guest expert to \"{session.title}\" on "
              f"{day(session.date)} at {session.start_time:%H:%M} "
              f"({session.get_time_zone_display()}).\n\n{how}\n{conf.SITE_URL}"
              f"{reverse('account_login')}\n\nYour access covers this session only and ends "
              f"on {day(guest.access_until)}.\n"),
        attachments=_ics_attachment(session),
    )
    return guest


@transaction.atomic
def session_cancel(*, session, actor, reason: str) -> CollaborativeSession:
    if not session.is_open:
        raise ValidationError("This session is already cancelled or closed.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the session is cancelled."})
    recipients = _everyone_invited(session)
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = reason.strip()
    session.save(update_fields=["status", "cancellation_reason"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                 summary=f"Cancelled {session.title}", detail={"reason": reason})
    _notify(kind=kinds.SESSION_CHANGED, event_key=f"session:{session.pk}:cancelled",
            recipients=recipients, title=f"Session cancelled: {session.title}",
            body=reason.strip(), link=_link(session))
    return session


_NEXT_STATUS = {
    SessionStatus.INVITATIONS_SENT: SessionStatus.NOMINATIONS_CLOSED,
    SessionStatus.NOMINATIONS_CLOSED: SessionStatus.HELD,
    SessionStatus.HELD: SessionStatus.CLOSED,
}


@transaction.atomic
def session_advance(*, session, actor) -> CollaborativeSession:
    """Move a session one step along: nominations closed, held, closed."""
    nxt = _NEXT_STATUS.get(session.status)
    if nxt is None:
        raise ValidationError("This session cannot move further.")
    if nxt == SessionStatus.HELD and accepted_hospital_count(session) < 2:
        raise ValidationError("A session needs at least two hospitals that accepted.")
    if nxt == SessionStatus.HELD:
        without_case = session.hospitals.filter(status=ParticipationStatus.ACCEPTED).exclude(
            nominations__status=NominationStatus.ACCEPTED).count()
        if without_case:
            hospitals = ("1 participating hospital has" if without_case == 1 else
                         f"{without_case} participating hospitals have")
            raise ValidationError(f"{hospitals} no accepted case yet: each hospital presents "
                                  "one to three (ground rule 2). Accept a case, or record that "
                                  "the hospital declined.")
    session.status = nxt
    session.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                 summary=f"{session.title}: {session.get_status_display()}")
    return session


@transaction.atomic
def session_reopen_nominations(*, session, actor) -> CollaborativeSession:
    """Undo an early "Close nominations": possible until the meeting day has passed. The
    safety leads of the hospitals taking part are told they can nominate and fix cases again."""
    session = CollaborativeSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.NOMINATIONS_CLOSED:
        raise ValidationError("Nominations can be reopened only while they are closed and the "
                              "session has not been held.")
    if session.date < timezone.localdate():
        raise ValidationError("The meeting date has passed: nominations stay closed.")
    session.status = SessionStatus.INVITATIONS_SENT
    session.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                 summary=f"{session.title}: nominations reopened")
    recipients = [lead for invitation in session.hospitals.filter(
        status=ParticipationStatus.ACCEPTED).select_related("hospital")
        for lead in _leads(invitation.hospital)]
    if recipients:
        _notify(kind=kinds.SESSION_CHANGED, event_key=f"session:{session.pk}:reopened:"
                                                      f"{timezone.now():%Y%m%d%H%M%S}",
                recipients=recipients, title=f"Nominations are open again: {session.title}",
                body=f"You can nominate cases and fix returned ones until "
                     f"{day(session.nomination_deadline)}.",
                link=_link(session))
    return session


def accepted_hospital_count(session) -> int:
    """Hospitals that accepted and whose contract is in force on the session date (rule 1)."""
    return session.hospitals.filter(
        status=ParticipationStatus.ACCEPTED,
        hospital_id__in=Contract.objects.active_on(session.date).values("hospital_id"),
    ).values("hospital").distinct().count()


# --- Nominations -------------------------------------------------------------------------


def _unresolved_findings(text: str, dismissed: list[dict]) -> list:
    from cases.screening import screen_texts, unresolved

    return [finding for _, finding in unresolved(screen_texts([("text", "", text)]), dismissed)]


@transaction.atomic
def nomination_submit(*, session_hospital: SessionHospital, report, summary: str, actor,
                      dismissed_findings: list[dict] | None = None) -> Nomination:
    # Fresh and locked: the session's status and the count of cases are read from the database,
    # never from objects the caller may have held since before they changed.
    session_hospital = SessionHospital.objects.select_for_update().select_related(
        "session", "hospital").get(pk=session_hospital.pk)
    session = session_hospital.session
    hospital = session_hospital.hospital
    report = IncidentReport.objects.select_for_update().get(pk=report.pk)
    dismissed_findings = dismissed_findings or []
    if session.status != SessionStatus.INVITATIONS_SENT:
        raise ValidationError("Nominations for this session are closed.")
    if timezone.localdate() > session.nomination_deadline:
        raise ValidationError("The nomination deadline has passed.")
    if report.hospital_id != hospital.pk:
        raise ValidationError("You can nominate only your own hospital's reports.")
    if not _contract_active_on(hospital, session.date):
        raise ValidationError("Your hospital's PSO contract is not in force on the session "
                              "date, so it cannot bring cases (ground rule 1).")
    if session_hospital.status != ParticipationStatus.ACCEPTED:
        raise ValidationError("Accept the invitation before nominating cases.")
    # A returned nomination no longer counts: the lead revises it by nominating again.
    active = session_hospital.nominations.exclude(
        status__in=[NominationStatus.WITHDRAWN, NominationStatus.RETURNED])
    if active.count() >= session.max_cases_per_hospital:
        most = session.max_cases_per_hospital
        raise ValidationError(f"Each hospital may bring at most {most} "
                              f"case{'' if most == 1 else 's'} to this session (ground rule 2).")
    if active.filter(report=report).exists():
        raise ValidationError("This report is already nominated for the session.")
    if not report.systems_issue or not report.contributing_factors.exists():
        raise ValidationError("Only systems issues can be discussed: the report needs at least "
                              "one contributing factor and must be marked a systems issue in "
                              "its review (ground rule 3).")
    committed_in_time = (report.committed_send_by is not None
                         and report.committed_send_by < session.date)
    if report.status != ReportStatus.SENT and not (
        report.status in (ReportStatus.SUBMITTED, ReportStatus.IN_REVIEW) and committed_in_time
    ):
        raise ValidationError("The report must be sent to the PSO, or committed to be sent "
                              "before the session (ground rule 4).")
    if not summary.strip():
        raise ValidationError({"summary": "Write the case summary for the meeting."})
    unresolved = _unresolved_findings(summary, dismissed_findings)
    if unresolved:
        listed = "; ".join(f"'{f.text}' ({getattr(f.kind, 'value', f.kind)})"
                           for f in unresolved[:5])
        raise ValidationError({"summary": "The summary may identify a provider, the hospital, "
                                          "a place or a date: fix or dismiss each finding "
                                          f"(ground rule 8): {listed}."})
    nomination = Nomination.objects.create(
        session=session, session_hospital=session_hospital, report=report,
        summary=summary.strip(), nominated_by=actor,
        dismissed_findings=[{**d, "by": actor.email, "at": timezone.now().isoformat()}
                            for d in dismissed_findings],
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=nomination, hospital=hospital,
                 summary=f"Nominated a case for {session.title}")
    _notify(kind=kinds.NOMINATION_UPDATE, event_key=f"nomination:{nomination.pk}:submitted",
            recipients=session.facilitators.all(),
            title=f"New case nominated for {session.title}", link=_link(session))
    return nomination


@transaction.atomic
def nomination_comment(*, nomination: Nomination, actor, text: str) -> NominationComment:
    if timezone.localdate() > nomination.session.nomination_deadline:
        raise ValidationError("Comments on nominations close with the nomination deadline.")
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    comment = NominationComment.objects.create(nomination=nomination, author=actor,
                                               text=text.strip())
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=nomination,
                 hospital=nomination.session_hospital.hospital,
                 summary="Commented on a nomination")
    _notify(kind=kinds.NOMINATION_UPDATE,
            event_key=f"nomination:{nomination.pk}:comment:{comment.pk}",
            recipients=_leads(nomination.session_hospital.hospital),
            title=f"The PSO commented on a case you nominated for {nomination.session.title}",
            link=_link(nomination.session))
    return comment


@transaction.atomic
def nomination_decide(*, nomination: Nomination, accept: bool, actor,
                      comment: str = "") -> Nomination:
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.status != NominationStatus.SUBMITTED:
        raise ValidationError("Only a submitted nomination can be accepted or returned.")
    if not accept and not comment.strip():
        raise ValidationError({"comment": "Say why the nomination is returned."})
    session = nomination.session
    if not session.is_open:
        raise ValidationError("This session was cancelled or is closed.")
    if accept and not _contract_active_on(nomination.session_hospital.hospital, session.date):
        raise ValidationError("The hospital's PSO contract is not in force on the session date, "
                              "so its case cannot be accepted (ground rule 1).")
    if accept:
        CollaborativeSession.objects.select_for_update().filter(pk=session.pk).first()
        last = session.nominations.exclude(case_number=None).order_by("-case_number").first()
        nomination.case_number = (last.case_number + 1) if last else 1
        nomination.status = NominationStatus.ACCEPTED
    else:
        nomination.status = NominationStatus.RETURNED
        NominationComment.objects.create(nomination=nomination, author=actor,
                                         text=comment.strip())
    nomination.decided_at = timezone.now()
    nomination.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=nomination,
                 hospital=nomination.session_hospital.hospital,
                 summary=("Accepted" if accept else "Returned") + " a nomination")
    _notify(kind=kinds.NOMINATION_UPDATE,
            event_key=f"nomination:{nomination.pk}:{nomination.status}",
            recipients=_leads(nomination.session_hospital.hospital),
            title=(f"Your case was accepted for {session.title}" if accept
                   else f"Your case for {session.title} was returned with a comment"),
            link=_link(session))
    return nomination


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, reason: str, actor=None) -> Nomination:
    """Take a case out of the session. An accepted case keeps its number, which is never given
    to another case: "Case 2" in notes written before the withdrawal still means this one."""
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.status == NominationStatus.WITHDRAWN:
        return nomination
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_reason = reason[:300]
    nomination.save(update_fields=["status", "withdrawn_reason"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=nomination,
                 hospital=nomination.session_hospital.hospital,
                 summary=f"Withdrew a nomination: {reason}"[:300])
    return nomination


def _commitment_problem(nomination, today) -> str:
    """Why a nominated report no longer meets rule 4, or "" when it does."""
    report = nomination.report
    if report.status == ReportStatus.SENT:
        return ""
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.IN_REVIEW):
        return "the report was withdrawn and will not be sent to the PSO"
    if report.committed_send_by is None:
        return "the report is no longer committed to be sent to the PSO"
    if report.committed_send_by < today:
        return "the report was not sent to the PSO by the committed date"
    if report.committed_send_by >= nomination.session.date:
        return "the report is now committed to be sent only after the session"
    return ""


def nominations_enforce_commitments(*, today=None) -> int:
    """Rule 4: a case whose report missed its committed date leaves the session by itself.

    Only sessions that have not met yet are looked at: what was discussed stays on record.
    A report that was withdrawn, or whose commitment was dropped or moved past the session,
    leaves too.
    """
    today = today or timezone.localdate()
    withdrawn = 0
    candidates = (
        Nomination.objects.filter(
            status__in=[NominationStatus.SUBMITTED, NominationStatus.ACCEPTED,
                        NominationStatus.RETURNED],
            session__status__in=_BEFORE_MEETING,
        )
        .exclude(report__status=ReportStatus.SENT)
        .select_related("session", "report", "session_hospital__hospital")
    )
    for nomination in candidates:
        problem = _commitment_problem(nomination, today)
        if not problem:
            continue
        with transaction.atomic():
            nomination_withdraw(nomination=nomination,
                                reason=f"Withdrawn automatically: {problem} (ground rule 4).")
            session = nomination.session
            rule = ("Ground rule 4 allows only cases whose report is sent to the PSO, or "
                    "committed to be sent before the session.")
            # The hospital's leads learn which of their reports it was; the facilitators'
            # notice names no report, since a reference carries the hospital's initials
            # (ground rule 9).
            _notify(kind=kinds.NOMINATION_UPDATE,
                    event_key=f"nomination:{nomination.pk}:commitment-missed",
                    recipients=_leads(nomination.session_hospital.hospital),
                    title=f"A case was withdrawn from {session.title}: {problem}",
                    body=f"Report {nomination.report.reference}: {problem}. {rule}",
                    link=_link(session))
            _notify(kind=kinds.NOMINATION_UPDATE,
                    event_key=f"nomination:{nomination.pk}:commitment-missed:pso",
                    recipients=session.facilitators.all(),
                    title=f"A case was withdrawn from {session.title}",
                    body=f"{nomination.label}: its report was not sent to the PSO as "
                         f"committed. {rule}",
                    link=_link(session))
            withdrawn += 1
    return withdrawn


# --- Meeting -----------------------------------------------------------------------------


@transaction.atomic
def attestation_accept(*, session, user) -> Attestation:
    if user.pk not in grants.eligible_user_ids(session):
        raise ValidationError("Only the session's facilitators, named attendees and guests "
                              "can accept the ground rules for it.")
    attestation, created = Attestation.objects.get_or_create(
        session=session, user=user, defaults={"text_version": attestation_version()})
    if created:
        audit_record(actor=user, action=AuditAction.ACCEPT, obj=session,
                     summary=f"Accepted the ground rules for {session.title}",
                     detail={"version": attestation.text_version})
    grants.sync_session(session)
    return attestation


@transaction.atomic
def note_add(*, session, actor, observations: str, improvement_ideas: str = "",
             systems_factors=(), nomination=None,
             dismissed_findings: list[dict] | None = None) -> DiscussionNote:
    dismissed_findings = dismissed_findings or []
    if nomination is not None and nomination.session_id != session.pk:
        raise ValidationError("Notes can be attached only to a case of this session.")
    if not observations.strip():
        raise ValidationError({"observations": "Write what the group saw in the system."})
    unresolved = _unresolved_findings(f"{observations}\n{improvement_ideas}",
                                      dismissed_findings)
    if unresolved:
        listed = "; ".join(f"'{f.text}'" for f in unresolved[:5])
        raise ValidationError({"observations": "Notes discuss systems, not people: fix or "
                                               f"dismiss each finding (rules 5 and 8): "
                                               f"{listed}."})
    note = DiscussionNote.objects.create(
        session=session, author=actor, observations=observations.strip(),
        improvement_ideas=improvement_ideas.strip(), systems_factors=list(systems_factors),
        nomination=nomination,
        dismissed_findings=[{**d, "by": actor.email} for d in dismissed_findings])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=note,
                 summary=f"Added discussion notes to {session.title}")
    return note


def sessions_send_reminders(*, now=None) -> int:
    """Nomination deadline in two days; session in 24 hours."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for session in CollaborativeSession.objects.filter(
        status=SessionStatus.INVITATIONS_SENT, nomination_deadline=today + timedelta(days=2)
    ):
        with_cases = Nomination.objects.filter(session=session).exclude(
            status=NominationStatus.WITHDRAWN).values("session_hospital_id")
        for row in session.hospitals.exclude(status=ParticipationStatus.DECLINED).exclude(
            pk__in=with_cases
        ).select_related("hospital"):
            sent += len(_notify(kind=kinds.SESSION_REMINDER,
                                event_key=f"session:{session.pk}:deadline:{row.hospital_id}",
                                recipients=_leads(row.hospital),
                                title=f"Nominations for {session.title} close in two days",
                                link=_link(session)))
    for session in CollaborativeSession.objects.filter(
        status__in=[SessionStatus.INVITATIONS_SENT, SessionStatus.NOMINATIONS_CLOSED],
        date__gte=today - timedelta(days=1), date__lte=today + timedelta(days=2),
    ):
        if not (now <= session.starts_at <= now + timedelta(hours=24)):
            continue
        people = [a.membership.user for a in Attendee.objects.filter(
            session_hospital__session=session,
            session_hospital__status=ParticipationStatus.ACCEPTED,
        ).select_related("membership__user")] + [g.user for g in
                                                 session.guests.select_related("user")]
        sent += len(_notify(kind=kinds.SESSION_REMINDER, event_key=f"session:{session.pk}:24h",
                            recipients=people, title=f"Tomorrow: {session.title}",
                            body=f"{session.start_time:%H:%M} "
                                 f"({session.get_time_zone_display()}), {session.location}",
                            link=_link(session)))
    return sent


def membership_for_session(*, session, membership: Membership) -> SessionHospital | None:
    return session.hospitals.filter(hospital=membership.hospital).first()


