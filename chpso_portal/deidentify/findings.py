"""Value types shared by the detectors and the screening service.

They live apart from `screening` so that the detectors can name a kind without importing the
service that runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FindingKind(StrEnum):
    """What a finding looks like; the values are stored with reviewer decisions, so keep them.

    A `str` enum, so a kind compares equal to its value ("name") and serializes as one.
    """

    NAME = "name"
    HOSPITAL = "hospital"
    PLACE = "place"
    UNIT = "unit"
    DATE = "date"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    IP_ADDRESS = "ip_address"
    SSN = "ssn"
    NPI = "npi"
    DEA = "dea"
    LONG_NUMBER = "long_number"
    AGE_OVER_89 = "age_over_89"
    TITLE_NAME = "title_name"
    # Found by the word lists rather than by the portal's own records (lexical.py).
    PERSON = "person"


EXPLANATIONS: dict[FindingKind, str] = {
    FindingKind.NAME: (
        "This matches the name of a person known to the portal; replace it with their role "
        "(for example 'the charge nurse') so no individual is named."
    ),
    FindingKind.HOSPITAL: (
        "Naming a hospital can reveal where the event happened; replace it with a generic "
        "description such as 'a community hospital' or 'the receiving hospital'."
    ),
    FindingKind.PLACE: (
        "Places smaller than a state (cities, streets, addresses) can identify the hospital or "
        "patient; remove them or name only the state."
    ),
    FindingKind.UNIT: (
        "A named unit can point to a specific hospital; describe the kind of unit instead "
        "(for example 'a medical-surgical unit')."
    ),
    FindingKind.DATE: (
        "Dates finer than the year can identify the event; keep only the year (for example "
        "'in 2026') or describe timing relatively ('on day 3')."
    ),
    FindingKind.PHONE: (
        "Phone, fax, pager and extension numbers lead straight to a person or department; "
        "remove them."
    ),
    FindingKind.EMAIL: "Email addresses identify a person or organization; remove them.",
    FindingKind.URL: (
        "Web addresses often name the hospital or a person; remove them or describe the "
        "resource in words (for example 'the hospital's falls policy')."
    ),
    FindingKind.IP_ADDRESS: (
        "IP addresses identify a device or network at a specific organization; remove them."
    ),
    FindingKind.SSN: (
        "This looks like a Social Security or taxpayer number, a direct identifier; remove it."
    ),
    FindingKind.NPI: (
        "This is a valid National Provider Identifier, which names a specific provider; remove it."
    ),
    FindingKind.DEA: (
        "This is a valid DEA registration number, which names a specific prescriber; remove it."
    ),
    FindingKind.LONG_NUMBER: (
        "Long numbers and codes (medical record, account, license or serial numbers) can "
        "identify a patient or provider; remove them or replace them with a description."
    ),
    FindingKind.AGE_OVER_89: (
        "Ages over 89 are rare enough to identify a patient; write '90 or older' instead."
    ),
    FindingKind.TITLE_NAME: (
        "A title or role followed by a capitalized word is probably a person's name; keep the "
        "role and drop the name (for example 'the attending physician')."
    ),
    FindingKind.PERSON: (
        "This looks like a person's name (a patient, relative or clinician); replace it with "
        "their role, such as 'the patient', 'her daughter' or 'the outside surgeon'."
    ),
}

# Order used to break ties between overlapping findings of the same length: names the portal
# knows beat guesses, and checksummed numbers beat the generic long-number rule that also
# matches them.
PRIORITY: tuple[FindingKind, ...] = (
    FindingKind.NAME,
    FindingKind.HOSPITAL,
    FindingKind.UNIT,
    FindingKind.PLACE,
    FindingKind.SSN,
    FindingKind.NPI,
    FindingKind.DEA,
    FindingKind.EMAIL,
    FindingKind.URL,
    FindingKind.IP_ADDRESS,
    FindingKind.PHONE,
    FindingKind.DATE,
    FindingKind.AGE_OVER_89,
    FindingKind.TITLE_NAME,
    FindingKind.PERSON,
    FindingKind.LONG_NUMBER,
)
RANK: dict[FindingKind, int] = {kind: index for index, kind in enumerate(PRIORITY)}


@dataclass(frozen=True)
class Finding:
    """One stretch of text a reviewer must fix or dismiss before the text is shared."""

    kind: str
    start: int
    end: int
    text: str
    explanation: str


def _as_str_tuple(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(value for value in values if isinstance(value, str) and value.strip())


@dataclass(frozen=True)
class KnownIdentifiers:
    """Names the portal already holds; exact matching on these is the most reliable check.

    Frozen and made of tuples so that it can key the cache of compiled matchers. Lists are
    accepted and turned into tuples, and blank or non-text entries are dropped, so a caller
    passing a queryset's values cannot make screening fail.
    """

    person_names: tuple[str, ...] = ()
    hospital_names: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for field in ("person_names", "hospital_names", "places", "units"):
            object.__setattr__(self, field, _as_str_tuple(getattr(self, field)))

    def __bool__(self) -> bool:
        return bool(self.person_names or self.hospital_names or self.places or self.units)
