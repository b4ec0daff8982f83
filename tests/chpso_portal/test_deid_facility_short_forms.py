"""Facilities written as staff write them: a system's initials or name joined by a hyphen to
its campus ("UCSF-Fresno", "Kaiser-Roseville"), a capitalised name before "Regional",
"Memorial", "General" or "Community" after a cue ("seen at Tolland Regional"), a listed name
cut short after a transfer ("sent out to atrium wake"), a listed hospital's own word typed in
lower case after "discharged from" ("discharged from highland yesterday"), a cell under a
transfer label of a CSV ("xfer_from", "source") written as a name, a hospital's initials and
its town after a transfer ("came from VRMC in Harlingen"), a lower-case plural after "snf
is the", a place a family declined, two lower-case words after "her doctor is at", and a
person's initials between commas after a role ("the tech, RW, signed"), and a listed
chain's initials typed in lower case after "at" or "called" ("called cvs"). A relative's cell phone
after a given name is no eponym ("daughter Kimberlee cell in chart").

The same words as a service, a kind of infection, a place in the hospital or a unit stay quiet.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import explain, finds, found

K = FindingKind

FOUND = [
    ("pt was seen at UCSF-Fresno last month for the same pain", "UCSF-Fresno", K.HOSPITAL),
    ("Records requested from Kaiser-Roseville, not yet received.", "Kaiser-Roseville",
     K.HOSPITAL),
    ("seen at Tolland Regional then flown here", "Tolland Regional", K.HOSPITAL),
    ("She was at Harlan Memorial overnight for fluids.", "Harlan Memorial", K.HOSPITAL),
    ("transferred from Pine Community after a fall", "Pine Community", K.HOSPITAL),
    ("pt sent out to atrium wake for cath", "atrium wake", K.HOSPITAL),
    ("says he was discharged from highland yesterday w/ no meds", "highland", None),
    ("date,source,note\n5/2,Willow Bend,\"no MAR\"\n5/3,ED,\"late\"", "Willow Bend", K.HOSPITAL),
    ("xfer_from,xfer_to,mode\nBrightwater Regional,St. Vincent,ground", "Brightwater Regional",
     K.HOSPITAL),
    ("kept him overnight. son Dashiell cell in chart", "Dashiell", K.PERSON),
    ("Came from VRMC in Harlingen after delivery.", "VRMC", K.HOSPITAL),
    ("her alf was the aspens, they will take her back", "the aspens", K.HOSPITAL),
    ("offered a bed at Brookhaven; family declined Quillmere.", "Quillmere", K.HOSPITAL),
    ('her pcp is "at desert bloom" per son', "desert bloom", K.HOSPITAL),
    ("The count was off because the tech, RW, signed too early.", "RW", K.PERSON),
    ("she got the flu shot at cvs last week, called cvs to confirm", "cvs", K.HOSPITAL),
]


@pytest.mark.parametrize(("text", "words", "kind"), FOUND)
def test_facility_forms_found(text, words, kind):
    kinds = (kind,) if kind is not None else ()
    assert finds(text, words, *kinds), explain(text)


QUIET = [
    "Discharged from PT today, walking with a cane.",
    "Seen at bedside by the intensivist.",
    "Came from the ED on a heparin drip.",
    "Regional anesthesia was used for the knee.",
    "General surgery consulted for the hernia.",
    "Community-acquired pneumonia, on ceftriaxone.",
    "Discharged from the unit at 1400.",
    "Seen at triage, vitals stable.",
    "Transferred to 4 West for telemetry.",
    "Hurthle cell neoplasm on the thyroid FNA.",
    "date,source,note\n5/2,ED,\"no MAR\"\n5/3,Home health,\"late\"",
    "from,to,staff\n0700,1500,4\n1500,2300,3",
    "UCSF-style rounding was piloted on 5 East.",
    "sent to ICU in the main tower",
    "her doctor is at lunch, will call back",
    "family declined Tylenol and Hospice at this time.",
    "the nurse, RN, gave the dose",
    "her alf was the problem, not the meds.",
    "cvs exam unremarkable, resp clear",
]


@pytest.mark.parametrize("text", QUIET)
def test_look_alikes_stay_quiet(text):
    assert found(text, K.HOSPITAL, K.PERSON, K.PLACE) == [], explain(text)


def test_unit_initials_before_a_town_are_no_hospital():
    text = "transferred from OSH in Fresno, then sent to ICU in Fresno"
    assert not finds(text, "OSH") and not finds(text, "ICU"), explain(text)


# Under a label of where a patient or a med came from or went to, a cell is a facility only
# with a facility's signal: a listed name, a word of a facility's name, a word in no list, or
# a residence's name of trees and land.
@pytest.mark.parametrize(("text", "words"), [
    ("id,from,to\n1,Kessler Rehab,ED\n2,ED,Hartsgrove\n", "Kessler Rehab"),
    ("id,from,to\n1,Kessler Rehab,ED\n2,ED,Hartsgrove\n", "Hartsgrove"),
    ("date,origin,note\n4/2,Cedar Knoll,\"no MAR\"\n", "Cedar Knoll"),
    ("date,sending,note\n4/2,Fairview Range,\"late\"\n", "Fairview Range"),
    ("date,destination,note\n4/2,St. Agnes Duluth,\"bed ready\"\n", "St. Agnes Duluth"),
])
def test_a_named_facility_under_a_transfer_label_is_found(text, words):
    assert finds(text, words, K.HOSPITAL), explain(text)


@pytest.mark.parametrize("text", [
    "event_id,source,severity\n7,Phone Call,Low\n8,Safety Hotline,High\n",
    "id,transfer,status\n1,Yes,Completed\n2,No,Pending\n",
    "id,from,to,reason\n1,Emergency Department,Cardiac Step Down,Tele\n"
    "2,Main OR,Surgical Trauma ICU,Post Op\n",
    "med,origin,destination\nHeparin,Central Pharmacy,Omnicell Tower\n",
    "id,referring,notes\n1,Self Referral,none\n2,Walk In,none\n",
    "id,from,to\n1,Maple Wing,Cedar Pod\n",
])
def test_channels_units_and_answers_under_a_transfer_label_stay_quiet(text):
    assert found(text, K.HOSPITAL) == [], explain(text)


def test_a_label_ending_in_the_letters_by_is_no_user_column():
    # Only a label whose last word is "by" holds logins: lobbies named after parks under
    # "visitor lobby" are no user names.
    text = "id,visitor lobby,note\n1,tahoe,x\n2,yosemite,x\n"
    assert found(text) == [], explain(text)
    for label in ("entered_by", "Entered By", "EnteredBy"):
        assert found(f"id,{label},note\n1,tahoe,x\n") == ["tahoe"], label
