"""User names and record numbers in the shapes strangers type them: a login after "logged in
as" or "user:", a chat line's sender after its time, a login in an export's "entered_by" or
"reporter" column, a resident's number after "resident #", a grouped member ID after "we
sent,", a second record number of the same shape as a first ("instead of"), and a given name
typed in lower case; with the look-alikes that stay quiet (times, "Note:", role words in a
chat, doses, code sets, plural roles after "All")."""

import time

import pytest

from chpso_portal.deidentify import screen, screening

from .deid_checks import covers, explain, found


@pytest.mark.parametrize(("text", "login"), [
    ("The order was placed while the cart was logged in as bwhitlock.", "bwhitlock"),
    ("pyxis override done, signed in as rdelgado3 on the ICU tower", "rdelgado3"),
    ("user: m.oyelaran left the workstation unlocked overnight", "m.oyelaran"),
    ("Portal username hfarrow22 was locked after three tries.", "hfarrow22"),
    ("login: t_achebe shared with the float nurse", "t_achebe"),
    ("the override was entered by okwu3 at 0240", "okwu3"),
    ("Reported by: s.varga", "s.varga"),
    ("@fmensah can you cosign the waste before 1900", "fmensah"),
    ("cc @lt_ramirez2 on the follow-up", "lt_ramirez2"),
])
def test_a_login_after_its_cue_is_found(text, login):
    assert covers(text, login), explain(text)


@pytest.mark.parametrize("text", [
    "08:41 lwachira: bed 9 is asking for pain meds\n08:43 charge: on it",
    "[22:10] p.santangelo: family at the desk again",
    "3:15 pm okoro7: can pharmacy reprint the label",
    "11:48 AM - gquispe: sitter needed in 14",
])
def test_a_chat_sender_after_the_time_is_found(text):
    sender = text.split(": ", 1)[0].split()[-1]
    assert covers(text, sender), explain(text)


@pytest.mark.parametrize("text", [
    "14:02 update: pt resting, pain 3/10",
    "14:05 charge: need a hand in 7",
    "10:30 pharmacy: label reprinted and sent up",
    "Note: pt ok, resting comfortably",
    "0600 note: NS 1000 ml hung, q4h neuro checks",
    "user error, not a device fault; biomed cleared the pump",
    "logged in as admin on the dispensing cabinet to pull the override",
    "reported by the night nurse; entered by pharmacy at 0200",
    "meds @ 0900 held, pt @home by 1400, ok @bedside",
    "09:00 rn: pt awake\n09:05 md: aware",
    "The resident # 2 on the team saw her at 14:20.",
    "2 x 500 mg given at 14:02; ICD J18.9 coded, CPT 99223.",
    "To: All Nurse Managers\nSubject: staffing for the holiday",
    "Attn: all Charge Nurses and Nurse Educators, please read.",
])
def test_look_alikes_stay_quiet(text):
    assert screen(text) == [], explain(text)


@pytest.mark.parametrize("text", [
    "@swingshift please recheck the drip rates",
    "@dayteam: family meeting moved to 1500",
    "@everyone huddle at 1400 in the break room.",
    "@qshift neuro checks ordered, please sign.",
    "21:40 nightteam: pt resting, no prn needed",
    "06:10 phleb: AM labs drawn from the left arm",
    "11:15 woundcare: dressing changed, site clean",
    "Logged in as locums to document the late entries.",
    "Pt's daughter posted on tiktok livestream from the room.",
    "The user i.e. the covering nurse did not scan the band.",
    "Per the user e.g. the charge RN, the cabinet was open.",
    "Documented by RN2 per the assignment board.",
    "entered by RN1 and co-signed later",
    "Sent by 4th floor pharmacy tube at noon.",
    "Dose table created by v2.1 of the interface feed.",
])
def test_ward_shorthand_after_a_login_cue_stays_quiet(text):
    assert screen(text) == [], explain(text)


@pytest.mark.parametrize(("text", "login"), [
    ("Entered By okwu3 at 0900.", "okwu3"),
    ("Entered BY okwu3 after the code.", "okwu3"),
    ("Reviewed by tbanda4 the next morning.", "tbanda4"),
    ("Signed by lfenwick2 before the waste.", "lfenwick2"),
    ("Verified by hyoon7 at the cabinet.", "hyoon7"),
    ("Last edited by qamari5 on 3/4.", "qamari5"),
    ("Login: wkowal left open at the nurse station.", "wkowal"),
])
def test_a_login_after_any_case_of_by_or_after_login_is_found(text, login):
    assert login in found(text), explain(text)


def test_logins_in_an_export_user_column_are_found():
    text = (
        "date,unit,mrn,category,entered_by\n"
        "2026-03-02,4W,M0031944,Fall,hbaptiste2\n"
        "2026-03-02,ICU,,Medication,wkowal\n"
        "2026-03-03,ED,,Skin,de.mora\n"
    )
    words = found(text)
    for login in ("hbaptiste2", "wkowal", "de.mora"):
        assert login in words, explain(text)


def test_a_login_in_a_reporter_column_is_found_and_a_role_is_not():
    text = "event,reporter,severity\nfall,jmbeki9,minor\nmed error,Charge RN,none\n"
    words = found(text)
    assert "jmbeki9" in words, explain(text)
    assert "Charge RN" not in words, explain(text)


def test_ordinary_words_in_a_user_column_stay_quiet():
    text = "date,category,user\n2026,Fall,admin\n2026,Medication,n/a\n"
    assert screen(text) == [], explain(text)


@pytest.mark.parametrize(("text", "number"), [
    ("came from the home with a stage 2, resident # H-20583 on their sheet", "H-20583"),
    ("The member ID we sent, QR 5520 1187, was for her husband.", "QR 5520 1187"),
    ("policy number on the card: WHP 3318 0042 matched the portal", "WHP 3318 0042"),
])
def test_a_record_number_after_its_cue_is_found(text, number):
    assert covers(text, number), explain(text)


@pytest.mark.parametrize(("text", "echo"), [
    ("Encounter number E-202512-774103 instead of E-202512-774130 on the armband.",
     "E-202512-774130"),
    ("Member ID JX 4471 9920; the correct one is JX 4417 9920.", "JX 4417 9920"),
])
def test_a_code_of_the_shape_of_a_found_record_number_is_found(text, echo, monkeypatch):
    assert echo in found(text), explain(text)
    # Only the echo of the first code's shape finds the second: without it the test is moot.
    monkeypatch.setattr(screening, "echoed_codes", lambda text, spans: iter(()))
    assert echo not in found(text)


@pytest.mark.parametrize("text", [
    "Acct 1234-5678 billed. Pt worked shift 0700-1900 before admission.",
    "Lot 24-1234 used; wound measured 24-1234 mm",
    "Badge 12-3456 found. Telemetry box 12-3456 returned.",
    "MRN AB123456 verified. Order set AB654321 released.",
])
def test_digits_only_and_short_shapes_are_not_echoed(text):
    first = text.split()[1].rstrip(".;")
    assert found(text) == [first], explain(text)


@pytest.mark.parametrize("unit", [
    "MRN E-202512-774103. ",
    "user jdoe1961 ",
    "Member ID: JX 4471 9920. ",
])
def test_many_codes_of_one_shape_are_screened_in_linear_time(unit):
    text = unit * (50_000 // len(unit))
    started = time.process_time()
    screen(text)
    assert time.process_time() - started < 1.0


def test_codes_of_one_shape_stay_quiet_without_a_record_number():
    text = "Models AX-2200 and AX-2210 both take the new tubing; set 125 mL/hr."
    assert screen(text) == [], explain(text)


def test_a_saints_given_name_in_lower_case_is_a_name():
    text = "pt aloysius brennan 84 y/o, confused overnight, bed alarm on"
    assert covers(text, "aloysius brennan"), explain(text)
