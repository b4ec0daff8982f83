"""Facilities, places, dates and record numbers in forms the word lists alone do not cover.

A stranger names the hospital by its emergency department ("the Good Shepherd ED"), a town
by the campus or the police of it ("the Nashua campus", "tempe pd"), a neighbourhood after
where someone lives ("lives in frogtown"), a street in lower case ("off stockton hill rd"),
a day by what it dates ("from the 11-14 visit", "due 4/2") and a number by the word before
its "no." ("Booking no. 26-018833"). The same shapes in a unit's or a department's name, an
eponym or a score stay quiet.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import covers, explain, found

FOUND = [
    ("readmitted thru the Good Shepherd ED overnight, sats 84% RA", "Good Shepherd"),
    ("we took him to Del Sol ER instead of driving back", "Del Sol"),
    ("seen at Piedmont Fayette urgent care and told it was a sprain", "Piedmont Fayette"),
    ("Consult note faxed to the wrong site; the patient was at the Oakland campus.", "Oakland"),
    ("Thanks to the team at the Nashua campus for the data.", "Nashua"),
    ("security and tempe pd called to bedside, pt threatening staff", "tempe"),
    ("dtr states the family lives in frogtown, near the river", "frogtown"),
    ("The couple moved to Cedar-Riverside last year.", "Cedar-Riverside"),
    ("pt brought by AMR off stockton hill rd for AMS", "stockton hill rd"),
    ("picked up the wrong strength on mckinney st, daughter brought the bottle", "mckinney st"),
    ("Crew from Big Sky Ambulance said the pt was on the floor for 6 hrs.", "Big Sky Ambulance"),
    ("brought in from Our Lady of the Lake; the OLOL chart came by fax.", "OLOL"),
    ("accepted transfer from st joes for NSTEMI, arrived 2215", "st joes"),
    ("The bottle came from Longs Drugs in Kahala under the wrong coverage.", "Kahala"),
    ("pt lives at shady pines asst living per the ems run sheet", "shady pines asst living"),
    ("Follow-up labs are due 4/2; the clinic will call her.", "4/2"),
    ("wt was taken from the 11-14 visit so the dose was off", "11-14"),
    ("inpatient on 6 East 2/2 to 2/11, then home", "2/2"),
    ("The family was told on 5/6 in the presence of the manager.", "5/6"),
    ("Booking no. 26-018833. Inmate returned to the facility.", "26-018833"),
    ("DL D4471-2290-8812 photocopied at registration.", "D4471-2290-8812"),
    ("Deputy Horvath #3318 escorted the patient to CT and back.", "3318"),
    ("d/c'd to the Pavilion at Creekside SNF with home meds", "Pavilion at Creekside"),
    ("ortho f/u at OrthoCarolina in 2 wks", "OrthoCarolina"),
    ("pt from mountain view rehab with a stage 3 sacral wound", "mountain view rehab"),
    ("picked up the wrong strength at heb pharmacy on the way home", "heb pharmacy"),
    ("MVA on I-35 at exit 127, pt restrained driver", "I-35 at exit 127"),
    ("Confirmation # 77123-B from the transfer center.", "77123-B"),
    ("RL6 event 118204 was closed without follow-up.", "118204"),
    ("Got a call from Willow Creek asking for the MAR.", "Willow Creek"),
    ("filled at cvs on the corner, rx# 6021447", "cvs"),
    ("Reach Air out of Redding declined for weather.", "Reach Air"),
    ("MedExpress urgent care in Morgantown saw her first.", "Morgantown"),
    ("boarded at WVUMC for 9 hrs before the bed opened", "WVUMC"),
    ("They moved from Dayton to Over-the-Rhine in the fall.", "Over-the-Rhine"),
    ("accepted transfer from st joes (tacoma) for NSTEMI", "tacoma"),
    ("pt is from the bronx, staying w her daughter", "bronx"),
    ("Verified the band by the MRN ending in 4471 only.", "4471"),
    ("pt's portal username mgarcia1958 was on the whiteboard", "mgarcia1958"),
    ("The tablet's network card 00:1B:44:11:3A:B7 was in the ticket.", "00:1B:44:11:3A:B7"),
]

QUIET = [
    "Transferred from the Peds ED to 4 West after the bed was cleaned.",
    "Pt was taken back to the Main OR at 1400; the Cardiac Cath Lab was on diversion.",
    "Ottawa ankle rules negative, no x-ray needed.",
    "Room air sats 88%, placed on 2 L NC, tolerating it well.",
    "seen by the on call dr at 0300, no new orders",
    "pt walked down the hall and back with a walker",
    "Gave 1/2 NS at 75 mL/hr; strength 4/5 in both legs, pain 6/10.",
    "The 3/4 in needle was swapped for a 1 in needle before the injection.",
    "The main office and the fire marshal signed off on the new doors.",
    "She lives in a group home and moved to the memory care wing last year.",
    "The Parkland formula was used for fluids and the burn team agreed.",
    "We switched from Sage wipes to Clorox Healthcare wipes in the ED.",
    "Pt on the Wound Care service was seen by Ortho Trauma and Plastic Surgery the same day.",
    "Switched to NovoLog and the CareLink upload showed fewer lows.",
    "placed on BiPAP at 0300 and then on the MiniMed pump from home",
    "The patient returned from rehab and from the imaging suite before lunch.",
    "Model no. 8015 pumps were swapped for the 8100 modules during the upgrade.",
    "Call from Security about the visitor in the lobby at 2200.",
    "The fax from Pharmacy had the old dose on it.",
    "Pt transferred to the MICU at 0400 and then to the CCU the next day.",
    "Records from Medical Records were incomplete for the audit.",
    "Hope is to start hospice by the weekend; the family agrees.",
    "Snellen chart 20/30 both eyes; the handle of the bed rail was loose.",
    "login issues on the Pyxis at 0300, the shift ending at 1900 was short.",
    "Called at 03:12. The McRoberts maneuver was performed without delivery.",
]


@pytest.mark.parametrize(("text", "words"), FOUND, ids=[w for _, w in FOUND])
def test_the_form_is_found(text, words):
    assert covers(text, words), explain(text)


@pytest.mark.parametrize("text", QUIET)
def test_a_unit_a_score_or_a_word_stays_quiet(text):
    assert found(text, FindingKind.HOSPITAL, FindingKind.PLACE, FindingKind.DATE,
                 FindingKind.LONG_NUMBER) == []
