"""Exact matching of the names the portal already knows (people, hospitals, places, units).

The portal may know thousands of names. A plain alternation of thousands of literals makes the
regex engine try every alternative at every position of the text, so the names are compiled
into a prefix tree instead: one alternation in which each character is tried once per
position. Greedy optional branches make the longest known name win at any position, and the
compiled matcher is cached per `KnownIdentifiers` value because building it is the slow part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .findings import FindingKind, KnownIdentifiers

# Generational suffixes and credentials are not the surname in "John Smith Jr." or
# "Jane Doe RN".
_NAME_SUFFIXES = frozenset(
    "jr sr ii iii iv md do rn np pa pa-c phd pharmd lpn lvn crna aprn dnp msn bsn".split()
)
# Honorifics stored with a name ("Dr. Ann O'Neil") are not part of how it appears in text.
_NAME_PREFIXES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sister", "rev"})
_MIN_SURNAME_LETTERS = 3
# Longer entries are data errors, and would nest the pattern deeper than the regex compiler
# allows.
_MAX_TERM_CHARS = 120
_WHITESPACE = re.compile(r"[.,]?\s+")


def _lower(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def normalize(value: str) -> str:
    """Key under which a known term and the text it matched compare equal.

    Lower-cases one character at a time and keeps a character whose lower case is longer
    ("İ"), because the case-insensitive regex compares single characters.
    """
    value = "".join(map(_lower, value.strip())).replace("\u2019", "'")
    return _WHITESPACE.sub(" ", value)


@dataclass(frozen=True)
class KnownMatcher:
    pattern: re.Pattern[str]
    kinds: dict[str, FindingKind]

    def finditer(self, text: str) -> Iterator[tuple[FindingKind, int, int]]:
        for match in self.pattern.finditer(text):
            start, end = match.span()
            kind = self.kinds.get(normalize(match.group()), FindingKind.NAME)
            yield kind, start, end


class _Node:
    __slots__ = ("children", "full", "surname")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.full = False  # a term that matches in any letter case ends here
        self.surname = False  # a surname that must be capitalized in the text ends here


def _person_terms(name: str) -> tuple[list[str], str | None]:
    """Full-name spellings worth matching, and the surname that may stand alone."""
    tokens = name.split()
    while len(tokens) > 1 and tokens[-1].strip(".,").lower() in _NAME_SUFFIXES:
        tokens.pop()
    while len(tokens) > 1 and tokens[0].strip(".,").lower() in _NAME_PREFIXES:
        tokens.pop(0)
    if len(tokens) == 1:
        # A single word ("Cher") gets the capitalization rule, or a name like "Will" or
        # "Hope" would flag ordinary words.
        return [], tokens[0].strip(".,")
    first, surname = tokens[0], tokens[-1].strip(".,")
    terms = [" ".join(tokens), f"{surname} {first}"]  # "Lopez, Maria" normalizes to this
    if len(tokens) > 2:
        terms.append(f"{first} {surname}")  # middle names are often left out
    letters = sum(ch.isalpha() for ch in surname)
    return terms, surname if letters >= _MIN_SURNAME_LETTERS else None


def _atom(char: str) -> str:
    if char == " ":
        return r"[.,]?\s++"
    if char == "'":
        return "['\u2019]"
    return re.escape(char)


def _emit(node: _Node) -> str:
    parts = []
    for char in sorted(node.children):
        # Follow single-child chains without nesting, which keeps the pattern shallow.
        chain = [_atom(char)]
        child = node.children[char]
        while len(child.children) == 1 and not (child.full or child.surname):
            ((next_char, child),) = child.children.items()
            chain.append(_atom(next_char))
        parts.append("".join(chain) + _emit(child))
    if node.full or node.surname:
        # Ending here is tried last so that a longer known term wins; a surname-only ending
        # fails when the match started with a lower-case letter.
        parts.append("" if node.full else "(?(lc)(?!))")
    if len(parts) == 1:
        return parts[0]
    return "(?:" + "|".join(parts) + ")"


def _insert(root: _Node, term: str, *, surname: bool) -> None:
    node = root
    for char in term:
        node = node.children.setdefault(char, _Node())
    if surname:
        node.surname = True
    else:
        node.full = True


@lru_cache(maxsize=16)
def build_matcher(known: KnownIdentifiers) -> KnownMatcher | None:
    """Compile one prefix-tree alternation for every known term."""
    kinds: dict[str, FindingKind] = {}
    surname_kinds: dict[str, FindingKind] = {}
    root = _Node()
    capitals: set[str] = set()

    def add(term: str, kind: FindingKind, *, surname: bool = False) -> None:
        key = normalize(term)
        if not 2 <= len(key) <= _MAX_TERM_CHARS:
            return
        if surname:
            surname_kinds.setdefault(key, kind)
            first = key[0]
            capitals.update({first.upper(), first} if first.upper() == first else {first.upper()})
        else:
            kinds.setdefault(key, kind)
        _insert(root, key, surname=surname)

    for name in known.person_names:
        terms, surname = _person_terms(name)
        for term in terms:
            add(term, FindingKind.NAME)
        if surname:
            add(surname, FindingKind.NAME, surname=True)
    for kind, values in (
        (FindingKind.HOSPITAL, known.hospital_names),
        (FindingKind.UNIT, known.units),
        (FindingKind.PLACE, known.places),
    ):
        for value in values:
            add(value, kind)

    if not root.children:
        return None
    prefix = r"(?<!\w)"
    if capitals:
        # Records whether the match starts with a lower-case letter, so that a surname such as
        # "Rose" is not found in "the pressure rose".
        upper = "".join(re.escape(ch) for ch in sorted(capitals))
        prefix += rf"(?>(?-i:(?=[{upper}]))|(?P<lc>))"
    pattern = re.compile(prefix + "(?:" + _emit(root) + r")(?!\w)", re.IGNORECASE)
    return KnownMatcher(pattern=pattern, kinds={**surname_kinds, **kinds})
