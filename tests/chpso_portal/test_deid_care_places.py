"""Small places of care a stranger names without a listed name.

A nursing home or an assisted living by the word its name ends in ("Linden Manor", "at
hollybrook gardens"), the hospital everyone nearby knows by its short form after a cue ("sent
to the Regional", "labs from County", "accepted at Presby"), a place of care by what it did
("Brightwater called"), by its emergency department ("Mercy's ED"), by the staff or papers
that came from it ("the DON at Larkspur") and a medical centre's initials after a cue ("at
NWMC", "the NWMC lab line"), and a place by what is done there ("Lantern Treatment Center").
A chain's house or a small place named with its listed town ("back to meadowlark of
bakersfield", "at Sacred Mountain in Flagstaff"), a lower-case name before "snf" or "alf"
("rosecrest alf"), a name in brackets after the kind of place ("his group home (Juniper Lane
House)"), a saint's hospital typed in lower case ("called st brigids"), a name owning a place
of care's staff ("Larchwood's DON", "Tamarack Hills' admissions"), an adult day centre, a
group home or a shelter by its last word, a name that updated "their" policy, a name a
patient goes "back to" or is "a resident at", a name after "hospice is" or a label ("SNF:
Juniper Vale"), a name and "SNF" filling a cell, a mistyped head ("hosptial") and a name
holding a direction ("Metro North Ambulance") are found too, and so is a word of no
dictionary before what only a place has ("Thistlebrook resident", "Quillfield paperwork"),
sending a patient ("Orchardine sent pt"), in brackets after the kind ("the outside hospital
(Kestrelton)") or where a bed is ("bed available at Fernhaven"); two lower-case words after a
test or stay and "at" ("had mri at copper hills last week") or after "pt from" ("pt from
maple terrace (yuma)"), a listed system with "n" for "and", and a capitalised plural after
a transfer and "the" ("sent from the Birches"), are found as well.
The same words as a department, a generic kind of place, a service of our own, a weekday or
a room of our own stay quiet, and so do a part of a town ("outside of Lubbock") and the
ST segment.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import covers, explain, finds, found

FOUND = [
    ("Resident came back from Linden Manor with no MAR in the packet.", "Linden Manor"),
    ("she is a resident at hollybrook gardens, walks with a cane", "hollybrook gardens"),
    ("Family moved him to Bellhaven Terrace after the stroke.", "Bellhaven Terrace"),
    ("Their hospice aide from Quiet Waters Haven stayed until 2100.", "Quiet Waters Haven"),
    ("dc'd to the Sparrow House group home, staff to pick up", "Sparrow House"),
    ("Labs from County were faxed to the wrong unit.", "County"),
    ("pt needs cath, sent to the Regional by ground", "Regional"),
    ("Accepted at Presby for neuro IR at 2210.", "Presby"),
    ("Brightwater called back at 1600 about the missing insulin order.", "Brightwater"),
    ("Mercy's ED gave 2 g of cefazolin before the transfer.", "Mercy's"),
    ("Spoke with the DON at Larkspur, who confirmed the fall.", "Larkspur"),
    ("The first dose was given at NWMC and the second here.", "NWMC"),
    ("She gets buprenorphine at Lantern Treatment Center on weekdays.",
     "Lantern Treatment Center"),
    ("The polyp was removed at Eastgate Endoscopy Center last spring.",
     "Eastgate Endoscopy Center"),
    ("Opioid contract is with Mesa Verde Pain Management.", "Mesa Verde Pain Management"),
    ("He stopped going to Solano Counseling after the move.", "Solano Counseling"),
    ("The plan from Children's Colorado said to hold the feeds.", "Children's Colorado"),
    ("Her group home, Pine Hollow, called about the missing pills.", "Pine Hollow"),
    ("Lakeshore in Duluth faxed the MAR with the old dose.", "Lakeshore"),
    ("sent from Cascade Behavioral for medical clearance", "Cascade Behavioral"),
    ("given toradol at methodist er before the transfer", "methodist"),
    ("pt was at kindred for 2 wks after the trach", "kindred"),
    ("Copper Ridge accepted, transport booked for 1300.", "Copper Ridge"),
    ("Bed offers from Larkview and Stonebridge came in at noon.", "Stonebridge"),
    ("family prefers Fernhill, waiting on the auth", "Fernhill"),
    ("left a message on bellwether's front desk line at 1700", "bellwether's"),
    ("pt seen. tularosa community clinic rn called about the labs", "tularosa community clinic"),
    ("Called back at 1500. stone creek manor aide says he ate lunch", "stone creek manor"),
    ("dc plan: back to meadowlark of bakersfield with home o2", "meadowlark of bakersfield"),
    ("Resident returned from Brookdale of Plano without her MAR.", "Brookdale of Plano"),
    ("She had the same scan at Sacred Mountain in Flagstaff last year.", "Sacred Mountain"),
    ("admitted from rosecrest alf with a stage 3 on the sacrum", "rosecrest alf"),
    ("the line came back with him from the outside SNF (belvane snf).", "belvane snf"),
    ("he came from his group home (Juniper Lane House), no MAR sent", "Juniper Lane House"),
    ("the critical value went to the old fax instead of the TRMC lab line", "TRMC"),
    ("house sup called st brigids and presby for a bed, no luck", "st brigids"),
    ("house sup called st brigids and presby for a bed, no luck", "presby"),
    ("Faxed to Larchwood's DON at 1400; no reply by 1600.", "Larchwood's"),
    ("Tamarack Hills' admissions nurse said the bed was held.", "Tamarack Hills"),
    ("she goes to Bramblewood Adult Day on weekdays", "Bramblewood Adult Day"),
    ("pt staying at lantern light shelter, no fixed address", "lantern light shelter"),
    ("came from Cedar Bluff Group Home with one staff member", "Cedar Bluff Group Home"),
    ("Quailcrest has updated their fall policy since the event.", "Quailcrest"),
    ("back to Elmsworth tomorrow if cleared by PT", "Elmsworth"),
    ("she is a resident at Thornbury, walks with a walker", "Thornbury"),
    ("hospice is Stillwater Crossing, they will bring the comfort kit", "Stillwater Crossing"),
    ('3/14,Hawthorn Bend SNF,fall,"found on floor by aide"', "Hawthorn Bend SNF"),
    ("SNF: Juniper Vale. Contact: DON", "Juniper Vale"),
    ("sending facility - Brackenfold, report by phone", "Brackenfold"),
    ("sent to lakemont hosptial for the cath", "lakemont hosptial"),
    ("ems brought pt from maple hollow nursing hom, no paperwork", "maple hollow nursing hom"),
    ("EMS (Metro North Ambulance) brought pt in at 0310", "Metro North Ambulance"),
    ("pt from New Beginnings Group Home with one staff", "New Beginnings Group Home"),
    ("the nurse from Heritage Glen called about the fall", "Heritage Glen"),
    ("Thistlebrook resident, baseline A&Ox2, here after a fall", "Thistlebrook"),
    ("the Marrowdale charge nurse said she had been declining", "Marrowdale"),
    ("Quillfield paperwork says full code", "Quillfield"),
    ("Orchardine sent pt with no med list", "Orchardine"),
    ("transferred to us from Stonemere after a fall at home", "Stonemere"),
    ("the outside hospital (Kestrelton) gave 1 g of ceftriaxone", "Kestrelton"),
    ("OSH: Wrenford Regional. Reason: NSTEMI", "Wrenford Regional"),
    ("bed available at Fernhaven tomorrow if auth comes through", "Fernhaven"),
    ("she was previously at Aldersgate for rehab", "Aldersgate"),
    ("pt had mri at copper hills last week, images not in our pacs", "copper hills"),
    ("pt from maple terrace (yuma) w/ foley, no paperwork", "maple terrace"),
    ("the pt we took from baylor scott n white last wk came back", "baylor scott n white"),
    ("going back to alder springs tmrw per sw", "alder springs"),
    ("dc to linden hollow once auth back", "linden hollow"),
    ("this is the med tech at dawn villa in Sun Lakes, about his paperwork", "dawn villa"),
    ("he was walking fine at brookmere nursing & rehab last wk", "brookmere nursing & rehab"),
    ("Referral to: Northern Nevada VA wound clinic for follow up", "Northern Nevada VA"),
    ("family says he was at presbytarian in tucson last wk, no records", "presbytarian"),
    ("hi this is rosa calling from Larchmere about the insulin order", "Larchmere"),
    ("rep from Kindly Hearts called about the referral", "Kindly Hearts"),
    ("sent from the Birches with no MAR", "the Birches"),
    ("pt back to the Aspens tomorrow if cleared", "the Aspens"),
    ("seen at urgent care, referred to Sun General, then flown out", "Sun General"),
]

QUIET = [
    "Hope is to discharge home on Friday with home health.",
    "The Rose Garden family lounge on 7 was closed for cleaning.",
    "Reminder sent to staff about witness waste.",
    "Pharmacy called back about the heparin drip at 0300.",
    "Handoff from the OSH ED was given by phone.",
    "Saturday's ED census was the highest this year.",
    "She lives in a nursing home and goes to an adult day program.",
    "Patient sent to the ICU and then to CT; the county health department was notified.",
    "Family called the unit twice about visiting hours.",
    "Gardens on the roof are closed in winter; the rehab gym opens at 0800.",
    "Acute Pain Management and Physical Therapy both saw him; the sleep center was closed.",
    "Recovery was slow after the endoscopy, and Counseling was offered by the chaplain.",
    "Children's Tylenol was given at home; the Children's Hospital protocol was not used.",
    "Winters in Denver are hard on our patients with COPD, the clinic said.",
    "The patient lives in a care facility, and the new location of the infusion room is on 3.",
    "was at home with family, then sent to the er by her pcp; inpatient behavioral consulted",
    "pt was at lunch when the pump alarmed; seen at bedside by the charge rn",
    "Children's Motrin was at home; the Children's Hospital dosing card went to the mother.",
    "Blood Bank called at 0400. Rapid Response accepted the handoff. Family chose Hospice.",
    "Patient prefers Spanish; the family chose the later time and declined the LTAC.",
    "yesterday's fax was illegible; the hospital's policy and the unit's front desk agreed",
    "wound care clinic rn called. eye clinic visit next week. anticoag clinic aware",
    "She moved here from outside of Lubbock; her son lives on the edge of Tulsa.",
    "We went to most of the sessions in Fresno: the cost of care in Reno is high.",
    "dispo: pending snf vs ltac, medicare snf days used up, family wants local snf",
    "pt to ltc snf, needs auth. dc to hosp snf. f/u snf bed in am",
    "ekg at 0300: st elevation in v2-v4, called cath lab; st changes resolved",
    "The family meeting (Conference Room B) was moved to the afternoon.",
    "Today's admissions were slow; the Nurses' station and the Doctor's notes were updated.",
    "Security's front desk and the Hospital's front entrance were closed at night.",
    "pt staying at homeless shelter, family shelter full; the Domestic Violence Shelter called",
    "Parents brought their own pump. Pharmacy has updated their policy. Staff changed their "
    "badges. Defibrillator failed its daily check.",
    "pt back to Step Down; back to ICU after the scan; back to Tower 5 by 1400",
    "the pharmacy is Closed on Sundays; the clinic was Busy; the hospital is Full, on divert",
    "Dispo: Medicare SNF. Plan: Skilled SNF. Discharge to SNF, awaiting SNF",
    "Facility: Unknown. Hospice: Not Started. SNF: Bed Offered. Agency: Pending. Hospice: Yes",
    "The New Clinic opens in May; the North Tower elevators are out.",
    "Night staff, agency nurse and the Float nurse helped; ICU staff and Ortho resident came.",
    "STAFF PRESENT: RN, RT, STUDENT. Role,Unit,Summary RN,3N",
    "Reminder sent to staff about witness waste. Transport sent the wrong chair.",
    "Pharmacy: Notified. Dialysis: Tuesday. Hospital: Unknown. OSH: Pending",
    "the outside hospital (see note) gave 1 g; bed available at Noon; accepted to ICU",
    "labs at shift change were hemolyzed; ct at bedside; dialysis at usual time today",
    "ct at night shift; surgery at same time; rehab at least 3 hrs; admitted at end of shift",
    "pt from nursing home, pt from group home, pt from out of town, pt from another state",
    "came from work (construction) with a lac; pt from triage room; pt from cath lab",
    "back to prior function. back to eating normally. back to regular diet. dc to home health",
    "back to baseline mental status; back to work tomorrow; back to sleep once meds given",
    "He has Texas VA benefits; pt needs pt & rehab; cardiac & pulmonary rehab consulted",
    "atria enlarged on echo per old report; left atria mildly dilated at rest",
    "call from Work about her shift; message from Dr. Lee; email from Pharmacy at 0900",
    "fax from Radiology received; message from Nursing Administration about staffing",
    "due to the Holidays; went to the Movies; pt from the Philippines; back to the Basics",
    "The complaint went to the Inspector General; a letter to the Surgeon General followed.",
]


@pytest.mark.parametrize(("text", "words"), FOUND, ids=[w for _, w in FOUND])
def test_the_place_of_care_is_found(text, words):
    assert covers(text, words), explain(text)


@pytest.mark.parametrize("text", QUIET)
def test_a_kind_a_department_or_a_day_stays_quiet(text):
    assert found(text, FindingKind.HOSPITAL) == []


@pytest.mark.parametrize(
    "text",
    ["Blood Bank called at 0400 about the crossmatch.", "Rapid Response accepted the handoff."],
)
def test_a_service_of_two_everyday_words_is_not_a_person(text):
    assert found(text) == []


LISTED = [
    ("Home oxygen came from Apria and the tank was empty on arrival.", "Apria"),
    ("She was seen at Parkview last month for the same pain.", "Parkview"),
    ("Transferred from Tucson Medical Center for a higher level of care.", "Tucson Medical Center"),
    ("Filled at the Fred Meyer pharmacy on 3/2 with the wrong strength.", "Fred Meyer"),
    ("mrs ortiz, ninety one, came from atria fremont with no med list", "atria fremont"),
    ("the dose was switched at rite aid on w 12th and she has been dizzy since", "rite aid"),
    ("Filled at CVS #5127 in Tempe and labeled with the wrong strength.", "CVS #5127"),
    ("filled at Walgreens store 2210 yesterday", "Walgreens store 2210"),
    ("Transferred to Doernbecher for pediatric neurosurgery.", "Doernbecher"),
    ("She spent two weeks at Sheppard Pratt last spring.", "Sheppard Pratt"),
    ("Rehab at Spaulding after the injury went well.", "Spaulding"),
    ("It was filled at the Meijer pharmacy in Kalamazoo as 5 mg tablets.", "Meijer pharmacy"),
    ("Transferred to Riverside General for the cath lab.", "Riverside General"),
    ("Records were faxed from Mercy Joplin on Tuesday.", "Mercy Joplin"),
    ("Daughter drove him to Baptist East after the fall.", "Baptist East"),
    ("Outside films came from Medical City Plano on a disc.", "Medical City Plano"),
    ("Sent to Wellstar Kennestone for a stroke workup.", "Wellstar Kennestone"),
    ("Accepted at Shands for a liver transplant evaluation.", "Shands"),
    ("Her oncologist is at Smilow and the notes were not sent.", "Smilow"),
    ("He follows with Bay Pines for primary care.", "Bay Pines"),
    ("refill picked up at harris teeter on friday, wrong strength", "harris teeter"),
    ("Imaging was read at TJUH before the transfer.", "TJUH"),
    ("her surgeon is at john hopkins, records requested twice", "john hopkins"),
    ("Oxygen was delivered by Norco Medical the day before.", "Norco Medical"),
    ("Her mother moved to Brightview Rockville in the spring.", "Brightview Rockville"),
    ("Gave report to the nurse at Morning Pointe of Chattanooga.", "Morning Pointe"),
    ("She was flown to WVU for the cath.", "WVU"),
]

LISTED_LOOKALIKES = [
    "pt on biologics for crohn's, no infusions missed",
    "the swedish interpreter joined by phone",
    "the mobile general x-ray unit was down for an hour",
    "Family at bedside, aware of plan, complete recovery expected.",
    "covenant care conference held with the team",
    "Upper GI series ordered; drug screen negative.",
    "RIH repair last year; LCCA patent on CTCA.",
    "Her concentrator is an Inogen and the battery was dead.",
]


@pytest.mark.parametrize(("text", "words"), LISTED, ids=[w for _, w in LISTED])
def test_a_regional_system_or_chain_is_found_by_its_listed_name(text, words):
    assert finds(text, words, FindingKind.HOSPITAL), explain(text)


@pytest.mark.parametrize("text", LISTED_LOOKALIKES)
def test_clinical_words_near_listed_names_stay_quiet(text):
    assert found(text, FindingKind.HOSPITAL) == []
