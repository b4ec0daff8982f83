"""Context that shows a detector's finding is no identifier (chpso_portal/deidentify/benign.py).

Each family is checked both ways: the clinical use stays quiet, and the same word or number
used as an identifier is still found.
"""

import pytest

from chpso_portal.deidentify import FindingKind, KnownIdentifiers, screen
from chpso_portal.deidentify.benign import is_benign


def _found(text, known=None):
    return [(str(f.kind), f.text) for f in screen(text, known or KnownIdentifiers())]


@pytest.mark.parametrize(
    "text",
    [
        "2/2 strength in L arm at 0800, was 4/5 at 0400.",
        "pain was 8/10 at 0200, down to 3/10 at 0300 after dilaudid",
        "she is now 7/10, was 4/10 at noon",
        "GCS 14/15 at 0100 then 12/15 at 0130",
        "the Apgar was charted as 8/9",
        "Sepsis bundle: cultures 2/2 at 0140, abx at 0150. SEP-1 met.",
    ],
)
def test_scores_written_as_fractions_are_not_dates(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("pt fell on 4/5 at 0400", "4/5"),
        ("pain 8/10 since 3/10 at 0200", "3/10"),
        ("admitted 2/3 at 0400 with a Braden of 12", "2/3"),
    ],
)
def test_a_day_cue_keeps_a_fraction_a_date(text, date):
    assert ("date", date) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hx Alzheimer disease, Cushing syndrome, Barrett esophagus.",
        "Pt with Cushing disease and Addison crisis history.",
        "Huntington chorea, Bell's palsy on the problem list.",
        "Philips monitor and a Welch Allyn vitals machine.",
        "Broda chair, Sara Stedy for standing.",
        "Kussmaul respirations noted, Cheyne-Stokes breathing overnight.",
    ],
)
def test_eponyms_before_their_medical_word_are_not_people_or_places(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dr. Barrett reviewed the EGD.", "Barrett"),
        ("nurse Foley placed the Foley catheter", "Foley"),
        ("Spoke with Mr. Huntington about the fall.", "Huntington"),
        ("Visitor Sara asked for a chair.", "Sara"),
    ],
)
def test_a_title_or_role_keeps_an_eponym_a_name(text, name):
    assert any(name in found for _, found in _found(text))


def test_lower_case_clinical_words_are_not_people():
    text = (
        "the second nurse did not see the bolus documented. Bill reviewed with pt by case "
        "mgmt (Medicare pt, obs vs inpatient)."
    )
    assert _found(text) == []


def test_names_the_portal_knows_are_kept_even_as_eponyms():
    known = KnownIdentifiers(person_names=["Barrett"])
    assert ("name", "Barrett") in _found("Hx Barrett esophagus.", known)


def test_is_benign_reads_only_its_own_kinds():
    text = "strength was 4/5 at 0400"
    start = text.index("4/5")
    assert is_benign(text, (FindingKind.DATE, start, start + 3))
    assert not is_benign(text, (FindingKind.PHONE, start, start + 3))


@pytest.mark.parametrize(
    "text",
    [
        "Medtronic Puritan Bennett 980 vent, Hamilton C6 in MICU, Servo-i in the OR.",
        "Kendall SCDs on both legs.",
        "Glasgow score 9, Ramsay 4, Child-Pugh B, Killip class II.",
        "Hx Graves disease s/p RAI, Hashimoto's, Addison's on hydrocortisone.",
        "Passed 3/3 sips of water at 1030; completed 4/6 of the modules by 1500.",
    ],
)
def test_makers_scales_possessive_diseases_and_counts_are_quiet(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kendall said the pump was fine", "Kendall"),
        ("Addison's daughter called at 0900.", "Addison"),
        ("spoke to Parkinson's son", "Parkinson"),
        ("Visitor Gleason left at 7 pm.", "Gleason"),
    ],
)
def test_makers_scales_and_diseases_used_as_names_are_found(text, name):
    assert any(name in found for _, found in _found(text))


@pytest.mark.parametrize(
    "text",
    [
        "Expect 3-4 days of soreness, 7-10 days for the incision to close.",
        "Pt is G3P2, 38 2/7 wks.",
        "ED boarding 6-8 hours average; 4/12 pts left without being seen.",
        "Policy NUR 3-12 rev 2024.",
        "Vision 20/20 OU, hearing intact.",
        "Summary Of Events: Pt Fell While Ambulating To Bathroom.",
        "Kelly and Pean forceps counted; Jackson-Pratt and Penrose drains.",
    ],
)
def test_ranges_document_numbers_headings_and_instruments_are_quiet(text):
    assert _found(text) == []


def test_a_long_policy_number_is_still_an_identifier():
    assert _found("Insurance policy # 4471-2290-13 on file.") == [
        ("long_number", "4471-2290-13")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Respiratory Therapy changed the mask; Wound Care saw the sacrum; Case Management met "
        "the family.",
        "Chaplain Services and Spiritual Care offered support.",
        "He was moved to Fast Track. St. John's Wort was stopped.",
        "Johns Hopkins fall tool not used.",
    ],
)
def test_departments_areas_and_remedies_are_quiet(text):
    assert _found(text) == []


def test_a_name_after_a_role_is_not_a_department():
    assert any("Grace" in found for _, found in _found("Chaplain Grace saw the pt."))


@pytest.mark.parametrize(
    "text",
    [
        "Worked the 3-11 shift; the 11-7 nurse arrived late. 7-3 shift was short one aide.",
        "Staffed 24/7 with a sitter.",
        "pt will need a sitter; rn will call family. pharm may call back.",
        "Ranson 3, BISAP 2, Glasgow-Imrie 2.",
    ],
)
def test_shifts_modals_and_hyphenated_scales_are_quiet(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("nurse will said the pump was off", "will"),
        ("will from biomed came at 0300", "will"),
    ],
)
def test_a_given_name_that_is_a_modal_is_still_found(text, name):
    assert any(name == found for _, found in _found(text))


def test_an_ordinary_word_opening_a_sentence_after_pt_is_not_a_name():
    assert _found("Pt left with a loaner walker from PT. Home health starts in 48 hrs.") == []
    assert ("person", "Rose") in _found("seen by PT. Rose said she was dizzy.")


def test_things_in_place_and_compounds_of_given_names_are_quiet():
    assert _found("lactate sent. 2 piv in place. pt grace period for copay explained.") == []
    assert _found("pt ivy league grad per family. pt/ot recs snf") == []
    assert ("place", "12 Alder Place, Davis") in _found("pt lives at 12 Alder Place, Davis")


@pytest.mark.parametrize(
    "text",
    [
        "Ottawa ankle rules negative; San Francisco syncope rule positive.",
        "Edinburgh Postnatal Depression Scale 14. Vancouver scar scale 6.",
        "Stanford type A dissection. Milwaukee brace for the scoliosis.",
        "St. Louis encephalitis less likely. Tommy John surgery in the past.",
        "Moro reflex present, Ortolani and Barlow negative. Charley horse overnight.",
    ],
)
def test_rules_scales_and_diseases_named_after_places_are_quiet(text):
    assert _found(text) == []


def test_a_town_before_other_words_is_still_a_place():
    assert ("place", "Seattle") in _found("pt flown in from Seattle with a fever")


def test_beds_measures_and_charities_are_quiet():
    assert _found("moved to bed 12/13 at 0200. CPAP at 10/5 cm H2O overnight.") == []
    assert _found("Ronald McDonald House referral; Make-A-Wish contacted by SW.") == []
    assert ("date", "12/13") in _found("pt fell on 12/13 at 0300")
