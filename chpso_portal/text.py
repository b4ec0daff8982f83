"""Text that people type, made safe to store, show, mail and put in a calendar.

- One-line fields (names, titles, places, subjects) refuse every control character and the
  Unicode line and paragraph separators: a line break in a hospital name would end an email's
  header (BadHeaderError) or a line of an .ics file.
- Multi-line fields keep tabs and line breaks and refuse the other control characters.
- `shorten` is the one way to fit a title or an email subject to its column.
"""

import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone
from django.utils.deconstruct import deconstructible

_ALLOWED_IN_MULTILINE = {"\t", "\n", "\r"}


def _refused(char: str, multiline: bool) -> bool:
    if multiline and char in _ALLOWED_IN_MULTILINE:
        return False
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def first_control_character(text: str, *, multiline: bool = False) -> str | None:
    for char in text:
        if _refused(char, multiline):
            return char
    return None


@deconstructible
class NoControlCharacters:
    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value):
        if not isinstance(value, str):
            return
        char = first_control_character(value, multiline=self.multiline)
        if char is not None:
            if char in "\r\n\u2028\u2029\x85\x0b\x0c":
                message = "Keep this on one line: remove the line break."
            else:
                message = (f"Remove the invisible control character (U+{ord(char):04X}) from "
                           "this text.")
            raise ValidationError(message, code="control_character")

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline


one_line = NoControlCharacters(multiline=False)
multi_line = NoControlCharacters(multiline=True)


def shorten(text: str, limit: int) -> str:
    """Fit `text` on one line of at most `limit` characters, ending with an ellipsis if cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut[limit // 2:]:  # do not split a word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "\u2026"


EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def sensible_date(value) -> None:
    """Dates people type lie between 1900 and 2100."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError("Enter a date between 1900 and 2100.", code="date_range")



# One way to write a date everywhere, in pages and in messages alike: "Mar 3, 2026". Templates
# write the same patterns with the `date` filter.
DAY = "M j, Y"
DAY_AND_MONTH = "M j"
DAY_AND_TIME = "M j, Y H:i"


def day(value) -> str:
    """A date (or a datetime, in local time) as "Mar 3, 2026"."""
    return _format(value, DAY)


def day_and_month(value) -> str:
    """A date without its year, as "Mar 3", for a sentence that has already named the year."""
    return _format(value, DAY_AND_MONTH)


def day_and_time(value) -> str:
    """A datetime in local time as "Mar 3, 2026 14:05"."""
    return _format(value, DAY_AND_TIME)


def _format(value, pattern: str) -> str:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, pattern)
