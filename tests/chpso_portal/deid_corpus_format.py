"""Reads the de-identification evaluation corpus (tests/chpso_portal/deid_corpus/README.md).

A corpus file holds texts separated by lines that contain only ``---``. Lines starting with ``#``
before the first text are comments. Every identifier is marked inline as ``[[kind|surface]]``;
stripping the marks gives the text exactly as a reporter would have typed it, and each mark
becomes a ``(kind, start, end)`` span into that stripped text. A text with no mark is clean.

Kept free of Django so that the format test and the evaluation harness can both import it.
"""

import re
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "deid_corpus"

KINDS = ("name", "facility", "place", "date", "phone", "age", "serial", "id")

SEPARATOR = "---"

# A mark's surface cannot hold a bracket, so a nested mark leaves a stray "[[" or "]]" behind
# once the inner one is replaced, and the leftover check below reports it.
_MARK = re.compile(r"\[\[([^\[\]|]*)\|([^\[\]]*)\]\]")


class CorpusFormatError(ValueError):
    """A corpus file breaks the format; the message names the file and the text."""


@dataclass(frozen=True)
class CorpusText:
    text: str
    marks: list[tuple[str, int, int]]
    source: str
    index: int

    @property
    def is_clean(self):
        return not self.marks

    def surfaces(self):
        """The marked words as ``(kind, surface)``, in order of appearance."""
        return [(kind, self.text[start:end]) for kind, start, end in self.marks]


def parse_text(raw, *, source="<text>", index=0):
    """Strip the marks from one raw text; return a CorpusText or raise CorpusFormatError."""
    where = f"{source} text {index}"
    pieces = []
    marks = []
    length = 0
    position = 0
    for match in _MARK.finditer(raw):
        before = raw[position : match.start()]
        pieces.append(before)
        length += len(before)
        kind, surface = match.group(1), match.group(2)
        if kind not in KINDS:
            raise CorpusFormatError(f"{where}: unknown kind {kind!r} in {match.group(0)!r}")
        if not surface.strip():
            raise CorpusFormatError(f"{where}: empty surface in {match.group(0)!r}")
        if surface != surface.strip():
            raise CorpusFormatError(f"{where}: surface with outer spaces in {match.group(0)!r}")
        pieces.append(surface)
        marks.append((kind, length, length + len(surface)))
        length += len(surface)
        position = match.end()
    pieces.append(raw[position:])
    text = "".join(pieces)
    for leftover in ("[[", "]]"):
        if leftover in text:
            raise CorpusFormatError(
                f"{where}: {leftover!r} left after stripping the marks (nested or broken mark)"
            )
    if not text.strip():
        raise CorpusFormatError(f"{where}: empty text")
    return CorpusText(text=text, marks=marks, source=source, index=index)


def parse_file_text(content, *, source="<file>"):
    """Split a corpus file's content into texts; comments only before the first text."""
    texts = []
    block = []
    in_header = True
    for line in content.splitlines():
        if in_header:
            if line.startswith("#") or not line.strip():
                continue
            in_header = False
        if line.strip() == SEPARATOR:
            texts.append(block)
            block = []
            continue
        block.append(line)
    texts.append(block)
    result = []
    for lines in texts:
        raw = "\n".join(lines).strip("\n")
        if not raw.strip():
            # A separator at the very end or two in a row: nothing between them.
            continue
        result.append(parse_text(raw, source=source, index=len(result)))
    return result


def load_corpus(path=CORPUS_DIR):
    """Every text of one corpus file, or of every ``*.txt`` below a folder, in a stable order.

    ``source`` is the file's path relative to the folder given (``dev/bedside.txt``), or its
    name when a single file is given.
    """
    path = Path(path)
    if path.is_file():
        files = [(path, path.name)]
    else:
        files = [(file, file.relative_to(path).as_posix()) for file in sorted(path.rglob("*.txt"))]
    texts = []
    for file, source in files:
        texts.extend(parse_file_text(file.read_text(encoding="utf-8"), source=source))
    return texts
