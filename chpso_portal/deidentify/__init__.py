"""De-identification screening: find identifiers in free text and explain each one.

Deterministic and dependency-free (standard library `re` only), so that it runs the same on
every machine, inside a request, and in tests without models or downloads.
"""

from .findings import EXPLANATIONS, Finding, FindingKind, KnownIdentifiers
from .patterns import dea_is_valid, npi_is_valid
from .screening import screen, summarize

__all__ = [
    "EXPLANATIONS",
    "Finding",
    "FindingKind",
    "KnownIdentifiers",
    "dea_is_valid",
    "npi_is_valid",
    "screen",
    "summarize",
]
