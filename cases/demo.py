"""Demo incident reports for the demo hospitals (loaded by `manage.py demo_data`).

Every report goes through the same services the portal uses (draft, submit, review, send,
withdraw, commit), so the audit trail, notifications and the frozen copies sent to the PSO
exist as they would for real reports. Narratives describe roles and relative timing only.
Idempotent: each report carries source_system="demo" and its own source_id, and a report that
already exists for its hospital is skipped.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import models, transaction
from django.utils import timezone

from members.models import Membership

from . import conversation, services
from .models import (
    FACTOR_SEED,
    ContributingFactor,
    HospitalUnit,
    IncidentReport,
    MessageSide,
    ReportStatus,
    SentReport,
)

SOURCE_SYSTEM = "demo"


@dataclass
class DemoReport:
    key: str                      # source_id, unique within the hospital
    hospital: str                 # short name: mercy, valley, sierra, coastal
    reporter: str                 # "nurse" or "lead" (the demo accounts of that hospital)
    days_ago: int                 # when it happened, counted back from today
    status: str                   # the ReportStatus it ends in
    data: dict                    # reporter fields
    review: dict = field(default_factory=dict)     # review fields (systems_issue, ...)
    factors: list = field(default_factory=list)    # contributing factor codes
    commit_in_days: int | None = None              # commitment to send, days from today
    withdraw_reason: str = ""
    sent_after_days: int = 5                       # days between submission and sending
    # Messages between the lead and the reporter, oldest first: ("lead" or "reporter", text).
    conversation: list = field(default_factory=list)


def _r(key, hospital, reporter, days_ago, status, **data):
    extra = {name: data.pop(name) for name in
             ("review", "factors", "commit_in_days", "withdraw_reason", "sent_after_days",
              "conversation")
             if name in data}
    return DemoReport(key, hospital, reporter, days_ago, status, data, **extra)


D, S, R, SENT, W = (ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.IN_REVIEW,
                    ReportStatus.SENT, ReportStatus.WITHDRAWN)

REPORTS = [
    # ---------------------------------------------------------------- Mercy
    _r("mercy-01", "mercy", "nurse", 62, SENT,
       event_type="incident", category="fall", event_time=time(3, 10),
       location_type="med_surg", location_detail="adult med-surg floor",
       narrative="Pt found sitting on the floor beside the bed during hourly rounding on night "
                 "shift. Bed alarm was on but the sound was turned down to lowest setting and "
                 "could not be heard from the nurses station. Pt states was trying to get to "
                 "the bathroom and did not want to bother anyone. Small skin tear left forearm, "
                 "no head strike per pt. Covering physician notified, neuro checks started, "
                 "family updated by phone.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Unwitnessed fall on a med-surg unit at night; bed exit alarm "
                              "was active but its volume had been lowered and was inaudible "
                              "at the station. Minor skin tear. Alarm volume now locked at a "
                              "minimum level on all beds of this model.",
               "feedback": "Thank you for reporting this so quickly. Engineering has locked "
                           "the minimum volume on the bed alarms across the unit, and toileting "
                           "rounds at night are being added to the hourly rounding script."},
       factors=["physical_surroundings", "health_it", "policies"]),
    _r("mercy-02", "mercy", "nurse", 48, SENT,
       event_type="incident", category="medication", event_time=time(21, 40),
       location_type="step_down", location_detail="telemetry unit",
       narrative="Heparin drip was running at the previous rate after the evening anti-Xa "
                 "level came back high. New rate was ordered in the EHR but the order did not "
                 "fire a task for the bedside RN and the pump was not changed for about two "
                 "hours. Caught at the next scheduled lab check. No bleeding seen, rate "
                 "corrected, pharmacy and covering provider aware.",
       harm_level="none", medication_category="D",
       review={"systems_issue": True, "preventability": "certainly", "handover_involved": True,
               "pso_summary": "Heparin infusion rate change ordered in the EHR without a "
                              "nursing task or alert; the pump ran at the old rate for about "
                              "two hours across a shift change. Additional monitoring, no "
                              "harm. Order set being rebuilt to generate a task and require "
                              "pharmacist verification of the new rate.",
               "feedback": "Good catch at the lab check. Pharmacy informatics confirmed the "
                           "order set did not create a task for rate changes; a fix is being "
                           "tested now. Please keep reporting anything like this."},
       factors=["health_it", "handover", "communication"], sent_after_days=9),
    _r("mercy-03", "mercy", "lead", 40, SENT,
       event_type="near_miss", category="blood",
       location_type="lab", location_detail="blood bank",
       narrative="Type and screen sample arrived with the label printed for a different "
                 "patient on the same unit. Blood bank tech noticed the handwritten collection "
                 "time did not match the draw time in the system and rejected the sample before "
                 "testing. Redraw done, no product issued on the wrong sample.",
       near_miss_recovery="Blood bank tech compared the collection time on the tube with the "
                          "draw time in the lab system and rejected the sample.",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Wrong-patient label on a pretransfusion sample, caught by the "
                              "blood bank before testing. Labels were printed in batches at "
                              "the start of the shift instead of at the bedside.",
               "feedback": "Thank you. The unit has stopped printing labels in batches; "
                           "bedside label printers are being added to the two rooms that did "
                           "not have one."},
       factors=["policies", "health_it", "culture"]),
    _r("mercy-04", "mercy", "nurse", 33, SENT,
       event_type="incident", category="pressure_injury",
       location_type="icu", location_detail="medical ICU",
       narrative="Stage 2 pressure injury found on the sacrum on day 6 of ICU stay during a "
                 "bath. Pt had been on a standard mattress because the specialty surface "
                 "ordered on admission was never delivered, the rental company was out of "
                 "stock and nobody was told. Wound care consulted, turning schedule reviewed.",
       harm_level="moderate", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Hospital-acquired stage 2 sacral pressure injury in the ICU; "
                              "a specialty surface ordered on admission was never delivered "
                              "because the outside vendor was out of stock and the order "
                              "failed silently.",
               "feedback": "Thank you for reporting. Supply chain now sends a page to the "
                           "charge nurse when a surface order cannot be filled within four "
                           "hours, and a loaner stock is kept on site."},
       factors=["external", "communication", "data"], sent_after_days=12),
    _r("mercy-05", "mercy", "nurse", 26, R,
       event_type="incident", category="hai",
       location_type="icu", location_detail="surgical ICU",
       narrative="Central line associated bloodstream infection confirmed on day 9 of line "
                 "placement. Dressing was documented as changed but the date on the dressing "
                 "was several days old when checked. Chlorhexidine bathing missed on two days "
                 "when the unit was short a tech.",
       harm_level="moderate", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": None,
               "pso_summary": "CLABSI in a surgical ICU; dressing change and daily CHG bathing "
                              "were missed on days with reduced support staff.",
               "feedback": "Thank you. Infection prevention is reviewing the line bundle "
                           "audits with the unit; we will share what we find."},
       factors=["supervision", "policies", "human_factors"], commit_in_days=21),
    _r("mercy-06", "mercy", "nurse", 19, R,
       event_type="unsafe_condition", category="device",
       location_type="ed", location_detail="main ED, hallway beds",
       narrative="Two of the portable suction units in the ED hallway had no canister liner "
                 "and one had a cracked tubing connector. Found at start of day shift during "
                 "the crash cart check. Nobody was hurt, but hallway beds rely on these when "
                 "the wall suction is not in reach.",
       review={"systems_issue": True, "preventability": "", "handover_involved": False,
               "pso_summary": "Portable suction units in the ED hallway found incomplete at "
                              "the daily check.", "feedback": ""},
       factors=["physical_surroundings", "policies"], commit_in_days=30,
       conversation=[
           ("lead", "Thank you for this. Were the two units taken out of use, and did the "
                    "daily check sheet have a line for the canister liner?"),
           ("reporter", "Both were tagged and sent to biomed the same morning. The check sheet "
                        "only asks whether the unit turns on, nothing about liners or tubing."),
           ("reporter", "One more thing: the spare liners are kept in the clean supply room, "
                        "not on the carts, so they are easy to forget."),
       ]),
    _r("mercy-07", "mercy", "nurse", 12, S,
       event_type="near_miss", category="medication",
       location_type="pediatrics", location_detail="peds floor",
       narrative="Oral acetaminophen dose drawn up in mL based on the adult concentration. "
                 "During the independent double check the second RN saw the bottle was the "
                 "infant concentration and the volume would have been far too much. Dose "
                 "redrawn correctly before it was given.",
       near_miss_recovery="Independent double check by a second nurse before giving the dose.",
       medication_category="B"),
    _r("mercy-08", "mercy", "lead", 9, S,
       event_type="incident", category="vte",
       location_type="med_surg", location_detail="orthopedic floor",
       narrative="Pt post knee replacement developed calf swelling on post op day 4, "
                 "ultrasound showed a DVT. Chemical prophylaxis had been held for a planned "
                 "procedure that was then cancelled, and it was not restarted for almost two "
                 "days. SCDs were in the room but not on.",
       harm_level="mild", harm_duration="temporary"),
    _r("mercy-09", "mercy", "nurse", 5, D,
       event_type="incident", category="other",
       location_type="imaging", location_detail="CT",
       narrative="Pt with a documented contrast allergy was sent for a CT with contrast. "
                 "Premedication was not ordered. Started typing this after shift, need to "
                 "finish the details with the charge nurse.",
       harm_level="unknown"),
    _r("mercy-10", "mercy", "nurse", 55, W,
       event_type="incident", category="fall",
       location_type="behavioral", location_detail="adult inpatient psych",
       narrative="Pt slid from the chair to the floor in the day room, assisted by staff, "
                 "no injury.",
       harm_level="none",
       review={"systems_issue": False, "preventability": "unlikely", "handover_involved": False,
               "pso_summary": "", "feedback": "Thanks for reporting. This one turned out to "
                                               "be a duplicate of an earlier report, so it was "
                                               "withdrawn; the earlier one is being reviewed."},
       withdraw_reason="Duplicate of an earlier report about the same event, filed by the "
                       "day shift charge nurse; the earlier report is kept."),
    _r("mercy-11", "mercy", "lead", 70, SENT,
       event_type="incident", category="surgery",
       location_type="or", location_detail="main OR",
       narrative="Count discrepancy at closing: one lap sponge unaccounted for. Surgeon "
                 "informed, wound explored, sponge not found, intraop x-ray negative. Sponge "
                 "later found in the kick bucket liner under another sponge. Closing delayed "
                 "about forty minutes, extra anesthesia time.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": True,
               "pso_summary": "Sponge count discrepancy at closing during a relief handoff "
                              "between circulating nurses; x-ray and exploration negative, "
                              "sponge found in the kick bucket. Count sheet did not carry over "
                              "at the relief.",
               "feedback": "Thank you. Perioperative services is moving to a whiteboard count "
                           "that stays in the room through reliefs."},
       factors=["handover", "communication", "policies"]),
    _r("mercy-12", "mercy", "nurse", 3, S,
       event_type="unsafe_condition", category="medication",
       location_type="pharmacy", location_detail="automated dispensing cabinet, med-surg",
       narrative="Hydralazine and hydroxyzine vials are stocked next to each other in the "
                 "same drawer of the dispensing cabinet on our unit, both small vials with "
                 "similar caps. Nobody got the wrong drug that I know of but I almost grabbed "
                 "the wrong one on evening shift.",
       medication_category="A"),

    # ---------------------------------------------------------------- Valley
    _r("valley-01", "valley", "nurse", 58, SENT,
       event_type="incident", category="perinatal",
       location_type="labor", location_detail="L&D",
       narrative="Shoulder dystocia at delivery. Maneuvers done, baby delivered, Apgars low at "
                 "one minute and improved by five. Charge RN was in another delivery and the "
                 "second nurse had not done the dystocia drill this year. Baby to NICU for "
                 "observation, later to mother's room.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "unknown", "handover_involved": False,
               "pso_summary": "Shoulder dystocia with low one minute Apgar; the second nurse "
                              "present had not completed the annual obstetric emergency drill. "
                              "Newborn observed in the NICU and recovered.",
               "feedback": "Thank you for a clear report. Obstetric emergency drills are being "
                           "scheduled on every shift so that everyone is current."},
       factors=["staff_qualifications", "supervision"]),
    _r("valley-02", "valley", "nurse", 44, SENT,
       event_type="incident", category="medication",
       location_type="ed", location_detail="ED resus bay",
       narrative="Insulin drip started at 10 units/hr instead of the ordered rate. The smart "
                 "pump drug library was bypassed because the pump was in basic mode after a "
                 "battery change. Glucose dropped and needed D50. Pt recovered, admitted to "
                 "ICU as planned.",
       harm_level="moderate", harm_duration="temporary", medication_category="E",
       review={"systems_issue": True, "preventability": "certainly", "handover_involved": False,
               "pso_summary": "Insulin infusion programmed in basic mode without drug library "
                              "limits after a pump battery change; hypoglycemia treated with "
                              "dextrose. Pumps now reboot into the drug library.",
               "feedback": "Thank you. Biomed changed the pump setting so basic mode is no "
                           "longer available in the ED."},
       factors=["health_it", "human_factors", "policies"], sent_after_days=7),
    _r("valley-03", "valley", "lead", 37, SENT,
       event_type="near_miss", category="surgery",
       location_type="or", location_detail="outpatient surgery",
       narrative="Wrong side marked for a hand procedure. Consent said left, marking was on "
                 "the right. Caught during the time out when the circulator read the consent "
                 "aloud. Site re-marked, case went ahead correctly.",
       near_miss_recovery="Circulating nurse read the consent aloud during the time out and "
                          "the team stopped.",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Wrong-site marking caught at the time out. Marking had been done "
                              "in pre-op from the schedule, not from the consent.",
               "feedback": "The time out worked exactly as it should. Pre-op now marks from "
                           "the signed consent only."},
       factors=["policies", "communication", "data"]),
    _r("valley-04", "valley", "nurse", 30, R,
       event_type="incident", category="fall",
       location_type="step_down", location_detail="progressive care",
       narrative="Pt on high fall risk attempted to stand from the recliner while the sitter "
                 "was covering a second room. Fell to knees, hit the left hip. X-ray negative. "
                 "Sitter coverage for two rooms at once has happened several times this month "
                 "on nights.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Fall while the assigned sitter covered two rooms.",
               "feedback": "Thank you. Staffing office is looking at sitter coverage on nights."},
       factors=["supervision", "physical_surroundings"], commit_in_days=14),
    _r("valley-05", "valley", "nurse", 22, R,
       event_type="near_miss", category="device",
       location_type="icu", location_detail="CVICU",
       narrative="New feeding pump tubing fits the IV extension set connector. Tube feed "
                 "tubing was spiked and about to be connected to the IV line when the nurse "
                 "saw the color of the formula. No connection made.",
       near_miss_recovery="The nurse noticed the formula color in the line before connecting.",
       review={"systems_issue": True, "preventability": "", "handover_involved": None,
               "pso_summary": "Enteral tubing that fits an IV connector; misconnection caught "
                              "before it reached the patient.", "feedback": ""},
       factors=["health_it", "external"]),
    _r("valley-06", "valley", "nurse", 14, S,
       event_type="incident", category="blood",
       location_type="med_surg", location_detail="oncology floor",
       narrative="Transfusion of packed cells started but vitals at 15 minutes were not done. "
                 "Pt developed chills and a temp about forty minutes in, transfusion stopped, "
                 "blood bank and provider notified, reaction workup sent. Vitals were missed "
                 "because the RN was pulled to help with a rapid response.",
       harm_level="mild", harm_duration="temporary"),
    _r("valley-07", "valley", "lead", 8, S,
       event_type="incident", category="hai",
       location_type="med_surg", location_detail="surgical floor",
       narrative="Catheter associated UTI on day 5 after surgery. Foley was left in after the "
                 "removal criteria were met, the removal order was not in the post op order "
                 "set.",
       harm_level="mild", harm_duration="temporary"),
    _r("valley-08", "valley", "nurse", 2, D,
       event_type="near_miss", category="medication",
       location_type="outpatient", location_detail="infusion clinic",
       narrative="Chemo premeds pulled for the wrong chair. Caught at scanning.",
       near_miss_recovery="Barcode scan at the chair flagged the wrong patient."),
    _r("valley-09", "valley", "nurse", 66, W,
       event_type="incident", category="other",
       location_type="transport", location_detail="transport to imaging",
       narrative="Pt sent to MRI without the portable monitor on. Returned without incident.",
       harm_level="none",
       review={"systems_issue": None, "preventability": "", "handover_involved": None,
               "pso_summary": "", "feedback": ""},
       withdraw_reason="Handled entirely in the peer review process outside the patient "
                       "safety evaluation system; withdrawn before reporting to the PSO."),
    _r("valley-10", "valley", "nurse", 51, SENT,
       event_type="unsafe_condition", category="other",
       location_type="ed", location_detail="ED waiting area",
       narrative="Waiting room has no line of sight from triage after the remodel. Pts "
                 "waiting for a bed cannot be seen by the triage nurse, and twice on evening "
                 "shift a pt got worse in the waiting room before anyone noticed.",
       review={"systems_issue": True, "preventability": "", "handover_involved": False,
               "pso_summary": "Emergency department waiting area lost line of sight from "
                              "triage after a remodel; deteriorating patients noticed late.",
               "feedback": "Thank you. Facilities is adding a window and a camera view at "
                           "triage, and reassessment rounds in the waiting room start now."},
       factors=["physical_surroundings", "culture"]),

    # ---------------------------------------------------------------- Sierra
    _r("sierra-01", "sierra", "nurse", 60, SENT,
       event_type="incident", category="medication",
       location_type="med_surg", location_detail="combined med-surg",
       narrative="Pt received a home dose of metoprolol brought in by family in addition to "
                 "the dose given by nursing. HR in the 40s about an hour later, provider "
                 "notified, dose held next morning, monitored on tele overnight. Home meds "
                 "were left at the bedside on admission.",
       harm_level="mild", harm_duration="temporary", medication_category="D",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": True,
               "pso_summary": "Duplicate beta blocker dose from home medications left at the "
                              "bedside after admission; bradycardia monitored, resolved.",
               "feedback": "Thank you. Admission now includes sending home meds home with "
                           "family or to pharmacy, and it is on the admission checklist."},
       factors=["policies", "handover", "communication"]),
    _r("sierra-02", "sierra", "lead", 45, SENT,
       event_type="incident", category="perinatal",
       location_type="labor", location_detail="birthing center",
       narrative="Postpartum hemorrhage after a vaginal birth, quantitative blood loss not "
                 "measured until the pt was symptomatic. Hemorrhage cart was missing the "
                 "second line drugs. Pt needed two units and recovered. Small hospital, one "
                 "OB on call from home.",
       harm_level="moderate", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Postpartum hemorrhage recognized late; blood loss was estimated "
                              "rather than measured and the hemorrhage cart was incomplete. "
                              "Two units transfused, recovered.",
               "feedback": "Thank you. The hemorrhage cart now has a sealed checklist and "
                           "quantitative blood loss is measured at every birth."},
       factors=["policies", "physical_surroundings", "supervision"],
       sent_after_days=10),
    _r("sierra-03", "sierra", "nurse", 34, R,
       event_type="incident", category="pressure_injury",
       location_type="ed", location_detail="ED, boarding",
       narrative="Deep tissue injury on both heels found after the pt boarded in the ED for "
                 "about thirty hours waiting for an inpatient bed. ED stretchers do not have "
                 "pressure redistribution and turns were not charted.",
       harm_level="moderate", harm_duration="unknown",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Heel deep tissue injuries after long ED boarding on a standard "
                              "stretcher.",
               "feedback": ""},
       factors=["physical_surroundings", "supervision", "external"], commit_in_days=10),
    _r("sierra-04", "sierra", "nurse", 16, S,
       event_type="incident", category="vte",
       location_type="icu", location_detail="ICU",
       narrative="PE on day 3 of admission in a pt whose VTE risk assessment was never "
                 "completed. The assessment is on a separate screen that does not come up in "
                 "the admission navigator. Pt moved to higher level of care, started on "
                 "anticoagulation.",
       harm_level="severe", harm_duration="unknown"),
    _r("sierra-05", "sierra", "lead", 11, S,
       event_type="near_miss", category="blood",
       location_type="lab", location_detail="lab",
       narrative="Emergency release O negative unit taken out of the blood fridge with the "
                 "crossmatched unit tag of another pt still attached from a previous "
                 "reissue. Caught at bedside check before hanging.",
       near_miss_recovery="Two-person bedside check found the tag did not match the wristband."),
    _r("sierra-06", "sierra", "nurse", 6, S,
       event_type="unsafe_condition", category="device",
       location_type="other", location_detail="rehab gym",
       narrative="The ceiling lift in the rehab gym has not passed its inspection and is taped "
                 "off, so staff are doing two person manual transfers of heavy pts. Staff "
                 "injury risk and pt fall risk.",
       ),
    _r("sierra-07", "sierra", "nurse", 1, D,
       event_type="incident", category="surgery",
       location_type="pacu", location_detail="PACU",
       narrative="Pt extubated in the OR, desaturated in PACU and needed a jaw thrust and "
                 "bagging. Still collecting details.",
       harm_level="unknown"),
    _r("sierra-08", "sierra", "nurse", 52, W,
       event_type="near_miss", category="other",
       location_type="outpatient", location_detail="wound clinic",
       narrative="Wrong pt paperwork handed to a family member at checkout, noticed before "
                 "they left.",
       near_miss_recovery="Front desk staff noticed the name on the paperwork at checkout.",
       review={"systems_issue": False, "preventability": "", "handover_involved": None,
               "pso_summary": "", "feedback": "Thanks for speaking up. This went to the "
                                               "privacy office instead, which handles "
                                               "paperwork disclosures."},
       withdraw_reason="A privacy matter for the privacy office rather than a patient safety "
                       "event; withdrawn from the PSES before reporting."),

    # ---------------------------------------------------------------- Coastal (before the
    # contract expired)
    _r("coastal-01", "coastal", "nurse", 90, SENT,
       event_type="incident", category="fall",
       location_type="med_surg", location_detail="med-surg floor",
       narrative="Pt fell in the bathroom after being left alone to toilet. Bathroom call "
                 "light cord was tied up out of reach by housekeeping. Head strike, CT "
                 "negative, neuro checks normal.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "likely", "handover_involved": False,
               "pso_summary": "Bathroom fall; the call cord had been tied out of reach during "
                              "cleaning. CT negative.",
               "feedback": "Thank you. Environmental services now checks call cords as the "
                           "last step of cleaning each bathroom."},
       factors=["physical_surroundings", "communication"], sent_after_days=6),
    _r("coastal-02", "coastal", "lead", 75, SENT,
       event_type="incident", category="device",
       location_type="icu", location_detail="ICU",
       narrative="Ventilator alarm for high pressure not heard at the station because the "
                 "central monitor was muted after a software update reset the alarm profile. "
                 "Pt was suctioned when the RN walked by, sats recovered.",
       harm_level="mild", harm_duration="temporary",
       review={"systems_issue": True, "preventability": "certainly", "handover_involved": False,
               "pso_summary": "Central monitor alarm profile reset by a software update; "
                              "ventilator high-pressure alarm not heard at the station.",
               "feedback": "Thank you. Every update is now followed by an alarm test on each "
                           "bed before the monitor returns to use."},
       factors=["health_it", "external", "policies"], sent_after_days=8),
    _r("coastal-03", "coastal", "nurse", 80, W,
       event_type="incident", category="medication",
       location_type="med_surg", location_detail="med-surg floor",
       narrative="Evening antibiotic dose given about an hour late.",
       harm_level="none", medication_category="C",
       review={"systems_issue": False, "preventability": "", "handover_involved": None,
               "pso_summary": "", "feedback": ""},
       withdraw_reason="Within the administration window set by policy, so not an error; "
                       "withdrawn after review."),
]


# Each demo hospital's own units; a demo report names the unit of its kind of location, when
# the hospital has one.
DEMO_UNITS = {
    "mercy": [("4 West", "med_surg"), ("Medical ICU", "icu"), ("Emergency department", "ed"),
              ("Telemetry", "step_down"), ("Blood bank", "lab")],
    "valley": [("Surgical ICU", "icu"), ("Main ED", "ed"), ("Peds floor", "pediatrics"),
               ("Main OR", "or"), ("CT", "imaging")],
    "sierra": [("Labor and delivery", "labor"), ("Progressive care", "step_down"),
               ("CVICU", "icu"), ("Infusion clinic", "outpatient")],
    "coastal": [("Med-surg", "med_surg"), ("ICU", "icu"), ("ED", "ed"), ("PACU", "pacu")],
}


def _demo_units(short, hospital) -> dict[str, HospitalUnit]:
    """The hospital's demo units (created once), by kind of location."""
    units = {}
    for name, kind in DEMO_UNITS.get(short, []):
        unit, _ = HospitalUnit.objects.get_or_create(
            hospital=hospital, name=name, defaults={"location_type": kind})
        units.setdefault(unit.location_type, unit)
    return units


def _hospital_people(short):
    """(hospital, {"lead": user, "nurse": user}) for a demo hospital, or None if absent."""
    lead = (Membership.objects.select_related("hospital", "user")
            .filter(user__email=f"lead@{short}.example").first())
    if lead is None:
        return None
    nurse = (Membership.objects.select_related("user")
             .filter(hospital=lead.hospital, user__email=f"nurse@{short}.example").first())
    if nurse is None:
        return None
    return lead.hospital, {"lead": lead.user, "nurse": nurse.user}


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _create(spec: DemoReport, hospital, people, today, units=None) -> IncidentReport:
    reporter, lead = people[spec.reporter], people["lead"]
    event_date = today - timedelta(days=spec.days_ago)
    data = {"event_date": event_date, **spec.data}
    if units and (unit := units.get(data.get("location_type"))) is not None:
        data["unit"] = unit
    if spec.status != ReportStatus.DRAFT:
        data.setdefault("discovered_date", event_date)
    report = services.report_save_draft(hospital=hospital, reporter=reporter, data=data)
    IncidentReport.objects.filter(pk=report.pk).update(source_system=SOURCE_SYSTEM,
                                                       source_id=spec.key)
    if spec.status != ReportStatus.DRAFT:
        report = services.report_submit(report=report, actor=reporter)
    if spec.status in (ReportStatus.IN_REVIEW, ReportStatus.SENT, ReportStatus.WITHDRAWN):
        review = {"systems_issue": None, "preventability": "", "handover_involved": None,
                  "pso_summary": "", "feedback": "", **spec.review}
        report = services.report_review_save(report=report, actor=lead, factors=spec.factors,
                                             **review)
    for side, text in spec.conversation:
        conversation.report_message_post(
            report=report, author=lead if side == "lead" else reporter, text=text,
            side=MessageSide.REVIEWER if side == "lead" else MessageSide.REPORTER)
    if spec.commit_in_days is not None:
        report = services.report_commit_to_send(
            report=report, actor=lead, send_by=today + timedelta(days=spec.commit_in_days))
    if spec.status == ReportStatus.SENT:
        services.report_send(report=report, actor=lead)
    elif spec.status == ReportStatus.WITHDRAWN:
        services.report_withdraw(report=report, actor=lead, reason=spec.withdraw_reason)

    # Timestamps as they would have been: filed the day it happened, reviewed later.
    now = timezone.now()
    created = min(_at(event_date, 7) + timedelta(hours=spec.days_ago % 11), now)
    stamps = {"created_at": created}
    if spec.status != ReportStatus.DRAFT:
        submitted = min(created + timedelta(hours=2), now)
        stamps["submitted_at"] = submitted
        if spec.status == ReportStatus.SENT:
            stamps["sent_at"] = min(submitted + timedelta(days=spec.sent_after_days), now)
        elif spec.status == ReportStatus.WITHDRAWN:
            stamps["withdrawn_at"] = min(submitted + timedelta(days=4), now)
    IncidentReport.objects.filter(pk=report.pk).update(**stamps)
    if "sent_at" in stamps:
        # Demo history only: the sent copy is backdated with the report it belongs to. Real
        # code cannot do this, because the frozen queryset refuses updates.
        sent = SentReport.objects.filter(report_id=report.pk)
        models.QuerySet.update(sent, sent_at=stamps["sent_at"])
    return report


@transaction.atomic
def load_demo_reports(*, stdout=None) -> int:
    """Create the demo reports that do not exist yet; returns how many were created."""
    for seed in FACTOR_SEED:
        ContributingFactor.objects.get_or_create(code=seed["code"], defaults=seed)
    today = timezone.localdate()
    found = {}
    units = {}
    created = 0
    for spec in REPORTS:
        if spec.hospital not in found:
            found[spec.hospital] = _hospital_people(spec.hospital)
            if found[spec.hospital] is not None:
                units[spec.hospital] = _demo_units(spec.hospital, found[spec.hospital][0])
        if found[spec.hospital] is None:
            continue
        hospital, people = found[spec.hospital]
        if IncidentReport.objects.filter(hospital=hospital, source_system=SOURCE_SYSTEM,
                                         source_id=spec.key).exists():
            continue
        _create(spec, hospital, people, today, units[spec.hospital])
        created += 1
    if stdout is not None:
        stdout.write(f"Demo reports: {created} created.")
    return created
