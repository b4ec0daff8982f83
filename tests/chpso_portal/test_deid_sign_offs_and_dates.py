"""Names and dates in the shapes of messages typed in a hurry: initials that sign a message
after a dash ("- K.", "-mb"), a name alone that closes it, a label typed in lower case
("gutierrez, rosa"), a patient's label in capitals with short given names ("DOAN,
THI HOA"), a given name after "w" (with), a lower-case "may" with its day ("says its may
9"), a dotted date with a short year ("collected 4.7.25"); and the look-alikes that stay
quiet (shorthand after a dash, the modal "may", versions, a ventilator's pressures, a
relation after "pts")."""

import pytest

from chpso_portal.deidentify import screen

from .deid_checks import found


@pytest.mark.parametrize(("text", "name"), [
    ("Please send the pump log to biomed when you can. - K.", "K"),
    ("can someone reorder the sitter for bed 9. -mb", "mb"),
    ("Tube label printed for DOAN, THI HOA instead of the pt in bay 2.", "DOAN, THI HOA"),
    ("covering the pod tonight, pass meds w Joy until she gets her badge", "Joy"),
    ("Left the loaner scope in the clean room, ask if you cannot find it. Tadhg", "Tadhg"),
    ("0340 bed 9 gutierrez, rosa pulled her ng tube", "gutierrez, rosa"),
])
def test_a_sign_off_a_label_or_a_companion_is_a_name(text, name):
    assert name in found(text)


@pytest.mark.parametrize(("text", "date"), [
    ("card in wallet says 1941, daughter says its may 9. verifying", "may 9"),
    ("son said the fall was on may 14th at home", "may 14th"),
    ("Cultures collected 4.7.25 were never resulted.", "4.7.25"),
    ("Face sheet: DOB-09/17/1944, allergies none known.", "09/17/1944"),
    ("The badge had not been used since Oct '24.", "Oct '24"),
])
def test_a_lower_case_may_or_a_dotted_date_is_a_date(text, date):
    assert date in found(text)


@pytest.mark.parametrize("text", [
    "Pt stable overnight, will recheck in the am. - ok",
    "Weaned to 2L. -NC",
    "Charted at 0400. -RN",
    "HOLD, TID DOSE PER MD",
    "the tab may 2 more times if pain persists",
    "it may 3 days before the rash fades",
    "Pumps were updated to version 1.5.26 overnight.",
    "see section 4.2.11 of the policy",
    "pt in bed w Rails up x2",
    "pts son called twice about the discharge time",
    "Gave tylenol, zofran, pepcid. Resolved.",
    "Called pharmacy about the missing dose. Done.",
    "Pressures BP-118/76/60 on the arterial line trace.",
    "Gas 7.31/55/70. EPAP raised to 8/4 and IPAP set at 18/8 for the night.",
])
def test_shorthand_versions_and_modal_may_stay_quiet(text):
    assert screen(text) == []
