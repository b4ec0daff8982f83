"""Short numbers that reach a person or a device in the shapes staff type them: pagers and
extensions with a dash ("pgr 3318", "ext. 5-1930", "x7-4410"), device codes in a list or after
a swap ("transmitters W2231, W2240", "replaced with IV-7731"), a record's number after a comma
or "ref" ("an appeal, # APL-0922-25"); and the numbers around them that stay quiet (doses,
models, times, a list of product codes after "NDC")."""

import pytest

from chpso_portal.deidentify import screen

from .deid_checks import explain, finds, found


@pytest.mark.parametrize(("text", "number"), [
    ("2210 -> pgr 3318: please call back re the drip", "3318"),
    ("Paged on-call pgr 5092 twice, no answer.", "5092"),
    ("overnight page to 5-1930 about the potassium", "5-1930"),
    ("Pharmacy contact: Ilse Vantongeren, PharmD | ext. 3-7715", "3-7715"),
    ("the nurse was calling radiology x7-4410 about the read", "x7-4410"),
    ("For the lab call extension 6120 or 6124 after hours.", "6124"),
    ("Vocera 3391 / 3395 for the two charge nurses.", "3395"),
])
def test_a_pager_or_an_extension_is_a_phone(text, number):
    assert finds(text, number), explain(text)


@pytest.mark.parametrize(("text", "numbers"), [
    ("Telemetry transmitters W2231, W2240 and W2257 dropped off the central station.",
     ["W2231", "W2240", "W2257"]),
    ("Pharmacy sent lots 7781C12 + 7781C19 from the wholesaler.", ["7781C12", "7781C19"]),
    ("The warmer alarmed and was replaced with IV-7731, tagged for biomed.", ["IV-7731"]),
    ("Oxygen cylinder tag 2218-KX-04 was found empty.", ["2218-KX-04"]),
    ("The family filed an appeal, # APL-0922-25.", ["APL-0922-25"]),
    ("Complaint opened with the maker, ref MFR-2025-440912.", ["MFR-2025-440912"]),
    ("The county EMS run number 25-40917 is on the face sheet.", ["25-40917"]),
    ("Her plan ID is AET 5521 0938 12 per the card.", ["AET 5521 0938 12"]),
    ("The MRN on the second tube was another patient's (0077-3318).", ["0077-3318"]),
    ("The second band's medical record number ended in 3318.", ["3318"]),
    ("Medicare Beneficiary Identifier 2KP7TW3HJ81 on the face sheet.", ["2KP7TW3HJ81"]),
    ("Script # RX-5520-17 was filled twice.", ["RX-5520-17"]),
    ("The asset tag on the warmer reads 530918 and it was not on the PM list.", ["530918"]),
    ("Bed taken out of service, biomed sticker 31-8802 on the rail.", ["31-8802"]),
    ("Equipment #EQ7720 was quarantined.", ["EQ7720"]),
    ("Peer review RV-2024-0713 closed the case.", ["RV-2024-0713"]),
    ("Filed as 2024-PS-5521 in the safety system.", ["2024-PS-5521"]),
    ("The scanner went back to the vendor under RMA RA-55102.", ["RA-55102"]),
    ("event_id,when,unit,type\nEV-24-00917,2024-11-02 03:10,5N,fall", ["EV-24-00917"]),
    ("case_no|opened|severity\n2024-RSK-0412|2024-10-30|minor", ["2024-RSK-0412"]),
])
def test_a_device_code_or_a_record_number_is_found(text, numbers):
    words = found(text)
    for number in numbers:
        assert number in words


@pytest.mark.parametrize("text", [
    "Repeat the dose x2-3 days, then 1-2 tabs as needed.",
    "Walked x2-300 ft with the walker.",
    "Walked x300 and 400 ft later in the day.",
    "The vent (PB840) was replaced with a PB980 loaner.",
    "Bag replaced with D5W 1000 mL at 0300.",
    "Catheter REF 382533 was the wrong size for the sheath.",
    "Transmitter checks at 1200 and 0300 were done on time.",
    "NDC 0338-0049-04 and 0338-0049-03 sit side by side in the cabinet.",
    "The band ID was OK 2 times at the bedside scan.",
    "Heparin run at 1200 units per hour overnight.",
    "The paper record ended in 2019 when the unit went live on the new system.",
    "The pump serial (model 8015-44) matched the recall list.",
    "The chart says 120000 units were given over the day.",
    "room_no,bed,when,event\n5120,B,0300,fall",
    "Budget FY-2025-26 covers one more sitter; ICD-10 codes were updated.",
])
def test_doses_models_and_times_stay_quiet(text):
    assert screen(text) == []
