"""A role before the ordinary words that name its service ("Nurse Advice Line", "Doctor
Answering Service"), a recommendation to act hospital-wide, eponyms before a murmur, a pupil
or a nodule ("Austin Flint murmur", "Argyll Robertson pupils"), a disease by its possessive
in a list before its treatment ("Addison's, on hydrocortisone") and a catheter's name
("Quinton") are no people, places or hospitals; a person with the same words stays a
person."""

import pytest

from chpso_portal.deidentify import screen

from .deid_checks import finds


@pytest.mark.parametrize("text", [
    "The mother called the Nurse Advice Line before coming in.",
    "Doctor Answering Service paged the covering resident at 0200.",
    "Per the Nurse Staffing Committee the ratio is one to four.",
    "Recommendation: Adopt Bedside Shift Report Hospital-Wide.",
    "Austin Flint murmur noted by cardiology.",
    "Exam showed Argyll Robertson pupils and a Marcus Gunn pupil on the right.",
    "Sister Mary Joseph nodule was palpated at the umbilicus.",
    "History of Crohn's and Addison's, on budesonide and hydrocortisone.",
    "Access: Quinton in the right femoral, Hickman in the left chest.",
    "Rocky Mountain spotted fever was on the differential after the tick bite.",
])
def test_services_and_eponyms_stay_quiet(text):
    assert screen(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("Nurse Rosalind Line called the family.", "Rosalind"),
    ("Pt Marcus Gunn said his eyes hurt.", "Marcus Gunn"),
    ("Austin Flint's pupils were unequal on the recheck.", "Austin Flint"),
    ("Pt Quinton Abara was found on the floor.", "Quinton Abara"),
])
def test_people_with_those_words_stay_people(text, name):
    assert finds(text, name)
