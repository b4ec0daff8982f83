"""Screening of report text with the names the portal knows (DESIGN.md section 7)."""

from django.core.cache import cache

CACHE_KEY = "deidentify:known-identifiers:v1"
CACHE_SECONDS = 300


def known_identifiers():
    """Names of every member, every hospital and its city. Cached for a few minutes."""
    from chpso_portal.deidentify import KnownIdentifiers

    known = cache.get(CACHE_KEY)
    if known is None:
        from members.models import Hospital, User

        people = tuple(
            name for name in User.objects.exclude(full_name="").values_list("full_name", flat=True)
            if len(name.split()) >= 2
        )
        hospitals = list(Hospital.objects.values_list("name", "city"))
        from .services import hospital_prefix

        hospital_names = tuple(
            {name for name, _ in hospitals}
            | {hospital_prefix(Hospital(name=name)) for name, _ in hospitals
               if len(hospital_prefix(Hospital(name=name))) >= 3}
        )
        places = tuple({city for _, city in hospitals if city})
        known = KnownIdentifiers(person_names=people, hospital_names=hospital_names,
                                 places=places)
        cache.set(CACHE_KEY, known, CACHE_SECONDS)
    return known


def screen_fields(data: dict, fields: list[str]) -> dict[str, list]:
    """Findings per field name, only for fields that have any."""
    from chpso_portal.deidentify import screen

    known = known_identifiers()
    results = {}
    for name in fields:
        text = data.get(name) or ""
        if text:
            findings = screen(text, known)
            if findings:
                results[name] = findings
    return results
