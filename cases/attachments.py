"""Photos and documents on incident reports: who reaches them, and every write on them.

A file is checked by its content (chpso_portal.uploads), at most ATTACHMENT_MAX_BYTES, at most
ATTACHMENTS_PER_REPORT on a report; a JPEG or PNG is written again from its pixels so that no
location or device travels with it, and a PDF, Word or Excel file is written again without the
details of who made it (author, company, comments' authors). It is stored under a random name
in the private storage.

The name it was uploaded under is screened like any text that may leave the hospital
("john_smith_MRN1234567_fall.jpg" is read as "john smith MRN1234567 fall jpg"). Before the file
can go to the PSO, each finding is fixed by renaming it or kept with a reason.

Who reaches a file: the reporter the files they attached to their own report; the hospital's
reviewers every file of the reports they review. The PSO reaches only the files the safety lead
ticked when sending the report, as the sent copy records them. Audit rows never repeat a file
name: it may name a patient, and the PSO reads the audit log.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from chpso_portal.audit.models import AuditAction
from chpso_portal.audit.services import audit_record
from chpso_portal.deidentify import EXPLANATIONS, Finding, FindingKind, screen, summarize
from chpso_portal.deidentify.lexicon import fold, lexicon
from chpso_portal.uploads import IMAGES, TYPES, check_upload, cleaned, extension_of
from members.roles import Scope

from .access import _deny as deny
from .access import reports_visible_to_member
from .models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    ATTACHMENTS_PER_REPORT,
    ReportAttachment,
    ReportStatus,
)
from .screening import ScreenedText, known_identifiers, unresolved
from .services import _audit_actor, _stamp

TYPES_HINT = (f"Photos (JPEG or PNG), PDF, Word, Excel or plain text; at most "
              f"{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB each, {ATTACHMENTS_PER_REPORT} files "
              "on a report. The author and company a PDF, Word or Excel file records are "
              "removed; crop out faces, wristbands and labels: the portal screens the file "
              "name, not what the photo shows.")
ACCEPT = ".jpg,.jpeg,.png,.pdf,.txt,.docx,.xlsx,image/jpeg,image/png,application/pdf,text/plain"
NAME_LABEL = "File name"
TYPE_LABELS = {TYPES[e].content_type: "Photo" if e in IMAGES else TYPES[e].label
               for e in ATTACHMENT_TYPES}


# --- The file name's screening ------------------------------------------------------------

def name_words(name: str) -> str:
    """The file name as words: separators become spaces and joined words are split
    ("JohnSmith_MRN1234567-fall.jpg" -> "John Smith MRN1234567 fall jpg")."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", name or "")
    return " ".join(part for part in re.split(r"[\s_.\-+~,;()\[\]{}]+", name) if part)


def _first_and_last_names(words: str) -> list[Finding]:
    """A first name followed by a surname ("john smith"), the way file names write people in
    lower case, where the prose rules want capitals or a cue such as "patient"."""
    lists = lexicon()
    tokens = list(re.finditer(r"[A-Za-z']+", words))
    findings = []
    for first, last in zip(tokens, tokens[1:], strict=False):
        a, b = fold(first.group()), fold(last.group())
        if (a in lists.first_names and b in lists.surnames and len(a) > 1 and len(b) > 1
                and a not in lists.clinical and b not in lists.clinical):
            findings.append(Finding(kind=FindingKind.PERSON, start=first.start(),
                                    end=last.end(), text=words[first.start():last.end()],
                                    explanation=EXPLANATIONS[FindingKind.PERSON]))
    return findings


def screen_name(name: str, known=None) -> ScreenedText:
    """The file name read as words, with what the screening finds in it. The extension is
    shown but not screened: it says what kind of file this is, and read as a word beside the
    name's last word ("rota docx") it can look like a person's name."""
    words = name_words(name)
    stem, dot, extension = (name or "").rpartition(".")
    screened = name_words(stem) if dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,5}", extension) \
        else words
    found = screen(screened, known if known is not None else known_identifiers())
    taken = [(f.start, f.end) for f in found]
    for extra in _first_and_last_names(screened):
        if not any(extra.start < end and start < extra.end for start, end in taken):
            found.append(extra)
            taken.append((extra.start, extra.end))
    return ScreenedText(name="display_name", label=NAME_LABEL, text=words,
                        findings=tuple(sorted(found, key=lambda f: f.start)))


def _stored(screened: ScreenedText) -> list[dict]:
    return [{"kind": str(getattr(f.kind, "value", f.kind)), "text": f.text}
            for f in screened.findings]


def name_unresolved(attachment) -> list:
    """(label, finding) for each finding in the file name neither renamed away nor kept with
    a reason."""
    screened = screen_name(attachment.display_name)
    return unresolved([screened] if screened.findings else [], attachment.name_dismissed)


# --- Who reaches a file ---------------------------------------------------------------------

def _deny(request, public_id, hospital=None):
    deny(request, public_id, hospital, model=ReportAttachment, what="Attachment")


def is_reviewer(membership, report) -> bool:
    return Scope.REPORTS_REVIEW in membership.scopes and report.status != ReportStatus.DRAFT


def visible_attachments(report, membership):
    """The files of `report` the member sees: a reviewer all of them, the reporter their own."""
    attachments = report.attachments.select_related("uploaded_by")
    if is_reviewer(membership, report):
        return attachments
    if report.reporter_id == membership.user_id:
        return attachments.filter(uploaded_by=membership.user)
    return attachments.none()


def attachment_for_member(request, public_id) -> ReportAttachment:
    """One file of a report the member sees, or 404 (audited when it exists)."""
    membership = request.membership
    attachment = (ReportAttachment.objects
                  .filter(public_id=public_id,
                          report__in=reports_visible_to_member(membership))
                  .select_related("report__hospital", "report__reporter", "uploaded_by")
                  .first())
    if attachment is None or not visible_attachments(attachment.report, membership).filter(
            pk=attachment.pk).exists():
        _deny(request, public_id, membership.hospital)
    return attachment


def attachment_for_pso(request, public_id) -> ReportAttachment:
    """A file the hospital sent to the PSO with its report, or 404 (audited when it exists):
    the report was sent and its sent copy lists the file."""
    attachment = (ReportAttachment.objects
                  .filter(public_id=public_id, share_with_pso=True,
                          report__status=ReportStatus.SENT)
                  .select_related("report__hospital", "report__sent_copy")
                  .first())
    if attachment is None or str(public_id) not in {
            item.get("id") for item in attachment.report.sent_copy.data.get("attachments", [])}:
        _deny(request, public_id)
    return attachment


def may_upload(membership, report) -> bool:
    if report.is_frozen:
        return False
    return report.reporter_id == membership.user_id or is_reviewer(membership, report)


def may_change(membership, attachment) -> bool:
    """Rename it, or keep its name with a reason: the uploader or a reviewer, until it went to
    the PSO."""
    report = attachment.report
    if attachment.share_with_pso or report.is_frozen:
        return False
    return attachment.uploaded_by_id == membership.user_id or is_reviewer(membership, report)


def may_remove(membership, attachment) -> bool:
    """A file sent to the PSO stays for good. Otherwise its uploader removes it until the
    report is sent or withdrawn, and a reviewer at any time."""
    if attachment.share_with_pso:
        return False
    if is_reviewer(membership, attachment.report):
        return True
    return attachment.uploaded_by_id == membership.user_id and not attachment.report.is_frozen


def present(attachments, membership) -> list[ReportAttachment]:
    """The files with what the page needs: who attached it (never the name of a reporter who
    hid it), the screening of its name, and what the member may do."""
    known = known_identifiers()
    rows = []
    for attachment in attachments:
        report = attachment.report
        if attachment.uploaded_by_id == report.reporter_id:
            attachment.uploader_label = "the reporter" if report.reporter_hidden else \
                f"{attachment.uploaded_by.display_name} (reporter)"
        else:
            attachment.uploader_label = attachment.uploaded_by.display_name
        attachment.screened = screen_name(attachment.display_name, known)
        attachment.unresolved = unresolved(
            [attachment.screened] if attachment.screened.findings else [],
            attachment.name_dismissed)
        attachment.size_label = size_label(attachment.size)
        attachment.type_label = TYPE_LABELS.get(attachment.content_type, "File")
        attachment.may_change = may_change(membership, attachment)
        attachment.may_remove = may_remove(membership, attachment)
        rows.append(attachment)
    return rows


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


# --- Writes ---------------------------------------------------------------------------------

def clean_display_name(name: str) -> str:
    """A name to show: no folder, no control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200]


def check_uploads(*, report, uploads, field: str = "files") -> list:
    """Check every upload before anything is saved: (upload, file type, content to store,
    whether metadata was removed) for each, or one ValidationError on `field` listing every
    problem."""
    uploads = [u for u in uploads if u]
    errors, checked = [], []
    room = ATTACHMENTS_PER_REPORT - (report.attachments.count() if report is not None and
                                     report.pk else 0)
    if len(uploads) > room:
        errors.append(f"A report holds at most {ATTACHMENTS_PER_REPORT} files: "
                      + (f"choose at most {room} more." if room > 0 else
                         "remove one before adding another."))
    for upload in uploads:
        if extension_of(upload.name) in ("heic", "heif"):
            errors.append(f"{clean_display_name(upload.name)}: HEIC photos are not accepted, "
                          "because their location and camera details cannot be removed. "
                          "Share the photo as JPEG (on an iPhone, the Most Compatible format) "
                          "and choose it again.")
            continue
        try:
            file_type = check_upload(upload, allowed=ATTACHMENT_TYPES,
                                     max_bytes=ATTACHMENT_MAX_BYTES, field=field)
            checked.append((upload, file_type, *cleaned(upload, file_type, field=field)))
        except ValidationError as exc:
            errors.extend(exc.message_dict[field])
    if errors:
        raise ValidationError({field: errors})
    return checked


def _lock(report):
    from .models import IncidentReport

    return IncidentReport.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def attachments_add(*, report, actor, membership, uploads,
                    field: str = "files") -> list[ReportAttachment]:
    """Attach files to a report: every one checked first, so that all are saved or none."""
    report = _lock(report)
    if not may_upload(membership, report):
        raise ValidationError({field: "Files are added to a report until it is sent or "
                                      "withdrawn, by its reporter or its reviewers."})
    checked = check_uploads(report=report, uploads=uploads, field=field)
    known = known_identifiers()
    saved = []
    for upload, file_type, content, stripped in checked:
        display_name = clean_display_name(upload.name) or f"file.{file_type.extension}"
        screened = screen_name(display_name, known)
        attachment = ReportAttachment(
            report=report, uploaded_by=actor, display_name=display_name,
            content_type=file_type.content_type, size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), metadata_removed=stripped,
            name_findings=_stored(screened))
        attachment.file.save(f"file.{file_type.extension}", ContentFile(content), save=False)
        attachment.save()
        # The file name is not repeated here: the audit log is read outside the hospital.
        audit_record(**_audit_actor(report, actor), action=AuditAction.CREATE, obj=attachment,
                     hospital=report.hospital,
                     summary=f"Attached a file to report {report.reference or 'draft'}",
                     detail={"report": str(report.public_id),
                             "content_type": file_type.content_type, "size": len(content),
                             "metadata_removed": stripped,
                             "name_findings": summarize(screened.findings)})
        saved.append(attachment)
    return saved


def _lock_attachment(attachment, membership, allowed) -> ReportAttachment:
    _lock(attachment.report)
    attachment = (ReportAttachment.objects.select_for_update()
                  .select_related("report", "uploaded_by").get(pk=attachment.pk))
    if not allowed(membership, attachment):
        raise ValidationError("This file can no longer be changed: it went to the PSO with "
                              "its report, or the report is closed.")
    return attachment


@transaction.atomic
def attachment_rename(*, attachment, actor, membership, display_name: str,
                      reasons: dict | None = None) -> ReportAttachment:
    """A new name for the file, screened again, and the reasons ({(kind, text): reason}) for
    keeping findings in it as they are. Dismissals of words no longer in the name lapse."""
    attachment = _lock_attachment(attachment, membership, may_change)
    name = clean_display_name(display_name)
    if not name:
        raise ValidationError({"display_name": "Give the file a name."})
    if any(not (reason or "").strip() for reason in (reasons or {}).values()):
        raise ValidationError("A finding is kept as it is with a reason.")
    screened = screen_name(name)
    present_now = {(f["kind"], f["text"]) for f in _stored(screened)}
    dismissed = [{"kind": kind, "text": text, "reason": reason.strip()}
                 for (kind, text), reason in (reasons or {}).items()
                 if (kind, text) in present_now]
    renamed = name != attachment.display_name
    attachment.display_name = name
    attachment.name_findings = _stored(screened)
    attachment.name_dismissed = _stamp(dismissed, actor, saved=attachment.name_dismissed)
    attachment.save(update_fields=["display_name", "name_findings", "name_dismissed"])
    report = attachment.report
    audit_record(**_audit_actor(report, actor), action=AuditAction.UPDATE, obj=attachment,
                 hospital=report.hospital,
                 summary=f"Checked the name of a file on report {report.reference or 'draft'}",
                 detail={"renamed": renamed, "name_findings": summarize(screened.findings),
                         "kept_with_reason": len(attachment.name_dismissed)})
    return attachment


@transaction.atomic
def attachment_remove(*, attachment, actor, membership) -> None:
    """Remove a file that did not go to the PSO: the row now, the stored file once the
    removal is committed."""
    attachment = _lock_attachment(attachment, membership, may_remove)
    report = attachment.report
    stored = attachment.file.name
    storage = attachment.file.storage
    audit_record(**_audit_actor(report, actor), action=AuditAction.DEACTIVATE, obj=attachment,
                 hospital=report.hospital,
                 summary=f"Removed a file from report {report.reference or 'draft'}",
                 detail={"content_type": attachment.content_type, "size": attachment.size})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))


def attachments_share(*, report, actor, chosen) -> list[dict]:
    """Inside report_send's transaction: mark the files the lead ticked as sent to the PSO and
    return what the sent copy records of each. A file whose name still has an unresolved
    finding stops the send."""
    chosen = {str(c) for c in chosen if c}
    if not chosen:
        return []
    attachments = list(report.attachments.select_for_update().filter(public_id__in=chosen))
    if len(attachments) != len(chosen):
        raise ValidationError("A file chosen to send is not on this report.")
    blocked = [a for a in attachments if name_unresolved(a)]
    if blocked:
        raise ValidationError(
            "Rename each file whose name may identify someone, or keep the name with a reason, "
            "before sending it: " + "; ".join(a.display_name for a in blocked) + ".")
    sent = []
    for attachment in attachments:
        attachment.share_with_pso = True
        attachment.save(update_fields=["share_with_pso"])
        sent.append({"id": str(attachment.public_id), "name": attachment.display_name,
                     "content_type": attachment.content_type, "size": attachment.size,
                     "sha256": attachment.sha256,
                     "name_kept_with_reason": len(attachment.name_dismissed)})
    return sent


def attachment_record_download(*, attachment, viewer, pso: bool = False) -> None:
    report = attachment.report
    audit_record(**({"actor": viewer} if pso else _audit_actor(report, viewer)),
                 action=AuditAction.DOWNLOAD, obj=attachment, hospital=report.hospital,
                 summary=f"Downloaded a file of report {report.reference or 'draft'}"
                         + (" sent to the PSO" if pso else ""))


def download_name(attachment) -> str:
    """The display name, reduced to letters, digits, spaces, dots, dashes and underscores,
    ending with the extension of the type the content was checked to be."""
    stem = attachment.display_name
    if "." in stem and stem.rsplit(".", 1)[-1].lower() in ("jpg", "jpeg", "png", "pdf", "txt",
                                                           "docx", "xlsx"):
        stem = stem.rsplit(".", 1)[0]
    stem = re.sub(r"[^\w .-]+", "-", stem, flags=re.UNICODE)
    stem = re.sub(r"\s+", " ", stem).strip(" .-")[:100] or "file"
    return f"{stem}.{attachment.extension}"




def attachments_received(report) -> list[dict]:
    """What the PSO received with the report, as its sent copy records it."""
    copy = getattr(report, "sent_copy", None)
    items = (copy.data.get("attachments") or []) if copy is not None else []
    return [{**item, "size_label": size_label(item.get("size") or 0),
             "type_label": TYPE_LABELS.get(item.get("content_type"), "File")}
            for item in items]


def sending_choices(report, membership) -> list[ReportAttachment]:
    """The files the lead may tick when sending the report; a file whose name is unresolved is
    listed, but cannot be ticked until it is renamed or kept with a reason."""
    return present(report.attachments.select_related("uploaded_by", "report"), membership)

