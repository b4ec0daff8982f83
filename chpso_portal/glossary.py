"""The portal's glossary: the words its pages use, said plainly, in one place to correct.

Each term has an anchor, so a page links straight to it:
`{% url 'glossary' %}#withdraw`. Facts from shared/reference/domain.md (the Patient Safety Act
and Rule, AHRQ Common Formats, the microcollaborative ground rules).
"""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render

from cases.taxonomy import HARM_HELP, HarmLevel

from . import access


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str
    paragraphs: tuple[str, ...]


def terms() -> list[Term]:
    pso = settings.PSO_NAME
    harm = "; ".join(f"{HarmLevel(level).label}: {text.rstrip('.').lower()}"
                     if level != HarmLevel.UNKNOWN else f"{HarmLevel(level).label}: not known yet"
                     for level, text in HARM_HELP.items())
    return [
        Term("pswp", "Patient Safety Work Product (PSWP)", (
            "Reports, data, analyses and discussions put together to report to a PSO inside a "
            "hospital's patient safety evaluation system, or made by the PSO. The Patient "
            "Safety Act makes them privileged (they cannot be subpoenaed, used in discovery or "
            "in disciplinary proceedings) and confidential.",
            "The medical record and other original records are not PSWP: keep documenting "
            "care there as usual. Pages and exports of this portal that carry PSWP are "
            "labelled; do not copy or share them outside the portal.",
        )),
        Term("pso", "Patient Safety Organization (PSO)", (
            "An organization listed by AHRQ under the Patient Safety Act that works with "
            "hospitals to learn from safety events. What a hospital reports to its PSO is "
            f"protected as PSWP. Your hospital's PSO is {pso}; its contact details are at the "
            "foot of every page.",
        )),
        Term("pses", "Patient safety evaluation system (PSES)", (
            "How a hospital collects, manages and analyses information for reporting to a PSO. "
            "A report filed in this portal is in your hospital's PSES from the moment it is "
            "submitted.",
        )),
        Term("withdraw", "Withdraw a report", (
            "Before a report is sent to the PSO, the hospital's safety lead can withdraw it "
            "from the patient safety evaluation system (the law calls it \"dropping out\"), "
            "giving the reason, which is recorded. A withdrawn report is not sent to the PSO, "
            "cannot be sent later, and does not gain the protection that reporting it to the "
            "PSO would give. It stays in the hospital's list of reports, under \"All reports\", "
            "and the reporter is told.",
            "A report already sent to the PSO cannot be withdrawn: add an addendum instead.",
        )),
        Term("send", "Send to the PSO", (
            "The safety lead sends a reviewed report to the PSO. The PSO receives the facts of "
            "the event (type, category, dates, kind of location, where and what happened in "
            "the reporter's words, harm) and the review (contributing factors, systems issue, "
            "preventability, handover, the summary for the PSO). It never receives the "
            "reporter's name, the feedback to the reporter, the conversation on the report or "
            "the name of the hospital's unit.",
            "Words that may identify someone must be fixed or dismissed with a reason first. "
            "Sending cannot be undone: what was sent is kept exactly as it was, and later "
            "changes are addenda.",
        )),
        Term("addendum", "Addendum", (
            "A note added to a report after it was sent to the PSO, to correct or complete it. "
            "An addendum is added, never edited or removed, and the PSO reads it with the "
            "report.",
        )),
        Term("incident", "Incident", (
            "An event that reached the patient, whether or not there was harm.",
        )),
        Term("near-miss", "Near miss", (
            "An event caught before it reached the patient (also called a close call). Near "
            "misses count: they show where the next harm could come from.",
        )),
        Term("unsafe-condition", "Unsafe condition", (
            "A circumstance that makes an event more likely, with no patient involved: a broken "
            "alarm, look-alike vials stored together, short staffing. Report these too.",
        )),
        Term("harm-scale", "Harm scale", (
            "The AHRQ Harm Scale used for incidents that reached the patient. " + harm + ".",
            "How long the harm lasts is recorded separately: permanent (a year or more), "
            "temporary (under a year) or unknown.",
        )),
        Term("contributing-factor", "Contributing factor", (
            "Something in the work system that made the event more likely: communication, "
            "handover, data, the environment, human factors such as fatigue, policies and "
            "procedures, staff training, supervision and support, health IT. The safety lead "
            "records them when reviewing a report, grouped by the part of the work system they "
            "belong to (person, tasks, tools and technology, organization, environment).",
        )),
        Term("systems-issue", "Systems issue", (
            "An event whose causes lie in how the work is set up (equipment, processes, "
            "staffing, communication, the environment) rather than in one person's conduct. "
            "The safety lead marks a report as a systems issue in review; only such reports "
            "are brought to a microcollaborative.",
        )),
        Term("microcollaborative", "Microcollaborative", (
            "A small meeting, convened by the PSO, of people from two or more hospitals with a "
            "PSO contract. Each hospital brings one to three cases that involve systems issues "
            "and have been, or will be, sent to the PSO.",
            "The discussion is about systems, not about anyone's culpability; no provider is "
            "identified; notes are optional. Participants may take what they learn home, but "
            "never say outside the meeting which hospital a case came from. Everything said "
            "and written is PSWP.",
        )),
        Term("lesson", "De-identified lesson", (
            f"What {pso} publishes for every member hospital to learn from: what happened, the "
            "systems issues and the actions that help, written so that no one can tell which "
            "hospital, unit, provider or reporter it came from. Every lesson passes the "
            "portal's de-identification screening and a second PSO reviewer before it is "
            "published.",
        )),
        Term("hidden-name", "Hidden name", (
            "A reporter can hide their name on a report. It is then shown to no one who reads "
            "or reviews the report, not to the hospital's safety lead and not to the PSO: they "
            "see \"Name hidden\". The audit log records the reporter's actions under a "
            "pseudonym.",
            "The portal keeps the link between the reporter and the report for the hospital "
            "only. The safety lead can look it up only when the law requires it, must give the "
            "reason, which is recorded, and the reporter is told.",
        )),
    ]


@access.public()
def glossary(request):
    return render(request, "help/glossary.html", {"terms": terms()})
