"""Every write on incident reports: keyword-only, takes the actor, audits, notifies after commit."""

import hashlib
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.deidentify import summarize
from chpso_portal.notifications import kinds
from chpso_portal.notifications.services import notify

from .dashboard import reports_changed
from .models import (
    Addendum,
    ContributingFactor,
    IncidentReport,
    ReportSequence,
    ReportStatus,
    SentReport,
)
from .taxonomy import EventCategory, EventType

REPORTER_FIELDS = [
    "event_type", "category", "event_date", "event_time", "discovered_date", "location_type",
    "location_detail", "narrative", "harm_level", "harm_duration", "medication_category",
    "near_miss_recovery", "reporter_hidden",
]
REVIEW_FIELDS = ["systems_issue", "preventability", "handover_involved", "pso_summary",
                 "feedback"]
# What the PSO receives: the report and the review, never the reporter or the feedback to them.
SENT_FIELDS = [f for f in REPORTER_FIELDS if f != "reporter_hidden"] + [
    "systems_issue", "preventability", "handover_involved", "pso_summary",
]
EARLIEST_EVENT_DATE = date(1900, 1, 1)
_SMALL_WORDS = {"of", "the", "and", "at", "for", "de", "la"}
# The free text among SENT_FIELDS: screened before the report leaves the hospital.
SENT_TEXT_FIELDS = ["location_detail", "narrative", "near_miss_recovery", "pso_summary"]


def hospital_prefix(hospital) -> str:
    """Initials of the hospital's name: Mercy General Hospital -> MGH."""
    words = [w for w in re.split(r"[^A-Za-z]+", hospital.name) if w and w.lower() not in
             _SMALL_WORDS]
    return ("".join(w[0] for w in words)[:5] or "RPT").upper()


def allocate_references(*, hospital, year: int, count: int = 1) -> list[str]:
    """Reserve `count` consecutive reference numbers for one hospital and year."""
    sequence, _ = ReportSequence.objects.get_or_create(hospital=hospital, year=year)
    sequence = ReportSequence.objects.select_for_update().get(pk=sequence.pk)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    prefix = hospital_prefix(hospital)
    return [f"{prefix}-{year}-{n:04d}" for n in range(first, first + count)]


def validate_report(data: dict) -> None:
    """The rules a filed report keeps, whoever fills it in (form, import)."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    event_date, discovered = data.get("event_date"), data.get("discovered_date")
    if event_date and event_date > today:
        errors["event_date"] = "The date it happened cannot be in the future."
    if event_date and event_date < EARLIEST_EVENT_DATE:
        errors["event_date"] = "The date it happened cannot be before 1900."
    if discovered and discovered < EARLIEST_EVENT_DATE:
        errors["discovered_date"] = "The date it was discovered cannot be before 1900."
    if discovered and discovered > today:
        errors["discovered_date"] = "The date it was discovered cannot be in the future."
    if event_date and discovered and discovered < event_date:
        errors["discovered_date"] = "It cannot have been discovered before it happened."
    event_type = data.get("event_type")
    if event_type == EventType.INCIDENT:
        if not data.get("harm_level"):
            errors["harm_level"] = "Say whether the patient was harmed (choose Unknown if unsure)."
    else:
        for field in ("harm_level", "harm_duration"):
            if data.get(field):
                errors[field] = "Harm is recorded only for incidents that reached the patient."
    if data.get("harm_duration") and data.get("harm_level") in ("none", "death"):
        errors["harm_duration"] = "Duration applies only to mild, moderate or severe harm."
    if event_type == EventType.NEAR_MISS and not (data.get("near_miss_recovery") or "").strip():
        errors["near_miss_recovery"] = "Say what stopped it from reaching the patient."
    if data.get("medication_category") and data.get("category") != EventCategory.MEDICATION:
        errors["medication_category"] = "The NCC MERP category is for medication events only."
    if not (data.get("narrative") or "").strip():
        errors["narrative"] = "Describe what happened."
    if errors:
        raise ValidationError(errors)


def hidden_reporter_label(report: IncidentReport) -> str:
    """How the audit log names a reporter who hid their name: by the report, never the person,
    so their rows on different reports cannot be put together."""
    return f"hidden reporter of report {report.public_id}"


def _audit_actor(report: IncidentReport, actor) -> dict:
    """The reporter of a report with their name hidden appears in the audit log under a
    pseudonym (the hospital keeps the link on the report itself); everyone else by name."""
    if (report.reporter_hidden and actor is not None and report.reporter_id is not None
            and actor.pk == report.reporter_id):
        return {"actor": None, "pseudonym": hidden_reporter_label(report)}
    return {"actor": actor}


def _notify_reporter(report: IncidentReport, title: str, event: str = "") -> None:
    """Tell the reporter; one notice per report and event (a status reached, a new feedback)."""
    if report.reporter_id is None:
        return
    event = event or f"status:{report.status}"
    notify(
        kind=kinds.REPORT_UPDATE,
        event_key=f"report:{report.public_id}:{event}",
        recipients=[report.reporter],
        title=title,
        link=reverse("report-detail", args=[report.public_id]),
    )


def _unit_of_hospital(hospital, unit, *, current=None):
    """A unit the report may name: one of its hospital's units in use, or the one it names."""
    if unit is None:
        return None
    if unit.hospital_id != hospital.pk or not (unit.active or unit.pk == current):
        raise ValidationError({"unit": "Choose one of your hospital's units in use."})
    return unit


@transaction.atomic
def report_save_draft(*, hospital, reporter, data: dict,
                      report: IncidentReport | None = None) -> IncidentReport:
    if report is None:
        report = IncidentReport(hospital=hospital, reporter=reporter)
    elif report.status != ReportStatus.DRAFT:
        raise ValidationError("Only a draft can be edited by its reporter.")
    for field in REPORTER_FIELDS:
        if field in data:
            setattr(report, field, data[field])
    if "unit" in data:
        report.unit = _unit_of_hospital(hospital, data["unit"], current=report.unit_id)
    adding = report._state.adding
    report.save()
    audit_record(**_audit_actor(report, reporter),
                 action=AuditAction.CREATE if adding else AuditAction.UPDATE,
                 obj=report, hospital=hospital, summary="Saved a draft report")
    return report


@transaction.atomic
def report_submit(*, report: IncidentReport, actor, confirmed_findings=()) -> IncidentReport:
    """File a draft. `confirmed_findings`: what the screening found and the reporter chose to
    send as it was; the audit row counts them by kind, never repeating the words."""
    report = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError("This report was already submitted.")
    validate_report({f: getattr(report, f) for f in REPORTER_FIELDS})
    report.reference = allocate_references(hospital=report.hospital,
                                           year=timezone.localdate().year)[0]
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["reference", "status", "submitted_at", "updated_at"])
    reports_changed(report.hospital_id)
    audit_record(**_audit_actor(report, actor), action=AuditAction.SEND, obj=report,
                 hospital=report.hospital, summary=f"Submitted report {report.reference}",
                 detail={"reporter_hidden": report.reporter_hidden,
                         **({"screening_confirmed": summarize(confirmed_findings)}
                            if confirmed_findings else {})})
    _notify_reporter(report, f"Report {report.reference} received: thank you")
    return report


def _lock_for_review(report: IncidentReport) -> IncidentReport:
    report = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.SENT:
        raise ValidationError("This report was sent to the PSO and is frozen. Add an addendum "
                              "instead.")
    if report.status in (ReportStatus.DRAFT, ReportStatus.WITHDRAWN):
        raise ValidationError(f"A {report.get_status_display().lower()} report cannot be "
                              "reviewed.")
    return report


def sent_texts(report: IncidentReport, **overrides) -> list[tuple[str, str, str]]:
    """(field, label, text) of each free text the PSO receives; `overrides` replace a value
    (the summary being edited on the review form)."""
    texts = []
    for name in SENT_TEXT_FIELDS:
        label = str(IncidentReport._meta.get_field(name).verbose_name)
        texts.append((name, label[:1].upper() + label[1:],
                      overrides.get(name, getattr(report, name)) or ""))
    return texts


def unresolved_sent_findings(report: IncidentReport) -> list:
    """(label, finding) for what the screening finds in the text the PSO would receive and
    the reviewer neither fixed nor dismissed with a reason."""
    from .screening import screen_texts, unresolved

    return unresolved(screen_texts(sent_texts(report)), report.dismissed_findings)


def _stamp(dismissed, actor, saved=()) -> list[dict]:
    """Dismissals as recorded: kind, words, reason, and who gave the reason when. A reason
    already saved keeps its author and time."""
    earlier = {(d.get("kind"), d.get("text"), d.get("reason"), bool(d.get("replace"))): d
               for d in saved or ()}
    now = timezone.now().isoformat()
    stamped = []
    for d in dismissed:
        replace = bool(d.get("replace"))
        entry = earlier.get((d["kind"], d["text"], d["reason"], replace)) or {
            "kind": d["kind"], "text": d["text"], "reason": d["reason"],
            "by": actor.email, "at": now}
        if replace:
            entry = {**entry, "replace": True}  # replaced in the copy sent to the PSO
        stamped.append(entry)
    return stamped


@transaction.atomic
def report_review_save(*, report: IncidentReport, actor, factors: list[str],
                       dismissed_findings: list[dict] | None = None,
                       **fields) -> IncidentReport:
    """Save the review. `dismissed_findings` ({kind, text, reason}) replaces the dismissals of
    screening findings in the text sent to the PSO; None keeps them as they are."""
    report = _lock_for_review(report)
    old_feedback = report.feedback
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"Not review fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(report, name, value)
    if dismissed_findings is not None:
        if any(not (d.get("reason") or "").strip() for d in dismissed_findings):
            raise ValidationError("A finding is dismissed with a reason.")
        report.dismissed_findings = _stamp(dismissed_findings, actor,
                                           saved=report.dismissed_findings)
    moved = report.status == ReportStatus.SUBMITTED
    if moved:
        report.status = ReportStatus.IN_REVIEW
        report.reviewed_at = timezone.now()
    report.save()
    reports_changed(report.hospital_id)
    chosen = list(ContributingFactor.objects.filter(code__in=factors))
    if len(chosen) != len(set(factors)):
        unknown = sorted(set(factors) - {f.code for f in chosen})
        raise ValidationError({"factors": f"Unknown contributing factor: {', '.join(unknown)}."})
    report.contributing_factors.set(chosen)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.hospital,
                 summary=f"Reviewed report {report.reference}",
                 detail={"fields": sorted(fields), "factors": sorted(factors),
                         "dismissed_findings": len(report.dismissed_findings)})
    if moved:
        _notify_reporter(report, f"Report {report.reference} is being reviewed")
    if report.feedback and report.feedback != old_feedback:
        digest = hashlib.sha256(report.feedback.encode()).hexdigest()[:16]
        _notify_reporter(report, f"New feedback on report {report.reference}",
                         event=f"feedback:{digest}")
    return report


def texts_as_sent(report: IncidentReport) -> dict[str, str]:
    """The free texts the PSO receives, with each finding the reviewer chose to replace
    swapped for its placeholder ("[name]"); the report itself keeps the reporter's words."""
    from .screening import replaced_findings, replaced_text, screen_texts

    texts = {name: text for name, _, text in sent_texts(report)}
    replaced = replaced_findings(report.dismissed_findings)
    if replaced:
        for item in screen_texts(sent_texts(report)):
            texts[item.name] = replaced_text(item.text, item.findings, replaced)
    return texts


def sent_data(report: IncidentReport) -> dict:
    data = {}
    texts = texts_as_sent(report)
    for name in SENT_FIELDS:
        value = texts[name] if name in texts else getattr(report, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["reference"] = report.reference
    data["contributing_factors"] = sorted(
        report.contributing_factors.values_list("code", flat=True)
    )
    return data


@transaction.atomic
def report_send(*, report: IncidentReport, actor, attachments=()) -> SentReport:
    """Send the report, and with it the files the lead chose (`attachments`: public ids);
    no file goes unless chosen."""
    from .attachments import attachments_share

    report = _lock_for_review(report)
    if not report.pso_summary.strip():
        raise ValidationError("Write the summary for the PSO before sending.")
    if unresolved := unresolved_sent_findings(report):
        from .screening import listed

        raise ValidationError(
            "Before the report leaves the hospital, fix or dismiss with a reason each word "
            f"that may identify someone: {listed(unresolved)}.")
    shared = attachments_share(report=report, actor=actor, chosen=attachments)
    report.status = ReportStatus.SENT
    report.sent_at = timezone.now()
    report.save(update_fields=["status", "sent_at", "updated_at"])
    reports_changed(report.hospital_id, sent=True)
    data = sent_data(report)
    if shared:
        data["attachments"] = shared
    copy = SentReport.objects.create(report=report, hospital=report.hospital,
                                     data=data, sent_at=report.sent_at, sent_by=actor)
    audit_record(actor=actor, action=AuditAction.SEND, obj=report, hospital=report.hospital,
                 summary=f"Sent report {report.reference} to the PSO",
                 detail={"dismissed_findings": len(report.dismissed_findings),
                         **({"attachments": len(shared)} if shared else {})})
    _notify_reporter(report, f"Report {report.reference} was sent to the PSO")
    return copy


@transaction.atomic
def report_withdraw(*, report: IncidentReport, actor, reason: str) -> IncidentReport:
    report = _lock_for_review(report)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the report is withdrawn."})
    report.status = ReportStatus.WITHDRAWN
    report.withdrawn_at = timezone.now()
    report.withdrawal_reason = reason.strip()
    report.committed_send_by = None
    report.save()
    reports_changed(report.hospital_id)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.hospital,
                 summary=f"Withdrew report {report.reference} from the PSES",
                 detail={"reason": report.withdrawal_reason})
    _notify_reporter(report, f"Report {report.reference} was withdrawn")
    return report


@transaction.atomic
def report_commit_to_send(*, report: IncidentReport, actor, send_by: date) -> IncidentReport:
    report = _lock_for_review(report)
    if send_by < timezone.localdate():
        raise ValidationError({"send_by": "The date to send by cannot be in the past."})
    report.committed_send_by = send_by
    report.save(update_fields=["committed_send_by", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.hospital,
                 summary=f"Committed to send {report.reference} by {send_by.isoformat()}")
    return report


ADDENDUM_LABEL = "Addendum"


def screen_addendum(text: str) -> list:
    """The addendum screened as the PSO would receive it (`cases.screening.screen_texts`)."""
    from .screening import screen_texts

    return screen_texts([("text", ADDENDUM_LABEL, (text or "").strip())])


@transaction.atomic
def report_add_addendum(*, report: IncidentReport, actor, text: str,
                        dismissed_findings: list[dict] | None = None) -> Addendum:
    """Add an addendum to a sent report. The PSO receives it as written, so it is screened
    like the summary: every finding is changed in the text or kept with a reason in
    `dismissed_findings` ({kind, text, reason}), else nothing is added."""
    from .screening import listed, unresolved

    report = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.SENT:
        raise ValidationError("Addenda are for reports already sent; edit the review instead.")
    if not text.strip():
        raise ValidationError({"text": "Write the addendum."})
    screened = screen_addendum(text)
    kept = [d for d in dismissed_findings or () if (d.get("reason") or "").strip()]
    if still := unresolved(screened, kept):
        raise ValidationError({"text": "Before the addendum goes to the PSO, change each word "
                                       "that may identify someone or keep it with a reason: "
                                       f"{listed(still)}."})
    found = {(str(getattr(f.kind, "value", f.kind)), f.text)
             for item in screened for f in item.findings}
    kept = [d for d in kept if (d.get("kind"), d.get("text")) in found]
    addendum = Addendum.objects.create(report=report, author=actor, text=text.strip(),
                                       dismissed_findings=_stamp(kept, actor))
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=report, hospital=report.hospital,
                 summary=f"Added an addendum to {report.reference}",
                 detail={"dismissed_findings": len(kept)})
    return addendum


def report_record_view(*, report: IncidentReport, viewer) -> None:
    audit_record(**_audit_actor(report, viewer), action=AuditAction.VIEW, obj=report,
                 hospital=report.hospital, summary=f"Read report {report.reference or 'draft'}")


@transaction.atomic
def patient_days_record(*, hospital, actor, month: date, patient_days: int):
    """Enter (or correct) a month's patient days: the denominator of reports per 1,000
    patient days. A correction keeps the old figure in the audit log."""
    from .dashboard import patient_days_changed
    from .models import PatientDays

    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": "That month has not started yet."})
    if patient_days < 1:
        raise ValidationError({"patient_days": "Give the number of patient days."})
    row, created = PatientDays.objects.select_for_update().get_or_create(
        hospital=hospital, month=month,
        defaults={"patient_days": patient_days, "entered_by": actor})
    old = None if created else row.patient_days
    if not created:
        row.patient_days, row.entered_by, row.entered_at = patient_days, actor, timezone.now()
        row.save(update_fields=["patient_days", "entered_by", "entered_at"])
    audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                 hospital=hospital, object_type="cases.patientdays",
                 summary=f"Patient days for {month:%Y-%m}: {patient_days}",
                 detail={"month": f"{month:%Y-%m}", "old": old, "new": patient_days})
    patient_days_changed(hospital.pk)
    return row


REVEAL_REASON_MIN = 20


@transaction.atomic
def report_reveal_reporter(*, report: IncidentReport, actor, reason: str):
    """The hospital's safety lead looks up who filed a report whose reporter hid their name,
    when the law requires it. The reason is recorded (the row names the report, never the
    reporter) and the reporter is told."""
    reason = " ".join(reason.split())
    if not report.reporter_hidden or report.reporter_id is None:
        raise ValidationError("This report's reporter did not hide their name.")
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": "Say why the law requires knowing the reporter (for "
                                         "example the court order or request it answers)."})
    audit_record(actor=actor, action=AuditAction.VIEW, obj=report, hospital=report.hospital,
                 summary=f"Looked up the hidden reporter of report {report.reference}",
                 detail={"reason": reason})
    notify(
        kind=kinds.REPORT_UPDATE,
        event_key=f"report:{report.public_id}:reporter-revealed:{timezone.now().isoformat()}",
        recipients=[report.reporter],
        title=f"Your name on report {report.reference} was looked up by your hospital's "
              "safety lead",
        body=f"Reason given: {reason}",
        link=reverse("report-detail", args=[report.public_id]),
    )
    return report.reporter

