"""Places below the state in the shapes reports give them: a town in brackets after a facility,
a county typed in lower case or as "co", farm, county and tribal roads, numbered streets in
lower case, blocks, a ZIP before "zip", a town with its state in lower case, and a town named
for a state before another state's code. Clinical words in brackets and lists of states stay quiet.
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import explain, finds, found

PLACES = [
    ("readmit from willow creek manor (bend) with a stage 2 on the heel", "bend"),
    ("Transfer from Providence St. Brendan (Astoria), no records sent with the crew.",
     "Astoria"),
    ("came back from the rehab on oak ridge (tulare) w/o her walker", "tulare"),
    ("pt was living w son outside delano (kern co) until last month", "kern co"),
    ("transferred to valley memorial (starr co) for dialysis", "starr co"),
    ("lives in merced county w her granddaughter", "merced county"),
    ("EMS brought her in from rural stanislaus county, 40 min out", "stanislaus county"),
    ("Family lives off FM 2100 past the feed store.", "FM 2100"),
    ("The crash was on CR 4150 near the grain elevator.", "CR 4150"),
    ("home is off Navajo Route 12, no running water", "Navajo Route 12"),
    ("Her son drove down from Ranch Road 1320 after the call.", "Ranch Road 1320"),
    ("His brother lives in Virginia, MN and was reached by phone.", "Virginia"),
    ("The niece drove in from Nevada, MO, about two hours away.", "Nevada"),
    ("found down near 71st st by the bus shelter", "71st st"),
    ("MVA on the frontage road near 47th, per the trooper", "47th"),
    ("Mother lives on e 12th ave with her sister.", "12th ave"),
    ("pt lives in the 87305 zip, no street address on file", "87305"),
    ("Patrol found him in the 2300 block of Alder Ave.", "2300 block of Alder Ave"),
    ("Her mail goes to a box on Rural Route 3 outside town.", "Rural Route 3"),
    ("daughter drove down from bend oregon this morning", "bend oregon"),
    ("sister lives in reading pa, will call tonight", "reading pa"),
    ("Son lives in the Five Points neighborhood.", "Five Points"),
    ("pt was visiting from st cloud when she fell", "st cloud"),
    ("transferred in from ft collins by fixed wing", "ft collins"),
    ("Town: gallup\nUnit: 3 West", "gallup"),
    ("City - mobile, per the face sheet", "mobile"),
    ("rollover on hwy 287 south of the county line", "hwy 287"),
    ("lives off county rd 19, no mail delivery", "county rd 19"),
    ("Grandson drove her in from Isleta, about 30 minutes.", "Isleta"),
    ("Family lives near Fort Yates and had no way to get here.", "Fort Yates"),
    ("She is a Tacoma native and asked for a chaplain.", "Tacoma"),
    ("Most of the Redding area agencies were full.", "Redding"),
    ("pt is a lemoore resident, no pcp", "lemoore"),
    ("came down from up north (eureka area) by car", "eureka"),
    ("son lives out past firebaugh, 40 min away", "firebaugh"),
    ("She lives on Sycamore, two blocks from the fire station.", "Sycamore"),
    ("her house on Juniper Way had no ramp", "Juniper Way"),
    ("Trooper found the car at the exit 204 ramp off I-40.", "exit 204"),
    ("jackknifed semi near exit 61 on US 93, two patients", "exit 61"),
    ("He was hurt on the Atlantic City boardwalk, per his wife.", "Atlantic City"),
    ("The Santa Fe office faxed the wrong record.", "Santa Fe"),
    ("slipped on a trail in Yellowstone, flown out", "Yellowstone"),
    ("dc back to golden valley care center, harlingen, w/ hospice", "harlingen"),
    ("Mailing address HC 72 Box 4410, no street address.", "HC 72 Box 4410"),
    ("Rollover at mile marker 132 on State Route 89, one ejected.", "mile marker 132"),
    ("Pharmacist from the Walgreens on Overland and Cole called back.", "Overland and Cole"),
    ("the DaVita unit on Gravois moved her chair time", "Gravois"),
    ("Police found him at Frankford and Cottman with no ID.", "Frankford and Cottman"),
    ("urgent care on Loop 410 sent her over", "Loop 410"),
    ("script was filled at the cvs on e 55th last week", "55th"),
    ("found wandering at 3rd and elm, no coat", "3rd and elm"),
    ("Daughter works at the Twin Falls area office.", "Twin Falls"),
    ("police found him in sugar land barefoot and confused", "sugar land"),
    ("Return address: Kern Valley Hospice, Lake Isabella, California 93240",
     "Lake Isabella, California 93240"),
    ("Moved here from Texas 78701 last spring.", "78701"),
    ("ped struck at the corner of olive and maple per ems", "olive and maple"),
    ("cross streets are dakota and first, caller said", "dakota and first"),
    ("Moved to PW County last year to be near her son.", "PW County"),
    ("The AA County medic unit gave report at 0300.", "AA County"),
]

NOT_PLACES = [
    "full flexion (bend) at the knee before the splint was placed",
    "came from home (normal) per family, gait at baseline",
    "Licensed in Nevada, CA and OR; the agency nurse had no badge.",
    "Our staff hold licenses in Oregon, WA, and ID.",
    "Per US 2024 guidance the line was changed at 96 hours.",
    "the county (co) health dept was notified per protocol",
    "Range of motion (flexion) improved after PT.",
    "Weight near 63rd percentile, unchanged from last visit.",
    "held off 2nd dose until the level came back",
    "the 3rd dr said the line could stay",
    "reading pa note from clinic before rounds",
    "gave 2 block of ice chips",
    "Her neighborhood pharmacy delivers on Fridays.",
    "Unit: normal census, no float needed",
    "pt has been off road 3 days with the cast",
    "the Mesa area of the chart was blank",
    "a mobile resident lift was used for the transfer",
    "the dressing is past due, changed at 1400",
    "discharged home on Coumadin with INR check Monday",
    "She lives on Social Security and has no car.",
    "Exit 2 stairwell door was propped open during the drill.",
    "use exit 3 for the helipad after 2200",
    "The Grand Rounds schedule moved to Thursday.",
    "RR 22, box of gloves restocked at the bedside",
    "faxed to Kindred Hospital, then called the family",
    "on 2nd and last attempt the line went in",
    "seen at Kaiser on Monday for the rash",
    "The Grand Rounds area was set up for the talk.",
    "drop in red blood cells noted on the repeat CBC",
    "pt in high spirits today, ate 75% of lunch",
    "In California 2025 rules changed for restraint orders.",
    "small tear at the corner of her mouth and lip from the tape",
    "pt found in corner of room and hallway, no injury",
    "Lessons sit at the intersection of care and safety.",
    "Started the IV County-wide protocol after the audit.",
    "The ED County protocol was followed for the transfer.",
]


@pytest.mark.parametrize(("text", "place"), PLACES, ids=[p for _, p in PLACES])
def test_a_place_below_the_state_is_found(text, place):
    assert finds(text, place, FindingKind.PLACE), explain(text)


@pytest.mark.parametrize("text", NOT_PLACES)
def test_clinical_words_and_states_are_no_place(text):
    assert found(text, FindingKind.PLACE) == []
