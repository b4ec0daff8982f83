"""The microcollaborative ground rules and the attestation that every participant accepts.

The text is shown and hashed as a whole: an attestation records which version was accepted.
"""

import hashlib

GROUND_RULES = [
    "Only hospitals with a signed PSO contract may participate.",
    "Start with a few cases (one to three) per hospital.",
    "Choose cases that involve systems issues.",
    "Only discuss cases whose incident report has been, or will be, sent to the PSO.",
    "Discussion concentrates on systems issues, not on an individual's culpability (even where "
    "an individual is partly culpable).",
    "A report on the discussion is not needed.",
    "Documentation of the discussion is optional.",
    "Do not identify any of the providers involved.",
    "Participants may take the cases back to their institutions to improve safety, but may not "
    "identify the originating hospital or any involved provider.",
]

PSWP_PROTECTION = (
    "Everything produced by this session (the discussion, the case materials, notes, and later "
    "discussions at other hospitals) is Patient Safety Work Product under the Patient Safety and "
    "Quality Improvement Act of 2005 and 42 CFR Part 3. It is privileged and confidential: it "
    "may not be disclosed except as that law permits."
)

ATTESTATION = (
    "I take part in this session as a member of the PSO's workforce for its duration. I will "
    "keep what I see and hear confidential, follow the ground rules above, and I have removed "
    "patient and provider identifiers from anything I bring. I will see which hospital "
    "presents each case; outside the session I will not say which hospital a case came from "
    "or who was involved."
)


def attestation_text() -> str:
    rules = "\n".join(f"{n}. {rule}" for n, rule in enumerate(GROUND_RULES, start=1))
    return f"Ground rules\n{rules}\n\nProtection\n{PSWP_PROTECTION}\n\n{ATTESTATION}"


def attestation_version() -> str:
    return hashlib.sha256(attestation_text().encode()).hexdigest()[:16]
