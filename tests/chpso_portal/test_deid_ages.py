"""Ages over 89 written beside the person they belong to, or after "he's" and the like.

A report gives an age in passing: "Ruthanne Begay, 99, lives alone", "Mr. Okafor (94)",
"she's ninety". The same number beside a word that names no person, or with a unit, is a
value, not an age: "HR 72, 95, 110", "sats (92%)", "she's 95% sure".
"""

import pytest

from chpso_portal.deidentify import screen
from chpso_portal.deidentify.findings import FindingKind

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
    ages = [f.text for f in screen(text) if f.kind is FindingKind.AGE_OVER_89]
    assert any(age in found for found in ages), (text, screen(text))


@pytest.mark.parametrize("text", NOT_AGES)
def test_a_number_beside_no_person_is_no_age(text):
    assert [f for f in screen(text) if f.kind is FindingKind.AGE_OVER_89] == []
