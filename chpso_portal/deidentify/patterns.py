"""Detectors for identifiers that have a recognisable shape.

Each detector is a function from text to (kind, start, end) spans. They are deliberately
independent and allowed to overlap; `screening` merges what they find. Patterns open with a
character class or literal where they can (see `_lead`), use possessive or bounded repetition,
and check cue words by looking back from a candidate, so that a huge or hostile text costs
linear time and no catastrophic backtracking.

The rules lean towards flagging: a reviewer can dismiss a false alarm in one click, while a
missed identifier leaves the hospital. The exceptions are common clinical shorthand ("q6h",
"BP 120/80", "pain 7/10", "Dr. on call"), which would otherwise bury real findings in noise.
"""

from __future__ import annotations

import re
import string
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from .findings import FindingKind
from .lexicon import lexicon

Span = tuple[FindingKind, int, int]
Detector = Callable[[str], Iterable[Span]]

# Upper- and lower-case letters, including the accented Latin-1 ones common in names.
UC = "A-Z\u00c0-\u00d6\u00d8-\u00de"
LC = "a-z\u00df-\u00f6\u00f8-\u00ff"
SP = r"[^\S\n]"  # a space that does not cross a line


# --- check digits ---------------------------------------------------------------------


def luhn_is_valid(digits: str) -> bool:
    """Luhn (mod 10) check over a string of decimal digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_is_valid(number: str) -> bool:
    """An NPI is 10 digits starting 1 or 2 whose Luhn check includes the card prefix 80840."""
    if len(number) != 10 or not number.isdecimal() or number[0] not in "12":
        return False
    return luhn_is_valid("80840" + number)


def dea_is_valid(code: str) -> bool:
    """DEA numbers: two letters, six digits and a check digit.

    The check digit is the last digit of (d1 + d3 + d5) + 2 * (d2 + d4 + d6).
    """
    if len(code) != 9 or not code[0].isalpha() or not (code[1].isalpha() or code[1] == "9"):
        return False
    digits = code[2:]
    if not digits.isdecimal():
        return False
    d = [int(char) for char in digits]
    total = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])
    return total % 10 == d[6]


# --- helpers ----------------------------------------------------------------------------


def _regex(
    kind: FindingKind,
    pattern: str,
    *,
    flags: int = 0,
    group: int | str = 0,
    accept: Callable[[re.Match[str], str], bool] | None = None,
    on_lower_case: bool = False,
    lead: str | None = None,
) -> Detector:
    """A detector for `pattern`. With `on_lower_case`, a pattern that ignores case throughout
    is run without ignoring case on the lower-cased text, which the regex engine scans several
    times faster. The spans are the same: lower-casing keeps every offset, and a text where it
    does not (a dotted capital I), or that holds a letter the pattern's case-blind reading
    takes for an ASCII one (a long s or a dotless i), is read with the pattern as written.

    `lead` is a character class that every match of a pattern opening with an assertion
    starts with: the engine then looks for that class (which it does fast) and tries the
    pattern only there, instead of trying the pattern at every position."""
    compiled = re.compile(pattern, flags)
    if lead is not None:
        return _regex_from_lead(kind, compiled, re.compile(f"{lead}(?<=(?={pattern}).)", flags),
                                group, accept)
    folded = None
    if on_lower_case:
        folded = re.compile(pattern.replace("(?i:", "(?:"), flags)
        # No capital left to match, but for escapes ("\\S") and named groups ("(?P<number>").
        assert folded.pattern != pattern and not re.search(r"(?<!\\)(?<!\(\?)[A-Z]", folded.pattern)

    def detect(text: str) -> Iterator[Span]:
        if folded is not None:
            low = lowered(text)
            if len(low) == len(text) and "\u017f" not in low and "\u0131" not in low:
                matches = folded.finditer(low)
            else:
                matches = compiled.finditer(text)
        else:
            matches = compiled.finditer(text)
        for match in matches:
            if accept is not None and not accept(match, text):
                continue
            start, end = match.span(group)
            if start < end:
                yield kind, start, end

    detect.__name__ = f"detect_{kind.value}"
    return detect


def _regex_from_lead(
    kind: FindingKind,
    compiled: re.Pattern[str],
    probe: re.Pattern[str],
    group: int | str,
    accept: Callable[[re.Match[str], str], bool] | None,
) -> Detector:
    """`_regex` with a `lead`: `probe` finds where `compiled` matches, and the matches are
    taken one after the other from there, as `finditer` takes them."""

    def detect(text: str) -> Iterator[Span]:
        position = 0
        while (found := probe.search(text, position)) is not None:
            match = compiled.match(text, found.start())
            position = match.end() if match.end() > match.start() else match.end() + 1
            if accept is not None and not accept(match, text):
                continue
            start, end = match.span(group)
            if start < end:
                yield kind, start, end

    detect.__name__ = f"detect_{kind.value}"
    return detect


def _preceded_by(regex: re.Pattern[str], window: int) -> Callable[[re.Match[str], str], bool]:
    def check(match: re.Match[str], text: str) -> bool:
        start = match.start()
        return regex.search(text, max(0, start - window), start) is not None

    return check


def _cue_before(cue: str, window: int) -> Callable[[re.Match[str], str], bool]:
    """Accept a match only if `cue` ends right where the match starts.

    Finding the number first and then looking back for its cue word is far cheaper than a
    pattern that tries every cue word at every position of the text.
    """
    regex = re.compile("(?:" + cue + ")$")
    return _preceded_by(regex, window)


def _all(
    *checks: Callable[[re.Match[str], str], bool],
) -> Callable[[re.Match[str], str], bool]:
    return lambda match, text: all(check(match, text) for check in checks)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _starts_word(match: re.Match[str], text: str) -> bool:
    start = match.start()
    return start == 0 or not text[start - 1].isalpha()


def _lead(first: str, not_before: str) -> str:
    """One character of class `first` that does not follow a character of `not_before`.

    Equivalent to a look-behind followed by `first`, but a pattern that opens with a
    character class lets the regex engine skip straight to candidate characters, where one
    that opens with a look-behind is tried at every position.
    """
    return f"{first}(?<!{not_before}{first})"


def _not_preceded_by(regex: re.Pattern[str], window: int) -> Callable[[re.Match[str], str], bool]:
    found = _preceded_by(regex, window)
    return lambda match, text: not found(match, text)


# What the detectors share about the text this thread is screening: its lower case and the
# answers of the probes. Kept per thread, so that under a threaded server one request's
# detectors never read another request's text, and dropped by `forget` once a screening ends.
_memo = threading.local()


def lowered(text: str) -> str:
    """`text.lower()`, computed once for the detectors that run on the same text."""
    memo = _memo
    if getattr(memo, "text", None) is not text:
        memo.lower = text.lower()
        memo.text = text
    return memo.lower


def _probed() -> dict[str, tuple[str, bool]]:
    """This thread's probe answers: probe key -> (text, whether the probe was found)."""
    probed = getattr(_memo, "probed", None)
    if probed is None:
        probed = _memo.probed = {}
    return probed


def forget() -> None:
    """Drop what this thread keeps of the last text screened."""
    _memo.text = None
    _memo.lower = ""
    _memo.probed = {}


def _gated(detector: Detector, *needles: str) -> Detector:
    """Run `detector` only when the text holds one of `needles` (lower case): a substring
    search costs far less than a pattern tried at every position.

    The gates hand on the detector's own spans, or none, rather than yielding them one by
    one, and test the needles in a plain loop: they run for every text, most find nothing."""

    def detect(text: str) -> Iterable[Span]:
        low = lowered(text)
        for needle in needles:
            if needle in low:
                return detector(text)
        return ()

    detect.__name__ = getattr(detector, "__name__", "detect")
    return detect


def _gated_case(detector: Detector, *needles: str) -> Detector:
    """Like `_gated`, with needles in their own letter case (names of holidays)."""

    def detect(text: str) -> Iterable[Span]:
        for needle in needles:
            if needle in text:
                return detector(text)
        return ()

    detect.__name__ = getattr(detector, "__name__", "detect")
    return detect


def _gated_search(detector: Detector, probe: re.Pattern[str], *, lower: bool = False) -> Detector:
    """Run `detector` only when `probe` is found in the text (or in its lower case): for a
    pattern the engine must try at every position, a probe that opens with a character class
    rules most texts out at a fraction of the cost. The probe's answer is kept for the text,
    so the detectors that share a probe search once."""
    key = probe.pattern + ("/low" if lower else "")

    def detect(text: str) -> Iterable[Span]:
        probed = _probed()
        answer = probed.get(key)
        if answer is None or answer[0] is not text:
            answer = (text, probe.search(lowered(text) if lower else text) is not None)
            probed[key] = answer
        return detector(text) if answer[1] else ()

    detect.__name__ = getattr(detector, "__name__", "detect")
    return detect

# Seven digits in a row: what every long number, NPI and DEA number holds.
_SEVEN_DIGITS = re.compile(r"[0-9]{7}")


def _gated_both(detector: Detector, first: tuple[str, ...], second: tuple[str, ...]) -> Detector:
    """Run `detector` only when the text holds a needle of each group."""

    def detect(text: str) -> Iterable[Span]:
        low = lowered(text)
        if any(n in low for n in first) and any(n in low for n in second):
            return detector(text)
        return ()

    detect.__name__ = getattr(detector, "__name__", "detect")
    return detect


# Words that are capitalized but are not names; used after titles and before credentials.
NAME_STOPWORDS = frozenset(
    """
    a about after again all also am an and another any are as at aware back be been before
    both but by call called calling came can charge checked could did do does done during each
    either every for from gave given had has have he her here him his how i if in into is it
    its just later made may me might must my no none nor not now of off on once only or other
    our out over own per please present same she should so some still such than that the
    their them then there these they this those to today tomorrow tonight too under until up
    us via was we were what when where which while who whom why will with would yes yesterday
    you your
    monday tuesday wednesday thursday friday saturday sunday
    accepted acknowledged administered advised agreed answered approved arrived asked assessed
    assisted attempted came cancelled checked cleared completed confirmed consulted contacted
    continued declined discontinued discussed documented entered escalated evaluated examined
    explained found gave held informed initiated instructed intervened notified noted
    observed ordered paged placed prescribed reassessed recommended refused reported
    requested responded returned reviewed said saw signed started stated stopped told
    transferred updated verified wanted wrote
    aide anesthesia anesthesiologist anesthetist assistant attending attendings champion
    clinician clinicians colleague colleagues consult consultant coordinator covering director
    doctor doctors dr educator fellow fellows float hospitalist intensivist intern interns lead
    leader manager md midwife navigator np nurse nurses nursing pa pharmacist pharmacists
    pharmacy physician physicians practitioner practitioners provider providers resident
    residents rn rns specialist staff student supervisor surgeon surgeons team tech
    technician technologist therapist travel agency managers leaders educators directors
    supervisors coordinators aides techs technicians therapists specialists students
    assistants champions consultants hospitalists intensivists midwives navigators
    technologists
    administration admitting anesthesiology cardiology emergency ethics lab laboratory
    management medicine neurology obstetrics oncology pathology pediatrics psychiatry quality
    radiology registration risk safety security surgery transport urology
    afternoon bed day evening floor morning night room shift station unit ward
    assessment care chart family note notes office order orders patient patients plan pt
    report record records
    icu ed er or pacu nicu picu micu sicu ccu cvicu pcu ob gi ir ct mri ekg ecg iv
    on-call unknown none n/a
    """.split()
)

_TOKEN = rf"(?:[{UC}]['\u2019])?[{UC}][{LC}]+(?:[{UC}][{LC}]+)?(?:-[{UC}][{LC}]+)?(?![\w])"
_INITIAL = rf"[{UC}]\."
_NAME_RUN = rf"(?:{_INITIAL}{SP}*)?{_TOKEN}(?:{SP}+(?:{_INITIAL}{SP}*)?{_TOKEN}){{0,2}}"
_TOKEN_RE = re.compile(_TOKEN)


# --- dates ------------------------------------------------------------------------------


def _month_alternatives() -> str:
    # (head, tail): "Mar" with optional "ch" or ".", first letter capitalized, rest any case.
    months = [
        ("Jan", "uary"), ("Feb", "ruary"), ("Mar", "ch"), ("Apr", "il"), ("May", ""),
        ("Jun", "e"), ("Jul", "y"), ("Aug", "ust"), ("Sep", "tember|t\\.?"), ("Oct", "ober"),
        ("Nov", "ember"), ("Dec", "ember"),
    ]  # fmt: skip
    alternatives = []
    for head, tail in months:
        rest = f"(?:(?i:{tail})|\\.)?" if tail else ""
        alternatives.append(f"{head[0]}(?i:{head[1:]}){rest}")
    return "(?:" + "|".join(alternatives) + ")"


MONTH = _month_alternatives()
_FULL_MONTHS = [
    "January", "February", "March", "April", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
BARE_MONTH = "(?:" + "|".join(_FULL_MONTHS + [m.upper() for m in _FULL_MONTHS]) + ")"
ORDINAL = r"(?:st|nd|rd|th)"
YEAR4 = r"(?:1[89][0-9]{2}|2[01][0-9]{2})"
WEEKDAY = (
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat"
    r"|Sun)\.?"
)
# Capital letters that can open a month or weekday name: a cheap guard before the look-behind.
_MONTH_OR_WEEKDAY_INITIALS = "[ADFJMNOSTW]"
_MONTH_OR_WEEKDAY_GUARD = f"(?={_MONTH_OR_WEEKDAY_INITIALS})"
_NUMBER_BEFORE = r"[\w/.\-]"
_NO_NUMBER_AFTER = r"(?![\w/\-]|\.[0-9])"


def _plausible_day(value: str) -> bool:
    return 1 <= int(value) <= 31


def _month_day_plausible(first: str, second: str) -> bool:
    a, b = int(first), int(second)
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


def _plausible_year(value: str) -> bool:
    return len(value) != 4 or 1800 <= int(value) <= 2199


def _numeric_date_ok(match: re.Match[str], text: str) -> bool:
    first, second, year = re.split(r"[/.\-]", match.group())
    return _plausible_year(year) and _month_day_plausible(first, second)


def _iso_date_ok(match: re.Match[str], text: str) -> bool:
    year, month, day = re.split(r"[/.\-]", match.group())
    return _plausible_year(year) and 1 <= int(month) <= 12 and _plausible_day(day)


def _month_year_ok(match: re.Match[str], text: str) -> bool:
    month, year = match.group().split("/")
    return 1 <= int(month) <= 12 and _plausible_year(year)


def _leading_day_ok(match: re.Match[str], text: str) -> bool:
    return _plausible_day(re.match(r"[0-9]+", match.group()).group())


_FRACTIONS = frozenset({"1/2", "1/3", "2/3", "1/4", "3/4"})


def _short_date_ok(match: re.Match[str], text: str) -> bool:
    value = match.group()
    if value in _FRACTIONS:  # "on 1/2 NS" is half-normal saline, not January 2nd
        return False
    return _month_day_plausible(*value.split("/"))


_HOLIDAYS = (
    r"Christmas(?:\s+(?:Eve|Day))?|New\s+Year['\u2019]?s(?:\s+(?:Eve|Day))?|Thanksgiving"
    r"(?:\s+Day)?|Independence\s+Day|Fourth\s+of\s+July|Labor\s+Day|Memorial\s+Day"
    r"|Veterans['\u2019]?\s+Day|Easter(?:\s+Sunday)?|Halloween|Valentine['\u2019]?s\s+Day"
    r"|(?:St\.?|Saint)\s+Patrick['\u2019]?s\s+Day|Mother['\u2019]?s\s+Day|Father['\u2019]?s\s+Day"
    r"|Presidents['\u2019]?\s+Day|(?:MLK|Martin\s+Luther\s+King(?:\s+Jr\.?)?)\s+Day"
    r"|Cinco\s+de\s+Mayo|Juneteenth|Good\s+Friday|Black\s+Friday|Super\s+Bowl\s+Sunday"
    r"|Groundhog\s+Day|Columbus\s+Day|Indigenous\s+Peoples['\u2019]?\s+Day|Yom\s+Kippur"
    r"|Rosh\s+Hashanah|Passover|Hanukkah|Chanukah|Diwali|(?:Lunar|Chinese)\s+New\s+Year"
    r"|Election\s+Day|Boxing\s+Day|Ash\s+Wednesday|Palm\s+Sunday|Mardi\s+Gras"
)
# The letters a holiday's name can open with (a few more do no harm).
_HOLIDAY_INITIALS = "[" + "".join(sorted(
    {part.removeprefix("(?:")[:1] for part in _HOLIDAYS.split("|")} & set(string.ascii_letters)
)) + "]"

# "since", "until" and "from" are left out: "since 2.1.25 of the firmware", "from 1.2.24"
# read a version as often as a date.
_DOTTED_DATE_CUE = re.compile(
    r"(?i:\b(?:on|dated|date|dob|dos|drawn|collected|seen|admitted|discharged|born|given"
    r"|placed)\.?:?" + SP + r"+$)"
)
# A version after its number, a few words on: "2.3.15 version of the pump library", "since
# 3.1.24 update", "1.2.24 release".
_VERSION_AFTER = re.compile(
    r"(?i:(?:" + SP + r"+(?:of|the|new|latest|pump|drug|smart|software|firmware|epic|cerner"
    r"|system|[a-z]+['\u2019]s)){0,3}" + SP + r"+(?:versions?|release[ds]?|updates?|updated"
    r"|upgrades?|firmware|library|libraries|build|builds|software|patch|patches|rollout"
    r"|drug" + SP + r"+library)\b)"
)


def _not_a_version(match: re.Match[str], text: str) -> bool:
    return _VERSION_AFTER.match(text, match.end()) is None


DATE_DETECTORS: list[Detector] = [
    # 3/14/2026, 03-14-26, and "DOB-04/22/1931": a dash before the date only after a label
    _regex(
        FindingKind.DATE,
        r"[0-9](?<![\w/.][0-9])(?<!(?<![A-Za-z])-[0-9])"
        + r"[0-9]?([/\-])[0-9]{1,2}\1(?:[0-9]{4}|[0-9]{2})"
        + _NO_NUMBER_AFTER,
        accept=_numeric_date_ok,
    ),
    # 14.03.2026, and "drawn 1.5.26": a dotted date with a short year only after a word that
    # introduces a date, since a version or a section is written the same way ("v1.5.26",
    # "section 4.2.11")
    _regex(
        FindingKind.DATE,
        _lead("[0-9]", _NUMBER_BEFORE) + r"[0-9]?\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2}(?!" + SP
        + r"*(?i:mg|mcg|ml|units?|%|mm|cm)\b))(?![\w]|\.[0-9])",
        accept=lambda match, text: _numeric_date_ok(match, text) and (
            len(match.group()) - match.group().rindex(".") == 5
            or _DOTTED_DATE_CUE.search(text, max(0, match.start() - 16), match.start())
            is not None and _not_a_version(match, text)
        ),
    ),
    # 2026-03-14, also as the date part of 2026-03-14T02:00
    _regex(
        FindingKind.DATE,
        _lead("[12]", _NUMBER_BEFORE) + r"[0-9]{3}([/.\-])[0-9]{1,2}\1[0-9]{1,2}"
        r"(?:(?=T[0-9])|" + _NO_NUMBER_AFTER + ")",
        accept=_iso_date_ok,
    ),
    # 03/2026 (most texts hold no slash: a substring test spares them the scan for digits)
    _gated_case(_regex(
        FindingKind.DATE,
        _lead("[0-9]", _NUMBER_BEFORE) + r"[0-9]?/[0-9]{4}" + _NO_NUMBER_AFTER,
        accept=_month_year_ok,
    ), "/"),
    # "on 3/14": without a year a slash pair is usually a score or a ratio ("pain 7/10"), so
    # only a preposition that introduces a date makes it one.
    _gated_case(_regex(
        FindingKind.DATE,
        _lead("[0-9]", _NUMBER_BEFORE) + r"[0-9]?/[0-9]{1,2}" + _NO_NUMBER_AFTER,
        accept=_all(
            _short_date_ok,
            _cue_before(r"(?i:\b(?:on|dated|since|until|till|thru|through)" + SP + "+)", 16),
        ),
    ), "/"),
    # "on 12.27": a dotted month and day after a word that introduces a date, closed by
    # punctuation or a word that goes on the sentence (not "on 1.25 mg", "on 2.5 L").
    _regex(
        FindingKind.DATE,
        _lead("[0-9]", _NUMBER_BEFORE) + r"[0-9]?\.[0-9]{2}(?![\w]|[.,][0-9])"
        r"(?=" + SP + r"*(?:$|[,;:)!?\n]|\.(?![0-9])|and\b|at\b|to\b|when\b|after\b"
        r"|before\b|with\b|in\b|the\b|but\b|\-))",
        accept=_all(
            lambda match, text: _month_day_plausible(*match.group().split(".")),
            _cue_before(r"(?i:\b(?:on|dated|since|until|till|thru|through)" + SP + "+)", 16),
            _not_a_version,
        ),
    ),
    # (Tuesday,) March 14(th)(, 2026)
    _regex(
        FindingKind.DATE,
        _MONTH_OR_WEEKDAY_GUARD
        + r"(?<![A-Za-z])"
        + rf"(?:{WEEKDAY},?{SP}+)?{MONTH}{SP}+(?:0?[1-9]|[12][0-9]|3[01])(?:{ORDINAL})?"
        rf"(?![0-9:]|[.,][0-9])(?![A-Za-z])(?:,?{SP}+{YEAR4}(?![0-9]))?",
        lead=_MONTH_OR_WEEKDAY_INITIALS,
    ),
    # march 14: in lower case only a full month name followed by a day is clearly a date.
    _gated_case(
        _regex(
            FindingKind.DATE,
            r"(?:january|february|march|april|june|july|august|september|october|november"
            rf"|december){SP}+(?:0?[1-9]|[12][0-9]|3[01])(?:{ORDINAL})?(?![0-9:]|[.,][0-9])"
            rf"(?![A-Za-z])(?:,?{SP}+{YEAR4}(?![0-9]))?",
            accept=_starts_word,
        ),
        *(month.lower() for month in _FULL_MONTHS),
    ),
    # 14(th) (of) March (2026)
    _regex(
        FindingKind.DATE,
        _lead("[0-9]", r"[\w.]") + rf"[0-9]?(?:{ORDINAL})?(?:{SP}+of)?{SP}+{MONTH}"
        rf"(?![A-Za-z])(?:,?{SP}+{YEAR4}(?![0-9]))?",
        accept=_leading_day_ok,
    ),
    # March 2026, Mar. 2026, March of 2026, Feb '25
    _regex(
        FindingKind.DATE,
        _MONTH_OR_WEEKDAY_GUARD + rf"(?<![A-Za-z]){MONTH},?{SP}+(?:of{SP}+)?"
        rf"(?:{YEAR4}|['\u2019][0-9]{{2}})(?![0-9])",
        lead=_MONTH_OR_WEEKDAY_INITIALS,
    ),
    # A month on its own still dates the event.
    _regex(FindingKind.DATE, BARE_MONTH + r"(?![A-Za-z])", accept=_starts_word),
    # "May" is too often the verb ("May repeat x1"), so it needs a word that introduces a time.
    _regex(
        FindingKind.DATE,
        r"(?:May|MAY)(?![A-Za-z])",
        accept=_all(
            _starts_word,
            _cue_before(
                r"(?i:\b(?:in|during|since|until|till|through|by|of|early|mid|late|last|next"
                r"|this|before|after)" + SP + r"+|\bmid-)",
                16,
            ),
        ),
    ),
    _gated_case(
        _regex(FindingKind.DATE, r"(?:" + _HOLIDAYS + r")(?![\w])", accept=_starts_word,
               lead=_HOLIDAY_INITIALS),
        "Christmas", "Year", "Thanksgiving", "July", " Day", "Easter", "Halloween", "Cinco",
        "Juneteenth", "Good Friday", "Black Friday", "Bowl Sunday", "Palm Sunday", "Kippur",
        "Hashanah", "Passover", "Hanukkah", "Chanukah", "Diwali", "Mardi", "Ash Wednesday",
    ),
]


# --- contact details --------------------------------------------------------------------

_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|tel|telephone|fax|call|called|calling|cell|pager|page|paged|mobile"
    r"|contact|dial|dialed|line|number|hotline|voicemail)\b"
)
_EXTENSION = r"(?i:[ ]*(?:,[ ]*)?(?:ext\.?|extension|x)[ ]*[0-9]{1,6}(?![0-9]))"
# A second extension or pager after the first: "extension 4471 or 4472", "pgr 3318/3320".
_SECOND_NUMBER = r"(?:" + SP + r"*(?:,|/|&|or|and)" + SP + r"*x?[0-9]{3,6})?"

PHONE_DETECTORS: list[Detector] = [
    # (916) 555-0142, 916.555.0142, +1 916-555-0142 ext. 42, 1-800-555-0100
    _regex(
        FindingKind.PHONE,
        r"(?=[+(0-9])(?<![\w+])(?:\+?1[ .\-]?)?(?:\([0-9]{3}\)[ ]?|[0-9]{3}[ .\-])[0-9]{3}"
        r"[ .\-][0-9]{4}(?![\w]|-[0-9])" + f"(?:{_EXTENSION})?",
        lead="[+(0-9]",
    ),
    _regex(
        FindingKind.PHONE,
        r"\+1[0-9]{10}(?![0-9])",
        accept=lambda match, text: match.start() == 0 or not _is_word_char(text[match.start() - 1]),
    ),
    # 555-0142 only near a word like "call" or "pager": alone it is as likely a dose range.
    _regex(
        FindingKind.PHONE,
        _lead("[2-9]", r"[\w\-]") + r"[0-9]{2}[\-.][0-9]{4}(?![\w\-]|\.[0-9])",
        accept=_preceded_by(_PHONE_CUE, 40),
    ),
    _gated(
        _regex(
            FindingKind.PHONE,
            _lead("[Ee]", r"\w") + r"(?i:xt\.?|xtension)[ ]*(?:#[ ]*)?[0-9]{2,6}(?![\w])",
        ),
        "xt",
    ),
    _gated(
        _regex(
            FindingKind.PHONE,
            _lead("[0-9]", r"\w") + r"[0-9]{3,5}" + _SECOND_NUMBER + r"(?![\w]|[.\-/][0-9])",
            accept=_cue_before(
                r"(?i:\b(?:pager|pgr|beeper|vocera|spectralink|phone|cell|tel|fax)[ ]*"
                r"(?:(?:\#|no\.?|number)[ ]*)?(?::[ ]*)?)",
                30,
            ),
        ),
        "pager", "pgr", "beeper", "vocera", "spectralink", "phone", "cell", "tel", "fax",
    ),
]

EMAIL_DETECTORS: list[Detector] = [
    _gated_case(
        _regex(
            FindingKind.EMAIL,
            r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]++@(?:[A-Za-z0-9\-]++\.)+[A-Za-z]{2,}(?![\w\-])",
        ),
        "@",
    ),
]

_URL_WITH_SCHEME = re.compile(
    _lead("[HhFfWw]", r"[\w@/]") + r"(?i:ttps?://|tp://|ww\.)[^\s<>\"'`{}|\\^]++"
)
_DOMAIN_ENDING = re.compile(
    r"\.(?i:com|org|net|edu|gov|io|info|health|us|co|biz|app|nyc)"
    r"(?![\w\-])(?:/[^\s<>\"'`{}|\\^]*+)?"
)
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_MAX_DOMAIN = 253
_URL_TRAILING = ".,;:!?'\""
_OPENING = {")": "(", "]": "[", "}": "{"}


def _trim_url(text: str, start: int, end: int) -> int:
    """Drop sentence punctuation and an unbalanced closing bracket from the end."""
    while end > start:
        last = text[end - 1]
        if last in _URL_TRAILING:
            end -= 1
        elif last in _OPENING and text.count(_OPENING[last], start, end) < text.count(
            last, start, end
        ):
            end -= 1
        else:
            break
    return end


def _detect_urls(text: str) -> Iterator[Span]:
    with_scheme = "://" in text or "ww." in lowered(text)
    for match in _URL_WITH_SCHEME.finditer(text) if with_scheme else ():
        start = match.start()
        end = _trim_url(text, start, match.end())
        if end - start > 4:
            yield FindingKind.URL, start, end
    # Bare domains ("pumpvendor.com") are found from their ending and extended to the left.
    for match in _DOMAIN_ENDING.finditer(text):
        start = match.start()
        floor = max(0, start - _MAX_DOMAIN)
        while start > floor and text[start - 1] in _DOMAIN_CHARS:
            start -= 1
        while start < match.start() and text[start] in ".-":
            start += 1
        if start == match.start():
            continue
        if start > 0 and (text[start - 1] in "@/" or _is_word_char(text[start - 1])):
            continue  # part of an email address, a longer URL or a word
        yield FindingKind.URL, start, _trim_url(text, start, match.end())


_VERSION_CUE = re.compile(r"(?i)(?:\bversion|\bv|\bsection|\bsec|\u00a7|\bchapter)\.?\s*$")


def _ipv4_ok(match: re.Match[str], text: str) -> bool:
    if any(int(part) > 255 for part in match.group().split(".")):
        return False
    start = match.start()
    return _VERSION_CUE.search(text, max(0, start - 12), start) is None


def _ipv6_ok(match: re.Match[str], text: str) -> bool:
    return any(char.isdigit() for char in match.group())


_HEX = r"[0-9A-Fa-f]{1,4}"

NETWORK_DETECTORS: list[Detector] = [
    _regex(
        FindingKind.IP_ADDRESS,
        _lead("[0-9]", r"[\w.]") + r"[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![\w]|\.[0-9])",
        accept=_ipv4_ok,
    ),
    # Eight groups (so two colons with one group between them), or fewer around "::".
    _gated_search(
        _regex(
            FindingKind.IP_ADDRESS,
            rf"(?={_HEX}:)(?<![\w:])(?:(?:{_HEX}:){{7}}{_HEX}"
            rf"|{_HEX}(?::{_HEX}){{0,6}}::{_HEX}(?::{_HEX}){{0,6}})(?![\w:])",
            accept=_ipv6_ok,
        ),
        re.compile(r":(?::|[0-9A-Fa-f]{1,4}:)"),
    ),
]


# --- numbers ----------------------------------------------------------------------------

# Codes for drugs, procedures and diagnoses, and catalog and model numbers of products, are
# numbers that identify nobody.
# A product's or a code set's label, right before the number or before the first of a list
# ("NDC 0409-2720-01 and 0409-2720-03").
_CODE_CUE = re.compile(
    r"(?i)\b(?:NDC|CPT|ICD(?:-?1[01])?|LOINC|HCPCS|SNOMED|RxNorm|UPC|REF|catalog(?:ue)?|cat"
    r"|model|part|SKU)s?\b\W*(?:[0-9][0-9A-Za-z\-]*+" + SP + r"*(?:,|/|&|and|or)" + SP
    + r"*)?$"
)
_NOT_A_CODE = _not_preceded_by(_CODE_CUE, 36)
_NUMBER_END = r"(?![A-Za-z0-9]|[.,][0-9])"


def _hyphenated_ok(match: re.Match[str], text: str) -> bool:
    digits = sum(char.isdigit() for char in match.group())
    return digits >= 7 and _NOT_A_CODE(match, text)


_NUMBER_SUFFIX = r"(?:" + SP + r"*(?:number|no\.?|\#|:))"
# Words that announce an identifier on their own, and everyday words that do so only with
# "number", "no." or "#" ("account 2025" is a year, "account # 2025" is not).
_ID_CUE = (
    rf"(?i:\b(?:(?:MRN|MR{SP}*\#|MR{SP}*no\.?|medical{SP}+record|acct\.?|patient{SP}+id"
    rf"|pt\.?{SP}*id|FIN|CSN|member{SP}+id|license|lic\.?|S/N"
    rf"|cert(?:ificate|ification)?){_NUMBER_SUFFIX}?"
    rf"|(?:account|policy|encounter|serial|visit|claim){_NUMBER_SUFFIX})){SP}*(?:[:\#]{SP}*)?"
)
_SSN_CUE = (
    rf"(?i:\b(?:SSN|SS\#|SS{SP}*no\.?|social{SP}+security(?:{SP}+(?:number|no\.?|\#))?"
    rf"|tax{SP}*id|ITIN|TIN){SP}*(?:[:\#]{SP}*)?)"
)

_ID_CUE_RE = re.compile("(?:" + _ID_CUE + ")$")
_ANNOUNCED_DIGITS = re.compile(_lead("[0-9]", "[0-9]") + r"(?:-?[0-9]){3,}(?![A-Za-z0-9])")


def _grouped_id_ok(value: str) -> bool:
    """Groups holding four digits or more with a letter, or seven digits without one."""
    digits = sum(ch.isdigit() for ch in value)
    return digits >= 7 or digits >= 4 and any(ch.isalpha() for ch in value)


# The cue words of grouped identifiers, looked for in the lower-cased text: a pattern that
# opens with plain letters is searched far faster than one that ignores case.
_GROUPED_CUE = re.compile(
    r"(?:member ?id|id|mrn|acct|account|asset(?: tag)?|policy|claim|medicare|medicaid|mbi"
    r"|serial|s/n|sn|badge|license|licence|lic)\.?(?: ?(?:#|no\.?|number))? ?[:#]? ?"
    r"(?:(?:is|was) |(?:(?:we|they|you|i|he|she) [a-z]+|(?:on|in|from) (?:the|her|his|their"
    r"|our) [a-z]+|listed|given|printed|used|entered)[,:] )?"
)
_GROUPED_VALUE = re.compile(
    r"[A-Z0-9]{2,5}(?: [A-Z0-9]{2,5}){0,2} [A-Z0-9]{0,4}[0-9][A-Z0-9]{0,4}(?![\w\-])"
)


def _detect_grouped_ids(text: str) -> Iterator[Span]:
    """An identifier typed in groups after its cue: "member ID: XZP 441 0023", "asset BME
    33081", "MRN 4471 2203 99", "insurance ID is UHC 9982 1147 03"; the groups in capitals and
    digits (`_grouped_id_ok`)."""
    low = lowered(text)
    for cue in _GROUPED_CUE.finditer(low):
        if cue.start() > 0 and low[cue.start() - 1].isalnum():
            continue
        value = _GROUPED_VALUE.match(text, cue.end())
        if value is not None and _grouped_id_ok(value.group()):
            yield FindingKind.LONG_NUMBER, value.start(), value.end()


def _detect_announced_codes(text: str) -> Iterator[Span]:
    """After a word that announces an identifier, shorter codes count too ("MRN 48392").

    The digits are found first; a short letter prefix ("A-48392") and then the cue word are
    looked for behind them.
    """
    for match in _ANNOUNCED_DIGITS.finditer(text):
        start = match.start()
        if start > 0 and text[start - 1] == "-":
            start -= 1
        letters = 0
        while start > 0 and letters < 3 and text[start - 1].isascii() and text[start - 1].isalpha():
            start -= 1
            letters += 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
            continue
        if text[start] == "-":
            start += 1
        if _ID_CUE_RE.search(text, max(0, start - 40), start):
            yield FindingKind.LONG_NUMBER, start, match.end()


# A DEA number's seven digits, found first, with its two leading characters looked behind
# for: digits are rarer than letters.
_DEA_DIGITS = re.compile(
    r"[0-9](?<=(?<![A-Za-z0-9])[ABCDEFGHJKLMPRSTUXabcdefghjklmprstux][A-Za-z9][0-9])"
    r"[0-9]{6}(?![A-Za-z0-9])"
)


def _detect_dea(text: str) -> Iterator[Span]:
    for match in _DEA_DIGITS.finditer(text):
        start = match.start() - 2
        if dea_is_valid(text[start : match.end()]):
            yield FindingKind.DEA, start, match.end()


NUMBER_DETECTORS: list[Detector] = [
    # A masked SSN still shows its last four: "xxx-xx-6789", "***-**-6789"
    _regex(
        FindingKind.SSN,
        _lead("[xX*#]", r"[\w*#]") + r"[xX*#]{2}-?[xX*#]{2}-?[0-9]{4}(?![\w\-])",
    ),
    # "last four of SSN 6789", "SSN ending 6789"
    _gated_search(_regex(
        FindingKind.SSN,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{3}(?![\w\-]|[.,][0-9])",
        accept=_cue_before(
            r"(?i:\b(?:ssn|ss\#|social" + SP + r"+security(?:" + SP + r"+(?:number|no\.?|\#))?"
            r"|last" + SP + r"+(?:four|4)(?:" + SP + r"+(?:digits|of" + SP + r"+(?:the" + SP
            + r"+)?(?:ssn|social))?)?)" + SP + r"*(?:ending(?:" + SP + r"+in)?|is|was|:|\#|-)?"
            + SP + r"*)",
            40,
        ),
    ), re.compile(r"ssn|ss#|social|last" + SP + r"+(?:four|4)"), lower=True),
    _regex(
        FindingKind.SSN,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{2}-[0-9]{2}-[0-9]{4}(?![\w\-]|\.[0-9])",
    ),
    _regex(
        FindingKind.SSN,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{2}[ \-]?[0-9]{2}[ \-]?[0-9]{4}(?![\w\-])",
        accept=_cue_before(_SSN_CUE, 40),
    ),
    _gated_search(
        _regex(
            FindingKind.NPI,
            _lead("[12]", r"[A-Za-z0-9$\u20ac\u00a3]") + r"(?<![0-9][.,].)[0-9]{9}" + _NUMBER_END,
            accept=lambda match, text: npi_is_valid(match.group()),
        ),
        _SEVEN_DIGITS,
    ),
    _detect_dea,
    # Any token holding a run of seven or more digits, with letters around it or not
    # ("4839201", "MRN4839201", "A1234567").
    _gated_search(
        _regex(
            FindingKind.LONG_NUMBER,
            _lead("[A-Za-z0-9]", r"[A-Za-z0-9$\u20ac\u00a3]") + r"(?<![0-9][.,].)"
            r"(?:(?<=[0-9])(?=[0-9]{6})|(?=[A-Za-z0-9]*?[0-9]{7}))[A-Za-z0-9]*+(?![.,][0-9])",
            accept=_NOT_A_CODE,
        ),
        _SEVEN_DIGITS,
    ),
    # Digit groups joined by hyphens: "0012-3456-78", "483-920-1".
    _regex(
        FindingKind.LONG_NUMBER,
        _lead("[0-9]", r"[A-Za-z0-9$\-]") + r"(?<![0-9][.,].)[0-9]*+(?:-[0-9]++){2,}"
        r"(?![A-Za-z0-9]|-[0-9]|[.,][0-9])",
        accept=_hyphenated_ok,
    ),
    # Card-style groups of four.
    _regex(FindingKind.LONG_NUMBER, _lead("[0-9]", r"\w") + r"[0-9]{3}(?: [0-9]{4}){3}(?![\w])"),
    _detect_announced_codes,
    _detect_grouped_ids,
]


# --- ages -------------------------------------------------------------------------------

_OVER_89 = r"(?:9[0-9]|1[01][0-9])(?![0-9])"
_OVER_89_LEAD = _lead("[19]", r"[\w.]") + r"(?:(?<=9)[0-9]|(?<=1)[01][0-9])(?![0-9])"
# "aged 90 or older" and "90+" are the aggregate that the rules ask for, not an identifier.
_AGGREGATE = (
    r"(?i:(?!" + SP + r"*\+|" + SP + r"+(?:and|or)" + SP + r"+(?:older|over|above|up|more)"
    r"|" + SP + r"*(?:days?|d|weeks?|wks?|months?|mos?|hours?|hrs?)\b))"
)

AGE_DETECTORS: list[Detector] = [
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + rf"{SP}*(?:-{SP}*)?(?i:years?|yrs?\.?|y){SP}*(?:-{SP}*)?"
        r"(?i:old|young)(?![A-Za-z])",
    ),
    # "94 yo", "95-yo", "96-y/o", "97 y.o.", "98 y. o."
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + SP + r"*-?(?i:y/[o0]|y-o|y\.?" + SP + r"?o\.?|yoa)(?![A-Za-z0-9])",
    ),
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + SP + r"+(?i:years?|yrs?)" + SP + r"+(?i:of)" + SP + r"+(?i:age)\b",
    ),
    _gated_search(
        _regex(
            FindingKind.AGE_OVER_89,
            _lead("[Aa]", r"\w") + r"(?i:ged|ge)(?:" + SP + r"+(?i:of))?" + SP + r"*(?:[:=\-]" + SP
            + r"*)?" + _OVER_89 + _AGGREGATE,
        ),
        re.compile(r"ged?(?:" + SP + r"+of)?" + SP + r"*(?:[:=\-]" + SP + r"*)?(?:9|1[01])[0-9]"),
        lower=True,
    ),
    _gated(
        _regex(
            FindingKind.AGE_OVER_89,
            r"(?=[NnCcSs])\b(?i:(?:super)?(?:nonagenarian|centenarian)s?)\b",
        ),
        "nonagenarian", "centenarian",
    ),
]


# --- people and places ------------------------------------------------------------------

_TITLES_ANY_CASE = sorted(
    [
        "charge nurse", "nurse practitioner", "nurse manager", "nurse", "doctor",
        "pharmacist", "pharmacy tech", "technician", "tech", "therapist", "resident",
        "attending", "intern", "fellow", "surgeon", "anesthesiologist", "anesthetist",
        "hospitalist", "intensivist", "physician", "provider", "midwife", "chaplain",
        "paramedic", "supervisor", "manager", "clerk", "aide", "professor", "officer",
        "interpreter", "transporter", "coordinator", "director", "educator",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_TITLES_EXACT = ["RN", "LPN", "LVN", "NP", "PA", "CNA", "CRNA", "APRN", "EMT", "MD",
                 "PharmD", "RPh", "Miss"]  # fmt: skip
# Abbreviations that may be followed by a period; "MS" and "MR" are left out because they
# are morphine sulfate and mitral regurgitation far more often than titles.
_TITLE_ABBREVIATIONS = ["Mrs", "Mr", "Ms", "Mx"]
_TITLE_ABBREVIATIONS_ANY_CASE = ["dr", "prof", "ofc"]


def _titles_pattern() -> str:
    """Every title, then the names after it.

    The pattern opens with the first letter of a title, so that the engine tries it only at
    those letters, and the titles are grouped by that letter, each group tried only after its
    own letter; within a group they keep their order (abbreviations, then titles in any case,
    longest first, then those in their own case), so the first title that fits wins as in a
    plain alternation of them all.
    """
    after_abbreviation = rf"(?:\.{SP}*|{SP}+)"
    titles = (
        [(title, after_abbreviation, False) for title in _TITLE_ABBREVIATIONS]
        + [(title, after_abbreviation, True) for title in _TITLE_ABBREVIATIONS_ANY_CASE]
        + [(title.replace(" ", SP + "+"), SP + "+", True) for title in _TITLES_ANY_CASE]
        + [(title, SP + "+", False) for title in _TITLES_EXACT]
    )
    groups: dict[str, list[str]] = {}
    for title, after, any_case in titles:
        first, rest = title[0], title[1:]
        option = f"(?i:(?<={first}){rest})" if any_case else f"(?<={first}){rest}"
        groups.setdefault(first.lower(), []).append(option + after)
    initials = "".join(sorted({t[0].lower() for t, _, any_case in titles if any_case}
                              | {t[0].upper() for t, _, any_case in titles if any_case}
                              | {t[0] for t, _, any_case in titles if not any_case}))
    return (
        f"[{initials}](?<![\\w.'\u2019][{initials}])(?:"
        + "|".join(f"(?<=[{letter}{letter.upper()}])(?:" + "|".join(options) + ")"
                   for letter, options in groups.items())
        + f")(?P<names>{_NAME_RUN})"
    )


_TITLE_RE = re.compile(_titles_pattern())
_CREDENTIALS = (
    r"(?:MD|DO(?!" + SP + r"+(?i:not)\b)|RN|NP|PA-C|PharmD|RPh|PhD|LPN|LVN|CRNA|APRN|DNP"
    r"|FNP(?:-BC)?|CNM|CNS|DPM|DDS|BSN|MSN|CNA|CPhT|CBET|RRT|CCRN|LCSW|LICSW|MSW|EMT|DPT)"
)
_POSTNOMINAL_RE = re.compile(
    rf"(?=[{UC}])(?<![\w.'\u2019])"
    rf"(?P<names>{_TOKEN}(?:{SP}+(?:{_INITIAL}{SP}*)?{_TOKEN}){{0,2}}),{SP}*{_CREDENTIALS}(?![\w])"
)


def _is_stopword(token: str) -> bool:
    return token.lower().replace("\u2019", "'").removesuffix("'s") in NAME_STOPWORDS


def _detect_titled_names(text: str) -> Iterator[Span]:
    """A title or role followed by capitalized words, cut at the first word that is no name."""
    position = 0
    while True:
        match = _TITLE_RE.search(text, position)
        if match is None:
            break
        end = None
        for token in _TOKEN_RE.finditer(text, match.start("names"), match.end("names")):
            if _is_stopword(token.group()):
                break
            end = token.end()
        if end is None:
            # Resume after the title so a name inside the rejected words is still seen.
            position = match.start("names")
            continue
        yield FindingKind.TITLE_NAME, match.start(), end
        position = end


_CREDENTIAL_AFTER_COMMA = re.compile(rf",{SP}*{_CREDENTIALS}(?![\w])")


def _detect_postnominal_names(text: str) -> Iterator[Span]:
    """Capitalized words followed by a clinical credential ("Jane Doe, RN")."""
    if _CREDENTIAL_AFTER_COMMA.search(text) is None:
        return  # the comma and credential are rare; the names before them are not
    for match in _POSTNOMINAL_RE.finditer(text):
        start = None
        for token in _TOKEN_RE.finditer(text, match.start("names"), match.end("names")):
            if _is_stopword(token.group()):
                start = None
            elif start is None:
                start = token.start()
        if start is not None:
            yield FindingKind.TITLE_NAME, start, match.end()


# Words that make "X Hospital" generic rather than a name ("the County Hospital").
_GENERIC_HOSPITAL_WORDS = frozenset(
    """
    general community county regional memorial university medical children's childrens
    women's womens veterans va state city district teaching rural critical access acute
    psychiatric behavioral rehabilitation rehab specialty surgical private public local
    outside receiving sending referring partner member nearby tertiary quaternary academic
    major small large main new old same different affiliated sister home another other
    hospital health care center centre system
    """.split()
)
_HOSPITAL_WORD = rf"(?:[{UC}][{LC}]+(?:['\u2019]s)?|St\.?|Saint|[A-Z]{{2,5}})(?![\w])"
_HOSPITAL_RE = re.compile(
    rf"(?=[{UC}])"
    r"(?<![\w.'\u2019])(?P<names>"
    + _HOSPITAL_WORD
    + rf"(?:{SP}+{_HOSPITAL_WORD}){{0,4}}){SP}+"
    + rf"(?:Hospital|Medical{SP}+Cent(?:er|re)|Health(?:care)?{SP}+System|Health{SP}+Center"
    + r"|Infirmary)(?![\w]|-(?i:wide)\b)"  # not "Adopt Barcode Scanning Hospital-Wide"
)
_HOSPITAL_WORD_RE = re.compile(_HOSPITAL_WORD)


def _detect_hospital_names(text: str) -> Iterator[Span]:
    """Unregistered hospitals named in the text ("transferred to St. Mary's Hospital")."""
    for match in _HOSPITAL_RE.finditer(text):
        words = list(_HOSPITAL_WORD_RE.finditer(text, match.start("names"), match.end("names")))
        keep = []
        for word in words:
            if _is_stopword(word.group()):
                keep = []
            else:
                keep.append(word)
        specific = [
            word
            for word in keep
            if word.group().lower().replace("\u2019", "'") not in _GENERIC_HOSPITAL_WORDS
        ]
        if specific:
            yield FindingKind.HOSPITAL, keep[0].start(), match.end()


_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI"
).split()
# A full ZIP code is geography below the state; it is recognised by what precedes it.
_STATE_FULL_NAMES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
    "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts "
    "Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon "
    "Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming"
).split()
# "Fresno, California 93711", "Tulsa OK 74103", "zip 93704": what precedes a full ZIP code
_ZIP_CUE = (
    r"(?:\b(?:" + "|".join(_STATE_CODES) + r"|" + "|".join(_STATE_FULL_NAMES)
    + rf")|(?i:\bzip(?:{SP}*code)?)){SP}*(?:[,:]{SP}*)?"
)
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Way|Court|Ct|Parkway|Pkwy"
    "|Highway|Hwy|Place|Pl|Circle|Terrace|Trail"
)

# Counties, parishes and boroughs are geography below the state: "Placer County", "Prince
# George's County", "County of Marin", "Borough of Brooklyn". The name is one to three
# capitalised words; articles, prepositions and generic words are never part of it, so "In
# Orange County" finds "Orange County" and "the County Hospital" or "Each County" find nothing.
_PLACE_STOP = (
    "The|A|An|This|That|These|Our|Their|Its|Each|Every|Any|One|Another|Same|Both|All|Some|Many"
    "|Most|No|Neighboring|Neighbouring|Rural|Urban|Local|Home|Large|Small|In|From|To|At|Of|For"
    "|And|Or|By|With|On|Via|Near|Into|Across|Within|Outside|Sent|Transferred|Moved"
)
_PLACE_WORD = (
    rf"(?!(?:{_PLACE_STOP})(?![\w'\u2019]))"
    rf"(?:St\.|[{UC}][{LC}]*(?:[{UC}][{LC}]+)?(?:['\u2019]s)?)"
)
_PLACE_NAME = rf"{_PLACE_WORD}(?:{SP}+{_PLACE_WORD}){{0,2}}"
# A county by its initials too: "PG County", "PW County".
_COUNTY = (
    rf"(?<![\w.'\u2019]){_PLACE_NAME}{SP}+(?:County|Parish|Borough)(?![\w])"
    rf"|(?<![\w.'\u2019])[{UC}]{{2}}{SP}+County(?![\w\-])"
    rf"|(?<![\w])(?:County|Parish|Borough){SP}+of{SP}+{_PLACE_NAME}(?![\w])"
)

PEOPLE_AND_PLACE_DETECTORS: list[Detector] = [
    _detect_titled_names,
    _detect_postnominal_names,
    _gated(_detect_hospital_names, "hospital", "medical", "health", "infirmary"),
    _gated(_regex(FindingKind.PLACE, _COUNTY), "county", "parish", "borough"),
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{4}(?:-[0-9]{4})?(?![\w\-]|[.,][0-9])",
        accept=_cue_before(_ZIP_CUE, 16),
    ),
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w.]")
        + r"[0-9]{0,5}"
        + SP
        + r"+(?:[NSEW]\.?"
        + SP
        + rf"+)?(?:[{UC}][{LC}]+"
        + SP
        + r"+){1,3}(?:"
        + _STREET_TYPES
        + r")(?![\w])",
    ),
]


# --- shapes seen in real reports: dates without a year, extensions, serials, ages in words ---

# "12/27" and "2/3" without a year. A slash pair is often a score or a ratio ("pain 7/10",
# "strength 4/5", "GCS 3/15"), so a pair whose second number is a common denominator needs a
# word that introduces a date; any other pair is a date unless a score word precedes it.
_DATE_CUE_WORDS = (
    r"on|dated|date|since|until|till|thru|through|from|by|of|before|after|around|admitted|admit"
    r"|adm|discharged|discharge|dc|d/c|dc'd|seen|dos|dob|born|event|incident|fell|fall|occurred"
    r"|readmitted|readmit|transferred|presented|arrived|reported|called|noted|found|visited"
    r"|happened|returned|started|stopped|last|next|eve|evening|night|morning|noc|nights|days"
    r"|surgery|procedure|visit|appointment|appt|scheduled|sched|delivered|given|placed|removed"
    r"|inserted|changed|expired|died|deceased|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|and|to|or|between|for|at|@"
    r"|yest|yesterday|today|tonight|tomorrow|tmrw|dose|surg|drawn|collected|labs|eff|due"
)
# A CSV field (",2/3," or '"2/3"') is a cue too; a comma followed by a space is not
# ("sob, 2/2 fluid overload" is "secondary to").
_SHORT_DATE_CUE = re.compile(
    r"(?i:(?:\b(?:" + _DATE_CUE_WORDS + r")\.?|\b[a-z]{3,}ed|[(@]"
    r"|\b(?:at|@)" + SP + r"*(?:[01][0-9]|2[0-3]):?[0-5][0-9])" + SP
    + r"*$|(?:,\"?|\"|\t)$)"
)  # "at 1645 10/2": a time before the day
_SCORE_BEFORE = re.compile(
    r"(?i:\b(?:pain|score|scored|scale|strength|str|power|motor|gcs|bp|b/p|nibp|abp|map|ratio"
    r"|fio2|peep|vent|rated|rate|rates|grade|graded|mmt|braden|morse|apgar|rass|cam|ciwa|cows"
    r"|nihss|flacc|mews|news|sofa|vision|visual|acuity|hearing|reflexes|dtr|dtrs|pulses?"
    r"|edema|murmur|x|times|split|out|level|lvl|stage|class|nyha|asa|ecog|tanner"
    r"|rr|hr|spo2|sats?|o2|l/min|lpm|ml|mg|mcg|units?|q|every|per|fraction|dilution"
    r"|dilated|effaced|station|cm)\b\W{0,3}$)"
)
# A ventilator's pressures after the verb that sets them: "IPAP raised to 16/6", "BiPAP set at
# 14/6".
_SETTING_BEFORE = re.compile(
    r"(?i:\b(?:bipap|bi-pap|cpap|ipap|epap|peep|niv|nippv)\b(?:" + SP + r"+[a-z]+){0,2}" + SP
    + r"+(?:to|at)" + SP + r"*$)"
)
_AFTER_NOT_DATE = re.compile(
    r"(?i:" + SP + r"*(?:strength|power|str|pain|score|scale|ratio|split|dose|doses|of|mg|mcg"
    r"|ns|nss|saline|ml|units?|tabs?|tablets?|caps?|%|mm|cm|mmhg|bpm|rule|vision|range|motor"
    r"|in(?!" + SP + r"+(?:the|a|an|accordance|person|his|her|their|our|clinic|writing)\b)"
    r"|on|x)\b)"
)
# What a day goes on with, where a score or a ratio would not: the visit it dates ("from
# the 11-14 visit") or the day that ends its range ("2/2 to 2/11").
_EVENT_AFTER = re.compile(
    r"(?i:" + SP + r"+(?:visit|appt|appointment|admission|discharge|encounter|surgery"
    r"|procedure)\b|" + SP + r"*(?:to|thru|through|until|till|-|\u2013)" + SP
    + r"*[0-9]{1,2}/[0-9]{1,2}(?![0-9]))"
)
_TIME_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:@|at|around|~|about|approx\.?)?" + SP
    + r"*(?:[0-2]?[0-9]:[0-5][0-9]|[0-2][0-9][0-5][0-9]|[0-9]{1,2}" + SP + r"*(?:am|pm|a|p)\b"
    r"|noon|midnight|night|nights|noc|morning|evening|afternoon|shift|days|overnight))"
)
_SMALL_DENOMINATORS = frozenset({"2", "3", "4", "5", "10"})


def _detect_short_dates(text: str) -> Iterator[Span]:
    for match in _SHORT_DATE.finditer(text):
        value = match.group()
        separator = "/" if "/" in value else "-"
        first, second = value.split(separator)
        if not _month_day_plausible(first, second):
            continue
        start, end = match.span()
        before = text[max(0, start - 24) : start]
        after = text[end : end + 24]
        if _SCORE_BEFORE.search(before) or _SETTING_BEFORE.search(before):
            continue
        cued = _SHORT_DATE_CUE.search(before) is not None
        timed = _TIME_AFTER.match(after) is not None or _EVENT_AFTER.match(after) is not None
        if value in _FRACTIONS and (not cued or _AFTER_NOT_DATE.match(after)):
            continue  # "on 1/2 NS" is half-normal saline
        if separator == "-" and not (cued or timed):
            continue  # "12-27" alone is as likely a range
        if not (cued or timed) and (
            second in _SMALL_DENOMINATORS or _AFTER_NOT_DATE.match(after)
        ):
            continue
        if not (1 <= int(first) <= 12):  # "27/12" day-first only with a cue
            if not cued:
                continue
        yield FindingKind.DATE, start, end


_SHORT_DATE = re.compile(
    _lead("[0-9]", r"[\w/.\-:]") + r"[0-9]?(?:/[0-9]{1,2}|-[0-9]{1,2})"
    r"(?![\w/\-]|[.:][0-9]|" + SP + r"*(?:/|-[0-9]))"
)

_MONTH_WORD_ANY = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

# The ordinal is found first and its cue looked for behind it: a pattern that started with
# the cue words would try them at every position of the text.
_ORDINAL_DAY = re.compile(
    _lead("[0-9]", r"[\w.\-/]") + r"(?<=(?:[12]|3|[0-9]))(?:(?<=[12])[0-9]|(?<=3)[01])?"
    r"(?i:st|nd|rd|th)(?![\w])"
)
_ORDINAL_CUE = re.compile(
    r"(?i:\b(?:the|on|of|by|since|until|till|from|before|after|and|or|to|thru|through"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)" + SP + r"+(?:the" + SP + r"+)?$)"
)
# An ordinal that counts ("the 4th change", "the 2nd dose") is followed by what it counts; a
# day of the month is followed by punctuation, a time or a word that goes on the sentence.
_DAY_FOLLOWS = re.compile(
    r"(?i:" + SP + r"*(?:$|[.,;:!?)\]\"'\n\u2014\u2013]|-" + SP + r"|(?:at|around|about|approx"
    r"|when|after|before|during|and|or|but|so|night|morning|evening|afternoon|shift|overnight"
    r"|of" + SP + r"+(?:this|that|last|next|the" + SP + r"+same)" + SP + r"+month"
    r"|the|a|an|we|she|he|they|pt|patient|in|on|from|to|until|till|with|while|was|were|is"
    r"|had|has|by|per|early|late|ca|noc|am|pm|eve|nights|[0-9]{1,2}:[0-9]{2}"
    r"|[0-2][0-9][0-5][0-9]"
    # What a day goes on with, where a count would name what it counts: "without", "for",
    # "w/" and a verb in the past ("returned the 8th w/ a stent", "the 5th led to").
    r"|without|for|because|then|again|there|as|yet|already|unless|w/|w/o|too|also|though"
    r"|led|went|came|got|gave|took|left|fell|saw|said|told|ran|sent|brought|found|began"
    r"|felt|kept|made|met|paid|put|woke|wrote|spoke|broke|drove|[a-z]{2,}ed)(?![\w/])))"
)


# A second day after a dash or "to": "the 14th-15th", "the 3rd to 5th".
_DAY_RANGE = re.compile(
    SP + r"*(?:-|\u2013|to|thru|through)" + SP + r"*(?:the" + SP + r"+)?"
    r"(?:[12]?[0-9]|3[01])(?i:st|nd|rd|th)(?![\w])"
)
# "3rd of june", "21st of Sept.": a day and "of" before a month in any case.
_OF_MONTH = re.compile(
    SP + r"+of" + SP + r"+(?i:" + _MONTH_WORD_ANY + r")\.?(?![A-Za-z])"
    r"(?:,?" + SP + r"+(?:19|20)[0-9]{2}(?![0-9]))?"
)


_PART_OF_DAY = re.compile(
    r"(?i:\b(?:the" + SP + r"+)?(?:early" + SP + r"+)?(?:morning|evening|night|afternoon"
    r"|day|weekend|wee" + SP + r"+hours)" + SP + r"+of" + SP + r"+(?:the" + SP + r"+)?$)"
)


def _detect_ordinal_days(text: str) -> Iterator[Span]:
    for match in _ORDINAL_DAY.finditer(text):
        start = match.start()
        day = int(match.group()[:-2])
        if not 1 <= day <= 31:
            continue
        end = match.end()
        month = _OF_MONTH.match(text, end)
        if month is not None:
            yield FindingKind.DATE, start, month.end()
            continue
        second = _DAY_RANGE.match(text, end)
        if second is not None:
            end = second.end()
        if not _DAY_FOLLOWS.match(text, end):
            continue
        if _ORDINAL_CUE.search(text, max(0, start - 24), start) is None:
            continue
        # "the morning of the 17th" is one date: the part of the day goes with it.
        part = _PART_OF_DAY.search(text, max(0, start - 32), start)
        yield FindingKind.DATE, (part.start() if part else start), end


_MONTH_ABBR = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_WEEKDAY_ANY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\.?"
)

_DAY_NUMBER = re.compile(
    _lead("[0-9]", r"[\w:.,/\-]") + r"[0-9]?(?:st|nd|rd|th)?(?![\w]|:[0-9]|[.,][0-9])"
)
_MONTH_BEFORE = re.compile(
    r"(?i:(?<![\w])(?P<month>january|february|march|april|june|july|august|september"
    r"|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?" + SP
    + r"+$)"
)


# "may" is a month before a day only after a word that introduces a date ("its may 3", "dob
# on may 3rd"), never after a subject ("it may 2").
_MAY_BEFORE = re.compile(
    r"(?i:\b(?:" + _DATE_CUE_WORDS + r"|its|it's|is|was|says|said|dob:?)" + SP
    + r"+(?P<month>may)" + SP + r"+$)"
)
_NOT_A_DAY_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:more|times|days?|hours?|hrs?|weeks?|wks?|doses?|tabs?|mg|ml|units?"
    r"|x|of|or|to|-)\b)"
)


def _detect_lower_month_days(text: str) -> Iterator[Span]:
    for match in _DAY_NUMBER.finditer(text):
        start = match.start()
        digits = match.group().rstrip("stndrh")
        if not digits.isdigit() or not 1 <= int(digits) <= 31:
            continue
        month = _MONTH_BEFORE.search(text, max(0, start - 12), start)
        if month is None:
            if "may" not in text[max(0, start - 5) : start].lower():
                continue
            month = _MAY_BEFORE.search(text, max(0, start - 20), start)
            if month is None or _NOT_A_DAY_AFTER.match(text, match.end()):
                continue
            yield FindingKind.DATE, month.start("month"), match.end()
            continue
        if month.group("month").lower() == "mar" and not month.group("month")[0].isupper():
            continue
        yield FindingKind.DATE, month.start(), match.end()


# A weekday with its date is one identifier: "Tuesday the 9th", "tues 2/3", "Fri 13th",
# "Thursday, 4/16". The date is found first, the weekday looked for behind it.
_DATE_AFTER_WEEKDAY = re.compile(
    _lead("[0-9]", r"[\w.\-/]") + r"[0-9]?(?:(?i:st|nd|rd|th)|/[0-9]{1,2}(?:/(?:[0-9]{4}"
    r"|[0-9]{2}))?)(?![\w]|/[0-9])"
)
_WEEKDAY_BEFORE = re.compile(
    r"(?i:(?<![\w])" + _WEEKDAY_ANY + r",?" + SP + r"*(?:the" + SP + r"+)?$)"
)


def _detect_weekday_dates(text: str) -> Iterator[Span]:
    for match in _DATE_AFTER_WEEKDAY.finditer(text):
        start = match.start()
        weekday = _WEEKDAY_BEFORE.search(text, max(0, start - 16), start)
        if weekday is None:
            continue
        value = match.group()
        if "/" in value:
            first, second = value.split("/")[:2]
            if not (1 <= int(first) <= 12 and 1 <= int(second) <= 31):
                continue
        elif not 1 <= int(value[:-2]) <= 31:
            continue
        yield FindingKind.DATE, weekday.start(), match.end()


_DASH_DAY = re.compile(
    r"[\-/](?<=[A-Za-z.][\-/])(?:0?[1-9]|[12][0-9]|3[01])(?:[\-/](?:[0-9]{4}|[0-9]{2}))?"
    r"(?![\w]|[\-/][0-9])"
)
_MONTH_WORD_BEFORE = re.compile(r"(?i:(?<![\w\-/])" + _MONTH_WORD + r"\.?$)")


def _detect_month_dash_days(text: str) -> Iterator[Span]:
    for match in _DASH_DAY.finditer(text):
        start = match.start()
        month = _MONTH_WORD_BEFORE.search(text, max(0, start - 10), start)
        if month is not None:
            yield FindingKind.DATE, month.start(), match.end()


_MONTH_NEEDLES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                  "nov", "dec")
_WEEKDAY_NEEDLES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ORDINAL_WORDS = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
    r"|twentieth|(?:twenty|thirty)[\- ]?(?:first|second|third|fourth|fifth|sixth|seventh"
    r"|eighth|ninth)|thirtieth)"
)

def _date_range_ok(match: re.Match[str], text: str) -> bool:
    """ "1/12-1/15" is a range of days; "pain 3/10 - 5/10" and "4/5-5/5" are scores."""
    parts = [part.strip().split("/") for part in re.split("[\\-\u2013]", match.group())]
    if not all(_month_day_plausible(*part) for part in parts):
        return False
    if parts[0][1] == parts[1][1] and parts[0][1] in _SMALL_DENOMINATORS:
        return False
    return _SCORE_BEFORE.search(text, max(0, match.start() - 24), match.start()) is None


COMPACT_DATE_DETECTORS: list[Detector] = [
    # "the first of March", "March first", "the twenty-third of May"
    _gated_both(
        _regex(
            FindingKind.DATE,
            r"(?i:\b(?:the" + SP + r"+)?" + _ORDINAL_WORDS + SP + r"+of" + SP + r"+"
            + _MONTH_WORD + r"\b|\b(?:january|february|march|april|may|june|july|august"
            r"|september|october|november|december|jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec)"
            r"\.?" + SP + r"+" + _ORDINAL_WORDS + r"\b)",
            on_lower_case=True,
        ),
        ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
         "tenth", "eleventh", "twelfth", "teenth", "tieth"),
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december", "jan", "feb", "apr", "jun", "jul", "aug", "sep",
         "oct", "nov", "dec"),
    ),
    # A month typed in lower case ("first week of october"); not "may" or "march", which are
    # as often verbs.
    _gated(
        _regex(
            FindingKind.DATE,
            r"(?:january|february|april|june|july|august|september|october|november|december)"
            r"(?![A-Za-z])",
            accept=_starts_word,
        ),
        "january", "february", "april", "june", "july", "august", "september", "october",
        "november", "december",
    ),
    # 2026-03: a month of a year
    _regex(
        FindingKind.DATE,
        _lead("[12]", r"[\w\-/.]") + r"(?:(?<=1)9|(?<=2)[01])[0-9]{2}-(?:0[1-9]|1[0-2])"
        r"(?![\w\-/]|\.[0-9])",
        accept=_NOT_A_CODE,
    ),
    _gated(_detect_weekday_dates, *_WEEKDAY_NEEDLES),
    # 14-Mar-2026, 14-MAR-26, 14Mar2026, 3/Mar/26, 14-Mar
    _regex(
        FindingKind.DATE,
        _lead("[0-9]", r"[\w.\-/]") + r"[0-9]?(?:[\-/.]|" + SP + r"?)(?i:" + _MONTH_WORD
        + r")\.?(?:[\-/.]?(?:[0-9]{4}|[0-9]{2}))?(?![\w]|[\-/][0-9])",
        accept=_leading_day_ok,
    ),
    # Mar-14, MAR-14-2026, Mar/14/26
    _gated(_detect_month_dash_days, *_MONTH_NEEDLES),
    # 2026-Mar-14
    _regex(
        FindingKind.DATE,
        _lead("[12]", r"[\w\-/]") + r"[0-9]{3}[\-/ ](?i:" + _MONTH_WORD
        + r")[\-/ ](?:0?[1-9]|[12][0-9]|3[01])(?![\w])",
    ),
    # "march 3rd", "jan 3rd:" in any case ("mar 3" only as "Mar 3": "mar" is also a verb)
    _gated(_detect_lower_month_days, *_MONTH_NEEDLES),
    _detect_short_dates,
    _detect_ordinal_days,
    # "1/12-1/15", "12/28 - 1/2": a range of days is one date
    _gated_case(_regex(
        FindingKind.DATE,
        _lead("[0-9]", r"[\w/.\-:]") + r"[0-9]?/[0-9]{1,2}" + SP + r"?[\-\u2013]" + SP
        + r"?[0-9]{1,2}/[0-9]{1,2}(?![\w/\-]|[.:][0-9])",
        accept=lambda match, text: _date_range_ok(match, text),
    ), "/"),
    # Holidays typed in lower case: "xmas eve", "new years day", "memorial day weekend"
    _gated(
        _regex(
            FindingKind.DATE,
            r"(?i:(?<![\w])(?:christmas|xmas|x-mas)(?:" + SP + r"+(?:eve|day))?"
            r"|new" + SP + r"+year['\u2019]?s(?:" + SP + r"+(?:eve|day))?"
            r"|(?:memorial|labor|labour|veterans['\u2019]?|presidents['\u2019]?|mlk"
            r"|columbus|mother['\u2019]?s|father['\u2019]?s|valentine['\u2019]?s)" + SP
            + r"+day|thanksgiving(?:" + SP + r"+day)?|easter(?:" + SP + r"+sunday)?"
            r"|halloween|july" + SP + r"+4th|fourth" + SP + r"+of" + SP + r"+july)(?![\w])",
            on_lower_case=True,
        ),
        "christmas", "xmas", "x-mas", "new year", "memorial day", "labor day", "labour day",
        "veteran", "president", "mlk day", "columbus day", "mother", "father", "valentine",
        "thanksgiving", "easter", "halloween", "july 4", "of july",
    ),
    # "DOS: 031426", "dob 03141931": a date of service or birth written without separators
    _regex(
        FindingKind.DATE,
        _lead("[01]", r"[\w\-/]") + r"[0-9][0-3][0-9](?:(?:19|20)[0-9]{2}|[0-9]{2})(?![\w\-/])",
        accept=_all(
            lambda match, text: _month_day_plausible(match.group()[:2], match.group()[2:4]),
            _cue_before(r"(?i:\b(?:dos|dob|doi|date|dated|born)" + SP + r"*(?:[:#]" + SP + r"*)?)",
                        12),
        ),
    ),
]

EXTRA_PHONE_DETECTORS: list[Detector] = [
    # "x4471", "x 4471", "X.2231", "x6-2280": four or more digits; three only after a phone
    # word.
    _regex(
        FindingKind.PHONE,
        _lead("[xX]", r"[\w.]") + r"\.?" + SP
        + r"?(?:[0-9]-[0-9]{4}|[0-9]{4,6}" + _SECOND_NUMBER + r"|[0-9]{3})(?![\w\-]|[.,][0-9])",
        accept=lambda match, text: sum(ch.isdigit() for ch in match.group()) >= 4
        or _preceded_by(_PHONE_CUE, 40)(match, text),
    ),
    # "extension 2231", "ext: 2231", "Ext#2231"
    _gated(
        _regex(
            FindingKind.PHONE,
            r"(?<![\w])(?i:ext|extension|extn)\.?" + SP + r"*(?:[:#]" + SP + r"*)?[0-9]{2,6}"
            + _SECOND_NUMBER + r"(?![\w])",
        ),
        "ext",
    ),
    # 916 555 0142 written with slashes or no separator after a phone word: "cell 9165550142"
    _regex(
        FindingKind.PHONE,
        _lead("[0-9(]", r"[\w\-]") + r"[0-9]{2}\)?[/.\- ]?[0-9]{3}[/.\- ]?[0-9]{4}(?![\w])",
        accept=_preceded_by(_PHONE_CUE, 30),
    ),
    # "pager 4-4471", "vocera 44-71", "ext. 4-2291", "page to 4-1187"
    _regex(
        FindingKind.PHONE,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{0,2}-[0-9]{2,4}(?![\w\-])",
        accept=_cue_before(
            r"(?i:\b(?:pager|pgr|beeper|vocera|spectralink|phone|cell|tel|fax|ext|extension"
            r"|call(?:" + SP + r"+back)?|callback|page|paged|text|reach)\.?"
            r"[ ]*(?:(?:\#|no\.?|number|at|to|on)[ ]*)?(?::[ ]*)?)",
            30,
        ),
    ),
    # A licence number after a credential: "RN 812204", "MD #44871"
    _regex(
        FindingKind.LONG_NUMBER,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{4,}(?![\w]|[.,][0-9])",
        accept=_cue_before(r"\b(?:RN|LPN|LVN|NP|MD|DO|PA|CRNA|RPh|PharmD)" + SP + r"*(?:\#" + SP
                           + r"*)?", 12),
    ),
]

# Serial, lot and device numbers come in any shape ("SN: AX-44-B7", "lot 4471B"); the word
# before them is what tells.
_NO = r"(?:\#|number|num|no\.?|nbr)"
_SERIAL_CUE_WORDS = [
    rf"serial(?:{SP}*{_NO})?", r"s/n", r"s\.n\.", r"sn", rf"ser\.?(?:{SP}*no\.?)?",
    rf"lots?(?:{SP}*{_NO})?", rf"batch(?:{SP}*{_NO})?",
    rf"device{SP}*(?:id|identifier|serial|{_NO})", rf"asset(?:{SP}*(?:tag|id|{_NO}))?", r"udi",
    rf"equipment{SP}*(?:id|tag|{_NO})", rf"biomed(?:{SP}*(?:tag|id|sticker|label|{_NO}))?",
    rf"tag(?:{SP}*{_NO})?",
    rf"control{SP}*{_NO}", r"imei", r"vin", rf"pump{SP}*(?:id|serial|{_NO})",
    rf"unit{SP}*(?:id|serial)", rf"model{SP}*(?:and|/|&){SP}*serial",
    # other structured identifiers in unusual shapes
    r"mrn", r"mr\#?", r"fin", r"csn", r"acct", rf"account{SP}*{_NO}",
    rf"encounter{SP}*(?:id|{_NO})", rf"member{SP}*(?:id|{_NO})", rf"policy{SP}*{_NO}",
    rf"claim{SP}*{_NO}", rf"badge(?:{SP}*(?:id|{_NO}))?", rf"employee{SP}*(?:id|{_NO})",
    rf"licen[cs]e(?:{SP}*{_NO})?", rf"lic\.?{SP}*{_NO}", r"plate", rf"case{SP}*{_NO}",
    rf"ticket{SP}*{_NO}", rf"order{SP}*{_NO}", rf"accession(?:{SP}*{_NO})?",
    rf"specimen{SP}*(?:id|{_NO})", r"id", rf"(?:police{SP}*)?report{SP}*{_NO}",
    rf"chart{SP}*{_NO}", rf"record{SP}*{_NO}", rf"file{SP}*{_NO}", rf"pt{SP}*{_NO}",
    rf"patient{SP}*{_NO}", rf"har{SP}*{_NO}?", rf"emr{SP}*{_NO}", r"cin", rf"dl{SP}*{_NO}",
    rf"driver'?s{SP}*licen[cs]e(?:{SP}*{_NO})?", r"passport", rf"mrn{SP}*{_NO}",
    rf"incident{SP}*{_NO}", rf"ref(?:erence)?{SP}*{_NO}", rf"rx{SP}*{_NO}",
    rf"prescription{SP}*{_NO}", rf"medicare(?:{SP}*(?:id|{_NO}))?", r"mbi",
    rf"medicaid(?:{SP}*(?:id|{_NO}))?", rf"subscriber{SP}*(?:id|{_NO})",
]
_SERIAL_CUE = re.compile(
    r"(?i:\b(?:" + "|".join(_SERIAL_CUE_WORDS) + r")(?!\w)" + SP
    + r"*(?:\#|:|=|-|is|was)?" + SP + r"*(?:\#|:|\()?" + SP + r"*$)"
)
_CODE_TOKEN = re.compile(
    r"(?<![\w\-./])[A-Za-z0-9](?:[A-Za-z0-9]|[\-./](?=[A-Za-z0-9]))*+(?![\w])"
)


_DEVICE_NOUN = re.compile(
    r"(?i:\b(?:pump|unit|vac|monitor|ventilator|vent|bed|device|scanner|glucometer|meter"
    r"|defib|defibrillator|controller|module|console|generator|stimulator|pacemaker|icd"
    r"|analyzer|scope|endoscope|bronchoscope|probe|transducer|cart|machine|oximeter|telemetry"
    r"|tele|box|pack|battery|charger|workstation|dispenser|cabinet|infuser|warmer|heater"
    r"|cooler|lift|mattress|wheelchair|walker|tablet|phone|handheld|printer|transmitter"
    r"|receiver|sensor|cylinder|tank|concentrator)s?" + SP
    + r"*(?:\#|:|no\.?|id)?" + SP + r"*$)"
)


_CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_CODE_JOINERS = frozenset("-./")
_DIGITS = re.compile(r"[0-9]+")


# Letters and digits, and a joiner only before another of them: a code token read forwards,
# or (on the reversed text) backwards.
_CODE_RUN = re.compile(r"(?:[A-Za-z0-9]|[\-./](?=[A-Za-z0-9]))*+")


def _code_tokens(text: str) -> Iterator[tuple[int, int]]:
    """Letter-and-digit tokens holding a digit ("AUR-1187-44", "4471B"), found from their
    digits: digits are rarer than letters, and each token is walked once."""
    length = len(text)
    last_end = -1
    reversed_text = None
    for match in _DIGITS.finditer(text):
        if match.start() < last_end:
            continue
        start = match.start()
        if start > 0 and (text[start - 1] in _CODE_CHARS or text[start - 1] in _CODE_JOINERS):
            if reversed_text is None:
                reversed_text = text[::-1]
            start -= _CODE_RUN.match(reversed_text, length - start).end() - (length - start)
        end = _CODE_RUN.match(text, match.end()).end()
        last_end = end
        if (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-./")) or (
            end < length and (text[end].isalnum() or text[end] == "_")
        ):
            continue
        yield start, end


_CUE_TAILS = frozenset(
    """
    chart record file pt patient har emr cin dl passport
    serial number num no nbr # sn s/n s.n ser lot lots batch id identifier tag udi imei vin mrn mr
    mr# fin csn acct badge license licence lic plate accession medicare mbi medicaid serial#
    lot# sn# id# report incident case ticket order claim policy member account encounter
    employee specimen ref reference rx prescription subscriber asset biomed control
    pump pumps unit units vac monitor monitors ventilator vent bed beds device devices scanner
    glucometer meter defib defibrillator controller module console generator stimulator
    pacemaker icd analyzer scope endoscope bronchoscope probe transducer cart machine
    oximeter telemetry tele box pack battery charger workstation dispenser cabinet infuser
    warmer heater cooler lift mattress wheelchair walker tablet phone handheld printer
    transmitter transmitters receiver sensor sensors cylinder cylinders tank tanks
    concentrator sticker equipment
    """.split()
)
_CUE_SEPARATORS = frozenset(" \t#:=-(")
# Words that announce a record number without "number" or "#" after them.
_BARE_ID_CUES = frozenset(
    """
    encounter account acct claim policy visit case member subscriber ticket accession specimen
    requisition invoice incident report confirmation reference booking order enc file
    employee emp badge license licence lic dl auth authorization event tracking intervention
    complaint grievance appeal inquiry identifier beneficiary script rma resident
    """.split()
)
# "Booking no. 26-018833", "Ref # 88410273", "a grievance, # GRV-0311-26": such a word before
# "no.", "#" or "number", or one that announces a record only so ("EMS run number 26-11842").
_LABELLED_ONLY_CUES = frozenset("run trip dispatch pcr".split())
_LABELLED_NUMBER_BEFORE = re.compile(
    r"(?i:\b([a-z]+)\.?,?" + SP + r"*(?:no\.?|number|num|nbr|\#)" + SP + r"*(?:[:#]" + SP
    + r"*)?$)"
)


def _word_before(text: str, start: int) -> str:
    """The word right before `start`, past separators and "is"/"was" ("SN is: X" -> "sn")."""
    position = start
    for _ in range(2):
        end = position
        while end > 0 and position - end < 6 and text[end - 1] in _CUE_SEPARATORS:
            end -= 1
        begin = end
        while begin > 0 and end - begin < 20 and (
            text[begin - 1].isalpha() or text[begin - 1] in "/#."
        ):
            begin -= 1
        word = text[begin:end].lower().rstrip(".")
        if word in ("is", "was"):
            position = begin
            continue
        if not word and "#" in text[end:position]:
            return "#"
        return word
    return ""


# Words that announce a personal identifier further back in the same clause: "the licence
# number of the admitting physician, G-78123", "employee number for the sitter, EMP-7730".
_CLAUSE_ID_CUES = frozenset(
    """
    license licence licensed licenses licences lic badge employee emp staff claim member
    medicare medicaid policy subscriber prescription rx npi dea certificate permit
    registration case police account acct mrn record chart serial asset s/n sn file
    """.split()
)
_CLAUSE_WORDS = re.compile(r"[a-z/]+")
_CLAUSE_END = re.compile(r"[.!?;:]\s|[\n(\[]")
# Words right before a code that make it a product, a version or a code set, not a person's.
_NOT_PERSONAL_BEFORE = re.compile(
    r"(?i:\b(?:model|ref|catalog|catalogue|cat|part|version|ver|v|type|size|form|cpt|icd"
    r"|ndc|hcpcs|loinc|code|codes|section|sec|policy)\.?" + SP + r"*(?:[#:]" + SP + r"*)?$)"
)


_NUMBER_LABELS = frozenset({"no", "number", "num", "nbr", "#"})
_LABELLED_CUES = _BARE_ID_CUES | _CLAUSE_ID_CUES | _LABELLED_ONLY_CUES


# A verb that reads a number off a tag or a label: "the asset tag on the pump reads 441207".
_READS_BEFORE = re.compile(
    r"(?i:\b(?:reads|read|says|said|shows|showed)" + SP + r"*(?::" + SP + r"*)?$)"
)
_AMOUNT_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:units?|mg|mcg|ml|cc|l|g|kg|dollars|usd|%|steps|calories|kcal)\b)"
)


def _clause_cue(text: str, start: int, value: str) -> bool:
    """An identifier's cue word earlier in the clause, for codes shaped like identifiers:
    three digits or more and a letter or a dash ("G-78123", "EMP-7730", "RN448102"), or six
    digits or more read off a tag that are no amount ("the asset tag on the pump reads
    441207", not "the chart says 120000 units")."""
    if value.isdigit() and len(value) >= 6 and _READS_BEFORE.search(
        text, max(0, start - 12), start
    ) and not _AMOUNT_AFTER.match(text, start + len(value)):
        pass
    elif len(value) < 4 or value.isdigit() or "-" not in value and not any(
        ch.isalpha() for ch in value
    ):
        return False  # "2026", "120/80", "0200": years, values and times
    if sum(map(str.isdigit, value)) < 3:
        return False
    window = text[max(0, start - 70) : start].rstrip(" ")
    if window.endswith("("):
        window = window[:-1]  # "the MRN on the label was another pt's (0091-4471)"
    ends = list(_CLAUSE_END.finditer(window))
    if ends:
        window = window[ends[-1].end() :]
    if not window or _NOT_PERSONAL_BEFORE.search(window):
        return False
    return not _CLAUSE_ID_CUES.isdisjoint(_CLAUSE_WORDS.findall(window.lower()))


# What joins the codes of a list: "lots 3190A47 + 3190A52", "T1188, T1192 and T1204".
_LIST_JOINER = re.compile(
    r"(?i:" + SP + r"*(?:[,+&]" + SP + r"*(?:(?:and|or)" + SP + r"+)?|(?:and|or)" + SP + r"+))"
)
# A device put in another's place: "replaced with RT-0522", "swapped out for pump 7".
_REPLACED_WITH = re.compile(
    r"(?i:\b(?:replaced|swapped|exchanged|switched)(?:" + SP + r"+(?:it|out|them))?" + SP
    + r"+(?:with|for)" + SP + r"+$)"
)
# A record's own words earlier in the clause, for a number after "ref" (which alone is a
# catalogue number on a device label): "vendor complaint filed, ref CMP-2026-118804".
_RECORD_WORDS = frozenset(
    """
    complaint complaints grievance grievances claim claims case report reports ticket incident
    appeal inquiry filed submitted opened logged
    """.split()
)


def _listed_after(text: str, start: int, previous: tuple[int, int], value: str) -> bool:
    """A code that follows a found one in a list and has its shape ("T1188, T1192"): as
    long, within two characters, and holding letters only if it does."""
    previous_start, previous_end = previous
    if previous_end < 0 or start - previous_end > 8:
        return False
    joiner = _LIST_JOINER.match(text, previous_end, start)
    if joiner is None or joiner.end() != start:
        return False
    found = text[previous_start:previous_end]
    return (
        sum(map(str.isdigit, value)) >= 3
        and len(value) >= 4
        and abs(len(value) - len(found)) <= 2
        and value.isdigit() == found.isdigit()
    )


def _detect_codes(text: str) -> Iterator[Span]:
    """Codes after a word that announces an identifier ("SN: AX-44-B7", "lot 4471B") or after
    a device noun ("pump AUR-1187-44"), or further back in the clause ("the licence number of
    the admitting physician, G-78123"), and the codes listed after such a code."""
    found = (-1, -1)
    for start, end in _code_tokens(text):
        value = text[start:end]
        if len(value) < 3:
            continue
        if _listed_after(text, start, found, value):
            found = (start, end)
            yield FindingKind.LONG_NUMBER, start, end
            continue
        span = _cued_code(text, start, end, value)
        if span is not None:
            found = (start, end)
            yield span


def _cued_code(text: str, start: int, end: int, value: str) -> Span | None:
    """The finding, if any, for the code `value` at `start` read from the words before it."""
    tail = _word_before(text, start)
    digits = sum(map(str.isdigit, value))
    if tail in ("with", "for") and digits >= 3 and len(value) >= 5 and (
        digits < len(value) - value.count("-")
        and _REPLACED_WITH.search(text, max(0, start - 30), start)
    ):
        return FindingKind.LONG_NUMBER, start, end  # "replaced with RT-0522"
    if tail == "ref" and digits >= 5 and _record_clause(text, start):
        return FindingKind.LONG_NUMBER, start, end  # "complaint filed, ref CMP-2026-118804"
    if tail not in _CUE_TAILS and tail not in _BARE_ID_CUES and not tail.endswith("#"):
        if _clause_cue(text, start, value) or "-" in value and _YEARED_RECORD.fullmatch(value):
            return FindingKind.LONG_NUMBER, start, end
        return None
    if tail in _BARE_ID_CUES and digits >= 4 and not (value.isdigit() and len(value) <= 4):
        return FindingKind.LONG_NUMBER, start, end  # "Encounter E-4471-22"
    if tail in _NUMBER_LABELS and digits >= 5:
        label = _LABELLED_NUMBER_BEFORE.search(text, max(0, start - 40), start)
        if label is not None and label.group(1).lower() in _LABELLED_CUES:
            return FindingKind.LONG_NUMBER, start, end  # "Booking no. 26-018833"
    cued = _SERIAL_CUE.search(text, max(0, start - 40), start) is not None
    if cued and (digits >= 2 or len(value) >= 5):
        return FindingKind.LONG_NUMBER, start, end
    if _clause_cue(text, start, value):
        return FindingKind.LONG_NUMBER, start, end  # "the MRN ... another pt (0091-4471)"
    if "-" in value and _YEARED_RECORD.fullmatch(value):
        return FindingKind.LONG_NUMBER, start, end  # "Event review RM-2025-118"
    # A device's own code: "pump AUR-1187-44", "transmitters T1188"; a short one only as a
    # letter and four digits, so a model ("vent PB840") or a bed pair ("bed 12/13") stays quiet.
    if digits < 3 or len(value) < 5 or len(value) == 5 and (digits < 4 or value[0].isdigit()):
        return None
    if digits == len(value) - value.count("-"):
        return None
    if _DEVICE_NOUN.search(text, max(0, start - 30), start):
        return FindingKind.LONG_NUMBER, start, end
    return None


# A record's number with its year inside: "RM-2025-118", "IR-2026-0412", "2025-INC-3391",
# "2026-CV-1183" (a case, an incident, a complaint), whatever word comes before it.
_YEARED_RECORD = re.compile(
    r"[A-Za-z]{2,5}-(?:19|20)[0-9]{2}-[0-9]{3,7}|(?:19|20)[0-9]{2}-[A-Za-z]{2,5}-[0-9]{3,7}"
)


def _record_clause(text: str, start: int) -> bool:
    """A record's word ("complaint", "grievance", "filed") earlier in the clause."""
    window = text[max(0, start - 70) : start]
    ends = list(_CLAUSE_END.finditer(window))
    if ends:
        window = window[ends[-1].end() :]
    return not _RECORD_WORDS.isdisjoint(_CLAUSE_WORDS.findall(window.lower()))


# "Deputy Horvath #3318", "Ofc. Kingfisher #1177": a badge number after an officer's name.
_detect_badges = _gated_case(
    _regex(
        FindingKind.LONG_NUMBER,
        r"(?i:\b(?:officer|ofc|deputy|dep|sgt|sergeant|trooper|tpr|det|detective|cpl|corporal"
        r"|lt|lieutenant|capt|captain))\.?" + SP + r"+(?:[A-Z][A-Za-z'\u2019\-]+" + SP
        + r"+){1,2}\#" + SP + r"*(?P<number>[0-9]{2,6})(?![\w])",
        group="number",
    ),
    "#",
)

# The end of a record number named by its cue: "MRN ending in 4471", "acct ending 0921",
# "the medical record number ended in 4471".
_detect_number_endings = _gated(
    _regex(
        FindingKind.LONG_NUMBER,
        r"(?i:\b(?:mrn|mr|acct|account|card|member(?:" + SP + r"+id)?|policy|id|chart"
        r"|record" + SP + r"*(?:\#|no\.?|number)|medicare|medicaid|license|licence)" + SP
        + r"*(?:\#|no\.?|number)?" + SP
        + r"+(?:ending|ends|ended)(?:" + SP + r"+(?:in|with))?" + SP + r"*(?::" + SP
        + r"*)?)(?P<number>[0-9]{3,6})(?![\w])",
        group="number",
        on_lower_case=True,
    ),
    "ending", "ends", "ended",
)
# A user name or a handle: "portal username jdoe1961", "twitter @jdoe_rn", "user: a.smith",
# "logged in as mreyes". The name is leading dots, then a letter, digit or underscore, then two
# or more: one way to split a run, so a long run after a cue is read once, not tried at every
# split.
_HANDLE_RE = re.compile(
    r"(?i:\b(?P<cue>user" + SP + r"*name|user" + SP + r"*id|userid|user|login|screen" + SP
    + r"*name|handle|twitter|instagram|facebook|tiktok|snapchat|x\.com|(?:logged|signed)"
    + SP + r"+(?:in|on)" + SP + r"+as)" + SP + r"*(?:[:#]" + SP
    + r"*)?(?:(?:as|is)" + SP + r"+)?)"
    r"(?P<number>@?\.*[A-Za-z0-9_][A-Za-z0-9_.]{2,})(?![\w@])"
)


# A role, a unit or a place in the hospital with a number: "RN2", "bed12", "pod3"; an
# ordinal ("4th"), a version ("v2.1", "2.0"), or letters between dots ("i.e", "e.g").
_NUMBERED_THING = re.compile(
    r"(?P<thing>[A-Za-z]{1,8})[0-9]{1,3}|[0-9]+(?:st|nd|rd|th|ST|ND|RD|TH)"
    r"|[vV]?[0-9]+(?:\.[0-9]+)*|(?:[A-Za-z]\.)+[A-Za-z]?"
)
_NUMBERED_ROLES = frozenset(
    """
    rn rns lpn lvn cna np pa md mds do pgy res resident tech pct rt pt ot st cn ms charge
    nurse bed beds rm room pod bay tower unit wing ward floor fl station stn step level lvl
    icu pacu ed or er cath lab hall zone team shift day night week wk hr hrs v ver version
    """.split()
)
# Shorthand of the ward for staff, jobs and services: "locums", "phleb", "woundcare".
_STAFF_SHORTHAND = frozenset(
    """
    locum locums phleb phlebs resp neuro psych ortho cardio onc nephro gastro derm rehab
    periop preop postop tele hospitalist hospitalists intensivist nocs noc nocturnist
    """.split()
)
_english_sorted: list[str] = []
_english_lock = threading.Lock()


def _login_like(value: str) -> bool:
    """A user name by its shape: a digit, an "@", or a dot or an underscore inside
    ("jdoe2", "@jdoe_rn", "a.smith", "jo.reyes"), not a number alone, nor a role or a unit
    with its number, an ordinal, a version or an abbreviation ("RN2", "4th", "v2.1", "i.e")."""
    inner = value.strip("._")
    if not (
        "@" in value
        or any(ch.isdigit() for ch in value)
        or any(ch.isalpha() for ch in inner) and ("." in inner or "_" in inner)
    ):
        return False
    numbered = _NUMBERED_THING.fullmatch(inner)
    if numbered is None:
        return True
    thing = numbered.group("thing")
    return thing is not None and not (
        thing.lower() in _NUMBERED_ROLES or thing.lower() in lexicon().clinical
    )


def _english_prefix(value: str) -> bool:
    """Whether a listed English word starts with `value`: ward shorthand cut from a word
    ("phleb" of "phlebitis")."""
    words = _english_sorted
    if not words:
        with _english_lock:
            if not _english_sorted:
                _english_sorted.extend(sorted(lexicon().english))
        words = _english_sorted
    position = bisect_left(words, value)
    return position < len(words) and words[position].startswith(value)


def _two_english_words(value: str) -> bool:
    """Two English words of three letters or more joined: "nightshift", "woundcare",
    "livestream", "allstaff"."""
    english = lexicon().english
    return any(
        value[:cut] in english and value[cut:] in english for cut in range(3, len(value) - 2)
    )


def _unlisted_login(value: str) -> bool:
    """One lower-case word in no list of words: "mreyes", "smokoena" ("admin", "update" and
    "charge" are words), nor ward shorthand ("locums", "phleb") nor two words joined
    ("nightshift", "woundcare")."""
    if not value.isalpha() or not value.islower() or len(value) < 4:
        return False
    lex = lexicon()
    if value in lex.english or value in lex.clinical or value in NAME_STOPWORDS:
        return False
    if value in _STAFF_SHORTHAND or value.endswith("s") and value[:-1] in lex.english:
        return False
    if value[0] == "q" and value[1:] in lex.english:
        return False  # "every" and a word: "qshift", "qnight"
    if len(value) >= 5 and _english_prefix(value):
        return False
    return not _two_english_words(value)


def _find_handles(text: str) -> Iterator[Span]:
    for match in _HANDLE_RE.finditer(text):
        value = match.group("number").rstrip(".")
        cue = match.group("cue").lower()
        if _login_like(value) and (
            cue != "user" or "." in value or value[-1].isdigit() and not value.isdigit()
        ) or (
            cue != "user" and (cue not in ("handle", "login") or ":" in match.group(0))
            and _unlisted_login(value)
        ):
            yield FindingKind.LONG_NUMBER, match.start("number"), match.start("number") + len(
                value
            )


_detect_handles = _gated(
    _find_handles,
    "user", "login", "handle", "twitter", "instagram", "facebook", "tiktok", "snapchat", "x.com",
    "logged", "signed",
)
# Who entered a record, as a user name: "entered by kpatel2", "Reported by: s.varga". The
# occurrences of " by" are found first, the verb before and the name after read from there.
_BY_VERBS = frozenset(
    """
    entered reported submitted sent charted documented modified updated created reviewed
    signed cosigned verified edited approved
    """.split()
)
_VERB_BEFORE_BY = re.compile(r"([a-z]+)$")
_LOGIN_AFTER_BY = re.compile(
    r" (?i:by)[^\S\n]*+:?[^\S\n]*+(?P<login>[A-Za-z0-9_][A-Za-z0-9_.@]{2,40}+)"
)


def _find_logins_by(text: str) -> Iterator[Span]:
    low = lowered(text)
    position = low.find(" by")
    while position >= 0:
        verb = _VERB_BEFORE_BY.search(low, max(0, position - 12), position)
        if verb is not None and verb.group(1) in _BY_VERBS:
            match = _LOGIN_AFTER_BY.match(text, position)
            if match is not None:
                login = match.group("login").rstrip(".")
                if _login_like(login) and not login.isdigit() and "@" not in login:
                    yield FindingKind.LONG_NUMBER, match.start("login"), match.start(
                        "login"
                    ) + len(login)
        position = low.find(" by", position + 3)


_detect_logins_by = _gated(_find_logins_by, " by")
# A user mentioned in a message: "@mreyes can you cosign", "cc @t.nguyen4"; not an address's
# "@" (a word character before it) nor "@ 0200" or "@home".
# The pattern opens with the "@" itself and looks behind it from there, which the engine scans
# for fast.
_MENTION = re.compile(r"@(?<![\w.@]@)(?P<handle>[a-z][a-z0-9_.]{2,30}+)(?![\w@])", re.IGNORECASE)


def _find_mentions(text: str) -> Iterator[Span]:
    for match in _MENTION.finditer(text):
        handle = match.group("handle").rstrip(".")
        if _login_like(handle) or _unlisted_login(handle):
            yield FindingKind.LONG_NUMBER, match.start(), match.start("handle") + len(handle)


_detect_mentions = _gated_case(_find_mentions, "@")
# A chat line's sender after its time: "14:02 smokoena: can someone check", "[09:15]
# r.bautista: bed 4"; a word in no list, or a user name by its shape.
_CHAT_SENDER = re.compile(
    r"^[^\S\n]*+\[?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?+(?:[^\S\n]?[AaPp][Mm])?+\]?[^\S\n]++"
    r"(?:[\-\u2013][^\S\n]++)?"
    r"(?P<handle>[a-z][a-z0-9._\-]{1,30}+):[^\S\n]",
    re.MULTILINE,
)


def _find_chat_senders(text: str) -> Iterator[Span]:
    for match in _CHAT_SENDER.finditer(text):
        handle = match.group("handle").rstrip(".")
        if _login_like(handle) or _unlisted_login(handle):
            yield FindingKind.LONG_NUMBER, match.start("handle"), match.start("handle") + len(
                handle
            )


_detect_chat_senders = _gated_case(_find_chat_senders, ":")


# A network card's address: "00:1B:44:11:3A:B7".
_detect_mac_addresses = _gated_case(
    _regex(
        FindingKind.IP_ADDRESS,
        # Opened by its first character (see `_lead`): nearly every text holds a colon or a
        # dash, and the engine then tries the pattern only at hexadecimal characters.
        _lead("[0-9A-Fa-f]", r"[\w:\-]")
        + r"[0-9A-Fa-f]([:\-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:\-])",
    ),
    ":", "-",
)

_UNITS_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_AGE_WORDS = (
    r"(?:ninety|one" + SP + r"+hundred|a" + SP + r"+hundred|hundred)(?:(?:" + SP
    + r"+and)?[\-" + SP[1:-1] + r" ]+" + _UNITS_WORD + r")?"
)
# Who an age was heard from, after "per": "ninety one per daughter", "94 per her son"; any
# other "per" reads a measure ("90 per pulse ox", "94 per the monitor", "92 per minute").
_HISTORY_SOURCE = (
    r"(?:(?:her|his|their|the|pt['\u2019]?s|patient['\u2019]?s)" + SP + r"+)?(?:daughters?|sons?"
    r"|family|wife|husband|spouse|partner|pt|patient|report|reports|records?|chart|mother|mom"
    r"|father|dad|sister|brother|niece|nephew|grand(?:daughter|son|child)|caregiver|guardian"
    r"|poa|hcp|facility|ems|snf|dob|id|license|herself|himself|self|friend|neighbou?r)\b"
)
_NOT_AN_AGE_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:-" + SP + r"*)?(?:percent|per(?!" + SP + r"+" + _HISTORY_SOURCE + r")"
    r"|%|minutes?|mins?|seconds?|secs?|hours?"
    r"|hrs?|days?|weeks?|months?|mg|mcg|ml|cc|units?|degrees?|pounds?|lbs?|kg|grams?|beats?"
    r"|bpm|mmhg|feet|foot|ft|meters?|miles?|times|patients?|pts|beds?|staff|nurses?|dollars?"
    r"|cents?|calls?|falls?|cases?|events?|reports?|of)\b)"
)
# Units after a number that is not an age (kg, lb and the like are in `_NOT_AN_AGE_AFTER`).
_NOT_A_PERSONAL_AGE = re.compile(
    r"(?i:" + SP + r"*(?:kilos?|kgs|oz|ounces?|in|inches|cm|mm|ng|g|l|liters?|litres?|meq|mmol"
    r"|bpm|breaths?|sats?|on|over|off|for|at|during)\b)"
)
_AGE_WORD_RE = re.compile(
    r"(?i:(?<![\w\-])(?:ninety|(?:one|a)" + SP + r"+hundred)(?:(?:" + SP + r"+and)?[\- ]+"
    r"(?P<unit>one|two|three|four|five|six|seven|eight|nine))?(?![\w\-]))"
)
# A vital sign or a lab value a few words before a number: "HR at 110", "Glucose checked. At
# 95, she ate lunch", "sat 88 on 2L. At 91, she".
_VITAL_SIGN_BEFORE = re.compile(
    r"(?i:\b(?:hr|heart" + SP + r"+rate|bp|blood" + SP + r"+pressure|sbp|dbp|map|sats?|spo2|o2"
    r"|pulse|glucose|bg|bgl|fsbs|fsbg|sugar|temp|temperature|rr|resp|k|na|hgb|inr|lactate|etco2"
    r"|cvp|icp|weight|wt)\b[^\n]*$)"
)
# A vital sign or a reading right after "pt (101)" or "patient, 95,": "Pt (101) febrile
# overnight", "patient (95) on RA", "pt (90), HR (110)"; "pt (93) slid out of the chair"
# reads as an age.
_VITAL_SIGN_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:[,)]" + SP + r"*)?(?:[,;]" + SP + r"*)?(?:(?:and|with|on|at|was|is|now"
    r"|still|overnight|today)" + SP + r"+){0,2}(?:febrile|afebrile|fever|spiked|temp|t|tmax|hr"
    r"|bp|sats?|satting|spo2|o2|ra|room" + SP + r"+air|nc|[0-9]+" + SP + r"*(?:l|lpm|%)|rr|map"
    r"|pulse|glucose|bg|degrees?|tachy\w*|brady\w*|hypotensive|hypertensive|hypoxic|(?<=\()[0-9])"
    r"(?![A-Za-z]))"
)
# The units after a number that make it a measure: "F 90 kg", "M 100 mg given", "a male of
# 95 kg".
_UNIT_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:-" + SP + r"*)?(?:%|kg|kgs|kilos?|lbs?|pounds?|oz|ounces?|g|grams?"
    r"|mg|mcg|meq|mmol|ml|cc|l|liters?|litres?|lpm|units?|degrees?|deg|\u00b0|cm|mm|inches"
    r"|in|ft|feet|bpm|mmhg|percent|sec|secs|min|mins|minutes?|hours?|hrs?)(?![A-Za-z]))"
)


def _no_unit_after(match: re.Match[str], text: str) -> bool:
    return _UNIT_AFTER.match(text, match.end()) is None


_TEMPERATURE_NEAR = re.compile(
    r"(?i:\b(?:temps?|temperature|fever|febrile|afebrile|spiked?|tmax|overnight|tylenol"
    r"|acetaminophen|apap|antipyretics?|chills|rigors|oral|rectal|axillary|tympanic"
    r"|degrees?)\b)"
)
# What opens a case after an age and a sex: "96F with a fall", "98F, s/p fall", "97F who".
_CASE_AFTER_AGE = re.compile(
    r"(?i:,?" + SP + r"*(?:with|w/|who|presents?|presenting|presented|s/p|c/o|hx|h/o|pmh|from"
    r"|admitted|brought|found|fell|lives|living|resident|res|pt|patient)\b)"
)


def _not_a_temperature(match: re.Match[str], text: str) -> bool:
    """ "101F" reads as a temperature unless it is set as an age: "96F with a fall" is an age,
    "Pt 101F overnight, tylenol given" and "101F at 0200" are not."""
    start, end = match.span()
    if _TEMPERATURE_NEAR.search(text, max(0, start - 40), min(len(text), end + 40)):
        return False
    shown = match.group()
    if re.search(r"(?i:y|yr|/|male|man|woman|lady|gentleman)", shown[2:]) or (
        shown.rstrip()[-1] not in "Ff"
    ):
        return True
    number = int(re.match(r"[0-9]+", shown).group())
    return not 96 <= number <= 110 or _CASE_AFTER_AGE.match(text, end) is not None


# "he's", "shes", "dad's", "pt's": a person and "is" run together, as typed.
_PERSON_IS = (
    r"(?:he|she|pt|mom|dad|mother|father|grandma|grandpa|husband|wife)['\u2019]?s"
)
_AGE_VERB_BEFORE = re.compile(
    r"(?i:\b(?:is|was|turned|turns|age|aged|now|" + _PERSON_IS + r")" + SP + r"*(?::" + SP
    + r"*)?$)"
)


def _detect_age_words(text: str) -> Iterator[Span]:
    """ "dad is ninety-one", "pt is ninety-eight": a compound of ninety is an age unless a
    unit follows ("ninety-five percent"); "ninety" alone only after "is", "aged" and the like.
    """
    for match in _AGE_WORD_RE.finditer(text):
        if _NOT_AN_AGE_AFTER.match(text, match.end()):
            continue
        compound = match.group("unit") is not None or "hundred" in match.group().lower()
        if not compound and not _AGE_VERB_BEFORE.search(
            text, max(0, match.start() - 20), match.start()
        ):
            continue
        yield FindingKind.AGE_OVER_89, match.start(), match.end()


# A CSV export with an age column: the value of that column, when over 89.
_CSV_AGE_COLUMN = re.compile(r"(?:pt|patient)?" + SP + r"*age(?:" + SP + r"*\(?(?:yrs?|years)\)?)?")


def _pieces(line: str, separator: str) -> list[tuple[int, int]]:
    """Spans of the pieces of one line between its separators."""
    spans = []
    start = 0
    for piece in line.split(separator):
        end = start + len(piece)
        spans.append((start, end))
        start = end + 1
    return spans


def _csv_fields(line: str) -> list[tuple[int, int]]:
    """Spans of the comma-separated fields of one line, quotes respected."""
    if '"' not in line:
        return _pieces(line, ",")  # most lines: no quote to read, so split in one call
    spans = []
    start = 0
    quoted = False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            spans.append((start, position))
            start = position + 1
    spans.append((start, len(line)))
    return spans


_CSV_AGE_HEADER = (
    SP + r"*\"?(?:pt" + SP + r"*|patient" + SP + r"*)?age(?:" + SP
    + r"*\(?(?:yrs?|years)\)?)?\"?" + SP + r"*(?:,|$)"
)
# A header opening the text, or after a newline or a comma. A pattern opening with "^" in
# multi-line mode is tried at every position; one opening with a class only at that class.
_CSV_AGE_HEADER_FIRST = re.compile(r"(?im)" + _CSV_AGE_HEADER)
_CSV_AGE_HEADER_LATER = re.compile(r"(?im)[\n,]" + _CSV_AGE_HEADER)


def _has_header(text: str, first: re.Pattern[str], later: re.Pattern[str]) -> bool:
    low = lowered(text)
    if len(low) == len(text) and "\u017f" not in low and "\u0131" not in low:
        # The lower-cased text read without ignoring case, as `_regex` does: same answer.
        first, later, text = _HEADERS_ON_LOWER_CASE[first], _HEADERS_ON_LOWER_CASE[later], low
    return first.match(text) is not None or later.search(text) is not None


def _detect_csv_ages(text: str) -> Iterator[Span]:
    if "," not in text or not _has_header(text, _CSV_AGE_HEADER_FIRST, _CSV_AGE_HEADER_LATER):
        return
    offset = 0
    columns: list[int] = []
    for line in text.split("\n"):
        fields = _csv_fields(line)
        names = [line[a:b].strip().strip('"').strip().lower() for a, b in fields]
        header = [i for i, name in enumerate(names) if _CSV_AGE_COLUMN.fullmatch(name)]
        if header and len(fields) >= 3:
            columns = header
        elif columns:
            for column in columns:
                if column < len(fields):
                    a, b = fields[column]
                    value = line[a:b].strip().strip('"').strip()
                    if value.isdigit() and 90 <= int(value) <= 130:
                        start = offset + a + line[a:b].index(value)
                        yield FindingKind.AGE_OVER_89, start, start + len(value)
        offset += len(line) + 1


# A column of record numbers in an export: "report_id", "incident_no", "Event ID", "MRN".
_CSV_ID_COLUMN = re.compile(
    r"(?:[a-z]+[ _\-]?){0,2}(?:id|no|num|nbr|number|\#)|mrn|fin|csn|acct|account|encounter"
)
_CSV_NOT_ID_COLUMN = re.compile(r"(?:room|rm|bed|unit|floor|bay|age|qty|quantity|dose|step)\b")
_CSV_ID_HEADER = (
    SP + r"*\"?[a-z_ \-]{0,24}(?:[ _\-](?:id|no|num|nbr|number|\#)|mrn|fin"
    r"|csn|acct)\"?" + SP + r"*(?:[,|\t]|$)"
)
_CSV_ID_HEADER_FIRST = re.compile(r"(?im)" + _CSV_ID_HEADER)
_CSV_ID_HEADER_LATER = re.compile(r"(?im)[\n,|\t]" + _CSV_ID_HEADER)
# The header patterns above, all in lower case, as they read the lower-cased text.
_HEADERS_ON_LOWER_CASE = {
    header: re.compile(header.pattern.replace("(?im)", "(?m)", 1))
    for header in (
        _CSV_AGE_HEADER_FIRST, _CSV_AGE_HEADER_LATER, _CSV_ID_HEADER_FIRST, _CSV_ID_HEADER_LATER
    )
}
assert not any(
    re.search(r"(?<!\\)[A-Z]", header.pattern) for header in _HEADERS_ON_LOWER_CASE.values()
)
_CSV_DATE_OR_TIME = re.compile(r"[0-9]{1,4}[/\-][0-9]{1,2}(?:[/\-][0-9]{1,4})?(?:[ T].*)?|[0-9:]+")


def _export_fields(line: str) -> list[tuple[int, int]]:
    """The fields of one line of an export, split at pipes or tabs when it has them, else at
    commas outside quotes."""
    for separator in "|\t":
        if separator in line:
            return _pieces(line, separator)
    return _csv_fields(line)


def _detect_csv_ids(text: str) -> Iterator[Span]:
    """A record number in an export's column named for one: "report_id ... QS-25-011873",
    "incident_no|... 2025-INC-3391"; three digits or more with a letter or a dash, or five
    digits, and no date, time, room or bed."""
    if not _has_header(text, _CSV_ID_HEADER_FIRST, _CSV_ID_HEADER_LATER):
        return
    offset = 0
    columns: list[int] = []
    for line in text.split("\n"):
        fields = _export_fields(line)
        names = [line[a:b].strip().strip('"').strip().lower() for a, b in fields]
        header = [
            i for i, name in enumerate(names)
            if _CSV_ID_COLUMN.fullmatch(name) and not _CSV_NOT_ID_COLUMN.match(name)
        ]
        if header and len(fields) >= 3:
            columns = header
        elif columns:
            for column in columns:
                if column >= len(fields):
                    continue
                a, b = fields[column]
                value = line[a:b].strip().strip('"').strip()
                digits = sum(ch.isdigit() for ch in value)
                if not value or " " in value or _CSV_DATE_OR_TIME.fullmatch(value):
                    continue
                if digits >= 5 or digits >= 3 and (
                    "-" in value or any(ch.isalpha() for ch in value)
                ):
                    start = offset + a + line[a:b].index(value)
                    yield FindingKind.LONG_NUMBER, start, start + len(value)
        offset += len(line) + 1


AGE_WORD_DETECTORS: list[Detector] = [
    # "she is 94 years", "aged 96 yrs", "pt 91y" without "old"
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + r"[\- ]?(?i:years?|yrs?|y(?!/))(?![\w]|[\- ]?(?i:ago|later|earlier|before"
        r"|after|prior|since|of" + SP + r"+(?!age)))",
        accept=_cue_before(r"(?:^|\n|(?i:\b(?:is|was|aged?|turned|turns|now|who" + SP
                           + r"+is|pt|patient|resident|elderly)))" + SP + r"*(?::" + SP
                           + r"*)?", 16),
    ),
    # "Pt, 97, was found", "pt (94) on the floor", "her mother (96)", "dad, 93,": the age
    # set off after the patient or a relative
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + r"(?=" + SP + r"*[,)])",
        accept=_all(
            _cue_before(r"(?i:\b(?:pt|patient|resident|mom|mother|dad|father|wife|husband"
                        r"|grandmother|grandma|grandfather|grandpa|aunt|uncle|sister|brother"
                        r"|neighbou?r)(?:," + SP + r"*|" + SP + r"*\(" + SP + r"*))", 20),
            lambda match, text: _VITAL_SIGN_AFTER.match(text, match.end()) is None,
        ),
    ),
    # "At 96, she still drives", "He fell. at 101, the patient": "at" opening a sentence or
    # a line; "HR at 110, he was given", "Sat dropped to 88 and at 91, she" stay quiet.
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + r"(?=," + SP + r"+(?i:she|he|pt|the" + SP + r"+patient)\b)",
        accept=_all(
            _cue_before(r"(?:^|[.;:!?\n(\-\u2013\u2014*\u2022]" + SP + r"*)(?i:at)" + SP + r"+",
                        12),
            _not_preceded_by(_VITAL_SIGN_BEFORE, 30),
        ),
    ),
    _gated(_detect_age_words, "ninet", "hundred"),
    _gated(_detect_csv_ages, "age"),
    _gated(_detect_csv_ids, "id", "no", "num", "nbr", "#", "mrn", "fin", "csn", "acct"),
    # "ninety-two-year-old", "ninety two years old", "one hundred and one years of age"
    _gated(
        _regex(
            FindingKind.AGE_OVER_89,
            r"(?i:(?<![\w])" + _AGE_WORDS + r"(?:[\- ]+(?:years?|yrs?)(?:[\- ]+old|" + SP
            + r"+of" + SP + r"+age)|[\- ]+y/?o\b|[\- ]+year[\- ]old))",
            on_lower_case=True,
        ),
        "ninet", "hundred",
    ),
    # "aged ninety-four", "age ninety", "turned ninety-five", "is ninety-one"
    _gated(
        _regex(
            FindingKind.AGE_OVER_89,
            r"(?i:\b(?:aged?|turned|turning|turns)" + SP + r"*(?::" + SP + r"*)?" + _AGE_WORDS
            + r"(?![\w\-]))",
            on_lower_case=True,
        ),
        "ninet", "hundred",
    ),
    # "in her nineties", "in his 90s", "her 95th birthday", "ninetieth birthday"
    _gated(
        _regex(
            FindingKind.AGE_OVER_89,
            r"(?i:\b(?:in" + SP + r"+(?:his|her|their)" + SP + r"+(?:(?:early|mid|late)[\- ]?)?"
            r"(?:nineties|90s|90['\u2019]s)|(?:9[0-9]|1[01][0-9])(?:st|nd|rd|th)" + SP
            + r"+birthday|(?:ninetieth|hundredth|ninety-\w+th)" + SP + r"+birthday))",
            on_lower_case=True,
        ),
        "ninet", "90s", "90'", "90\u2019", "birthday",
    ),
    # "92yoF", "93 yo M", "91 y.o. female"
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + SP + r"*(?i:yo|y/o|y\.o\.?|yr|yrs)" + SP + r"*[MFmf](?![A-Za-z])",
    ),
    # "95F with a fall", "pt 96 M", "a 97 y female", "93/F": an age and a sex where a case
    # opens (a line's start, "pt", "a"); "temp 101F" and "(101F)" have no such opening.
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + r"(?:/|" + SP + r"?(?:(?i:y|yr)" + SP + r"?)?)(?:[MF]|(?i:male|female"
        r"|man|woman|gentleman|lady))(?![A-Za-z])(?!" + SP + r"*(?i:fever|febrile|temp|oral"
        r"|rectal|axillary|tympanic)\b)",
        accept=_all(
            _cue_before(
                r"(?:^|\n|\b(?i:pt|patient|a|an|res|resident|this|is" + SP + r"+a))" + SP + r"*",
                20,
            ),
            _not_a_temperature,
        ),
    ),
    # "a woman of 94", "a gentleman of 101"
    _gated(
        _regex(
            FindingKind.AGE_OVER_89,
            _OVER_89_LEAD + r"(?![0-9]|[.,/:\-][0-9]|" + SP + r"*[%/+x])",
            accept=_all(
                _cue_before(r"(?i:\b(?:man|woman|lady|gentleman|gent|female|male)" + SP
                            + r"+of" + SP + r"+)", 18),
                _no_unit_after,
            ),
        ),
        " of 9", " of 1",
    ),
    # "F 93 with a fall", "(M, 96)", "M/94": the sex, then the age, where a case opens
    _regex(
        FindingKind.AGE_OVER_89,
        r"(?<![\w/])[MF](?:," + SP + r"*|/|" + SP + r"+)" + _OVER_89 + r"(?![.,/:\-]?[0-9]|" + SP
        + r"*[%+x])",
        accept=_all(
            _cue_before(r"(?:^|\n|\(|\b(?i:pt|patient|sex)" + SP + r"*(?::" + SP + r"*)?)", 12),
            _no_unit_after,
        ),
        lead="[MF]",
    ),
    # "son says pt is 95 & fell", "she is 93 and lives alone", "her aunt, who is 96,",
    # "turned 100 last week": a bare number after a person and "is" or "was", or after
    # "turned"; "HR is 95", "sat is 93%", "he is 95 kg" stay quiet.
    _regex(
        FindingKind.AGE_OVER_89,
        _OVER_89_LEAD + r"(?![0-9]|[.,/:\-][0-9]|" + SP + r"*[%/+x])",
        accept=_all(
            _cue_before(
                r"(?i:\b(?:(?:pt|patient|she|he|they|resident|res\.?|who)" + SP
                + r"+(?:is|was|are|were)|" + _PERSON_IS + r"|turned|turns|turning)" + SP
                + r"+(?:(?:just|almost|nearly|over|about)" + SP + r"+)?)",
                20,
            ),
            lambda match, text: _NOT_AN_AGE_AFTER.match(text, match.end()) is None
            and _NOT_A_PERSONAL_AGE.match(text, match.end()) is None,
        ),
    ),
]

# An age given beside its person: "Ruthanne Begay, 99, lives alone", "Mr. Okafor (94)",
# "Mr Tesfaye is 102 and", "Juana Ochoa, 93 yrs,". Only right after a finding that reads as
# a person, so "HR 72, 95, 110", "sats (92)" and "HR is 95" stay quiet.
_AGE_BESIDE_NAME = re.compile(
    r"(?:," + SP + r"*(?P<listed>" + _OVER_89 + r")(?=" + SP + r"*[,;)]|\.(?![0-9])|" + SP
    + r"*$)|" + SP + r"*\(" + SP + r"*(?P<bracketed>" + _OVER_89 + r")" + SP + r"*\)|" + SP
    + r"+(?i:is|was|turned|turns)" + SP + r"+(?:(?i:now|just)" + SP + r"+)?(?P<stated>"
    + _OVER_89 + r")(?![.,/:\-]?[0-9]|" + SP + r"*[%/+x])|,?" + SP + r"*(?P<aged>" + _OVER_89
    + SP + r"*-?(?i:years?|yrs?|y/?o)\.?)(?![\w]))"
)
_PERSON_KINDS = frozenset({FindingKind.NAME, FindingKind.PERSON, FindingKind.TITLE_NAME})


_BIRTH_BEFORE = re.compile(r"(?i:\b(?:dob|d\.o\.b\.?|born|birth(?:date|day)?)\b)")


# Letters and digits read as their class, so that two codes of one shape read alike:
# "E-202512-774103" and "E-202512-774130" both read "A-999999-999999".
_SHAPES = str.maketrans(
    string.digits + string.ascii_uppercase + string.ascii_lowercase,
    "9" * 10 + "A" * 26 + "a" * 26,
)
_ECHO_CHARS = frozenset(string.ascii_letters + string.digits + "- ")
# At most this many distinct shapes are echoed: each costs one pass over the text.
_ECHO_SHAPES = 8


def _echoable(value: str) -> bool:
    """A code whose shape is rare enough in clinical text to echo: letters and at least four
    digits, and a dash or space between its parts or ten characters or more. "1234-5678",
    "0700-1900", "24-1234" and "AB123456" have shapes that times, lots, sizes and order sets
    share, so they are never echoed."""
    if not 6 <= len(value) <= 30 or not _ECHO_CHARS.issuperset(value):
        return False
    digits = sum(map(str.isdigit, value))
    if digits < 4 or not any(map(str.isalpha, value)):
        return False
    return "-" in value or " " in value or len(value) >= 10


def echoed_codes(text: str, spans: Iterable[Span]) -> Iterator[Span]:
    """Codes with the shape of a record number found in the text: "encounter number
    E-202512-774103 instead of E-202512-774130", "member ID JX 4471 9920; the correct one is
    JX 4417 9920". A found code with letters and digits and a separator, or of ten characters
    or more (`_echoable`); the other is read where its shape stands alone. One pass over the
    text per distinct shape, at most `_ECHO_SHAPES` of them, so repeated codes cost linear
    time; a place already found is not yielded again."""
    shaped = None
    shapes: list[str] = []
    found: set[int] = set()
    for kind, start, end in spans:
        if kind is not FindingKind.LONG_NUMBER:
            continue
        found.add(start)
        if len(shapes) >= _ECHO_SHAPES or not _echoable(text[start:end]):
            continue
        if shaped is None:
            shaped = text.translate(_SHAPES)
        shape = shaped[start:end]
        if shape not in shapes:
            shapes.append(shape)
    for shape in shapes:
        position = shaped.find(shape)
        while position >= 0:
            after = position + len(shape)
            if position not in found and (position == 0 or not (
                text[position - 1].isalnum() or text[position - 1] in "-/."
            )) and (after == len(text) or not (text[after].isalnum() or text[after] in "-/")):
                found.add(position)
                yield FindingKind.LONG_NUMBER, position, after
                position = shaped.find(shape, after)
            else:
                position = shaped.find(shape, position + 1)


def ages_beside_names(text: str, spans: Iterable[Span]) -> Iterator[Span]:
    """The ages written right after the names among `spans`, and in brackets after a date of
    birth ("DOB 3/9/1931 (94)")."""
    for kind, start, end in spans:
        if kind is FindingKind.DATE and text.startswith(" (", end) and _BIRTH_BEFORE.search(
            text, max(0, start - 16), start
        ):
            match = _AGE_BESIDE_NAME.match(text, end)
            if match is not None and match.group("bracketed"):
                yield FindingKind.AGE_OVER_89, match.start("bracketed"), match.end("bracketed")
            continue
        if kind in _PERSON_KINDS and text.startswith('"', end):
            end += 1  # a row's quoted name cell, then its age: "ALVAREZ, ANA",97,
        if kind in _PERSON_KINDS and end < len(text) and text[end] in ", (\t":
            match = _AGE_BESIDE_NAME.match(text, end)
            if match is None:
                continue
            group = next(name for name, value in match.groupdict().items() if value)
            if group == "stated" and (
                _NOT_AN_AGE_AFTER.match(text, match.end())
                or _NOT_A_PERSONAL_AGE.match(text, match.end())
            ):
                continue
            yield FindingKind.AGE_OVER_89, match.start(group), match.end(group)


# Street addresses, intersections and other places below the state.
_STREET_TYPE_WORDS = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Parkway"
    r"|Pkwy|Highway|Hwy|Place|Pl|Circle|Cir|Terrace|Ter|Trail|Trl|Pike|Loop|Square|Sq|Plaza"
    r"|Alley|Crescent|Ridge|Expressway|Expy|Freeway|Fwy|Row|Run|Path|Crossing|Xing)"
)
_STREET_NAME_WORD = rf"(?:[{UC}][{LC}]+|[0-9]{{1,3}}(?i:st|nd|rd|th)|[{UC}]{{2,}})"
_STREET = (
    rf"(?:(?:[NSEW]\.?|North|South|East|West){SP}+)?{_STREET_NAME_WORD}(?:{SP}+"
    rf"{_STREET_NAME_WORD}){{0,2}}{SP}+{_STREET_TYPE_WORDS}\.?(?![\w])"
)
_STREET_OR_NAME = rf"(?:{_STREET}|{_STREET_NAME_WORD}(?:{SP}+[{UC}][{LC}]+)?)"

# The word before a road's number: "Highway 50", "I-5", "County Road 12", "CR 3410", Texas
# farm and ranch roads ("FM 1960", "Ranch Road 12"), tribal routes ("Indian Route 59", "BIA
# Route 7"), "Old Highway 99". "RM" is left out: it is far more often a room ("RM 412").
_HIGHWAY_WORD = (
    rf"(?:(?:(?:Old|Indian|Navajo|BIA|Tribal|Forest|State|County|Ranch|Rural|Farm{SP}+to{SP}+Market"
    rf"|Ranch{SP}+to{SP}+Market){SP}+)?(?:Highway|Hwy|Route|Rte|Road)|Interstate|SR|US|I|CR"
    rf"|FM|County{SP}+Rd|county{SP}+(?:road|rd)|hwy|highway|Loop|Spur|Beltway)"
)
_HIGHWAY = rf"(?:{_HIGHWAY_WORD}[\- ]?[0-9]{{1,4}}[A-Z]?)"

# Streets are found from their type word ("St", "Avenue"), which is rare, and then read
# backwards and forwards: a pattern that started from the name would try every capitalised
# word of the text.
# The space before the type word is matched rather than looked behind for: a pattern that
# opens with a character class is only tried where that class occurs.
_TYPE_AT = re.compile(r"[ \t](?P<type>" + _STREET_TYPE_WORDS + r"\.?)(?![\w])")
_FULL_TYPES = frozenset(
    "Street Avenue Boulevard Road Lane Highway Parkway Blvd Ave Blvd. Ave.".split()
)
_NAME_BEFORE_TYPE = re.compile(
    rf"(?:(?<![\w.'\u2019])(?:[{UC}][{LC}]+|[0-9]{{1,3}}(?i:st|nd|rd|th)|[{UC}]{{2,}}){SP}+)"
    r"{1,3}$"
)
_HOUSE_NUMBER_BEFORE = re.compile(
    rf"(?<![\w.\-/:])[0-9]{{1,6}}[A-Za-z]?{SP}+(?:(?:[NSEW]\.?|North|South|East|West){SP}+)?$"
)
_DIRECTION_BEFORE = re.compile(rf"(?<![\w])(?:[NSEW]\.?|North|South|East|West){SP}+$")
_STREET_CUE_BEFORE = re.compile(
    r"(?i:\b(?:on|off|at|near|from|to|of|onto|along|via|and|corner)" + SP + r"+$)"
)
_CROSS_AFTER = re.compile(
    rf"{SP}*(?:and|&|/|at|near){SP}*(?:{_HIGHWAY}|{_STREET_NAME_WORD}(?:{SP}+[{UC}][{LC}]+)?"
    rf"(?:{SP}+{_STREET_TYPE_WORDS}\.?)?)(?![\w])"
)
_CROSS_BEFORE = re.compile(
    rf"(?<![\w])(?:{_HIGHWAY}|{_STREET_NAME_WORD}){SP}*(?:and|&|/){SP}*$"
)
_NOT_STREET_NAMES = frozenset(
    """
    The A An This That On In At From To Our Their Each Every Down Up Open Closed Long Wrong
    Right Left Rapid Fast Slow Cross Easy Hard High Low Access Service Emergency Ambulance
    Loading Dock Side Back Front One No Test Shared Network Team Google Dr Mr Mrs Ms St
    """.split()
)


def _detect_streets(text: str) -> Iterator[Span]:
    """ "Oak St", "1420 Oak Grove Avenue", "Elm St and 5th Ave", "Broadway & 3rd St"."""
    for match in _TYPE_AT.finditer(text):
        type_start, end = match.span("type")
        street_type = match.group("type")
        previous_word = text[max(0, type_start - 8) : type_start].split()
        name_end = type_start
        if previous_word and len(previous_word[-1]) == 1 and previous_word[-1].isupper() and (
            text[type_start - 2 : type_start - 1].isupper() and text[type_start - 3] == " "
        ) and text[type_start - 4 : type_start - 3].islower():
            name_end = type_start - 2  # "Lateral A Rd", "Canal B Road": a lettered road
        elif not previous_word or previous_word[-1].rstrip(".") in _NOT_STREET_NAMES:
            continue  # "Dr. Dr", "the St"
        window_start = max(0, type_start - 60)
        name = _NAME_BEFORE_TYPE.search(text, window_start, name_end)
        if name is None:
            continue
        start = name.start()
        words = text[start:name_end].split()
        while words and words[0] in _NOT_STREET_NAMES:
            start = text.index(words[1], start) if len(words) > 1 else type_start
            words = words[1:]
        if not words:
            continue
        numbered = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 20), start)
        if numbered is not None:
            start = numbered.start()
        else:
            direction = _DIRECTION_BEFORE.search(text, max(0, start - 8), start)
            if direction is not None:
                start = direction.start()
        cross_after = _CROSS_AFTER.match(text, end)
        cross_before = _CROSS_BEFORE.search(text, max(0, start - 40), start)
        cued = _STREET_CUE_BEFORE.search(text, max(0, start - 12), start) is not None
        if not (
            numbered is not None
            or cross_after is not None
            or cross_before is not None
            or cued
            or street_type.rstrip(".") in _FULL_TYPES
            and not (street_type.startswith("Dr") or street_type.startswith("St"))
        ):
            continue
        if street_type.rstrip(".") in {"Dr", "St"} and numbered is None and not (
            cued or cross_after or cross_before
        ):
            continue
        if cross_after is not None:
            end = cross_after.end()
        if cross_before is not None:
            start = cross_before.start()
        yield FindingKind.PLACE, start, end


_NUMBERED_STREET = re.compile(_lead("[0-9]", r"[\w]") + r"[0-9]{0,2}(?i:st|nd|rd|th)(?![\w])")
_NAMED_STREET_BEFORE = re.compile(
    r"(?i:\b(?:at|near|on|off|of)" + SP + rf"+)(?P<street>[{UC}][{LC}]+)" + SP
    + r"*(?:and|&|/)" + SP + r"*$"
)


_NOT_A_STREET_NAME = re.compile(r"(?i:" + _WEEKDAY_ANY + "|" + _MONTH_WORD + r")$")


# The same typed in lower case: "at kedzie and 26th", "near 59th ave and camelback". The
# number has two digits and counts nothing ("at rest and 2nd", "at home and 12th dose").
_LOWER_STREET_BEFORE = re.compile(
    r"\b(?:at|near|on|off|of)" + SP + r"+(?P<street>[a-z]{4,})" + SP + r"*(?:and|&|/)" + SP
    + r"*$"
)
_LOWER_STREET_AFTER = re.compile(
    SP + r"+(?:st|street|ave|avenue|rd|road|blvd|dr|pl)\.?" + SP + r"*(?:and|&|/)" + SP
    + r"*(?P<street>[a-z]{4,})\b"
)
_LOWER_STREET_CUE = re.compile(r"\b(?:at|near|on|off|of|by)" + SP + r"+$")
_NOT_LOWER_STREETS = frozenset(
    """
    home rest baseline night noon bedtime least most first times admission discharge triage
    lunch dinner breakfast work school then also again their before after between during
    with this that next each every birth delivery intake visit onset presentation around
    """.split()
)


def _detect_numbered_cross_streets(text: str) -> Iterator[Span]:
    """ "on Pine and 3rd", "at Oak/12th": a named street, then a numbered one, after a cue."""
    for match in _NUMBERED_STREET.finditer(text):
        start = match.start()
        before = _NAMED_STREET_BEFORE.search(text, max(0, start - 30), start)
        if before is not None and before.group("street") not in _NOT_STREET_NAMES and not (
            _NOT_A_STREET_NAME.match(before.group("street"))
        ):
            yield FindingKind.PLACE, before.start("street"), match.end()
            continue
        if match.end() - start < 4 or _COUNTED_AFTER.match(text, match.end()):
            continue
        before = _LOWER_STREET_BEFORE.search(text, max(0, start - 30), start)
        if before is not None and before.group("street") not in _NOT_LOWER_STREETS and not (
            _NOT_A_STREET_NAME.match(before.group("street"))
        ):
            yield FindingKind.PLACE, before.start("street"), match.end()
            continue
        after = _LOWER_STREET_AFTER.match(text, match.end())
        if after is not None and after.group("street") not in _NOT_LOWER_STREETS and (
            _LOWER_STREET_CUE.search(text, max(0, start - 10), start) is not None
        ):
            yield FindingKind.PLACE, start, after.end()


_NUMBERED_STREET_CUE = re.compile(
    r"(?i:\b(?:on|off|at|near|of|onto|along|to|from|and|[0-9]{1,6})" + SP + r"+(?:[nsew]\.?"
    + SP + r"+)?$|[&/]" + SP + r"*$)"
)
_DIRECTION_ONLY_BEFORE = re.compile(r"(?<![\w])[nsewNSEW]\.?" + SP + r"+$")
_NEAR_NUMBERED_STREET = re.compile(r"(?i:\b(?:near|off)" + SP + r"+$)")
# What follows an ordinal that counts: "near 63rd percentile", "off 2nd day".
_COUNTED_AFTER = re.compile(
    r"(?i:" + SP + r"*(?:day|days|week|weeks|month|year|percentile|centile|floor|fl|birthday"
    r"|dose|doses|time|visit|attempt|hour|minute|cycle|grade|of|trimester|degree|generation"
    r"|line|round|place)\b|[\-/%])"
)


def _numbered_street_ok(match: re.Match[str], text: str) -> bool:
    """ "near 63rd st", "at 1420 w 3rd ave" after a cue, or "near 63rd" with no type word
    after "near" or "off" when no count follows ("near 63rd percentile")."""
    start = match.start()
    if match.group("type") or _DIRECTION_ONLY_BEFORE.search(text, max(0, start - 12), start):
        return _NUMBERED_STREET_CUE.search(text, max(0, start - 12), start) is not None
    return (
        start + 4 <= match.end()
        and _NEAR_NUMBERED_STREET.search(text, max(0, start - 8), start) is not None
        and _COUNTED_AFTER.match(text, match.end()) is None
    )


_HIGHWAY_NUMBER = re.compile(_lead("[0-9]", r"[\w]") + r"[0-9]{0,3}[A-Z]?(?![\w])")
_HIGHWAY_WORD_BEFORE = re.compile(rf"(?<![\w]){_HIGHWAY_WORD}[\- ]?$")
# Only county and farm roads run to four digits ("FM 1960", "CR 3410"); "US 2024" is a year.
_FOUR_DIGIT_ROADS = re.compile(r"(?:Road|Rd|CR|FM)[\- ]?$")
# Farm roads, loops and spurs have three or four digits and no letter ("FM 1960", "Loop
# 410"): "FM 10L" is a flow and "Loop 3 diuretics" a drug. A county road's initials need a
# road's cue or crossing ("on CR 12"), not "from CR 2.1".
_SHORT_WORD_ROADS = re.compile(r"(?:FM|Loop|Spur)[\- ]?$")
_CR_ROAD = re.compile(r"CR[\- ]?$")
_ROAD_CUE = re.compile(r"(?i:\b(?:on|off|along|near)" + SP + r"+$)")
# What after a number makes it a measure and not a road: "US 12 weeks gestation", "CR 2.1",
# "FM 10 L", "Loop 3 mg".
_MEASURE_AFTER_ROAD = re.compile(
    r"(?i:[.,][0-9]|" + SP + r"*(?:l|lpm|liters?|weeks?|wks?|days?|hours?|hrs?|months?|mos?"
    r"|years?|yrs?|cm|mm|mg|mcg|ml|cc|kg|g|units?|%|times|x|pts?|patients?|beds?)(?![A-Za-z]))"
)
_CROSSING_AFTER = re.compile(
    rf"{SP}*(?:and|&|/|at|near){SP}*(?:{_HIGHWAY}|{_STREET_OR_NAME})"
    rf"|,?{SP}*(?:(?:at|near|off){SP}*)?(?i:exit|mile{SP}+marker|mm){SP}*[0-9]{{1,3}}[A-Za-z]?(?![\w])"
)


# "mile marker 88 on Navajo Route 15", "mile 12 of Hwy 264": the spot on the road
_MARKER_BEFORE = re.compile(
    r"(?i:\b(?:mile" + SP + r"+marker|mile|mm)" + SP + r"*[0-9]{1,3}(?:\.[0-9])?" + SP
    + r"+(?:on|of|along|off)" + SP + r"+(?:the" + SP + r"+)?$)"
)
_HIGHWAY_CUE = re.compile(r"(?i:\b(?:on|off|along|near|from|at|by)" + SP + r"+$)")


# The last letters of the words before a highway's number ("Highway", "Rte", "US", "I",
# "County Road", "CR", "FM", "Loop", "Spur"), then a dash or a space (a number right after a
# letter is none), then the number's first digit: checked before the pattern that looks for
# the word, and searched for instead of every number of the text.
_HIGHWAY_NUMBER_AFTER_WORD = re.compile(r"[yeRSIdMpr][\- ][0-9]")


def _highway_numbers(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_HIGHWAY_NUMBER` after a highway word's last letter and a gap."""
    position = 0
    while (found := _HIGHWAY_NUMBER_AFTER_WORD.search(text, position)) is not None:
        position = found.start() + 1
        match = _HIGHWAY_NUMBER.match(text, found.end() - 1)
        if match is not None:
            yield match


def _detect_highways(text: str) -> Iterator[Span]:
    """A highway at a crossing, or after "on", "off", "along"... ("off Highway 50")."""
    for match in _highway_numbers(text):
        start = match.start()
        word = _HIGHWAY_WORD_BEFORE.search(text, max(0, start - 28), start)
        if word is None:
            continue
        digits = match.end() - start - (not text[match.end() - 1].isdigit())
        if digits > 3 and _FOUR_DIGIT_ROADS.search(word.group()) is None:
            continue
        if _SHORT_WORD_ROADS.search(word.group()) and (
            digits < 3 or not text[match.end() - 1].isdigit()
        ):
            continue
        if text[match.end() - 1] in "Ll" or _MEASURE_AFTER_ROAD.match(text, match.end()):
            continue
        crossing = _CROSSING_AFTER.match(text, match.end())
        marker = _MARKER_BEFORE.search(text, max(0, word.start() - 30), word.start())
        start = marker.start() if marker is not None else word.start()
        if crossing is not None:
            yield FindingKind.PLACE, start, crossing.end()
        elif _CR_ROAD.search(word.group()):
            if marker is not None or _ROAD_CUE.search(
                text, max(0, word.start() - 10), word.start()
            ):
                yield FindingKind.PLACE, start, match.end()
        elif marker is not None or _HIGHWAY_CUE.search(
            text, max(0, word.start() - 10), word.start()
        ):
            yield FindingKind.PLACE, start, match.end()


# "lives on Cypress", "her house on Magnolia Way": a street named alone after a home and "on".
_HOME_ON = re.compile(
    r"(?i:\b(?:lives|living|lived|resides|residing|house|apartment|trailer|duplex)" + SP
    + r"+on" + SP + r"+)(?P<street>[" + UC + r"][" + LC + r"]+(?:" + SP + r"+[" + UC + r"]["
    + LC + r"]+){0,2})(?![\w])"
)
_NOT_HOME_STREETS = frozenset(
    """
    Medicare Medicaid Social Security Disability Ensure Oxygen The A An His Her Their Our
    Hospice Dialysis Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    """.split()
)


# "the exit 128 ramp off I-70", "at exit 42 on US 191": a highway's exit, said as one.
_EXIT = re.compile(
    r"(?i:\bexit)" + SP + r"+[0-9]{1,3}[A-Za-z]?(?![\w])(?=" + SP + r"*(?i:ramp|on-ramp"
    r"|off-ramp|interchange)\b|[^\n]{0,25}?(?<![\w])" + _HIGHWAY + r"(?![\w]))"
)


def _detect_exits(text: str) -> Iterator[Span]:
    for match in _EXIT.finditer(text):
        yield FindingKind.PLACE, match.start(), match.end()


# "patient ZIPs still present: 38109, 38106 and 38126", "ZIP code (73505)": a list of ZIP
# codes a few words after the word, each five digits and nothing more.
_ZIP_WORD = re.compile(r"(?i:\b(?:zip|zips|zipcode|zipcodes|postal" + SP + r"+codes?)\b)")
_ZIP_IN_LIST = re.compile(
    r"(?:" + SP + r"|[,;:(/]|\band\b|\bor\b|&)*(?<![\w\-.])([0-9]{5})(?:-[0-9]{4})?"
    r"(?![\w\-]|[.,][0-9])"
)
_ZIP_FASTENER = re.compile(r"(?i:[\- ]?(?:lock|lok|loc|tie|ties|top|bag|bags)\b)")
_ZIP_LEAD = re.compile(r"[^0-9\n.;,]{0,30}?(?=[0-9])")
_ZIP_NONE = re.compile(r"(?i:\b(?:not?|unknown|none|missing|n/a|blank)\b)")


def _detect_zip_lists(text: str) -> Iterator[Span]:
    for word in _ZIP_WORD.finditer(text):
        if _ZIP_FASTENER.match(text, word.end()):
            continue  # "zip lock bag", "zip ties"
        lead = _ZIP_LEAD.match(text, word.end())
        if lead is None or _ZIP_NONE.search(lead.group()):
            continue  # "zip code not on file, wbc 12000"
        position = lead.end()
        while (code := _ZIP_IN_LIST.match(text, position)) is not None and (
            code.start(1) - position <= 8
        ):
            if _MEASURE_AFTER_ROAD.match(text, code.end()):
                break  # "10000 units"
            yield FindingKind.PLACE, code.start(1), code.end()
            position = code.end()


# "on Rt 340", "off fm 1187", "down rt 9": routes and farm roads typed as staff type them,
# only after a road's cue ("Rt arm", "rt 2nd toe", "fm 1200 to 1400" stay quiet).
_ROUTE_SHORT = re.compile(
    r"(?i:(?<![\w])(?:rt|rte|fm|route|i-|co\.?" + SP + r"?rd\.?|cty" + SP + r"?rd\.?)[\- ]?"
    r"([0-9]{1,4})(?![\w\-]|[.,:/][0-9]))"
)
# "off exit 23", "take exit 12": a highway's exit after a driver's cue, and after "near" or
# "by" only before a comma ("near exit 112, two pts"; "near exit 4 stairwell" is a door of
# the building); "the 405 freeway".
_EXIT_AFTER_CUE = re.compile(
    r"(?i:\b(?:off|take|past)" + SP + r"+(exit" + SP + r"*[0-9]{1,3}[a-z]?)(?![\w])"
    r"|\b(?:near|by)" + SP + r"+(exit" + SP + r"*[0-9]{1,3}[a-z]?)(?=,)"
    r"|\bthe" + SP + r"+([0-9]{1,3}" + SP + r"*(?:freeway|fwy|expressway|tollway)))\b"
)
_ROUTE_CUE = re.compile(
    r"(?i:\b(?:on|off|along|near|onto|down|up|via|past|of)" + SP + r"+(?:old" + SP + r"+)?$)"
)
# "out on N59 dirt road", "off BIA-12 gravel road": a road's code before the word road.
_CODED_ROAD = re.compile(
    r"(?<![\w\-])[A-Z]{1,3}-?[0-9]{1,4}(?=" + SP + r"+(?i:(?:dirt|gravel|paved|county|tribal"
    r"|forest|ranch|farm)" + SP + r"+)?(?i:road|rd)\b)"
)


# Words a few words after "rt 2", "route 2" or "exit 2" that say a body site, a door of the
# building, a medicine's route or a treatment is meant: "rt 2 fingers", "exit 2 of the
# parking garage", "via route 2 per pharmacy", "I-131 ablation".
_NOT_ROAD_AFTER = frozenset(
    """
    finger fingers toe toes digit digits hand hands foot feet arm arms leg legs knee knees
    rib ribs ear ears eye eyes side sides stairwell stairwells stairs stairway staircase
    garage door doors lobby elevator elevators hallway hall corridor wing floor entrance
    building tower ward room pharmacy dose doses med meds medication medications po iv
    ablation scan therapy uptake treatment tx
    """.split()
)
_WORD_AFTER = re.compile(r"[a-z]+")


def _not_a_road_after(text: str, end: int) -> bool:
    return any(
        word in _NOT_ROAD_AFTER
        for word in _WORD_AFTER.findall(text[end : end + 32].lower())[:4]
    )


def _detect_short_routes(text: str) -> Iterator[Span]:
    for match in _ROUTE_SHORT.finditer(text):
        start = match.start()
        cue = _ROUTE_CUE.search(text, max(0, start - 12), start)
        if cue is None:
            continue
        if _not_a_road_after(text, match.end()):
            continue  # "on rt 2 fingers", "via route 2 per pharmacy"
        if match.group(0)[:2].lower() == "i-" and (
            len(match.group(1)) > 3 or cue.group().lower().startswith("of")
        ):
            continue  # "hx of I-131": an isotope, not an interstate
        if match.group(0)[:2].lower() == "fm" and len(match.group(1)) < 3:
            continue  # farm roads have three or four digits ("FM 10" is a flow)
        if _MEASURE_AFTER_ROAD.match(text, match.end()):
            continue
        yield FindingKind.PLACE, start, match.end()
    low = lowered(text)
    for match in _EXIT_AFTER_CUE.finditer(text) if "exit" in low or "wy" in low or (
        "freeway" in low or "expressway" in low or "tollway" in low
    ) else ():
        group = 1 if match.group(1) else 2 if match.group(2) else 3
        if group == 1 and _not_a_road_after(text, match.end(group)):
            continue  # "past exit 3 doors"
        yield FindingKind.PLACE, match.start(group), match.end(group)
    for match in _CODED_ROAD.finditer(text) if " road" in low or " rd" in low else ():
        start = match.start()
        if _ROUTE_CUE.search(text, max(0, start - 12), start) is not None:
            yield FindingKind.PLACE, start, match.end()


def _detect_home_streets(text: str) -> Iterator[Span]:
    for match in _HOME_ON.finditer(text):
        words = match.group("street").split()
        if any(word in _NOT_HOME_STREETS for word in words):
            continue
        yield FindingKind.PLACE, match.start("street"), match.end("street")


ADDRESS_DETECTORS: list[Detector] = [
    _detect_streets,
    _gated(_detect_exits, "exit"),
    _gated(_detect_home_streets, "live", "resid", "house", "apartment", "trailer",
           "duplex"),
    # "on e. herndon", "at 3310 w ashlan"
    _regex(
        FindingKind.PLACE,
        _lead("[nsewNSEW]", r"[\w]") + r"\.?" + SP + r"+(?!coli\b)[A-Za-z]{3,}"
        r"(?:" + SP + r"+(?i:st|ave|rd|blvd|dr|ln|street|avenue|road))?\.?(?![\w])",
        accept=_cue_before(r"(?i:\b(?:on|off|at|near|of|onto|along)" + SP + "+(?:[0-9]{2,6}"
                           + SP + "+)?)", 24),
    ),
    # "lives at 3310 w ashlan": a house number and words after "lives at" or "address"
    _gated(
        _regex(
            FindingKind.PLACE,
            _lead("[0-9]", r"[\w.\-/:]") + r"[0-9]{0,5}" + SP + r"+(?:(?i:[nsew]\.?)" + SP
            + r"+)?[A-Za-z]{3,}(?:" + SP + r"+[A-Za-z]{2,}){0,2}",
            accept=_cue_before(
                r"(?i:\b(?:lives|living|resides|residing|stays|staying|address|addr)\.?" + SP
                + r"*(?:at|on|is|:)?" + SP + r"*)", 30
            ),
        ),
        "live", "resid", "stay", "addr",
    ),
    # Highways: "off Highway 50", "Highway 99 and Clinton Ave", "I-70 and Kipling St"
    _detect_highways,
    # 1420 Oak Grove Ave, 77 W. 5th St., 12 main st (any case), 5 Elm Ct Apt 4B
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w.\-/:]") + r"[0-9]{0,5}[A-Za-z]?" + SP
        + r"+(?:(?i:[NSEW]\.?|north|south|east|west)" + SP + r"+)?(?:(?:[A-Za-z]+|[0-9]{1,3}"
        r"(?i:st|nd|rd|th))" + SP + r"+){1,3}(?i:" + _STREET_TYPE_WORDS[3:-1] + r")\.?(?![\w])"
        r"(?:,?" + SP + r"*(?i:apt|apartment|suite|ste|unit|#)\.?" + SP
        + r"*#?[0-9]+[A-Za-z]?(?![\w]))?",
        accept=lambda match, text: not re.match(
            r"[0-9]+" + SP + r"+(?i:mg|mcg|ml|units?|cc|g|l|tabs?|of|in|on|at|to|for|and|or"
            r"|the|a|an|hours?|hrs?|minutes?|mins?|days?|weeks?|times?|x|pt|pts|patients?"
            r"|beds?|rooms?|staff|nurses?)\b",
            match.group(),
        ),
    ),
    # Intersections: "corner of Elm and 5th", "Broadway & 3rd St", "at Main and Oak"
    _gated(
        _regex(
            FindingKind.PLACE,
            r"(?i:\b(?:corner|intersection|cross" + SP + r"*streets?|crossing)" + SP + r"+of"
            + SP + r"+)(?P<pair>" + _STREET_OR_NAME + SP + r"*(?:and|&|/|at)" + SP + r"*"
            + _STREET_OR_NAME + r")",
            group="pair",
        ),
        "corner", "intersection", "cross",
    ),
    # the same typed in lower case: "at the corner of shaw and cedar", "cross streets are
    # ashlan and first"; not "the corner of her mouth and lip"
    _gated(
        _regex(
            FindingKind.PLACE,
            r"(?i:\b(?:at" + SP + r"+(?:the" + SP + r"+)?corner" + SP + r"+of|cross" + SP
            + r"*streets?(?:" + SP + r"*(?:are|is|:|=))?|x-streets?(?:" + SP
            + r"*(?:are|is|:|=))?)" + SP
            + r"*(?!(?:the|her|his|their|a|an|my|our|its|this|that|each|bed|room)\b)"
            r"((?:[a-z]{3,}|[0-9]{1,3}(?:st|nd|rd|th))"
            r"(?:" + SP + r"+[a-z]{3,}){0,2}" + SP + r"*(?:and|&|/)" + SP + r"*(?:[a-z]{3,}|[0-9]"
            r"{1,3}(?:st|nd|rd|th))(?:" + SP + r"+(?!and\b|the\b|was\b|with\b|in\b|at\b|on\b)"
            r"[a-z]{3,})?)(?![\w]))",
            group=1,
            on_lower_case=True,
        ),
        "corner", "cross", "x-street",
    ),
    # "at 5th and Main", "at 5th and main", "on 3rd & pine"
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w]") + r"[0-9]{0,2}(?i:st|nd|rd|th)" + SP + r"*(?:and|&|/)" + SP
        + rf"*(?:[{UC}][{LC}]+|(?!(?:final|last|then|again|also|third|fourth|fifth|second|first"
        rf"|later|each|every|the|a|an|one|two|three)(?![{LC}]))[a-z]{{3,}})(?![\w])",
        accept=_cue_before(r"(?i:\b(?:at|near|of|on|off)" + SP + "+)", 8),
    ),
    # "near 63rd st", "off w 14th ave", "near 63rd": a numbered street typed in lower case
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w]") + r"[0-9]{0,2}(?i:st|nd|rd|th)(?P<type>" + SP
        + r"+(?i:st|street|ave|avenue|av|blvd|rd|road|pl|place|ter|way|ln|lane|pkwy)\.?)?"
        r"(?![\w])",
        accept=lambda match, text: _numbered_street_ok(match, text),
    ),
    # "the 4100 block of Maple", "1500 block of W Grand Ave"
    _gated(
        _regex(
            FindingKind.PLACE,
            _lead("[0-9]", r"[\w.\-/:]") + r"[0-9]{1,4}" + SP + r"+(?i:block)" + SP + r"+(?i:of)"
            + SP + r"+(?:(?i:[nsew]\.?|north|south|east|west)" + SP + r"+)?(?:[A-Za-z]{3,}|[0-9]"
            r"{1,3}(?i:st|nd|rd|th))(?:" + SP + r"+[A-Z][a-z]+)?(?:" + SP + r"+(?i:"
            + _STREET_TYPE_WORDS[3:-1] + r")\.?)?(?![\w])",
        ),
        "block",
    ),
    # "in the 60629 zip": a ZIP code before the word
    _regex(
        FindingKind.PLACE,
        _lead("[0-9]", r"[\w\-]") + r"[0-9]{4}(?=" + SP + r"+(?i:zip)(?![\w]))",
    ),
    _detect_numbered_cross_streets,
    _gated(_detect_zip_lists, "zip", "postal"),
    _gated(_detect_short_routes, " rt", " rte", " fm", "route", " i-", " co rd", " co. rd",
           "cty rd", "exit", "fwy", "freeway", "expressway", "tollway", " road", " rd"),
    # P.O. Box 1234; a rural box with its route: "HC 61 Box 118", "RR 2 Box 40"
    _gated(
        _regex(
            FindingKind.PLACE,
            r"(?i:\b(?:p\.?" + SP + r"?o\.?" + SP + r"*box|post" + SP + r"+office" + SP
            + r"+box|(?:hc|rr|r\.r\.|rural" + SP + r"+route|star" + SP + r"+route|hcr)" + SP
            + r"*[0-9]{1,4},?" + SP + r"*box)" + SP + r"*#?[0-9]+)",
            on_lower_case=True,
        ),
        "box",
    ),
    # ZIP after "zip" without a state: "zip 95661"
    _gated(
        _regex(
            FindingKind.PLACE,
            _lead("[0-9]", r"[\w\-]") + r"[0-9]{4}(?:-[0-9]{4})?(?![\w\-]|[.,][0-9])",
            accept=_cue_before(
                r"(?i:\b(?:zip|zipcode|zip" + SP + r"*code|postal" + SP + r"*code)" + SP
                + r"*(?:[:#]" + SP + r"*)?)",
                40,
            ),
        ),
        "zip", "postal",
    ),
]


DETECTORS: tuple[Detector, ...] = (
    *DATE_DETECTORS,
    *PHONE_DETECTORS,
    *EMAIL_DETECTORS,
    _detect_urls,
    *NETWORK_DETECTORS,
    *NUMBER_DETECTORS,
    *AGE_DETECTORS,
    *PEOPLE_AND_PLACE_DETECTORS,
    *COMPACT_DATE_DETECTORS,
    *EXTRA_PHONE_DETECTORS,
    _detect_codes,
    _detect_badges,
    _detect_number_endings,
    _detect_handles,
    _detect_chat_senders,
    _detect_mentions,
    _detect_logins_by,
    _detect_mac_addresses,
    *AGE_WORD_DETECTORS,
    *ADDRESS_DETECTORS,
)
