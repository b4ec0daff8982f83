"""iCalendar (RFC 5545) files for sessions, written by hand: one VEVENT, no dependency."""

import unicodedata
from datetime import UTC

from django.conf import settings
from django.utils import timezone


def _escape(text: str) -> str:
    """TEXT value (RFC 5545 3.3.11): every line break becomes an escaped \\n, whatever its form
    (CR LF, a lone CR or LF, Unicode separators); other control characters are dropped."""
    text = (text.replace("\r\n", "\n").replace("\r", "\n")
            .replace("\u2028", "\n").replace("\u2029", "\n").replace("\x85", "\n"))
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    # Lines longer than 75 octets are folded with CRLF + space.
    out, data = [], line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        out.append(data[:cut].decode())
        data = b" " + data[cut:]
    out.append(data.decode())
    return "\r\n".join(out)


def _calendar(uid, summary, location, description, starts_at, ends_at, cancelled) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PSO portal//Learning collaboratives//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@pso-portal",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{starts_at.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{ends_at.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def event_ics(event) -> str:
    """One event of a learning collaborative's calendar."""
    description = (f"{event.collaborative.name}: {event.get_kind_display()}.\n{event.agenda}\n\n"
                   f"Details in the portal: {settings.SITE_URL}").strip()
    return _calendar(event.public_id, f"{event.collaborative.name}: {event.title}",
                     event.location, description, event.starts_at, event.ends_at,
                     event.is_cancelled)


def session_ics(session) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    joining = f"Join: {session.meeting_url}\n\n" if session.meeting_url else ""
    description = (f"{joining}{session.description}\n\nPatient Safety Work Product: "
                   f"confidential. Details in the portal: {settings.SITE_URL}").strip()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PSO portal//Microcollaboratives//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{session.public_id}@pso-portal",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{session.starts_at.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{session.ends_at.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_escape(session.title)}",
        f"LOCATION:{_escape(session.location)}",
        *([f"URL:{session.meeting_url}"] if session.meeting_url else []),
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:" + ("CANCELLED" if session.status == "cancelled" else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
