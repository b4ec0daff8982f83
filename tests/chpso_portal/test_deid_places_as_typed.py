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
    ("the rollover was on Rt 17 just north of the county line", "Rt 17"),
    ("she lives off rte 9 behind the church", "rte 9"),
    ("family has a place off fm 2471, no cell service", "fm 2471"),
    ("hogan is out on N12 gravel road, 30 mi from the clinic", "N12"),
    ("pt was found up past the agua fria rd cattle guard", "agua fria rd"),
    ("works at a dairy on Canal B Road, came by tractor", "Canal B Road"),
    ("pedestrian struck at halsted and 47th, GCS 14", "halsted and 47th"),
    ("stays at a shelter near 35th ave and indian school", "35th ave and indian"),
    ("residents in ZIP codes 60623, 60608 or 60632 were the most affected", "60608"),
    ("matched on date of birth and zip (85021) before the merge", "85021"),
    ("the agency's ZIPs: 70117 & 70126", "70126"),
    ("family lives in colonia El Cenizo past the canal", "colonia El Cenizo"),
    ("bystanders said from Sunnyslope. PD on scene", "Sunnyslope"),
    ("Her sister is in Crown Heights and will take the kids.", "Crown Heights"),
    ("he lives in pecan heights off the highway", "pecan heights"),
    ("drove up from jacksonvile overnight, no records", "jacksonvile"),
    ("son lives in Milwakee and calls daily", "Milwakee"),
    ("semi jackknifed near exit 112, two pts", "exit 112"),
    ("MVC on i-40 westbound, restrained driver", "i-40"),
    ("lives off co rd 7 in a trailer", "co rd 7"),
    ("ranch is out on route 66 past the gas station", "route 66"),
    ("crash on the 110 freeway at rush hour", "110 freeway"),
    ("pt is from hermitage, visiting her son", "hermitage"),
    ("they came down from los banos this morning", "los banos"),
    ("his daughter lives in long beach, will fly in", "long beach"),
    ("pt from la mirada, private car", "la mirada"),
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
    "tender over the Rt arm and rt 2nd toe, placed on rt 2 L nasal cannula",
    "O2 on FM 10L, then on fm 15 after the gas",
    "seen fm 1200 to 1400 by the wound team",
    "moved to RM 412, fit tested for an N95 on arrival",
    "side rails up, pt ran off the main rd last week per EMS",
    "vitals at rest and 2nd set at 14th minute, on lasix and 10th day of abx",
    "belongings in a zip lock bag with 10000 units of the drug card, zip ties cut",
    "zip code not on file, wbc 12000, plt 15000",
    "pt from Epic downtime queue, chart reconciled",
    "pt is from Guatemala, speaks Spanish and some English",
    "caries in dentin, seen in the tacrolimus clinic in follow up",
    "given by oral route 2 times daily, on route to the ED now",
    "exit wound near the exit site, exit interview 2 done",
    "airway patent, heart rate 88, anti-Xa level drawn",
    "pt from home, ambulatory; pt from beach, sunburned; pt was from triage, stable",
]


@pytest.mark.parametrize(("text", "place"), PLACES, ids=[p for _, p in PLACES])
def test_a_place_as_typed_is_found(text, place):
    assert finds(text, place, FindingKind.PLACE), explain(text)


@pytest.mark.parametrize("text", NOT_PLACES)
def test_clinical_look_alikes_stay_quiet(text):
    assert found(text) == [], explain(text)


# A town that is also a short everyday word counts only where a person lives ("lives in
# pearl"), not after a relative and "in" or after "from"; "downtown" names no town; a
# capitalised word after "were from" needs a person who is from it.
EVERYDAY_AFTER_KIN_OR_FROM = [
    "Wife in early, brings his cpap at noon.",
    "Pt from start, declined vitals twice.",
    "Pt from downtown, brought in by EMS.",
    "Family from midtown will call back.",
    "They were from Medtrashco for the bin swap.",
    "sent to her in advance of the visit",
]


@pytest.mark.parametrize("text", EVERYDAY_AFTER_KIN_OR_FROM)
def test_everyday_words_after_kin_or_from_stay_quiet(text):
    assert found(text, FindingKind.PLACE) == [], explain(text)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("val. niece asked that the letter go to her in flagstaff", "flagstaff"),
        ("widowed, lives alone in brewer, walks daily", "brewer"),
        ("she is from Montclova, family at bedside", "Montclova"),
    ],
)
def test_towns_after_strong_cues_are_still_found(text, place):
    assert finds(text, place, FindingKind.PLACE), explain(text)


# A big city misspelt by one letter; a word two edits away shares a key of the lookup and
# is no misspelling of it.
def test_a_misspelt_city_is_one_edit_away():
    from chpso_portal.deidentify.lexical import _misspelt_city
    from chpso_portal.deidentify.lexicon import lexicon

    deletes = lexicon().big_city_deletes
    assert _misspelt_city("houstn", deletes) == "houston"
    assert _misspelt_city("huoston", deletes) == "houston"
    assert _misspelt_city("houstonn", deletes) == "houston"
    assert _misspelt_city("xhousto", deletes) is None
    assert finds("Pt was near houstn with son.", "houstn", FindingKind.PLACE)
    assert found("Crates were sent via xhousto today.") == []


def test_two_cities_sharing_a_lookup_key_are_both_kept():
    from chpso_portal.deidentify.lexicon import _deletes

    deletes = _deletes(["abcdefg", "abcdefh"])
    assert set(deletes["abcdef"]) == {"abcdefg", "abcdefh"}


# A road's cue before "rt 2", "route 2" or "exit 2" and a body site, a door of the
# building, a medicine's route or a treatment after it: no road.
ROUTE_LOOK_ALIKES = [
    "Resident found pacing near exit 6 stairwell at 0300",
    "visitor waited by exit 3 of the north garage",
    "Abrasion on rt 4 fingers, cleaned",
    "Ecchymosis noted on rt 2 toes after the fall",
    "s/p course of I-125 therapy, no new lesions",
    "Insulin given via route 3 per pharmacy protocol",
]


@pytest.mark.parametrize("text", ROUTE_LOOK_ALIKES)
def test_body_sites_doors_and_treatments_are_no_roads(text):
    assert found(text, FindingKind.PLACE) == [], explain(text)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("rollover off exit 41, extricated by fire", "exit 41"),
        ("told to take exit 9 and meet the ambulance", "exit 9"),
        ("buggy struck on Rt 522 east of the mill", "Rt 522"),
        ("jackknifed semi on i-25 northbound", "i-25"),
        ("house is off co rd 14, gravel drive", "co rd 14"),
        ("drove down route 30 overnight", "route 30"),
    ],
)
def test_roads_after_a_cue_are_still_found(text, place):
    assert finds(text, place, FindingKind.PLACE), explain(text)


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Affected zips: 60623/60608/60632 this quarter", ["60623", "60608", "60632"]),
        ("family lives in colonia los ebanos past the canal", ["colonia los ebanos"]),
    ],
)
def test_zip_lists_with_slashes_and_colonias_in_lower_case(text, places):
    for place in places:
        assert finds(text, place, FindingKind.PLACE), explain(text)


def test_a_place_of_care_chosen_for_placement_is_found():
    text = "Son declined glenbrook for placement, wants her closer to home."
    assert finds(text, "glenbrook", FindingKind.HOSPITAL), explain(text)


@pytest.mark.parametrize(
    "text",
    [
        "Family declined Hospice for placement",
        "pt refused rehab for placement",
        "daughter wants Memory Care for placement",
        "pt declined LTACH for placement",
    ],
)
def test_kinds_of_care_chosen_for_placement_stay_quiet(text):
    assert found(text) == [], explain(text)
