"""Places below the state as staff type them in a hurry: a listed town in lower case where a
relative or the patient lives, a neighbourhood named by its noun, a Louisiana parish in lower
case, a direction's initial before a town, and a town joined to "-based". The look-alikes that
read the same way in clinical notes stay quiet.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import explain, finds, found

PLACES = [
    ("widowed, lives alone in hermitage, grandson checks in weekly", "hermitage"),
    ("pt lives in pearl w/ her husband, independent at baseline", "pearl"),
    ("results were mailed to his son in auburn.", "auburn"),
    ("his wife in bountiful, who has the dog", "bountiful"),
    ("he lives in rio rancho now, drove himself", "rio rancho"),
    ("family says she lives in cedar heights with two kids", "cedar heights"),
    ("moved to oak hills after the divorce", "oak hills"),
    ("aunt picks her up, they live on metairie side", "metairie"),
    ("no ride home from plaquemines parish tonight", "plaquemines parish"),
    ("discharged to her home in st. tammany parish", "st. tammany parish"),
    ("brother lives in west la, will visit sunday", "west la"),
    ("crew came up from s. san francisco after the fog lifted", "s. san francisco"),
    ("transferred from N Little Rock by ground", "N Little Rock"),
    ("a Tacoma-based agency staffs the night shift", "Tacoma"),
    ("the Santa Fe-based crew handed off at 0340", "Santa Fe"),
]

NOT_PLACES = [
    "pt lives in fear of falling again since the last admission",
    "lives in mobile home, no steps to enter",
    "lives in section 8 housing with a ramp",
    "lives alone in comfort per daughter",
    "daughter in law at bedside, updated on plan",
    "found her in bed with the rails up",
    "son in pain management program, not available",
    "lives in assisted living, walker at baseline",
    "lives in trailer park per EMS",
    "the parish nurse visits on thursdays",
    "catholic parish priest came for the sacrament",
    "pressure injury on the distal side of the heel",
    "evidence-based bundle and community-based follow up, Hospital-based team",
    "pain in s. 1 distribution, no saddle anesthesia",
]


@pytest.mark.parametrize(("text", "place"), PLACES, ids=[p for _, p in PLACES])
def test_a_place_as_typed_is_found(text, place):
    assert finds(text, place, FindingKind.PLACE), explain(text)


@pytest.mark.parametrize("text", NOT_PLACES)
def test_clinical_look_alikes_stay_quiet(text):
    assert found(text) == [], explain(text)
