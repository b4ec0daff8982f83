"""Common Formats (AHRQ CFER-H) terms used by incident reports, in one place to correct.

Sources: AHRQ Common Formats for Event Reporting - Hospital v1.2/v2.0, the AHRQ Harm Scale,
the NCC MERP index, and SEIPS work-system components (shared/reference/domain.md).
"""

from django.db import models


class EventType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    NEAR_MISS = "near_miss", "Near miss"
    UNSAFE_CONDITION = "unsafe_condition", "Unsafe condition"


EVENT_TYPE_HELP = {
    EventType.INCIDENT: "It reached the patient, whether or not there was harm.",
    EventType.NEAR_MISS: "It was caught before it reached the patient. Near misses count: "
                         "they show where the next harm could come from.",
    EventType.UNSAFE_CONDITION: "No patient was involved, but something makes an event more "
                                "likely (a broken alarm, look-alike vials, short staffing). "
                                "These count too.",
}


class EventCategory(models.TextChoices):
    BLOOD = "blood", "Blood or blood product"
    DEVICE = "device", "Device or medical/surgical supply, including health IT"
    FALL = "fall", "Fall"
    HAI = "hai", "Healthcare-associated infection"
    MEDICATION = "medication", "Medication or other substance"
    PERINATAL = "perinatal", "Perinatal"
    PRESSURE_INJURY = "pressure_injury", "Pressure ulcer / pressure injury"
    SURGERY = "surgery", "Surgery or anesthesia (including invasive procedures)"
    VTE = "vte", "Venous thromboembolism"
    OTHER = "other", "Other"


class HarmLevel(models.TextChoices):
    DEATH = "death", "Death"
    SEVERE = "severe", "Severe harm"
    MODERATE = "moderate", "Moderate harm"
    MILD = "mild", "Mild harm"
    NONE = "none", "No harm"
    UNKNOWN = "unknown", "Unknown"


HARM_HELP = {
    HarmLevel.DEATH: "Dead at the time of assessment.",
    HarmLevel.SEVERE: "Bodily or psychological injury (including pain or disfigurement) that "
                      "interferes significantly with functional ability or quality of life.",
    HarmLevel.MODERATE: "Injury that adversely affects functional ability or quality of life, "
                        "but not at the severe level.",
    HarmLevel.MILD: "Minimal symptoms or loss of function, or injury limited to additional "
                    "treatment, monitoring and/or increased length of stay.",
    HarmLevel.NONE: "The event reached the patient, but no harm was evident.",
    HarmLevel.UNKNOWN: "Not known yet.",
}


class HarmDuration(models.TextChoices):
    PERMANENT = "permanent", "Permanent (1 year or more)"
    TEMPORARY = "temporary", "Temporary (under 1 year)"
    UNKNOWN = "unknown", "Unknown"


class MedicationErrorCategory(models.TextChoices):
    A = "A", "A: circumstances or events that have the capacity to cause error"
    B = "B", "B: an error occurred but did not reach the patient"
    C = "C", "C: error reached the patient but caused no harm"
    D = "D", "D: reached the patient and required monitoring and/or intervention to preclude harm"
    E = "E", "E: temporary harm requiring intervention"
    F = "F", "F: temporary harm requiring initial or prolonged hospitalization"
    G = "G", "G: permanent harm"
    H = "H", "H: intervention required to sustain life"
    I = "I", "I: error may have contributed to or resulted in death"  # noqa: E741


class LocationType(models.TextChoices):
    ED = "ed", "Emergency department"
    ICU = "icu", "Intensive care unit"
    MED_SURG = "med_surg", "Medical/surgical unit"
    STEP_DOWN = "step_down", "Step-down / telemetry"
    OR = "or", "Operating room / procedure area"
    PACU = "pacu", "Recovery (PACU)"
    LABOR = "labor", "Labor and delivery"
    NICU = "nicu", "Neonatal ICU / nursery"
    PEDIATRICS = "pediatrics", "Pediatrics"
    BEHAVIORAL = "behavioral", "Behavioral health"
    IMAGING = "imaging", "Imaging"
    LAB = "lab", "Laboratory / blood bank"
    PHARMACY = "pharmacy", "Pharmacy"
    OUTPATIENT = "outpatient", "Outpatient clinic"
    TRANSPORT = "transport", "Transport between areas"
    OTHER = "other", "Other"


class Preventability(models.TextChoices):
    CERTAINLY = "certainly", "Almost certainly could have been prevented"
    LIKELY = "likely", "Likely could have been prevented"
    UNLIKELY = "unlikely", "Unlikely could have been prevented"
    NOT = "not", "Almost certainly could not have been prevented"
    UNKNOWN = "unknown", "Unknown"


class SeipsGroup(models.TextChoices):
    PERSON = "person", "Person"
    TASKS = "tasks", "Tasks"
    TOOLS = "tools", "Tools and technology"
    ORGANIZATION = "organization", "Organization"
    ENVIRONMENT = "environment", "Physical environment"
    EXTERNAL = "external", "External environment"


# (code, label, SEIPS group): the Common Formats contributing factors placed under the SEIPS
# work-system component where a review team would look for them.
CONTRIBUTING_FACTORS = [
    ("human_factors", "Human factors (fatigue, stress, inattention, cognition)",
     SeipsGroup.PERSON),
    ("staff_qualifications", "Staff qualifications (competence, training)", SeipsGroup.PERSON),
    ("communication", "Communication (other than handover)", SeipsGroup.TASKS),
    ("handover", "Handover / handoff", SeipsGroup.TASKS),
    ("policies", "Policies, procedures and clinical protocols", SeipsGroup.TASKS),
    ("health_it", "Health IT", SeipsGroup.TOOLS),
    ("data", "Data (availability, accuracy)", SeipsGroup.TOOLS),
    ("supervision", "Supervision and support", SeipsGroup.ORGANIZATION),
    ("culture", "Culture of safety", SeipsGroup.ORGANIZATION),
    ("physical_surroundings", "Physical surroundings", SeipsGroup.ENVIRONMENT),
    ("external", "External factors (suppliers, regulation, other organizations)",
     SeipsGroup.EXTERNAL),
]
FACTOR_CODES = [code for code, _, _ in CONTRIBUTING_FACTORS]
FACTOR_LABELS = {code: label for code, label, _ in CONTRIBUTING_FACTORS}


def factors_by_group():
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label, group in CONTRIBUTING_FACTORS:
        groups.setdefault(SeipsGroup(group).label, []).append((code, label))
    return groups
