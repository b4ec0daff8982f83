"""Rows read under their header: a CSV header line names what the cells below it hold.

An export pasted into a report ("patient_name,claim_no,dob" and then rows) says in its header
which column holds a name, a record number or a date of birth, so a cell in such a column is
an identifier whatever its shape: "Haruto" under "pt", "55102" under "mrn", "88-20931" under
"claim". A header is a line of two or more short labels split by one separator (comma, tab,
pipe or semicolon); the rows below it are read while they split into as many cells. Cells in
columns whose label names no identifier ("unit", "category", "score") are left to the other
rules, and a cell is only taken when its shape fits its column (a name column holding
"Falls" or "night RN" stays quiet).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .findings import FindingKind
from .lexicon import Lexicon, fold

Span = tuple[FindingKind, int, int]

_SEPARATORS = (",", "\t", "|", ";")
_LABEL = re.compile(r"[A-Za-z][A-Za-z _/#.\-']{0,39}")
# A whole line of labels and separators, found in one search before the labels are read.
_HEADER_LINE = re.compile(
    r"^[ \t\"]*+[A-Za-z][A-Za-z _/#.\-']{0,39}+\"?"
    r"(?:[,\t|;][ \t\"]*+(?:[A-Za-z][A-Za-z _/#.\-']{0,39}+)?\"?)++[ \t]*+$",
    re.MULTILINE,
)

# Label words, looked up in this order: the first group that holds a word of the label names
# the column ("patient id" is a record number, "pt age" an age, "patient name" a person).
_ID_WORDS = frozenset(
    """
    mrn mr acct account claim member policy encounter enc fin csn badge license licence lic
    npi dea ssn rx prescription id identifier case visit subscriber medicare medicaid har
    empid emplid mbi cin
    """.split()
)
_DATE_WORDS = frozenset(
    "dob birth birthdate birthday date dos admit admitted admission discharge discharged dod "
    "death deceased".split()
)
_AGE_WORDS = frozenset({"age"})
_PHONE_WORDS = frozenset("phone tel telephone fax pager cell mobile callback".split())
_SERIAL_WORDS = frozenset("serial sn asset lot udi".split())
_PLACE_WORDS = frozenset("city town address addr street zip zipcode county residence".split())
_FACILITY_WORDS = frozenset("facility hospital snf clinic agency".split())
# Labels of where a patient came from or went to ("xfer_from", "source", "receiving"): a
# facility when the cell names one (`_facility_cell`: "Oak Hollow", not "ED", "home",
# "Phone Call" or "Central Pharmacy"). A bare "transfer" says whether, not where.
_TRANSFER_WORDS = frozenset(
    "from to source sending receiving referring origin destination".split()
)
# Words that make a cell a place of care's name whatever the rest: "Cook Hospital",
# "St. Luke's Duluth", "Kessler Rehab".
_FACILITY_NAME_WORDS = frozenset(
    """
    hospital hospitals hospice medical memorial regional infirmary sanatorium sanitarium manor
    nursing rehab rehabilitation convalescent st saint
    """.split()
)
# Trees and the lie of the land after which residences are named: "Oak Hollow", "Juniper
# Vale". Hospitals name their own units so too ("Maple Wing", "Cedar Pod"), hence
# `_UNIT_WORDS`.
_RESIDENCE_WORDS = frozenset(
    """
    birch birches pine pines willow willows oak oaks meadow meadows garden gardens aspen
    aspens maple maples linden elm elms cedar cedars magnolia laurel holly juniper spruce
    sycamore hawthorn heights hill hills ridge springs orchard brook woods glade grove groves
    arbor knoll bluff bluffs harbor highland highlands evergreen redwood glen crest vale
    hollow haven acres estates villa villas gables shores summit vista meadowbrook creek cove
    """.split()
)
# Parts of a hospital a med or a patient moves between: "Omnicell Tower", "Cath Lab".
_UNIT_WORDS = frozenset(
    """
    unit units pod pods wing tower floor ward bay suite room hall annex building bldg lobby
    desk station lab department dept clinic pharmacy portal hotline call line office
    """.split()
)
_PERSON_WORDS = frozenset(
    """
    name patient pt reporter employee staff witness nurse rn physician provider md doctor
    visitor family caller prescriber attending surgeon first last surname given firstname
    lastname fname lname submitter author contact nok guardian relative spouse pharmacist
    resident emp person user username login logon
    """.split()
)
# Columns of the user who entered a row, read as a person's: "entered_by", "user", "login".
_USER_WORDS = frozenset("user username login logon".split())
# Labels that name a thing, not a person, even with "name" in them ("unit name", "drug name").
_THING_WORDS = frozenset(
    """
    unit drug med medication device product file event category type dept department item
    location room bed floor service diagnosis dx procedure form report
    """.split()
)
_ORDER = (
    (_ID_WORDS, FindingKind.LONG_NUMBER),
    (_DATE_WORDS, FindingKind.DATE),
    (_AGE_WORDS, FindingKind.AGE_OVER_89),
    (_PHONE_WORDS, FindingKind.PHONE),
    (_SERIAL_WORDS, FindingKind.LONG_NUMBER),
    (_PLACE_WORDS, FindingKind.PLACE),
    (_FACILITY_WORDS, FindingKind.HOSPITAL),
)
# Words of a cell that say nobody is named in it.
_EMPTY_VALUES = frozenset(
    "n/a na none unknown unk anon anonymous declined self null nil tbd pending".split()
)
_DATE_VALUE = re.compile(
    r"(?:[0-9]{1,4}[/\-.][0-9]{1,2}(?:[/\-.][0-9]{2,4})?|[0-9]{1,2}[ \-]?[A-Za-z]{3,9}"
    r"(?:[ \-,]+[0-9]{2,4})?|[A-Za-z]{3,9}\.?[ ]?[0-9]{1,2}(?:st|nd|rd|th)?(?:,? [0-9]{4})?)"
    r"(?:[ T][0-9:]+)?"
)
_ID_VALUE = re.compile(r"[A-Za-z0-9#][A-Za-z0-9\-./# ]{1,30}")


def _column_kind(label: str) -> FindingKind | None:
    words = _label_words(label)
    if not words:
        return None
    wordset = set(words)
    if wordset & _THING_WORDS and not wordset & (_ID_WORDS | _DATE_WORDS):
        return None
    for group, kind in _ORDER:
        if wordset & group:
            return kind
    if wordset & _TRANSFER_WORDS and not wordset & _PERSON_WORDS:
        return FindingKind.HOSPITAL
    if wordset & _PERSON_WORDS:
        if wordset & {"no", "num", "number", "nbr"}:
            return FindingKind.LONG_NUMBER  # "employee no"
        return FindingKind.PERSON
    if len(words) == 2 and words[1] == "by" and words[0].endswith("ed"):
        return FindingKind.PERSON  # "entered_by", "reported by", "CreatedBy"
    if len(words) == 1 and words[0].endswith("id") and len(words[0]) <= 8:
        return FindingKind.LONG_NUMBER  # "patientid", "empid"
    return None


def _split(line: str, separator: str) -> list[tuple[int, int]] | None:
    """Cells of one line as (start, end) offsets, double quotes respected; None if a quote
    is left open."""
    cells = []
    start = 0
    quoted = False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            cells.append((start, position))
            start = position + 1
    if quoted:
        return None
    cells.append((start, len(line)))
    return cells


def _header(line: str) -> tuple[str, list[FindingKind | None]] | None:
    best = None
    for separator in _SEPARATORS:
        if line.count(separator) < 1:
            continue
        labels = [cell.strip().strip('"').strip() for cell in line.split(separator)]
        if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels if label):
            continue
        if sum(1 for label in labels if label) < 2:
            continue
        if any(label.count(" ") > 3 for label in labels):
            continue  # a sentence with commas, not a header
        kinds = [_column_kind(label) if label else None for label in labels]
        if any(kinds) and (best is None or len(labels) > len(best[1])):
            best = (separator, kinds)
    return best


def _person_cell(value: str, lex: Lexicon, strict: bool) -> bool:
    words = re.findall(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*", value)
    if not words or len(words) > 5 or any(ch.isdigit() for ch in value):
        return False
    named = False
    for word in words:
        key = fold(word)
        if key in _EMPTY_VALUES:
            return False
        if key in lex.clinical or len(key) == 1:
            continue
        english = key in lex.english
        if key in lex.first_names or key in lex.surnames:
            named = named or not english or not strict
        elif not english and key not in lex.proper and key not in lex.places:
            named = True  # a word in no list: "Haruto", "Okonkwo"
    return named


def _facility_cell(value: str, lex: Lexicon) -> bool:
    """A cell that names a place of care, under a label of where a patient came from or went
    to: capitalised words (not a unit's initials, "ED") with a facility signal: a listed
    facility ("Fairview Range", "Essentia St. Mary's"), a word of a facility's name
    ("Cook Hospital"), a word in no list ("Ely-Bloomenson", "Quailcrest"), or a residence's
    name of trees and land ("Oak Hollow"). Units, services and channels stay quiet: "Main
    OR", "Cardiac Step Down", "Central Pharmacy", "Phone Call", "Self Referral", "Yes"."""
    words = value.replace("-", " ").split()
    if not words or len(words) > 5 or not all(word[:1].isupper() for word in words):
        return False
    if len(words) == 1 and (value.isupper() and len(value) <= 4 or not value[1:].islower()):
        return False
    keys = [fold(word).rstrip(".,") for word in words]
    keys = [key[:-2] if key.endswith(("'s", "\u2019s")) else key for key in keys]
    if any(key in _EMPTY_VALUES for key in keys):
        return False
    if any(" ".join(keys[:count]) in lex.facilities for count in range(len(keys), 0, -1)):
        return True
    if not _FACILITY_NAME_WORDS.isdisjoint(keys):
        return True
    if not _UNIT_WORDS.isdisjoint(keys) or any(key in lex.clinical for key in keys):
        return False
    if any(
        len(key) >= 4 and key.isalpha() and key not in lex.english and key not in lex.proper
        for key in keys
    ):
        return True
    return not _RESIDENCE_WORDS.isdisjoint(keys)


def _label_words(label: str) -> list[str]:
    """A header label's words: "entered_by", "Entered By" and "CreatedBy" end in "by";
    "standby" and "lobby" do not."""
    return re.sub(r"[_\-./#']+|(?<=[a-z])(?=[A-Z])", " ", label).lower().split()


_LOGIN = re.compile(r"[A-Za-z][A-Za-z0-9._\-]{1,39}")


def _login_cell(value: str, user_column: bool, lex: Lexicon) -> bool:
    """A user name in a person's column: "tnguyen4", "jo.reyes", and under a user's label a
    lower-case word in no list ("kpatel")."""
    if _LOGIN.fullmatch(value) is None or value.lower() in _EMPTY_VALUES:
        return False
    inner = value.rstrip("._-")
    if any(ch.isdigit() for ch in inner) or "." in inner or "_" in inner:
        return True
    key = fold(value)
    return user_column and value.islower() and len(value) >= 4 and not (
        key in lex.english or key in lex.clinical
    )


def _cell_is(kind: FindingKind, value: str, lex: Lexicon, label_is_name: bool) -> bool:
    if kind == FindingKind.PERSON:
        return _person_cell(value, lex, strict=label_is_name)
    if kind == FindingKind.DATE:
        return _DATE_VALUE.fullmatch(value) is not None
    if kind == FindingKind.AGE_OVER_89:
        return value.isdigit() and 90 <= int(value) <= 119
    if kind == FindingKind.PHONE:
        return sum(ch.isdigit() for ch in value) >= 4
    if kind == FindingKind.PLACE:
        return any(ch.isalnum() for ch in value) and value.lower() not in _EMPTY_VALUES
    if kind == FindingKind.HOSPITAL:
        return any(ch.isalpha() for ch in value) and value.lower() not in _EMPTY_VALUES
    # record numbers, badges and serials: a code holding digits
    return (
        _ID_VALUE.fullmatch(value) is not None
        and sum(ch.isdigit() for ch in value) >= 3
        and value.lower() not in _EMPTY_VALUES
    )


def detect(text: str, lex: Lexicon) -> Iterator[Span]:
    """Cells of identifier columns in the rows under a header line."""
    consumed = 0
    for match in _HEADER_LINE.finditer(text):
        if match.start() < consumed or match.end() >= len(text):
            continue
        # The line below must have a separator of the header before the labels are read.
        below = text[match.end() + 1 : match.end() + 200]
        if not any(separator in below.split("\n", 1)[0] for separator in _SEPARATORS):
            continue
        found = _header(match.group())
        if found is None:
            continue
        separator, kinds = found
        labels = [cell.strip().strip('"') for cell in match.group().split(separator)]
        label_words = [_label_words(label) for label in labels]
        name_labels = [label.lower() == "name" for label in labels]
        weak = [
            kind == FindingKind.HOSPITAL and _FACILITY_WORDS.isdisjoint(words)
            for words, kind in zip(label_words, kinds, strict=False)
        ]
        user_labels = [
            kind == FindingKind.PERSON and bool(words) and (
                words[-1] == "by" or not _USER_WORDS.isdisjoint(words)
            )
            for words, kind in zip(label_words, kinds, strict=False)
        ]
        position = match.end() + 1
        while position < len(text):
            end = text.find("\n", position)
            if end < 0:
                end = len(text)
            line = text[position:end]
            cells = _split(line, separator)
            if cells is None or len(cells) != len(kinds):
                break
            for column, ((start, stop), kind) in enumerate(zip(cells, kinds, strict=True)):
                if kind is None:
                    continue
                raw = line[start:stop]
                value = raw.strip().strip('"').strip()
                if not value:
                    continue
                if not _cell_is(kind, value, lex, name_labels[column]):
                    if kind != FindingKind.PERSON or not _login_cell(
                        value, user_labels[column], lex
                    ):
                        continue
                    kind = FindingKind.LONG_NUMBER  # a user name: "tnguyen4"
                elif weak[column] and not _facility_cell(value, lex):
                    continue
                offset = position + start + raw.index(value)
                yield kind, offset, offset + len(value)
            position = end + 1
        consumed = position
