"""Context that shows a finding of the detectors is no identifier after all.

The detectors read a word or a number with a few neighbours; some families of clinical
writing look like identifiers at that distance and only the wider context tells them apart:

- scores and fractions that look like a day of the month: "strength 2/5 in the L arm at
  0800, was 4/5 at 0400", "pain 8/10 at 0200, down to 3/10 at 0300", "Apgar charted as 8/9";
- eponyms before their medical word, read as a person or a town: "Barrett esophagus",
  "Cushing's syndrome", "Huntington chorea", "reverse Trendelenburg", and products of two
  words that name nobody ("Welch Allyn", "Sara Stedy", "Cheyne-Stokes");
- quality measures that look like a date: "SEP-1 bundle met".

Each rule is narrow on purpose: a title or a role before the word keeps it a name ("Dr.
Barrett", "nurse Foley"), and a word that introduces a date keeps a fraction a date ("fell on
4/5 at 0400"). Names the portal knows are never dropped (`screening._candidates`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .findings import FindingKind
from .lexical import PERSON_CUES, PERSON_VERBS
from .lexicon import lexicon

Span = tuple[FindingKind, int, int]

_DATA = Path(__file__).resolve().parent / "data" / "eponyms.txt"


class _Eponyms:
    """The sections of `data/eponyms.txt`."""

    def __init__(self, sections: dict[str, list[str]]) -> None:
        self.words = frozenset(sections.get("words", ()))
        self.scales = frozenset(sections.get("scales", ()))
        self.makers = frozenset(sections.get("makers", ()))
        self.phrases = tuple(sections.get("phrases", ()))
        self.heads = frozenset(sections.get("heads", ()))
        self.device_heads = self.heads | frozenset(sections.get("device_heads", ()))
        self.any_word = self.words | self.scales | self.makers
        self.departments = frozenset(sections.get("departments", ()))
        self.department_heads = frozenset(sections.get("department_heads", ()))


@lru_cache(maxsize=1)
def _eponyms() -> _Eponyms:
    sections: dict[str, list[str]] = {}
    current = "words"
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current == "phrases":
            sections.setdefault(current, []).append(line.lower())
        else:
            sections.setdefault(current, []).extend(line.lower().split())
    return _Eponyms(sections)


# --- scores written as fractions ------------------------------------------------------------

_FRACTION = re.compile(r"([0-9]{1,2})/([0-9]{1,2})")
# Words that say a number is a score, a count out of a total or a strength grade.
_SCORE_WORDS = re.compile(
    r"(?i:\b(?:strength|str|grip|motor|power|pain|painful|gcs|glasgow|nihss|apgars?|braden"
    r"|morse|score|scores|scored|scale|rated|rates|rating|murmur|dtrs?|reflexes|mmt|rass"
    r"|ciwa|cows|flacc|cpot|vision|acuity|cultures?|sets?|bottles?|doses|tabs?|pulses?"
    r"|lymph\s+nodes|nodes|effaced|dilated|station|grade|graded)\b)"
)
# Words right before a fraction that make it a day whatever the sentence is about.
_DAY_CUE = re.compile(
    r"(?i:\b(?:on|dated|date|dob|d\.o\.b\.?|since|until|till|born|admitted|admit|discharged"
    r"|occurred|happened|fell|seen|visit|surgery|procedure|event|incident|of|from|by|before"
    r"|after|mon|tue|tues|wed|thu|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\W{0,3}$)"
)
# What a count out of a total goes on with: "3/3 sips", "4/6 of the modules", "1/3 bottles".
_COUNTED = re.compile(
    r"[ ]+(?i:of[ ]+(?:the|his|her|their|each|all|[0-9])|sips|bites|bottles|sets|doses"
    r"|tabs|tablets|pills|meals|trays|attempts|modules|criteria|items|questions|steps"
    r"|cultures|samples|specimens|patients|pts|nurses|staff|charts|audits|rights|checks"
    r"|signs|elements|boxes|fields|lumens|ports|sticks|views|readings)\b"
)
_CLAUSE_END = re.compile(r"[.;!?\n]\s|\n")
_SCORE_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 8, 9, 10, 15})


def _clause_before(text: str, start: int, limit: int = 80) -> str:
    before = text[max(0, start - limit) : start]
    ends = list(_CLAUSE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


_PAIR = re.compile(r"([0-9]{1,2})[/-]([0-9]{1,2})")
# What a range or a count goes on with, never a day: "3-4 days", "38 2/7 wks", "4/12 pts".
_UNIT_AFTER = re.compile(
    r"[ ]*(?i:days?|d|wks?|weeks?|hrs?|hours?|h|mins?|minutes?|months?|mos?|years?|yrs?|times"
    r"|x|pts|rns|mds|nps|techs|aides|sitters?|side[ ]rails|rails|beats|sites|attempts|sticks"
    r"|tries|staff|nurses|patients|residents|beds|rooms|shifts|units|people|visits)\b"
)
_NOT_PLURAL_NOUNS = frozenset("was has is this thus always as his its yes us does goes".split())
_NEXT_WORD = re.compile(r"[ ]+([a-z]{4,})\b")


def _is_range_or_count(text: str, start: int, end: int) -> bool:
    """A pair of numbers that a unit or a plural noun after it shows to be a range or a
    count out of a total: "7-10 days", "2/7 wks", "4/12 pts left", "2/3 sites"."""
    match = _PAIR.fullmatch(text, start, end)
    if match is None or int(match.group(1)) > int(match.group(2)):
        return False
    if _DAY_CUE.search(text, max(0, start - 16), start):
        return False
    if _UNIT_AFTER.match(text, end):
        return True
    following = _NEXT_WORD.match(text, end)
    if following is None:
        return False
    word = following.group(1)
    if not word.endswith("s") or word in _NOT_PLURAL_NOUNS or word.endswith("ss"):
        return False
    english = lexicon().english
    return word[:-1] in english or word.endswith("es") and word[:-2] in english


# Nursing shifts by their hours ("the 3-11 shift", "11-7 nurse") and "24/7".
_SHIFT_HOURS = frozenset(
    "7-3 3-11 11-7 7-7 7-19 19-7 7-15 15-23 23-7 12-8 8-4 4-12 12-12 8-5 9-5 6-2 2-10 10-6"
    .split()
)
_SHIFT_AFTER = re.compile(r"[ ]+(?i:shifts?|nurses?|rns?|crew|staff|charge|aides?|team|sup)\b")


def _is_shift_or_hours(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    if value != "24/7" and value not in _SHIFT_HOURS:
        return False
    if _DAY_CUE.search(text, max(0, start - 16), start):
        return False
    return value == "24/7" or _SHIFT_AFTER.match(text, end) is not None


# A pair of numbers before a unit of measure ("CPAP 10/5 cm H2O") or after a bed or a room
# ("bed 12/13", "room 4/5").
_MEASURE_AFTER = re.compile(
    r"[ ]?(?i:cm[ ]?h2o|cmh2o|cm|mm[ ]?hg|mmhg|mm|ml|mls|mg|mcg|meq|units?|l/min|lpm|%)(?![a-z])"
)
_BED_BEFORE = re.compile(
    r"(?i:\b(?:bed|beds|room|rooms|rm|rms|bay|bays|pod|pods|suite|stall)[ ]?#?$)"
)


def _is_measure_or_bed(text: str, start: int, end: int) -> bool:
    if _PAIR.fullmatch(text, start, end) is None:
        return False
    if _BED_BEFORE.search(text, max(0, start - 8), start):
        return True
    if _DAY_CUE.search(text, max(0, start - 16), start):
        return False
    return _MEASURE_AFTER.match(text, end) is not None


def _is_score(text: str, start: int, end: int) -> bool:
    """A fraction read as a date that its sentence shows to be a score or a count."""
    match = _FRACTION.fullmatch(text, start, end)
    if match is None:
        return False
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator > denominator or denominator not in _SCORE_DENOMINATORS:
        return False
    if _DAY_CUE.search(text, max(0, start - 16), start):
        return False
    if _COUNTED.match(text, end):
        return True  # "passed 3/3 sips", "completed 4/6 of the modules"
    clause = _clause_before(text, start)
    if _SCORE_WORDS.search(clause):
        return True
    # Another fraction with the same total in the sentence, with another first number: "now
    # 7/10, was 4/10 at noon", "GCS 14/15 at 0100 then 12/15". Two days of one month share
    # the month ("3/4 and 3/5"), two scores share the total.
    window = text[max(0, start - 80) : min(len(text), end + 80)]
    sentence_start = max(0, start - 80)
    for other in _FRACTION.finditer(window):
        if sentence_start + other.start() == start:
            continue
        if int(other.group(2)) == denominator and int(other.group(1)) != numerator and int(
            other.group(1)
        ) <= denominator:
            between = text[min(start, sentence_start + other.start()) : max(
                end, sentence_start + other.end()
            )]
            if not _CLAUSE_END.search(between):
                return True
    return False


# Quality measures named like a month and a number ("SEP-1", "STK-4" is never a date anyway).
_MEASURE = re.compile(r"SEP-0?1")
_MEASURE_CONTEXT = re.compile(r"(?i:sepsis|bundle|measure|core|met\b|compliance|cms|abstract)")


# Numbers of a policy, form or step of the hospital's own documents: "Policy NUR 3-12",
# "protocol 7-1", "form 10-14". Short, so an insurance policy number is never one.
_DOCUMENT_CUE = re.compile(
    r"(?i:\b(?:policy|policies|protocol|procedure|section|step|steps|version|rev|revision"
    r"|form|guideline|chapter|standard|order[ ]set|item)\b[ ]*(?:(?:#|no\.?|number)[ ]*)?"
    r"(?:[A-Z]{2,5}[ -]?)?$)"
)


def _is_document_number(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    if sum(ch.isdigit() for ch in value) > 4 or len(value) > 9:
        return False
    return _DOCUMENT_CUE.search(text, max(0, start - 30), start) is not None


# Abbreviations of the eyes ("20/20 OU", "drops OS") that also name a university hospital.
_EYE_CONTEXT = re.compile(r"(?i:(?:20/[0-9]{2,3}|drops?|gtts?|eyes?|vision|acuity|iop)\W{0,3}$)")


# --- eponyms -------------------------------------------------------------------------------

_WORD_AFTER = re.compile(
    r"(?:['\u2019]s?)?[ ]+(?:[A-Za-z\-]+[ ]+)?([A-Za-z]+)"
)  # "'s syndrome", " Coma Scale", " esophagus"
_HEAD_AFTER = re.compile(r"(?:['\u2019]s?)?[ ]+([A-Za-z]+)")
_CLINICAL_BEFORE = frozenset(
    """
    hx h/o pmh dx known early advanced end-stage late-stage suspected probable possible
    r/o juvenile familial reverse modified steep positive negative pos neg
    """.split()
)
# Words before a name that are no cue of the word lists but still ask for a person.
_MORE_PERSON_CUES = frozenset(
    "visitor visitors named called paged asked told spoke thanks thank dear hi hello".split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z/\-'\u2019]+)[.:,]?[ ]+$")


@lru_cache(maxsize=1)
def _phrase_blob() -> str:
    """Every phrase on one line each: a span that is in none of them needs no search."""
    return "\n".join(_eponyms().phrases)


def _eponym_phrase_covers(text: str, start: int, end: int) -> bool:
    """The span lies inside a product or eponym of several words ("Welch Allyn")."""
    if text[start:end].lower() not in _phrase_blob():
        return False
    low = text.lower()
    window_start = max(0, start - 24)
    window = low[window_start : end + 24]
    for phrase in _eponyms().phrases:
        position = window.find(phrase)
        while position != -1:
            absolute = window_start + position
            if absolute <= start and end <= absolute + len(phrase):
                before = low[absolute - 1 : absolute] if absolute else ""
                after = low[absolute + len(phrase) : absolute + len(phrase) + 1]
                if not before.isalpha() and not after.isalpha():
                    return True
            position = window.find(phrase, position + 1)
    return False


# What follows a scale named after a person: a number, a class or grade ("Ramsay 4",
# "Killip class II", "Child-Pugh B", "Gleason 3+4").
_SCALE_VALUE = re.compile(
    r"(?:['\u2019]s?)?[ ]*(?:(?::|=|of)[ ]*)?(?:[0-9]{1,3}(?![0-9/:]|[ ]?(?i:am|pm|a\b|p\b))"
    r"|(?:class|grade|stage|type)\b|(?:I{1,3}|IV|V|A|B|C)\b)"
)
# A model after a maker: "Hamilton C6", "Puritan Bennett 980", "Stryker S3".
_MODEL = re.compile(r"[ ]+(?:[A-Z]{0,4}-?[0-9][0-9A-Za-z.\-]{0,7}|[A-Z]{1,3}[0-9]{0,4})(?![\w/])")
# A possessive disease read as a person's: what a person owns or is related to follows.
_OWNED_AFTER = re.compile(
    r"[ ]+(?i:room|rm|bed|family|home|house|car|phone|chart|name|belongings|cell|number"
    r"|wife|husband|daughter|son|mother|father|mom|dad|sister|brother|friend|nurse|doctor"
    r"|md|dr|caregiver|pt|patient)\b"
)

# A disease named after a person or a town, then ruled out or tested for.
# "Norwalk was ruled out": only "ruled out" says a disease is meant; "excluded" is said of
# people too ("Addison was excluded from the unit").
_RULED_OUT_AFTER = re.compile(
    r"[ ]+(?:(?:was|is|were|been|being)[ ]+)?(?:ruled|r/?o)[ ]+out\b"
)


def _is_eponym(text: str, start: int, end: int) -> bool:
    """A word of the eponym list used as one: a medical word after it or a clinical word
    before it, and no title or role before it."""
    lists = _eponyms()
    surface = text[start:end]
    key = surface.lower().replace("\u2019", "'")
    possessive = key.endswith(("'s", "'")) or text[end : end + 2] in {"'s", "\u2019s"}
    if key.endswith("'s"):
        key = key[:-2]
    key = key.rstrip("'")
    parts = key.split()
    if not parts or not all(part in lists.any_word for part in parts):
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 24), start)
    previous = before.group(1).lower().replace("\u2019", "'") if before else ""
    if previous.rstrip(".") in PERSON_CUES or previous in _MORE_PERSON_CUES:
        return False
    heads = lists.heads
    if all(part in lists.makers for part in parts):
        heads = lists.device_heads
        if _MODEL.match(text, end):
            return True
    elif all(part in lists.scales for part in parts):
        if _SCALE_VALUE.match(text, end):
            return True
    elif not all(part in lists.words for part in parts):
        return False
    for pattern in (_HEAD_AFTER, _WORD_AFTER):
        following = pattern.match(text, end)
        if following is not None and following.group(1).lower() in heads:
            return True
    joined = _JOINED_EPONYM.match(text, end)
    if joined is not None and joined.group(1).lower() in lists.words and (
        joined.group(2).lower() in lists.heads
    ):
        return True  # "Kelly and Pean forceps", "Jackson-Pratt and Penrose drains"
    if previous in _CLINICAL_BEFORE or _RULED_OUT_AFTER.match(text, end) and not (
        len(parts) == 1 and key in lexicon().first_names
    ):
        return True  # "hx Parkinson's", "Norwalk was ruled out by stool PCR"
    if possessive and key in _POSITIONS and previous in {"in", "into", "to", "high", "low"}:
        return True  # "positioned in Fowler's for the meal"
    # "Hashimoto's, Addison's on hydrocortisone": a disease named by its possessive alone,
    # in a list of diagnoses or before a treatment, never before what a person owns.
    if possessive and all(part in lists.words for part in parts):
        after = end + 2 if text[end : end + 2] in {"'s", "\u2019s"} else end
        if _OWNED_AFTER.match(text, after):
            return False
        return previous.endswith(("'s", "'")) or previous in lists.heads or bool(
            _TREATED_AFTER.match(text, after)
        )
    return False


_POSITIONS = frozenset({"fowler", "sims", "trendelenburg"})
_JOINED_EPONYM = re.compile(
    r"(?:['\u2019]s)?,?[ ]+(?:and|or|&)[ ]+([A-Za-z\-]+)(?:['\u2019]s)?[ ]+([A-Za-z]+)"
)
_TREATED_AFTER = re.compile(r",?[ ]+(?i:on|s/p|w/|with|since|dx|diagnosed|flare|meds)\b")


# --- entry point ---------------------------------------------------------------------------



# A holiday naming the staffing or the schedule of every year, not an event's day: "Memorial
# Day weekend coverage was short"; not "fell on Labor Day", "over Thanksgiving weekend".
_CALENDAR_AFTER = re.compile(
    r"[ ]+(?:weekend[ ]+|holiday[ ]+)?(?i:coverage|staffing|schedules?|rotas?|pay|census)\b"
)
_WHEN_BEFORE = frozenset(
    "on over during since before after until till by of from through around near last".split()
)


def _is_holiday_schedule(text: str, start: int, end: int) -> bool:
    if not text[start].isupper() or _CALENDAR_AFTER.match(text, end) is None:
        return False
    if text[start:end].rstrip().endswith(tuple("0123456789")):
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 16), start)
    return before is None or before.group(1).lower() not in _WHEN_BEFORE


def _date_is_benign(text: str, start: int, end: int) -> bool:
    if _is_score(text, start, end) or _is_range_or_count(text, start, end):
        return True
    if _is_holiday_schedule(text, start, end):
        return True
    if _is_shift_or_hours(text, start, end) or _is_measure_or_bed(text, start, end):
        return True
    return bool(_MEASURE.fullmatch(text, start, end) and _MEASURE_CONTEXT.search(text))


def _person_is_benign(text: str, start: int, end: int) -> bool:
    return (
        _is_heading_verb(text, start, end)
        or _is_modal_verb(text, start, end)
        or _opens_sentence_after_therapy(text, start, end)
        or _is_faith_before_noun(text, start, end)
        or _names_a_rule_or_scale(text, start, end) and _is_place_name(text, start, end)
        or _is_name_like_benign(text, start, end)
        or _is_titled_service(text, start, end)
    )


def _place_is_benign(text: str, start: int, end: int) -> bool:
    return (
        _is_phrase_with_street_word(text, start, end)
        or _names_a_rule_or_scale(text, start, end, building=" " not in text[start:end])
        or _is_name_like_benign(text, start, end)
    )


def _hospital_is_benign(text: str, start: int, end: int) -> bool:
    if text[start:end] in {"OU", "OD", "OS"}:
        return _EYE_CONTEXT.search(text, max(0, start - 12), start) is not None
    return _names_a_rule_or_scale(text, start, end) or _is_name_like_benign(text, start, end)


def _is_name_like_benign(text: str, start: int, end: int) -> bool:
    return (
        _is_department(text, start, end)
        or _eponym_phrase_covers(text, start, end)
        or _is_eponym(text, start, end)
    )


_RULES = {
    FindingKind.DATE: _date_is_benign,
    FindingKind.LONG_NUMBER: lambda text, start, end: _is_document_number(text, start, end),
    FindingKind.PERSON: _person_is_benign,
    FindingKind.PLACE: _place_is_benign,
    FindingKind.HOSPITAL: _hospital_is_benign,
    FindingKind.TITLE_NAME: lambda text, start, end: (
        _is_department(text, start, end) or _is_titled_service(text, start, end, skip=1)
    ),
}


def is_benign(text: str, span: Span) -> bool:
    kind, start, end = span
    rule = _RULES.get(kind)
    return rule is not None and rule(text, start, end)


_DEPARTMENT_WORD = re.compile(r"([A-Za-z]+)[ ]+$")


def _is_department(text: str, start: int, end: int) -> bool:
    """A department named by what it cares for and a head: "Wound Care", "Chaplain
    Services", "Case Management", found whole or by its head alone."""
    lists = _eponyms()
    words = text[start:end].lower().split()
    if not words or words[-1] not in lists.department_heads:
        return False
    modifiers = words[:-1]
    if not modifiers:
        before = _DEPARTMENT_WORD.search(text, max(0, start - 24), start)
        if before is None:
            return False
        modifiers = [before.group(1).lower()]
    return all(word in lists.departments for word in modifiers)


# What a role's service or body is called by, after the role: "Nurse Advice Line", "Doctor
# Answering Service", "Nurse Staffing Committee", "Nurse Triage Protocols".
_SERVICE_HEADS = frozenset(
    """
    line lines hotline service services committee council protocol protocols program programs
    programme office desk portal policy policies board group station meeting meetings training
    course class workgroup network pool registry residency fellowship
    """.split()
)


def _is_titled_service(text: str, start: int, end: int, *, skip: int = 0) -> bool:
    """Ordinary words, after the role (`skip` words) when the finding holds it, that end on
    what a service or body is called by: "Nurse Advice Line", not "Nurse Rose Line" (a given
    name among them) nor "Dr. Baker Service" (a name alone before the head)."""
    words = re.findall(r"[A-Za-z]+", text[start:end].lower())[skip:]
    if len(words) < 2 or words[-1] not in _SERVICE_HEADS:
        return False
    lists = lexicon()
    return all(word in lists.english and word not in lists.first_names for word in words)


_STREET_WORDS = frozenset(
    "place way court drive circle terrace trail lane road street avenue walk row square".split()
)


_STREET_ENDINGS = tuple(_STREET_WORDS)


def _is_phrase_with_street_word(text: str, start: int, end: int) -> bool:
    """ "2 piv in place", "1 drain in the way": a count of things and a phrase that ends on a
    word that is also a street type, with a word like "in" or "the" for a street name."""
    surface = text[start:end].lower().rstrip(" .,;:")
    if not surface.endswith(_STREET_ENDINGS):
        return False
    words = re.findall(r"[a-z0-9]+", surface)
    return (
        len(words) >= 3
        and words[-1] in _STREET_WORDS
        and words[-2] in _FUNCTION_WORDS
    )


# A town or a university before the medical thing it names: "Ottawa ankle rules", "San
# Francisco syncope rule", "Edinburgh Postnatal Depression Scale", "Milwaukee brace",
# "St. Louis encephalitis", "Stanford type A dissection".
_NAMED_AFTER_PLACE = re.compile(
    r"(?:['\u2019]s)?(?:[ ](?!(?i:to|from|in|at|with|and|or|of|for|on|by|the|a|an)\b)"
    r"[A-Za-z\-]+){0,3}[ ](?i:(?:scale|scales|score|scores|rule|rules|criteria|classification"
    r"|questionnaire|model|brace|collar|encephalitis|virus|fever|disease|syndrome|protocol"
    r"|formula|formulas|equation"
    r"|tool|index|staging|grade|alert|alerts)\b|type[ ](?:[A-D]|I{1,3}|IV)\b)"
)
# A door or a part of the building named after a place: "Brookside entrance was closed".
_BUILDING_PART_AFTER = re.compile(
    r"[ ](?i:entrance|entrances|lobby|garage|elevators?|stairwell|doors|skybridge)\b"
)


_SAINT_BEFORE = re.compile(r"(?i:st\.?|saint)[ ]$")


def _is_place_name(text: str, start: int, end: int) -> bool:
    """A span read as a person that is a town, alone or after "St." ("St. Louis")."""
    key = text[start:end].lower()
    places = lexicon().places
    if key in places:
        return True
    return bool(_SAINT_BEFORE.search(text, max(0, start - 6), start)) and f"st {key}" in places


def _names_a_rule_or_scale(text: str, start: int, end: int, *, building: bool = False) -> bool:
    if _NAMED_AFTER_PLACE.match(text, end) is None and not (
        building and _BUILDING_PART_AFTER.match(text, end)
    ):
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 24), start)
    previous = before.group(1).lower() if before else ""
    # "from Seattle with a fever" is a place; the gap forbids "with"
    return previous not in {"to", "from", "in", "at", "near", "of", "lives", "via"}


_MODALS = frozenset("will may can should must shall".split())
_FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor so from to in on at by for with of is are was were am as if than
    that this these those it its his her hers their there here up down out off over under
    into onto via per too also just only still yet then now today tonight tomorrow again re
    """.split()
)
_TITLES = frozenset("dr mr mrs ms mx miss prof rev fr sr br doctor".split())
_COMMON_VERBS = frozenset(
    """
    be see call come check follow need have do get give order review talk speak evaluate
    assess round update consult discuss decide write sign change stop start hold not
    """.split()
)
_NEXT_LOWER_WORD = re.compile(r"[ ]+(?:not[ ]+)?([a-z]+)\b")


def _is_modal_verb(text: str, start: int, end: int) -> bool:
    """ "pt will need a sitter", "pharm may call back": a modal before a verb in its base
    form; "will said" or "may gave" still read as a name."""
    if text[start:end].lower() not in _MODALS:
        return False
    following = _NEXT_LOWER_WORD.match(text, end)
    if following is None:
        return False
    verb = following.group(1)
    before = _WORD_BEFORE.search(text, max(0, start - 12), start)
    if before is not None and before.group(1).lower().rstrip(".") in _TITLES:
        return verb in _COMMON_VERBS  # "dr will see pt", not "called dr. may re: the k+"
    return (
        verb in lexicon().english
        and verb not in PERSON_VERBS
        and verb not in _FUNCTION_WORDS
        and not verb.endswith(("ed", "ing"))
    )


_THERAPY_BEFORE = re.compile(r"(?:\bPT|\bOT|\bpt)\.[ ]+$")
_LOWER_AFTER = re.compile(r"[ ]+([a-z]+)\b")


def _opens_sentence_after_therapy(text: str, start: int, end: int) -> bool:
    """ "walker from PT. Home health starts": an ordinary word opening the sentence after
    "PT." is no patient's name unless a verb says a person is meant ("Pt. Rose said")."""
    word = text[start:end]
    if " " in word or word.lower() not in lexicon().english:
        return False
    if _THERAPY_BEFORE.search(text, max(0, start - 6), start) is None:
        return False
    following = _LOWER_AFTER.match(text, end)
    return following is not None and following.group(1) not in PERSON_VERBS


# Given names that are as often a faith or a nation before a noun ("Christian music").
_FAITHS_AND_NATIONS = frozenset({"christian", "india", "israel"})


def _is_faith_before_noun(text: str, start: int, end: int) -> bool:
    if text[start:end].lower() not in _FAITHS_AND_NATIONS:
        return False
    following = _LOWER_AFTER.match(text, end)
    if following is None:
        return False
    word = following.group(1)
    return (
        word in lexicon().english
        and word not in PERSON_VERBS
        and word not in _FUNCTION_WORDS
        and word not in _SPEECH_AND_ACTION
    )


_SPEECH_AND_ACTION = frozenset("says tells asks calls walked came went stayed".split())


def _is_heading_verb(text: str, start: int, end: int) -> bool:
    """A verb capitalised in a heading typed in title case: "Pt Fell While Ambulating"."""
    if text[start:end].lower() not in PERSON_VERBS:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    words = re.findall(r"[A-Za-z]{3,}", text[line_start : line_end if line_end != -1 else None])
    return len(words) >= 4 and sum(word[0].isupper() for word in words) >= 0.7 * len(words)


def drop_benign(text: str, spans: list[Span], keep: frozenset[Span] = frozenset()) -> list[Span]:
    """`spans` without those the context shows to be no identifier; `keep` always stays.

    A span found by several detectors is judged once (the merge makes one finding of it).
    """
    return [span for span in dict.fromkeys(spans) if span in keep or not is_benign(text, span)]
