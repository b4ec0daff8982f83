"""The word lists in `data/`, read once per process into frozensets (standard library only).

`lexicon()` loads them on first use and keeps them for the life of the process; a web server
that forks workers after importing the application (gunicorn `--preload`) loads them once in
the parent, see `chpso_portal/wsgi.py`. `data/SOURCES.md` says where each list comes from and
`build_lists.py` rebuilds the generated ones.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

_lock = threading.Lock()
_loaded: Lexicon | None = None


def fold(value: str) -> str:
    """Lower case without accents and curly apostrophes, as every list is stored."""
    if value.isascii():
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value.replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class Lexicon:
    first_names: frozenset[str]
    surnames: frozenset[str]
    english: frozenset[str]
    proper: frozenset[str]  # capitalised dictionary words that are no name or place
    places: frozenset[str]  # "elk grove", "st louis": see build_lists.place_key
    neighbourhoods: frozenset[str]  # curated, also found after "the" ("the Bronx")
    place_heads: dict[str, int]  # first word of a place -> most words of a place it starts
    clinical: frozenset[str]
    facilities: frozenset[str]  # folded curated names ("kaiser", "good sam")
    facility_heads: dict[str, int]
    facility_abbreviations: frozenset[str]  # exactly as written ("UCSF", "UChicago")
    name_trigrams: dict[str, float]  # letter triple -> how much more often it is in names
    # a big city of one word, and each spelling of it with one letter left out -> the cities
    big_city_deletes: dict[str, tuple[str, ...]]

    def name_shape(self, key: str) -> float:
        """How much a folded word is spelled like a name rather than an English word: the
        mean weight of its letter triples ("tesfaye" 0.5, "faleolo" 0.6, "subcutaneously"
        -1.4); hyphens and apostrophes are left out."""
        letters = key if key.isalpha() else "".join(ch for ch in key if ch.isalpha())
        if len(letters) < 2:
            return 0.0
        weights = self.name_trigrams
        word = "^" + letters + "$"
        count = len(word) - 2
        # Not remembered across texts: the words scored here are those in no list, the
        # likeliest to be a name, and nothing of a screened text stays in the process.
        return sum(weights.get(word[i : i + 3], 0.0) for i in range(count)) / count


def _lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line]


def _curated_words(name: str) -> list[str]:
    words = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        words.extend(line.split("#", 1)[0].split())
    return words


def _curated_lines(name: str) -> list[str]:
    result = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            result.append(line)
    return result


def phrase_key(value: str) -> str:
    """A name as the screening's tokens spell it: folded, "Saint"/"St." as "st", possessive
    and "&" dropped ("Texas Children's" -> "texas children", "Scott & White" -> "scott
    white")."""
    value = fold(value).replace(".", " ").replace("&", " ")
    words = []
    for word in value.split():
        if word.endswith("'s") and len(word) > 2:
            word = word[:-2]
        words.append({"saint": "st", "mount": "mt", "fort": "ft"}.get(word, word))
    return " ".join(words)


def _heads(phrases) -> dict[str, int]:
    heads: dict[str, int] = {}
    for phrase in phrases:
        words = phrase.split(" ")
        heads[words[0]] = max(heads.get(words[0], 0), len(words))
    return heads


def _weights(name: str) -> dict[str, float]:
    weights = {}
    for line in _lines(name):
        triple, weight = line.split("\t")
        weights[triple] = float(weight)
    return weights


def _load() -> Lexicon:
    neighbourhoods = frozenset(phrase_key(name) for name in _curated_lines("places_extra.txt"))
    places = frozenset(_lines("us_places.txt")) | neighbourhoods
    facilities = frozenset(phrase_key(name) for name in _curated_lines("facility_names.txt"))
    return Lexicon(
        first_names=frozenset(_lines("first_names.txt")),
        surnames=frozenset(_lines("surnames.txt")),
        english=frozenset(_lines("english_words.txt")),
        proper=frozenset(_lines("proper_words.txt")),
        places=places,
        neighbourhoods=neighbourhoods,
        place_heads=_heads(places),
        clinical=frozenset(
            fold(word)
            for name in ("clinical_terms.txt", "clinical_shorthand.txt")
            for word in _curated_words(name)
        ),
        facilities=facilities,
        facility_heads=_heads(facilities),
        facility_abbreviations=frozenset(_curated_words("facility_abbreviations.txt")),
        name_trigrams=_weights("name_trigrams.txt"),
        big_city_deletes=_deletes(
            city for city in _curated_lines("big_cities.txt") if " " not in city
        ),
    )


def _deletes(words) -> dict[str, tuple[str, ...]]:
    """Each word of six letters or more, and the word with any one letter left out, mapped to
    every word it comes from: a spelling one edit from a word shares one of these keys with
    it (so do some spellings two edits away, which the lookup checks and drops)."""
    found: dict[str, tuple[str, ...]] = {}
    for word in words:
        if len(word) < 6:
            continue
        for key in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
            if word not in found.get(key, ()):
                found[key] = found.get(key, ()) + (word,)
    return found


def lexicon() -> Lexicon:
    """The lists, loaded on first call (thread-safe) and shared by every later call."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded
