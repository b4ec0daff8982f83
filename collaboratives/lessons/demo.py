"""Demo lessons for the shared-lessons library (loaded by `manage.py demo_data`, after the
sessions).

Six lessons, built through the same services the portal uses so that every rule holds (the
origin check, the de-identification screening, the two-person review) and the audit rows and
notifications exist as they would for real lessons:

- five published lessons: one from the past session "Handovers that lose information" and
  four from reports sent to the PSO by three different hospitals and presented as cases in the
  demo sessions;
- one lesson from the past session, submitted and waiting for review, so that a coordinator
  can try the review.

All are drafted by the facilitator, who may draft from the session they facilitate and from
the cases presented in their sessions, and published by a coordinator (never the author).
Two hospitals mark lessons they are acting on, and one sends the PSO a private comment.
Idempotent: a lesson whose title exists is left alone, and so are marks and comments already
made.
"""

from dataclasses import dataclass, field

from django.db import transaction

from cases.models import ContributingFactor, SentReport
from members.models import Membership, User
from members.roles import HospitalRole

from .. import demo as session_demo
from ..models import (
    ActionStrength,
    CollaborativeSession,
    HarmBand,
    Lesson,
    LessonAdoption,
    LessonComment,
    LessonStatus,
    Nomination,
    NominationStatus,
)
from . import services

AUTHOR = "facilitator@pso.example"
PUBLISHER = "coordinator@pso.example"
STRONGER, INTERMEDIATE, WEAKER = (ActionStrength.STRONGER, ActionStrength.INTERMEDIATE,
                                  ActionStrength.WEAKER)


@dataclass(frozen=True)
class DemoLesson:
    title: str
    session: str | None      # title of the demo session it comes from
    report: str | None       # source_id of the case report it comes from (see collaboratives.demo)
    what_happened: str
    systems_issues: str
    what_helped: str
    harm_band: str
    categories: list
    factors: list
    actions: list            # (text, strength)
    publish: bool = True
    review_comments: str = ""
    acting: list = field(default_factory=list)  # short names of hospitals acting on it


COUNT = DemoLesson(
    title="Keep the surgical count in the room through a relief",
    session=session_demo.PAST["title"], report=None,
    what_happened=(
        "During a long operation the circulating nurse was relieved shortly before closing. "
        "The count sheet left the room with the nurse going on break. At closing one lap "
        "sponge could not be accounted for: the wound was explored and an x-ray was taken, "
        "both negative, and the sponge was later found in the kick bucket under another "
        "sponge. Closing was delayed and the patient spent extra time under anesthesia."),
    systems_issues=(
        "The count lived on a paper sheet that belonged to a person, not to the room, so a "
        "relief split the count between two people. Nothing in the relief made the outgoing "
        "and incoming nurses reconcile the count together. Every hospital that discussed this "
        "case has reliefs in the middle of long cases at least weekly, and none had a count "
        "that stays in the room."),
    what_helped=(
        "The team stopped and followed its count discrepancy procedure before closing. "
        "Discussing the case with other hospitals showed that the same gap exists almost "
        "everywhere."),
    harm_band=HarmBand.MILD_MODERATE,
    categories=["surgery"],
    factors=["handover", "communication", "policies"],
    actions=[
        ("Keep the count on a whiteboard or screen fixed in each operating room, so that it "
         "cannot leave the room with a person.", STRONGER),
        ("Use a standard relief checklist: the relief is not complete until both nurses have "
         "read the count on the board together.", INTERMEDIATE),
        ("Remind perioperative staff at the daily huddle that count sheets never leave the "
         "room.", WEAKER),
    ],
    review_comments="Clear and general enough to share.",
)

HOME_MEDICINES = DemoLesson(
    title="Home medicines left at the bedside can lead to a double dose",
    session=None, report="sierra-01",
    what_happened=(
        "After admission, a patient's own medicines stayed at the bedside. The patient took a "
        "home dose of a beta blocker in addition to the dose given by nursing. About an hour "
        "later the heart rate fell into the 40s. The next dose was held, the patient was "
        "monitored overnight, and the heart rate recovered."),
    systems_issues=(
        "The admission checklist asked whether home medicines were present, not where they "
        "went. No one was clearly responsible for sending them home or to pharmacy, the "
        "patient and family were not told why it mattered, and the handover to the next "
        "shift did not mention them."),
    what_helped=(
        "Cardiac monitoring showed the slow heart rate early, and asking the patient which "
        "medicines they had taken found the cause quickly."),
    harm_band=HarmBand.MILD_MODERATE,
    categories=["medication"],
    factors=["policies", "handover", "communication"],
    actions=[
        ("Make what happened to home medicines a required step of the electronic admission "
         "record: sent home with family, sent to pharmacy, or ordered for use in hospital. "
         "Admission cannot be completed without it.", STRONGER),
        ("Add home medicines at the bedside to the structured handover tool used between "
         "shifts.", INTERMEDIATE),
        ("Give patients and families a short written explanation of why medicines from home "
         "should not be taken in hospital unless a nurse gives them.", WEAKER),
    ],
    acting=["mercy"],
)

PUMP_LIBRARY = DemoLesson(
    title="Smart pumps that restart without the drug library",
    session=None, report="valley-02",
    what_happened=(
        "In an emergency department, an insulin infusion was started at a rate well above the "
        "order. The smart pump had restarted in basic mode after a battery change, so the drug "
        "library and its dose limits were not in use and no alert appeared. The patient's "
        "blood glucose fell and was treated with dextrose; the patient recovered."),
    systems_issues=(
        "The pump allowed basic mode, and after a restart it did not go back to the drug "
        "library on its own. Nothing on the screen made it obvious that the limits were off. "
        "The rate was typed in by hand, under time pressure, in a busy resuscitation area."),
    what_helped=(
        "The hourly glucose checks of the insulin protocol caught the low early. The pump's "
        "event log showed exactly what had happened, which made the fix easy to agree on."),
    harm_band=HarmBand.MILD_MODERATE,
    categories=["medication", "device"],
    factors=["health_it", "human_factors", "policies"],
    actions=[
        ("Configure every pump so that basic mode is not available and a restart always "
         "returns to the drug library.", STRONGER),
        ("Connect the pumps to the electronic health record so that the ordered rate is sent "
         "to the pump instead of typed in by hand.", INTERMEDIATE),
        ("Cover battery changes and basic mode in the yearly pump competency.", WEAKER),
    ],
    acting=["sierra"],
)

BED_ALARM = DemoLesson(
    title="Bed exit alarms that are on but cannot be heard",
    session=None, report="mercy-01",
    what_happened=(
        "At night a patient at risk of falling got up to go to the bathroom and was found "
        "sitting on the floor during hourly rounding. The bed exit alarm was on, but its "
        "volume had been turned down to the lowest setting and could not be heard at the "
        "nurses' station. The patient had a small skin tear and did not hit their head."),
    systems_issues=(
        "The bed let anyone turn the alarm down to a level that could not be heard outside "
        "the room, and nothing at the station showed that an alarm had gone off. Alarm volume "
        "was not part of any bedside check. Night rounds did not include offering the "
        "bathroom, so a patient who did not want to bother anyone got up alone."),
    what_helped=(
        "Hourly rounding found the patient quickly. Once the cause was known, the beds could "
        "be set so that the volume cannot go below an audible level."),
    harm_band=HarmBand.MILD_MODERATE,
    categories=["fall", "device"],
    factors=["physical_surroundings", "health_it", "policies"],
    actions=[
        ("Lock a minimum alarm volume on every bed, so that no one can turn it below what can "
         "be heard at the station.", STRONGER),
        ("Send bed exit alarms to the nurse call system or to staff phones, so that an alarm "
         "reaches the nurse wherever they are.", INTERMEDIATE),
        ("Add 'bed alarm on and loud enough' to the shift safety check, and offer the "
         "bathroom on every night round.", WEAKER),
    ],
    acting=["valley"],
)

RATE_CHANGE = DemoLesson(
    title="Infusion rate changes that create no task for the nurse",
    session=None, report="mercy-02",
    what_happened=(
        "After a high lab result, a new rate for a heparin infusion was ordered in the "
        "electronic health record. The order created no task or alert for the bedside nurse, "
        "and it was placed just before a shift change. The pump kept running at the old rate "
        "for about two hours, until the next scheduled lab check found the difference. There "
        "was no bleeding."),
    systems_issues=(
        "The order set treated a rate change as if nothing had to be done at the bedside: no "
        "task, no alert, and no pharmacist check of the new rate. Nurses had learned to rely "
        "on tasks to tell them what had changed. At the shift change, each nurse assumed the "
        "other had seen the order."),
    what_helped=(
        "The scheduled lab check, and a nurse comparing the pump with the active order, "
        "caught the gap before any harm."),
    harm_band=HarmBand.NO_HARM,
    categories=["medication"],
    factors=["health_it", "handover", "communication"],
    actions=[
        ("Use one standard heparin protocol and order set for the whole hospital, in which "
         "every rate change is verified by a pharmacist before it becomes active.", STRONGER),
        ("Make every rate change of a high-alert infusion create a bedside task that stays "
         "open until the new pump setting is documented.", INTERMEDIATE),
        ("Ask nurses to compare each running infusion with its active order at the start of "
         "every shift.", WEAKER),
    ],
)

HANDOVER = DemoLesson(
    title="Handover information should stay with the patient, not with a person",
    session=session_demo.PAST["title"], report=None,
    what_happened=(
        "Several hospitals reviewed two handover cases together. In one, the surgical count "
        "left the operating room with a relieved nurse and a sponge could not be accounted "
        "for at closing. In the other, home medicines stayed at the bedside after admission "
        "and a patient took an extra dose of a heart medicine."),
    systems_issues=(
        "In both cases the information the next person needed lived with a person or on a "
        "loose piece of paper, not in a fixed place tied to the patient or the room. "
        "Checklists asked whether something was present or done, not where it went or who "
        "had it. Every hospital at the table found the same pattern somewhere in its own "
        "work."),
    what_helped=(
        "Looking at the cases side by side showed a shared pattern that no hospital would have "
        "seen in its own reports alone."),
    harm_band=HarmBand.VARIED,
    categories=["surgery", "medication"],
    factors=["handover", "communication", "policies"],
    actions=[
        ("For each handover, decide where the key information lives (a board in the room, a "
         "required field in the record) so that it does not depend on who remembers it.",
         STRONGER),
        ("Rewrite checklist questions from 'is it there?' to 'where did it go, and who has "
         "it?'.", INTERMEDIATE),
        ("Share these two cases at staff huddles as examples of information lost at "
         "handover.", WEAKER),
    ],
    publish=False,
)

LESSONS = [COUNT, HOME_MEDICINES, PUMP_LIBRARY, BED_ALARM, RATE_CHANGE, HANDOVER]

# A member's private comment to the PSO: (lesson, hospital short name, text).
COMMENT = (COUNT, "sierra",
           "Our operating rooms have no free wall for a count board. Would a board on a stand "
           "meet the intent, as long as it never leaves the room?")


def _case_report(source_id: str) -> SentReport | None:
    """The sent copy of the report presented as a demo case under this source id.

    The demo sessions reuse the report of `cases.demo` when it exists, and otherwise file their
    own under "<source_id>-case"; either way it is an accepted case of a demo session.
    """
    nomination = (Nomination.objects.select_related("report__sent_copy")
                  .filter(status=NominationStatus.ACCEPTED,
                          report__source_id__in=[source_id, f"{source_id}-case"])
                  .order_by("pk").first())
    if nomination is None:
        return None
    return SentReport.objects.filter(report_id=nomination.report_id).first()


def _publisher(author) -> User | None:
    """A coordinator who may review, other than the author; the demo coordinator first."""
    candidates = sorted(services.reviewers(besides=author),
                        key=lambda user: (user.email != PUBLISHER, user.email))
    return candidates[0] if candidates else None


def _lead(short: str) -> Membership | None:
    return (Membership.objects.select_related("hospital", "user")
            .filter(user__email=f"lead@{short}.example", role=HospitalRole.SAFETY_LEAD,
                    is_active=True).first())


def _create(spec: DemoLesson, author, publisher) -> Lesson | None:
    session = None
    if spec.session is not None:
        session = CollaborativeSession.objects.filter(title=spec.session).first()
        if session is None:
            return None
    sent_report = None
    if spec.report is not None:
        sent_report = _case_report(spec.report)
        if sent_report is None:
            return None
    lesson = services.lesson_create(
        actor=author, session=session, sent_report=sent_report, title=spec.title,
        what_happened=spec.what_happened, systems_issues=spec.systems_issues,
        what_helped=spec.what_helped, harm_band=spec.harm_band, categories=spec.categories,
        factors=spec.factors, actions=spec.actions)
    services.lesson_submit(lesson=lesson, actor=author)
    if spec.publish:
        services.lesson_publish(lesson=lesson, actor=publisher, comments=spec.review_comments)
    return lesson


def _mark_acting(spec: DemoLesson) -> None:
    lesson = Lesson.objects.filter(title=spec.title, status=LessonStatus.PUBLISHED).first()
    if lesson is None:
        return
    for short in spec.acting:
        lead = _lead(short)
        if lead is None or LessonAdoption.objects.filter(lesson=lesson,
                                                         hospital=lead.hospital).exists():
            continue
        services.lesson_set_acting(lesson=lesson, membership=lead, acting=True)


def _comment() -> None:
    spec, short, text = COMMENT
    lesson = Lesson.objects.filter(title=spec.title, status=LessonStatus.PUBLISHED).first()
    lead = _lead(short)
    if lesson is None or lead is None:
        return
    if LessonComment.objects.filter(lesson=lesson, text=text).exists():
        return
    services.lesson_comment(lesson=lesson, membership=lead, text=text)


@transaction.atomic
def load_demo_lessons(*, stdout=None) -> int:
    """Create the demo lessons that do not exist yet; returns how many were created."""
    author = User.objects.filter(email=AUTHOR, is_active=True).first()
    if author is None or not ContributingFactor.objects.exists():
        return 0
    publisher = _publisher(author)
    if publisher is None:
        return 0
    created = 0
    for spec in LESSONS:
        if Lesson.objects.filter(title=spec.title).exists():
            continue
        if _create(spec, author, publisher) is not None:
            created += 1
    for spec in LESSONS:
        _mark_acting(spec)
    _comment()
    if stdout is not None:
        stdout.write(f"Demo lessons: {created} created.")
    return created
