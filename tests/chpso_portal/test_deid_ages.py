"""Ages over 89 written beside the person they belong to, or after "he's" and the like.

A report gives an age in passing: "Ruthanne Begay, 99, lives alone", "Mr. Okafor (94)",
"she's ninety". The same number beside a word that names no person, or with a unit, is a
value, not an age: "HR 72, 95, 110", "sats (92%)", "she's 95% sure".
"""

import pytest

from chpso_portal.deidentify.findings import FindingKind

from .deid_checks import explain, finds, found

AGES = [
    ("Ruthanne Begay, 99, lives off the county road and came in by private car.", "99"),
    ("Resident Walter Kosinski, 102, was found sitting on the floor of his room.", "102"),
    ("Mr. Okafor (94) pulled out his IV twice overnight.", "94"),
    ("Chen, Wei (97) had no wristband on arrival from the ED.", "97"),
    ("Spoke with Marisol Ybarra, 93, and her niece about the missed dose.", "93"),
    ("Her husband says he's ninety and still drives to the pharmacy himself.", "ninety"),
    ("the daughter said shes 96 and lives alone w a cat", "96"),
    ("Son reports she’s 91, uses a walker at home.", "91"),
    ("dad's 98 and very hard of hearing so the consent took a while", "98"),
    ("Family states pt's ninety-three and wants no heroic measures.", "ninety-three"),
    ("Mr Haddad is 101 and had been on the stretcher since the morning.", "101"),
    ("Ms. Lindqvist was 96 when she first came to the clinic.", "96"),
    ("her neighbour, who is 94, found her on the kitchen floor", "94"),
    ("Great-grandson says she just turned 100 last month.", "100"),
    ("neighbor found pt ninety two per daughter, lives alone", "ninety two"),
]

# Ages with their unit or the patient's sex, in the shapes typed at the bedside.
AGES_WITH_UNITS = [
    ("Admitted a 93-yo woman from the assisted living with a hip fracture.", "93-yo"),
    ("a 97-y/o man on apixaban slid out of the recliner", "97-y/o"),
    ("96F with a fall at home, on warfarin", "96F"),
    ("pt 92 M, hard of hearing, no hearing aids on arrival", "92 M"),
    ("Patient is a 99 y female with advanced dementia.", "99 y female"),
    ("91/F from home, daughter at bedside", "91/F"),
    ("He is 103 years young and still walks to the mailbox.", "103 years young"),
    ("pt 96 yrs, found sitting on the bathroom floor", "96 yrs"),
    ("Pt, 98, was alert and asking for her glasses.", "98"),
    ("pt (93) slid out of the wheelchair at lunch", "93"),
    ("DOB 07/19/1930 (95), lives with her grandson", "95"),
    ('3/9,Falls,"OKONKWO, ADAEZE GRACE",93,"found beside the bed at 0400"', "93"),
    ("pt 97y with a fall from the commode", "97y"),
    ("94 y o female, lives with her son", "94 y o"),
    ("a 96 y. o. man from the memory care unit", "96 y. o."),
    ("She is 92 yrs. old and on hospice.", "92 yrs. old"),
    ("Age-98, DNR on file", "Age-98"),
    ("a gentle woman of 95 who sings to the staff", "95"),
    ("She was widowed at the age of 60 and is now at the age of 99.", "99"),
    ("Pt (M, 97) found on the floor by the night aide", "97"),
    ("F 94 with a fall at home, on apixaban", "94"),
    ("M/101, hard of hearing", "101"),
    ("91-y-o woman from home", "91-y-o"),
    ("Her mother (96) lives with them and was at the bedside.", "96"),
    ("dad, 93, drove her in himself", "93"),
    ("At 97, she still manages her own pill box.", "97"),
    ("96 yrs, fell at home reaching for the phone", "96 yrs"),
    ("Teodora Vance, 94 yrs, came in by ambulance", "94 yrs"),
    ("her son says she's almost 100 and sharp as a tack", "100"),
]

NOT_AGES_WITH_UNITS = [
    "temp 101F overnight, cultures sent",
    "T 100F, HR 112, BP 98/60 on arrival",
    "Febrile (101F) at 0200, tylenol given.",
    "pt had a 101F fever and rigors at 0400",
    "Dr. Sorensen is 95 minutes away per the operator.",
    "Mr Kaczmarek was 98 kg on admission.",
    "HR ninety one per minute on the monitor",
    "Pt is 92% on room air, 96% on 2 L.",
    "pt (98%) on room air after the neb",
    "admitted 3/4 (94%) sats on arrival",
    "seen 2/3 (92) and again on 2/5 (95) in clinic",
    "ask pt 91 y/n questions only, aphasic",
    "the ratio of 94 to 100 was charted",
    "a dose of 100 mg was given",
    "FiO2 95 on the vent, PEEP 8",
    "Results are reported for the age of 90 or older as one group.",
    "room F 95 was cleaned twice",
    "sister (92%) on the pulse ox at home",
    "sats at 95 he was comfortable on 2 L",
    "pt is about 95 kg, bed scale",
    "HR 95, 30 yrs of smoking history",
]

NOT_AGES = [
    "HR 72, 95, 110 over the first hour, then settled.",
    "Sats (92%) on 2 L, up to 96% after suctioning.",
    "She's 95% sure the dose was given before the transfer.",
    "he's 92 kg today, up 3 kg from admission",
    "Glucose, 96, was rechecked at 0600 per protocol.",
    "Rooms 91, 92 and 93 share one clean utility room.",
    "Dr. Patel, 90 minutes after the page, was still in the OR.",
    "Pyxis (94) count was off by one tablet of oxycodone.",
    "The Braden score was 12, 94 hours after admission it was 10.",
    "BP 150/90, 96 on repeat, no new symptoms.",
]


@pytest.mark.parametrize(("text", "age"), AGES, ids=[a for _, a in AGES])
def test_an_age_beside_its_person_is_found(text, age):
    assert finds(text, age, FindingKind.AGE_OVER_89), explain(text)


@pytest.mark.parametrize("text", NOT_AGES)
def test_a_number_beside_no_person_is_no_age(text):
    assert found(text, FindingKind.AGE_OVER_89) == []


@pytest.mark.parametrize(("text", "age"), AGES_WITH_UNITS, ids=[a for _, a in AGES_WITH_UNITS])
def test_an_age_with_its_unit_or_sex_is_found(text, age):
    assert finds(text, age, FindingKind.AGE_OVER_89), explain(text)


@pytest.mark.parametrize("text", NOT_AGES_WITH_UNITS)
def test_a_temperature_or_a_value_is_no_age(text):
    assert found(text, FindingKind.AGE_OVER_89) == []
