"""The one CSV writer for every file the portal hands out.

Spreadsheet programs run a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (`=HYPERLINK(...)` sends the reader's data to another site). A plain number such as -2.5 is
left as it is. Much of what the portal
exports was typed by someone else: report summaries, hospital names from the public
application form, audit summaries. Every cell therefore goes through `safe_cell`, which puts an
apostrophe in front of such text, so the spreadsheet shows it as typed and runs nothing.

Use `csv_response` (streamed, for large exports), `csv_attachment` (built in memory, for
bounded ones) or `csv_text`; never `csv.writer` directly.
"""

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _is_plain_number(text):
        return "'" + text
    return text


def _is_plain_number(text: str) -> bool:
    """A number such as -2.5 or +3 is data, not a formula: it stays as it is, so charts' CSV
    files keep numbers a spreadsheet can add up."""
    if text != text.strip():
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_row(row: Iterable) -> list[str]:
    return [safe_cell(value) for value in row]


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterable[str]:
    """Each row as one CSV line (RFC 4180, CRLF), every cell neutralised."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_text(rows: Iterable[Iterable]) -> str:
    return "".join(csv_lines(rows))


def _as_download(response, filename: str):
    # The name is chosen by the code, never by the user.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download, read row by row."""
    return _as_download(
        StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8"), filename
    )


def csv_attachment(rows: Iterable[Iterable], filename: str) -> HttpResponse:
    """A CSV download built in memory."""
    return _as_download(
        HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8"), filename
    )
