"""Ordinary clinical words that look like identifiers, and the identifiers they look like.

A message word opening a note before a department ("Page from pharmacy at 1412") is the
message, the last letter of an abbreviation joined by "&" is no initial ("reviewed by P&T.
Ask"), a device or a disease named after a person or a town ("Montgomery straps", "Norwalk
was ruled out", "Hantavirus"), a tool or a door named after a place ("Evergreen alerts",
"Brookside entrance"), a holiday naming a yearly schedule ("Memorial Day weekend coverage") and
a title before a plural role ("All Nurse Managers") stay quiet. The same words as a person,
a town or the day of an event are still found.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import explain, finds, found

K = FindingKind

QUIET = [
    "Page from pharmacy at 0915: please call about the heparin rate on 5 West.",
    "Note from lab: specimen hemolyzed, redraw ordered.",
    "New formulary items are reviewed by P&T. Ask the unit pharmacist before ordering.",
    "Wound was closed and Montgomery straps were applied over the dressing.",
    "Hantavirus was considered after the cabin exposure and was negative.",
    "Enterococcus grew from the urine culture.",
    "Norwalk was ruled out by stool PCR on day 2.",
    "Lyme was ruled out; the rash was a contact dermatitis.",
    "Sepsis bundle met; Riverbend alerts were not firing that week.",
    "Lakeview entrance was closed, so transport used the main lobby.",
    "Thanksgiving weekend staffing was short on 4 North.",
    "Labor Day coverage for the cath lab was posted late.",
    "To: All Nurse Managers\nSubject: pump library update",
]


@pytest.mark.parametrize("text", QUIET)
def test_look_alikes_stay_quiet(text):
    assert found(text) == [], explain(text)


FOUND = [
    ("Page Turner called about her mother's meds.", "Page Turner", None),
    ("Page from IT called about the badge reader.", "Page", K.PERSON),
    ("Will from biomed came to check the pump.", "Will", K.PERSON),
    ("Reviewed at P&T with R. Barnes from the ICU.", "R. Barnes", None),
    ("Dr. Montgomery applied the straps himself.", "Montgomery", None),
    ("Pt lives in Montgomery with her daughter.", "Montgomery", K.PLACE),
    ("Transferred from Norwalk, CT by ground.", "Norwalk", K.PLACE),
    ("Son drove her from Lakeview to our ED.", "Lakeview", None),
    ("Pt fell at home over Memorial Day weekend.", "Memorial Day", K.DATE),
    ("The pharmacy was closed on Labor Day.", "Labor Day", K.DATE),
    ("Nurse Managers Okafor and Li agreed to the change.", "Okafor", None),
]


@pytest.mark.parametrize(("text", "words", "kind"), FOUND)
def test_identifier_forms_still_found(text, words, kind):
    kinds = (kind,) if kind is not None else ()
    assert finds(text, words, *kinds), explain(text)


# "ruled out" after an eponym says a disease is meant; "excluded" and a given name do not.
def test_a_given_name_excluded_from_a_unit_is_found():
    text = "Per policy, Mallory was excluded from the unit after the altercation."
    assert found(text), explain(text)


@pytest.mark.parametrize("text", ["Norwalk was ruled out by stool PCR.", "Lyme was ruled out."])
def test_a_disease_ruled_out_stays_quiet(text):
    assert found(text) == [], explain(text)


def test_a_given_name_ruled_out_is_found():
    text = "Kendall was ruled out as the second witness."
    assert found(text), explain(text)
