"""Detectors that need word lists: people, facilities and places the portal has never seen.

The text is split into word tokens once; each token is looked up in the lists of `lexicon`
(first names, surnames, ordinary English words, US places, curated clinical terms and
facility names). The rules then read a token together with its neighbours, the way a reader
would: "Jen told the charge nurse", "wife Maria", "pt john baker", "Baker, John", "J.B.",
"transferred to Good Sam", "lives in Elk Grove". What the rules deliberately leave alone:
ordinary words that happen to be names ("Will", "Rose") unless something says a person is
meant, eponyms ("Braden scale", "Foley catheter", "Whipple procedure"), devices, drugs and
products, and departments ("Behavioral Health", "Central Pharmacy").

Every rule works token by token with set look-ups, so the cost is linear in the text.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from operator import attrgetter

from . import columns
from .findings import FindingKind
from .lexicon import Lexicon, fold, lexicon

Span = tuple[FindingKind, int, int]
_START = attrgetter("start")
_END = attrgetter("end")

# Letters: Latin with accents, and the Latin Extended Additional block that Vietnamese needs
# ("Nguyễn Thị Hương").
_LETTER = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_WORD = re.compile(
    rf"[{_LETTER}](?:[{_LETTER}]|['\u2019\-](?=[{_LETTER}]))*"
)
_SENTENCE_END = frozenset(".!?:;\n\u2022*>|")
# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = frozenset(
    "dr mr mrs ms mx st mt ft vs prof rev sr jr no approx pt dept sgt det dep capt cpl ofc"
    .split()
)

_TITLES = frozenset("dr mr mrs ms mx miss prof rev fr sr br ofc".split())
# Endings of clinical words missing from the dictionary ("asymptomatic", "tachycardic"); a
# word in none of the lists with one of these endings is not taken for a name.
_CLINICAL_ENDINGS = (
    "ic", "ics", "ous", "ive", "ated", "ed", "ing", "emia", "itis", "osis", "oma", "tomy",
    "scopy", "gram", "graphy", "pathy", "plasty", "uria", "algia", "pnea", "cardia", "tension",
    "ize", "ized", "ization", "lysis", "penia", "cyte", "cytes", "ase", "pril", "sartan",
    "olol", "statin", "mab", "nib", "azole", "cillin", "mycin", "floxacin", "cycline",
    "dipine", "parin", "xaban", "tidine", "prazole", "setron", "azepam", "phine", "gesic",
    "ness", "ity", "ment", "ments", "ism", "less", "ation", "ations", "ition", "itions", "ee",
    "ees", "amine", "aine", "idine", "oxacin", "dronate", "ide", "ides", "one", "ones", "ol",
    "ology", "ologist", "ologists", "virus", "viruses", "coccus", "cocci", "bacter",
)
# Words after which a name is expected: relations, roles and titles.
RELATION_CUES = frozenset(
    """
    wife husband spouse partner daughter son mother father mom dad mum sister brother
    niece nephew grandson granddaughter grandmother grandfather grandma grandpa aunt uncle
    cousin boyfriend girlfriend fiance fiancee friend neighbor neighbour caregiver roommate
    stepdaughter stepson stepmother stepfather guardian poa proxy surrogate sibling child kid
    grand-daughter grand-son step-daughter step-son step-mother step-father great-grandson
    great-granddaughter godmother godfather goddaughter godson hubby stepdad stepmom
    stepsister stepbrother ex-wife ex-husband
    """.split()
)
ROLE_CUES = frozenset(
    """
    pt patient pts resident client member mr mrs ms mx miss dr doctor nurse rn lpn lvn cna np
    pa md do tech technician sitter aide paramedic emt medic surgeon pharmacist therapist
    interpreter hospitalist intensivist attending intern fellow provider physician midwife
    chaplain officer clerk transporter volunteer student preceptor preceptee traveler
    traveller registry agency locum charge director manager supervisor sup supv coordinator
    educator
    anesthesiologist anesthetist crna rt ot slp msw lcsw dietitian float pct cnm
    sgt sergeant deputy detective det trooper capt captain cpl corporal firefighter ranger
    ofc huc phleb phlebotomist secretary
    """.split()
)
PERSON_CUES = RELATION_CUES | ROLE_CUES
# Cues so strong that a lower-case word after them is read as a name ("pt john baker").
_STRONG_CUES = RELATION_CUES | frozenset("pt patient mr mrs ms dr nurse named called".split())
# Verbs that say the word before them is a person ("Jen told the charge nurse").
PERSON_VERBS = frozenset(
    """
    said says told tells asked asks called calls stated states reported reports noticed
    notices found finds gave gives gave was is had has came went arrived left refused refuses
    agreed declined wanted wants requested requests answered responded replied yelled
    screamed cried fell falls slipped tripped walked ambulated complained complains denied
    denies signed wrote documented charted paged texted emailed phoned hung pushed gave
    administered drew checked verified witnessed saw sees heard brought took takes helped
    helps assisted insisted explained mentioned admitted confirmed knew thought felt became
    """.split()
)
# A word before a capitalised word that makes it a thing rather than a person.
_ARTICLES = frozenset("the a an this that these those our their its each every any".split())

# A name followed by one of these is an eponym, a device or a scale, not a person.
EPONYM_HEADS = frozenset(
    """
    scale scales score scores syndrome syndromes disease diseases disorder sign signs
    catheter catheters cath position positions procedure procedures formula formulas test
    tests maneuver maneuvers manoeuvre criteria classification classifications stage staging
    fracture fractures palsy reflex reflexes triad law laws rule rules tube tubes drain drains
    bag bags pump pumps lift lifts bed beds mattress boot boots collar collars splint splints
    traction needle needles line lines port ports device devices monitor monitors ventilator
    ventilators vent vents mask masks cannula airway blade blades stocking stockings hose
    dressing dressings method methods protocol protocols technique techniques approach
    incision repair operation shunt valve ring filter stent clamp forceps retractor tourniquet
    sheath balloon probe system systems index grade type phenomenon effect equation chart
    coma agitation fall faces pain cycle loop cell cells tumor tumour sarcoma lymphoma anomaly
    malformation ulcer hernia diverticulum node nodes tract space point triangle pouch duct
    membrane gland glands sump suction tip pessary speculum stretcher chair walker cane scope
    exam examination view solution lactate wort vaccine virus bacillus units unit act
    assessment questionnaire inventory tool screen screening sedation delirium apparatus
    belt belts restraint restraints frame frames sling slings board boards cart carts
    murmur murmurs pupil pupils nodule nodules cyst cysts esophagus lesions spots sounds
    respirations breathing
    """.split()
)

_GRADES = frozenset("I II III IIIa IIIb IIIc IV V VI".split())
# Things a person's possessive owns rather than names: "Rahimi's bed" is no "Stryker bed".
_BELONGINGS = frozenset(
    "bed beds chair walker cane bag bags room pump monitor call phone glasses belongings pupil"
    " pupils murmur".split()
)

# Capitalised words that follow "patient" or "pt" without being names ("pt Spanish-speaking").
_NATIONS_AND_FAITHS = frozenset(
    """
    american english spanish chinese vietnamese korean japanese russian arabic french german
    italian portuguese polish haitian creole tagalog filipino hmong somali punjabi hindi urdu
    farsi persian armenian ukrainian greek hebrew navajo cantonese mandarin asian african
    hispanic latino latina latinx caucasian indian mexican cuban dominican salvadoran
    guatemalan honduran nicaraguan colombian peruvian brazilian jamaican nigerian ethiopian
    eritrean afghan iraqi syrian iranian pakistani bengali nepali burmese cambodian khmer
    laotian thai samoan tongan marshallese chuukese native catholic christian muslim jewish
    baptist methodist mormon lutheran hindu buddhist sikh jehovah medicare medicaid tricare
    asl deaf
    """.split()
)

# Ordinary capitalised words that start too many clean sentences to be names or places.
_NEVER = frozenset(
    """
    a about above after again against all also am an and another any are as at be because
    been before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i
    if in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours out over own per please same she should so some such than that the their
    them then there these they this those through to too under until up very via was we were
    what when where which while who whom why will with would yes you your yesterday today
    tonight tomorrow monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec christmas thanksgiving easter
    mon tue tues wed thu thur thurs fri sat sun
    am pm noc nocte ok okay yes no none unknown unk na n/a
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada hampshire jersey mexico york
    carolina dakota ohio oklahoma oregon pennsylvania rhode island tennessee texas utah vermont
    virginia washington wisconsin wyoming
    north south east west northern southern eastern western central upper lower new old
    english spanish american hispanic latino latina asian african european
    medicare medicaid tricare va
    """.split()
)

# Role and department words that are never part of a person's name.
_ROLE_WORDS = PERSON_CUES | frozenset(
    """
    nurses doctors physicians staff team unit floor shift charge night day evening morning
    house supervisor family families patient patients visitor visitors security pharmacy
    lab laboratory radiology transport dietary housekeeping environmental biomed engineering
    respiratory therapy surgery anesthesia medicine emergency department service services
    quality safety risk management administration admin leadership committee council
    rns mds nps lpns lvns cnas pas techs aides docs residents interns fellows attendings
    """.split()
)

# Words that describe rather than name a facility ("Central Pharmacy", "Behavioral Health").
GENERIC_FACILITY_WORDS = frozenset(
    """
    general community county regional memorial university medical children's childrens child
    women's womens women men's mens veterans va state city district teaching rural critical
    access acute psychiatric behavioral behavioural rehabilitation rehab specialty surgical
    private public local outside receiving sending referring partner member nearby tertiary
    quaternary academic major small large main new old same different affiliated sister home
    another other hospital hospitals health healthcare care center centre centers system
    systems clinic clinics pharmacy pharmacies imaging radiology laboratory lab labs
    diagnostic diagnostics inpatient outpatient ambulatory central satellite retail
    compounding infusion oncology cancer cardiology cardiac heart vascular stroke neuro
    ortho plastic plastics colorectal thoracic cardiothoracic bariatric transplant
    neurology neuroscience orthopedic orthopedics orthopaedic spine sports pediatric
    pediatrics adult adolescent geriatric senior seniors elder family practice medicine
    internal primary urgent emergency trauma burn wound dialysis kidney renal dental eye
    vision hearing mental employee employees occupational population student students
    global digital integrated preventive preventative wellness living assisted skilled
    nursing memory transitional post-acute postacute long-term term short-term residential
    group associates physicians physician doctors surgery surgeons surgical day night
    hospice palliative comprehensive specialty multispecialty multi-specialty walk-in walk
    express our their your his her the a an this that of and & at in for on to with by
    one two three four five several many few some any each every another same such which
    unit floor department dept service services program programs office offices facility
    facilities network networks institute foundation partners practice practices north
    south east west northern southern eastern western upper lower mid midtown downtown uptown
    independent elder elderly veteran military federal tribal indian native
    skilled-nursing sub-acute subacute long short stay extended intermediate board
    homeless domestic violence dv overnight warming cooling animal youth teen
    """.split()
)

# How a facility name ends; longest first within each first word.
_FACILITY_HEADS = [
    "hospital", "hospitals", "medical center", "medical centre", "med center", "med ctr",
    "medical ctr", "health system", "health systems", "healthcare system", "health",
    "healthcare", "health care", "health center", "health centre", "clinic", "clinics",
    "care center", "care centre", "senior living", "assisted living", "memory care",
    "pharmacy", "pharmacies", "drug", "drugs", "apothecary", "imaging", "radiology",
    "family practice", "family medicine", "medical group", "medical associates",
    "physicians", "behavioral health", "home health", "home care", "hospice",
    "rehabilitation", "rehab", "rehabilitation center", "rehabilitation hospital",
    "rehabilitation institute", "nursing home", "nursing center", "nursing facility",
    "nursing and rehabilitation", "nursing & rehabilitation", "nursing and rehab",
    "nursing & rehab", "nursing and rehab center", "nursing & rehab center",
    "skilled nursing", "post-acute", "post acute", "transitional care", "surgery center",
    "surgical center", "surgical hospital", "ambulatory surgery center", "urgent care",
    "dialysis", "dialysis center", "kidney center", "cancer center", "cancer institute",
    "heart institute", "institute", "infirmary", "sanitarium", "manor", "convalescent",
    "convalescent hospital", "care home", "residential care", "retirement community",
    "living center", "laboratory", "laboratories", "labs", "diagnostics", "medical plaza",
    "medical office", "medical building", "pediatrics", "orthopedics", "cardiology",
    "dermatology", "urology", "women's center", "birth center", "wellness center",
    "health clinic", "medical clinic", "medical", "specialty hospital", "care",
    "senior care", "healthcare center", "health and rehabilitation", "health & rehab",
    "post-acute care", "rehab center", "surgery", "ob/gyn", "obgyn", "med", "hosp",
    "community hosp", "med center", "kidney centers", "dialysis centers", "medical centers",
    "health centers", "care centers", "cancer centers", "surgery centers",
    "critical access", "critical access hospital", "kidney associates", "renal associates",
    "ambulance", "ambulance service", "flight", "air medical", "fire rescue", "asst living",
    "fire authority", "fire district", "fire department", "fire protection district",
    "detention center", "detention complex", "correctional facility", "correctional center",
    "surgical associates", "cardiology associates", "orthopedic associates",
    "pediatric associates", "urology associates", "oncology associates", "eye associates",
    "open mri",
    # Places named by what is done there: "Crossroads Treatment Center", "Summit Eye Center".
    "treatment center", "treatment centre", "treatment services", "recovery", "recovery center",
    "recovery services", "endoscopy center", "sleep center", "sleep centre", "eye center",
    "eye care", "vision center", "pain management", "pain center", "pain clinic", "dental",
    "dentistry", "physical therapy", "counseling", "counseling center", "infusion services",
    "infusion center", "endocrinology", "gastroenterology", "pulmonology", "neurology",
    "oncology", "women's health", "sports medicine", "vein center", "wound center",
    "fertility", "hearing center", "diagnostic center", "medical arts", "chiropractic",
    "optometry", "audiology", "podiatry", "allergy", "respite", "home health care",
    "behavioral", "behavioural", "behavioral hospital",
    # Places of care and shelter outside a hospital: "Crestview Adult Day", "Hope Mission
    # Shelter", "Cedar Ridge Group Home".
    "adult day", "adult day center", "adult day care", "adult day health", "adult day services",
    "group home", "shelter", "sober living", "halfway house",
    # Heads as they are mistyped in a hurry: "lakeside hosptial", "shady oaks nursing hom".
    "hosptial", "hopsital", "hospitl", "hosital", "medcial center", "nursing hom",
    "nursing hme", "rehab ctr", "care ctr", "nursing ctr", "health ctr",
]  # fmt: skip


# Characters of a gap that end what comes before them, for `frozenset.isdisjoint(gap)`.
_EPONYM_BREAKS = frozenset(".;:!?,(")
_CLAUSE_BREAKS = frozenset(".;:\n")
_SENTENCE_BREAKS = frozenset(".;:!?\n")


class Token:
    """One word of the text; the list look-ups (`stop` to `capd`) are filled in by `_Reader`."""

    __slots__ = (
        "start", "end", "word", "key", "cap", "upper", "initial", "possessive", "gap",
        "stop", "eng", "first", "sur", "unknown", "capd",
    )

    def __init__(self, start, end, word, key, cap, upper, initial, possessive, gap):
        self.start = start
        self.end = end
        self.word = word
        self.key = key  # folded, possessive removed
        self.cap = cap  # starts with a capital
        self.upper = upper  # all capitals, two letters or more
        self.initial = initial  # sentence-initial (or first in a line or list item)
        self.possessive = possessive
        self.gap = gap  # the text between the previous token and this one

    def __repr__(self) -> str:
        return f"Token({self.word!r}@{self.start})"


_OPENERS = " \t\"'(\u201c\u2018["


# What a word's letters alone say, remembered across texts (most words recur): its key,
# whether it is possessive, opens with a capital, and is all capitals. Only plain words are
# remembered (`_plain_word`): a name, a place or a word in no list stays with its text.
_WORD_FACTS: dict[str, tuple[str, bool, bool, bool]] = {}
_WORD_FACTS_LIMIT = 50_000


def _plain_word(key: str, lex: Lexicon) -> bool:
    """An ordinary word or a clinical term that is no name and no place: what a screened text
    may leave in the caches below without leaving anything of who or where it is about."""
    return (
        (key in lex.english or key in lex.clinical)
        and key not in lex.first_names
        and key not in lex.surnames
        and key not in lex.places
    )


def _word_facts(word: str, lex: Lexicon) -> tuple[str, bool, bool, bool]:
    if word[-1] in "sS" and len(word) > 2 and word[-2] in "'\u2019":
        possessive = True
        base = word[:-2]
    else:
        possessive = False
        base = word
    key = base.lower() if base.isascii() else fold(base)
    facts = (key, possessive, word[0].isupper(), len(base) > 1 and base.isupper())
    if len(_WORD_FACTS) < _WORD_FACTS_LIMIT and _plain_word(key, lex):
        _WORD_FACTS[word] = facts
    return facts


def tokenize(text: str, lex: Lexicon) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    facts_of = _WORD_FACTS.get
    previous_key = ""
    position = 0
    # Each word, and the text between it and the previous one. (A pattern that takes the gap
    # too would rescan a long tail without letters from each of its positions: quadratic.)
    for match in _WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        gap = text[position:start]
        position = end
        facts = facts_of(word) or _word_facts(word, lex)
        key = facts[0]
        if gap == " ":
            initial = not tokens
        elif not tokens or "\n" in gap:
            initial = True
        else:
            stripped = gap.strip(_OPENERS)
            initial = False
            if stripped:
                last = stripped[-1]
                if last in _SENTENCE_END:
                    initial = not (
                        last == "." and (previous_key in _ABBREVIATIONS or len(previous_key) == 1)
                    )
        append(Token(start, end, word, key, facts[2], facts[3], initial, facts[1], gap))
        previous_key = key
    return tokens


def _gap(text: str, left: Token, right: Token) -> str:
    if right.start - left.end == len(right.gap):
        return right.gap
    return text[left.end : right.start]


def _lower_surname_first(surname: Token, given: Token) -> bool:
    """ "hernandez, maria" typed in lower case: a surname of the lists that is no word, then a
    given name that is no shorthand, role or verb ("nguyen, will call back" is no name)."""
    return (
        not surname.cap and not given.cap and surname.sur and given.first
        and not surname.eng and not surname.stop and not given.stop
        and given.key not in _VERB_NAMES and given.key not in _COMMON_LOWER
        and len(surname.key) >= 3 and len(given.key) >= 3
    )


def _short_capital_given(surname: Token, given: Token) -> bool:
    """A given name in capitals after a surname in capitals, short as many are ("PHAM, THI",
    "NGUYEN, VAN AN"): a name and no word or shorthand ("LEE, TID" is no name)."""
    return (
        surname.upper and given.upper and given.word.isalpha()
        and (given.first or given.sur) and not given.eng and not given.stop
        and given.word not in _CREDENTIAL_INITIALS and given.word not in _UNIT_INITIALS
    )


# Shorthand that ends a message without signing it: "- ok", "-thx", "- NC" (nasal cannula).
_NOT_SIGNATURES = frozenset(
    "ok okay thx tx ty np nc na fyi tbd asap lol pls plz eod eta wnl nad ooh wbu idk".split()
)


def _signed_initials(text: str, token: Token, before: str) -> bool:
    """Initials that sign a message after a dash, at the end of a sentence that ends the text
    or its line: "pull the audit. - R.", "can u add him. -jt". Not a credential or a unit
    ("-RN", "- ICU"), nor a word ("- ok"), but a capital alone or a shorthand may sign."""
    if before.rstrip(" ")[-1:] not in {".", "!", "?", "\n"} or not token.word.isalpha():
        return False
    word = token.word
    if not (word.isupper() and len(word) <= 3 or word.islower() and 2 <= len(word) <= 3):
        return False
    if token.eng and len(word) > 1 or word.upper() in _CREDENTIAL_INITIALS or (
        word.upper() in _UNIT_INITIALS or token.key in _NOT_SIGNATURES
    ):
        return False
    if token.stop and len(word) > 1 and before.endswith("\n"):
        # Clinical shorthand closing a list, after an item or a heading: "Plan:\n- npo\n-
        # ivf\n- abx"; "-jt" after a sentence signs a message.
        line_start = text.rfind("\n", 0, token.start)
        previous_line = text[text.rfind("\n", 0, max(0, line_start)) + 1 : line_start]
        if previous_line.lstrip()[:1] in {"-", "*", "\u2022"} or previous_line.rstrip()[-1:] == ":":
            return False
    rest = text[token.end : token.end + 3]
    return rest.strip(" .!") == "" or rest.lstrip(" .!").startswith("\n")


def _adjacent(text: str, left: Token, right: Token, *, allow: str = "") -> bool:
    """Only spaces (and the characters in `allow`) between two consecutive tokens."""
    gap = right.gap
    if gap == " ":
        return True
    # Stripping the allowed characters leaves nothing when the gap holds no other.
    return 0 < len(gap) <= 3 and not gap.strip(" " + allow)


# Prefixes of English words that lists of surnames also hold: a lower-case word hyphenated
# after one of them ("mis-stocks", "re-do", "co-sign") is no double surname.
_ENGLISH_PREFIXES = frozenset("mis non pre re un co sub over under".split())

# A surname after a lower-case particle and a hyphen reads as capitalised: "al-Rashid",
# "el-Amin", "bin-Laden", "van-Dyke".
_PARTICLE_NAME = re.compile(
    r"(?:al|el|ul|ad|ar|as|at|az|ash|bin|ibn|abu|bint|da|de|di|du|van|von)-[A-Z\u00c0-\u00de]"
)


def _double_barrelled(word: str, english: frozenset[str]) -> bool:
    """ "Delacroix-Boone": every part capitalised and no English word, a surname and no drug
    ("Agitation-Sedation" is no name)."""
    parts = word.split("-")
    return len(parts) > 1 and all(
        part[:1].isupper() and part.lower() not in english for part in parts
    )


# Words the dictionary lacks because they are hyphenated from words it has: "sign-out",
# "Read-back", "teach-back". Read only for words no name list holds. Closed-up words of
# safety work ("handover", "readback", "telesitter") are listed in clinical_shorthand.txt:
# an ending or an opening alone would read surnames such as "Sandover" as ordinary words.
def _english_compound(word: str, key: str, english: frozenset[str]) -> bool:
    if "-" not in key:
        return False
    parts = key.split("-")
    # "Sign-out", "read-back"; never "Smith-Jones", whose every part is capitalised.
    return (
        len(parts) > 1 and all(part in english for part in parts)
        and not all(part[:1].isupper() for part in word.split("-"))
    )


# What the lists say about a word, remembered across texts (most words recur); plain words
# only, as for `_WORD_FACTS`.
_FLAGS: dict[str, tuple[bool, bool, bool, bool, bool]] = {}
_FLAGS_LIMIT = 50_000


def _flags(word: str, key: str, lex: Lexicon) -> tuple[bool, bool, bool, bool, bool]:
    """What the lists say about a word: (stop, English, given name, surname, in no list).
    Without a hyphen in `key` this depends on `key` alone, which `_FLAGS` relies on."""
    english, first_names, surnames = lex.english, lex.first_names, lex.surnames
    stop = key in _NEVER or key in lex.clinical or key in _ROLE_WORDS
    eng = key in english
    first = key in first_names
    sur = key in surnames
    if not sur and "-" in key:  # "Garcia-Lopez"; not "Park-style"
        parts = key.split("-")
        sur = all(p in surnames or p in first_names for p in parts) and not all(
            p in english for p in parts
        ) and not (word[0].islower() and parts[0] in _ENGLISH_PREFIXES)
        # "rivera-king" and "smith-jones" are names; "mis-stocks" is no "garcia-lopez"
    if not (first or sur) and ("'" in key or "\u2019" in key):
        bare = key.replace("'", "").replace("\u2019", "")  # "O'Brien" is OBRIEN
        first = bare in first_names
        sur = bare in surnames
    if not (eng or first or sur) and _english_compound(word, key, english):
        eng = True  # "Handover", "Sign-out", "Telesitter"
    unknown = not (
        eng or first or sur or stop or key in lex.proper or key in lex.places
    ) and not (
        len(key) > 5 and key.endswith(_CLINICAL_ENDINGS) and not _double_barrelled(word, english)
    ) and not (
        _contraction(english, key)
    )
    return stop, eng, first, sur, unknown


_prepare_lock = threading.Lock()
_prepared: Lexicon | None = None


def prepare() -> Lexicon:
    """The lists (`lexicon()`), and the word caches seeded from them, once per process.

    The caches learn plain words from the texts they read, and only those (`_plain_word`),
    so that nothing of a screened text stays in the process. That leaves out the English
    words that a list of names or places also holds, among them the commonest of all ("on",
    "in", "to", "from", "patient", "will", "home"): read afresh in every text, they cost as
    much as the rest of the words together. They are put in here from the lists alone, in
    lower case, capitalised and in capitals, so what the caches hold still depends on no text.
    `chpso_portal/wsgi.py` calls this at start-up, so forked workers share the result."""
    global _prepared
    if _prepared is None:
        with _prepare_lock:
            if _prepared is None:
                lex = lexicon()
                names_or_places = lex.first_names | lex.surnames | lex.places
                for key in lex.english & names_or_places:
                    if "-" in key or not key.isascii():
                        continue
                    _FLAGS[key] = _flags(key, key, lex)
                    for word in {key, key.capitalize(), key.upper()}:
                        _WORD_FACTS[word] = _word_facts(word, lex)
                _prepared = lex
    return _prepared


class _Reader:
    """The tokens of one text with the list look-ups each rule needs."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.tokens = tokenize(text, lex)
        # Lower-case text in long stretches ("pt john baker fell") gets the rules for
        # lower-case typing; properly cased text does not, which keeps it quiet.
        self.mostly_upper = False
        upper_by_word = [t.upper for t in self.tokens if len(t.word) > 3]
        if upper_by_word:
            self.mostly_upper = sum(upper_by_word) > 0.6 * len(upper_by_word)
        places = lex.places
        cache = _FLAGS
        # The positions of the given names, the given names or surnames, the capitalised
        # words and the words read as capitalised (`capd`): rules that look at these only
        # walk these lists rather than every word of the text.
        self.given_at: list[int] = []
        self.named_at: list[int] = []
        self.cap_at: list[int] = []
        self.capd_at: list[int] = []
        for index, token in enumerate(self.tokens):
            key = token.key
            word = token.word
            if token.cap:
                self.cap_at.append(index)
                if len(word) > 2 and word[1].isupper() and not token.upper:
                    token.stop = True  # "ADLs", "RNs", "PRBCs": plural abbreviations
                    token.capd = True
                    token.eng = token.first = token.sur = token.unknown = False
                    self.capd_at.append(index)
                    continue
            flags = cache.get(key)
            if flags is None:
                flags = _flags(word, key, lex)
                if (
                    len(cache) < _FLAGS_LIMIT and "-" not in key
                    and (flags[0] or flags[1]) and not (flags[2] or flags[3])
                    and key not in places
                ):
                    cache[key] = flags
            token.stop, token.eng, token.first, token.sur, token.unknown = flags
            if flags[2]:
                self.given_at.append(index)
                self.named_at.append(index)
            elif flags[3]:
                self.named_at.append(index)
            if token.upper:
                token.capd = self.mostly_upper or len(token.word) > 3
            else:
                token.capd = token.cap or "-" in word and _PARTICLE_NAME.match(word) is not None
            if token.capd:
                self.capd_at.append(index)

    # --- classification -------------------------------------------------------------

    def is_stop(self, token: Token) -> bool:
        return token.stop

    def is_english(self, token: Token) -> bool:
        return token.eng

    def is_first(self, token: Token) -> bool:
        return token.first

    def is_surname(self, token: Token) -> bool:
        return token.sur

    def is_unknown_word(self, token: Token) -> bool:
        """In no list at all: not a word, place, name, brand or clinical term we know."""
        return token.unknown

    def capitalised(self, token: Token) -> bool:
        return token.capd

    def namelike(self, token: Token) -> bool:
        """Could be part of a person's name by the lists alone (case not considered)."""
        return (token.first or token.sur) and not token.stop and len(token.key) > 1

    def _after_given_name(self, index: int) -> bool:
        """Token `index` follows a capitalised given name or surname: "Maria Garcia"."""
        if index == 0 or self.tokens[index].gap != " ":
            return False
        previous = self.tokens[index - 1]
        return previous.cap and not previous.stop and (
            previous.first or previous.sur and not previous.eng
        )

    def eponym_after(self, index: int) -> bool:
        """The word after token `index` (or the one after that) makes it an eponym."""
        tokens = self.tokens
        if tokens[index].possessive and index + 1 < len(tokens) and (
            tokens[index + 1].key in _BELONGINGS
        ):
            return False  # "Rahimi's bed", "Ana's walker": an owner, not "Stryker bed"
        if index + 1 < len(tokens) and tokens[index + 1].word in _GRADES and (
            tokens[index + 1].gap == " "
        ) and tokens[index].cap and not (index > 0 and tokens[index - 1].key in _TITLES) and (
            index + 2 >= len(tokens) or tokens[index + 2].gap.strip()[:1] in {",", ".", ";", ")"}
        ) and not self._after_given_name(index):
            # "Garden IV,", "Mallampati II."; not "told Begay I had to", "Robert Jones III
            # was found", "Marcus Okafor II, the patient": a name and its generation
            return True
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is not None and following.key in {"bed", "room", "rm"} and (
            self.text[following.end : following.end + 3].lstrip(" #")[:1].isdigit()
        ):
            return False  # "GARCIA MARIA bed 4": where the person lies, no "Stryker bed"
        for offset in (1, 2):
            position = index + offset
            if position >= len(tokens):
                return False
            following = tokens[position]
            gap = _gap(self.text, tokens[position - 1], following)
            if "\n" in gap or len(gap) > 3 or not _EPONYM_BREAKS.isdisjoint(gap):
                return False
            if following.key in EPONYM_HEADS:
                # "daughter Kimberlee cell in chart": a relative's cell phone, not "Hurthle cell"
                return not (following.key == "cell" and index and self.cue_before(index) is not None
                            and tokens[index - 1].key in RELATION_CUES)
            if offset == 1 and not (following.cap or following.key in self.lex.clinical):
                return False
        return False

    def previous_word(self, index: int, *, same_sentence: bool = True) -> Token | None:
        if index == 0:
            return None
        token = self.tokens[index]
        if same_sentence and (token.initial or "\n" in token.gap):
            return None
        return self.tokens[index - 1]

    def cue_before(self, index: int) -> Token | None:
        """A relation, role or title word right before token `index` ("wife", "pt", "Mrs.")."""
        if index > 0 and ":" in self.tokens[index].gap and "\n" not in self.tokens[index].gap:
            label = self.tokens[index - 1]
            if label.key in _LABELS or label.key in PERSON_CUES:
                return label  # "Witness: Tom Reyes", "From: Priya Nair"
        previous = self.previous_word(index)
        if previous is None:
            return None
        if previous.key not in PERSON_CUES:
            return None
        gap = self.tokens[index].gap
        if gap != " " and (len(gap) > 3 or gap.strip(" .:,-")):
            return None
        if "." in gap and previous.key not in _TITLES and not (
            previous.key == "pt" and (token_is_name := self.tokens[index]).cap
            and (token_is_name.first or token_is_name.sur)
        ):
            return None  # "by PT. Orthostatic vitals" ends a sentence; "Pt. Garcia" does not
        return previous
        # "the patient's daughter, Linda": a cue one word further back through a comma
        return None

    def verb_after(self, index: int) -> bool:
        tokens = self.tokens
        if index + 1 >= len(tokens):
            return False
        following = tokens[index + 1]
        gap = _gap(self.text, tokens[index], following)
        if gap.strip(" ,") or "\n" in gap:
            return False
        if following.key in PERSON_VERBS:
            return True
        return following.key in {"and", "or"} and index + 2 < len(tokens) and (
            self.namelike(tokens[index + 2]) and tokens[index + 2].cap
        ) and not (tokens[index].eng and tokens[index + 2].eng)  # "Cedar and Aspen pods"


# --- people ----------------------------------------------------------------------------

_PARTICLES = frozenset("de del della der di da dos das du van von la le st bin ibn al el".split())
_CREDENTIAL_INITIALS = frozenset(
    """
    AM PM US UK MD RN DO NP PA BP IV PO OR ED IM SQ SC QD BID TID QID HS PRN NPO DC ER LPN
    CNA RT PT OT SLP ASAP CO SOB EMS ICU MS MR DR ST EKG ECG GI OB DNR DNI POA AMA LOL IO
    TPA CT NG OG RA LA LE RE AD AS AU OD OU DX TX HX RX SX FX CC NS LR UA UTI HR RR
    ID EHR EMR MAR ADT BMP CBC CMP INR PTT ABG VBG CXR MRI EEG EGD LOC ROM ADL HOB SCD TED
    VAP CVC IVP NGT PEG GCS BMI DVT PE MI CVA TIA CHF DKA AKI CKD HTN DM OSA VS PCP SNF
    LTC ALF NH WC BSC BRP OOB NWB BR HOH LTM PCA IVF TPN ETT SPO ECT ESI LWS LWBS AOB
    """.split()
)
_PATIENT_CUES = frozenset("pt patient resident res mr mrs ms".split())
_PATIENT_STATUS = frozenset(
    "AM PM US DNR DNI AMA NPO ICU ED ER OR PO IV PT OT HR RR BP UA UTI GI CT POA SOB DC".split()
)
_INITIALS = re.compile(
    r"(?<![\w.])(?P<i>[A-Z]\.[ ]?[A-Z]\.(?:[ ]?[A-Z]\.)?)(?![\w])"
    r"|(?<![\w.])(?P<j>[A-Z]\.(?:[ ]?[A-Z]\.?)?)(?=[ ,;:)]|$)"
)
_INITIAL_LEAD = re.compile(r"[A-Z]\.")


def _name_runs(reader: _Reader) -> Iterator[tuple[int, int]]:
    """Runs of capitalised tokens that could be one name: (first index, last index)."""
    tokens = reader.tokens
    text = reader.text
    count = len(tokens)
    index = 0
    while index < count:
        token = tokens[index]
        if not token.capd or token.stop or len(token.word) == 1 and (
            token.gap[-1:].isdigit() or token.gap[-1:] in "&/"
        ):
            # "2L. Faith community nurse": a unit after a number, no initial; "reviewed by
            # P&T. Ask": the last letter of an abbreviation
            index += 1
            continue
        last = index
        while last + 1 < count and last - index < 3:
            following = tokens[last + 1]
            if following.initial or not _adjacent(text, tokens[last], following, allow="."):
                break
            if "." in _gap(text, tokens[last], following) and len(tokens[last].word) > 1:
                break  # "Smith. Then" ends the run; "A. Smith" does not
            if following.capd and not following.stop:
                last += 1
                continue
            if (
                following.key in _PARTICLES
                and last + 2 < len(tokens)
                and tokens[last + 2].capd
                and _adjacent(text, following, tokens[last + 2])
            ):
                last += 2
                continue
            break
        yield index, last
        index = last + 1


def _detect_people(reader: _Reader) -> Iterator[Span]:
    tokens = reader.tokens
    text = reader.text
    found: dict[str, int] = {}  # folded name words found, for misspellings later
    lex_proper = reader.lex.proper
    spans: list[tuple[int, int]] = []

    def accept(first: int, last: int) -> None:
        end = tokens[last].end - (2 if tokens[last].possessive else 0)
        spans.append((tokens[first].start, end))
        for token in tokens[first : last + 1]:
            if len(token.key) >= 4 and token.key not in _PARTICLES:
                found[token.key] = 1

    # Capitalised runs: "Maria Lopez", "Jen", "Okafor", "Mary Ellen O'Brien".
    for first, last in _name_runs(reader):
        # "Kelly Notified the nurse": a capitalised ordinary word ends the name.
        while last > first and tokens[last].eng and not reader.namelike(
            tokens[last]
        ):
            last -= 1
        run = [t for t in tokens[first : last + 1] if t.key not in _PARTICLES]
        if not run or reader.eponym_after(last):
            continue
        previous = reader.previous_word(first)
        cue = reader.cue_before(first)
        if cue is None and last > first:
            cue = _credential_after(reader, last)  # "Crystal Rivers RN", "Hope Young, NP"
        after_article = previous is not None and previous.key in _ARTICLES and cue is None
        if after_article:
            continue
        lead = run[0]
        if lead.initial and len(run) > 1 and lead.eng and cue is None:
            if len(run) == 2 and not lead.first and not run[1].first and run[1].eng and (
                lead.key in reader.lex.english and run[1].key in reader.lex.english
            ):
                continue  # "Blood Bank called", "Rapid Response paged": two everyday words
            # "Will Smith" at the start of a sentence could be the verb; read the rest.
            if not (lead.first and not run[1].eng):
                run = run[1:]
                first = tokens.index(run[0], first)
        if len(run) >= 2:
            names = [t for t in run if reader.namelike(t)]
            unknown = [t for t in run if t.unknown]
            given = run[0].first or len(run[0].key) == 1
            family = any(t.sur or t.unknown for t in run[1:])
            everyday = all(t.eng for t in run if len(t.key) > 1)
            if given and family and (not everyday or cue is not None or not run[0].initial):
                accept(first, last)
                continue
            if cue is not None and (names or unknown):
                accept(first, last)
                continue
            if len(run) == 2 and run[0].sur and run[1].first and not run[0].eng and not (
                run[0].key in lex_proper or run[1].stop
            ):
                accept(first, last)  # "GONZALEZ MARIA" opening a row: surname first
                continue
            if len(names) + len(unknown) == len(run) and not everyday and (
                reader.verb_after(last) or len(names) >= 1 and len(unknown) >= 1
            ):
                accept(first, last)
                continue
            # Fall through to judge the words one by one.
        for position in range(first, last + 1):
            token = tokens[position]
            if token.key in _PARTICLES or len(token.key) < 2 or token.stop:
                continue
            if position > first and token.key in EPONYM_HEADS:
                continue  # "Coma Scale", "Tension Sign": the head of a clinical name
            if token.upper and not reader.mostly_upper and len(token.key) <= 3:
                continue
            own_cue = reader.cue_before(position)
            english = token.eng
            first_name = token.first
            surname = token.sur
            unknown = token.unknown
            if own_cue is not None and (
                first_name or surname or unknown
                or not english and token.key not in _NATIONS_AND_FAITHS
            ):
                accept(position, position)  # "granddaughter Aaliyah", "wife Thuy"
            elif english:
                # "Rose", "Will", "Hope", "Baker": only a person when something says so.
                if (first_name or surname) and not token.initial and (
                    reader.verb_after(position) or _object_cue_before(reader, position)
                ):
                    accept(position, position)
            elif first_name and (
                not token.initial or reader.verb_after(position) or len(token.key) >= 4
            ):
                accept(position, position)
            elif (surname or unknown) and (
                reader.verb_after(position) or _object_cue_before(reader, position)
                or _family_after(reader, position)
            ):
                accept(position, position)
            elif surname and not token.initial and not token.first:
                if len(token.key) >= 4 and token.key not in reader.lex.proper:
                    accept(position, position)

    # Words that could be part of a name; the rules below look at these only.
    candidates = [
        index for index, token in enumerate(tokens)
        if (not token.stop or token.sur)
        and (token.first or token.sur or token.unknown or token.capd or token.upper
             or len(token.word) == 1)
    ]

    # "Baker, John" and "BAKER, JOHN A."
    for index in candidates:
        if index + 1 >= len(tokens):
            break
        surname, given = tokens[index], tokens[index + 1]
        if _lower_surname_first(surname, given) and _gap(text, surname, given) == ", ":
            accept(index, index + 1)  # "rm 14 hernandez, maria pulled her picc"
            continue
        if not (surname.capd and (given.capd or _short_capital_given(surname, given))):
            continue
        if _gap(text, surname, given).strip() != "," or "\n" in _gap(text, surname, given):
            continue
        if not surname.sur or not (given.first or given.unknown and len(given.key) >= 3):
            continue
        if surname.stop and not (surname.key in _NEVER and given.first):
            continue  # "WASHINGTON, TYRONE" is a name; "Also, Mark" is not
        if given.stop or surname.eng and given.eng and not (surname.upper and given.upper):
            continue
        last = index + 1
        if index + 2 < len(tokens) and len(tokens[index + 2].word) == 1 and tokens[
            index + 2
        ].gap == " ":
            last = index + 2  # "BAKER, JOHN A"
        elif surname.upper and given.upper:
            # "PHAM, THI LAN", "NGUYEN, VAN AN": given names in capitals after the first
            while last + 1 < len(tokens) and last - index < 3 and _short_capital_given(
                surname, tokens[last + 1]
            ) and tokens[last + 1].gap == " ":
                last += 1
        accept(index, last)

    def namish(token: Token) -> bool:
        """A lower-case word that can only be read as a name."""
        return (
            (token.first or token.sur or token.unknown)
            and not token.eng
            and not token.stop
            and len(token.key) >= 2
            and token.key not in _COMMON_LOWER
        )

    # Lower-case typing after a cue: "pt john baker", "wife maria", "mr nguyen", "np tran".
    for index in candidates:
        token = tokens[index]
        if token.cap or token.stop or len(token.key) < 2:
            continue
        if not index or tokens[index - 1].key not in _LOWER_CUES:
            continue  # the common case, tested before the sentence is looked at
        previous = reader.previous_word(index)
        if previous is None or previous.key not in _LOWER_CUES or previous.possessive:
            continue
        if not _adjacent(text, previous, token, allow=".:,"):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        follows = (
            following is not None
            and not following.cap
            and _adjacent(text, token, following, allow="-")
        )
        if token.first and token.key not in _VERB_NAMES and follows and following.sur and (
            not following.stop and following.key not in _COMMON_LOWER
            and following.key not in PERSON_VERBS
        ):
            last = index + 1
        elif namish(token):
            last = index
        elif previous.key in _TITLES and (token.first or token.sur) and (
            token.key not in _COMMON_LOWER
        ):
            last = index  # "dr smith", "mrs baker"
        else:
            continue
        # "nguyen van thanh", "maria de la cruz"
        while last + 1 < len(tokens) and last - index < 3:
            nxt = tokens[last + 1]
            if nxt.cap or not _adjacent(text, tokens[last], nxt, allow="-"):
                break
            if namish(nxt) and (nxt.first or nxt.sur):
                last += 1
            elif nxt.key in _PARTICLES and last + 2 < len(tokens) and namish(tokens[last + 2]):
                last += 2
            else:
                break
        accept(index, last)

    # An ordinary word that is also a given name, right after a title, a role or a relation:
    # "pharmacist wen", "rn joy gave", "Dr. May", "wife hope". A word that is as often a verb
    # ("will", "may", "rose", "drew", "hope") is a name only when the sentence says a person is
    # meant: a verb of speech or action, a credential or punctuation follows ("nurse rose
    # said"), or a title stands before it that no article turns into a noun ("called dr may
    # re: the k+", not "the dr may need").
    for index in reader.given_at:
        token = tokens[index]
        if not index or len(token.key) < 3 or token.upper:
            continue
        if not (token.eng or token.stop) or token.key in _NOT_GIVEN_NAMES:
            continue  # names that are no ordinary word have their own rules
        if token.key in RELATION_CUES and not token.cap:
            continue  # "pts son called": the relation itself, not a given name "Son"
        previous = tokens[index - 1]
        if token.initial or previous.key not in _GIVEN_NAME_CUES or previous.possessive:
            continue
        if not _adjacent(text, previous, token, allow=".:"):
            continue
        if previous.cap != token.cap and previous.key not in _TITLES and not previous.upper:
            if token.cap and not token.stop:
                continue  # "the nurse Grace" is read by the capitalised rules; "wife Sun" not
        titled = previous.key in _TITLES and not (
            index >= 2 and tokens[index - 2].key in _ARTICLES | _OWNERS
            and not previous.gap.endswith("\n")
        )
        if reader.eponym_after(index):
            continue  # "pt Grace score 3" is the GRACE score
        if token.key in _VERB_NAMES or token.stop:
            if not (titled or _person_meant_after(reader, index)):
                continue
        elif token.key in _COMMON_LOWER:
            continue
        accept(index, index)

    # A given name that is also a word, placed by a department after it and opening the
    # sentence or after a word that asks for a person: "Will from biomed came", "call patty in
    # pharm". Not "BP rose in PACU".
    for index in reader.given_at:
        token = tokens[index]
        if not token.eng or len(token.key) < 3 or token.upper:
            continue
        if token.stop and token.key not in _VERB_NAMES or token.key in _NOT_GIVEN_NAMES:
            continue
        if not _department_after(reader, index):
            continue
        previous = reader.previous_word(index)
        if previous is None:
            if token.key in _MESSAGE_WORDS and not (
                index + 3 < len(tokens) and tokens[index + 3].key in PERSON_VERBS
            ):
                continue  # "Page from pharmacy at 1412:" is the page; "Page from IT called"
            if token.key not in _MONTH_NAMES:  # "May in ICU" opens with the month as often
                accept(index, index)
        elif previous.key in _OBJECT_CUES or previous.key in _GIVEN_NAME_CUES and not (
            previous.key in {"pt", "patient"} and token.key in _VERB_NAMES
        ):
            accept(index, index)

    # A signature after a dash at the end of a message or a line: "he left early. -Kat",
    # "thx - jen o".
    for index in range(1, len(tokens)):
        token = tokens[index]
        if token.gap == " ":
            continue  # the common case, tested first: a single space holds no dash
        dash = token.gap.rstrip(" ")
        if not dash.endswith(("-", "~")):
            continue
        before = dash.rstrip("-~")
        if before[-1:] not in {" ", ".", "!", "?", "\n"}:
            continue  # "x2-Kat" is a word broken, not a signature
        if _signed_initials(text, token, before):
            accept(index, index)  # "pull the audit. - R.", "add him to the review. -jt"
            continue
        if token.stop or len(token.key) < 2 or not (
            token.first and (token.cap or not token.eng) or token.cap and token.unknown
        ):
            continue
        last = index
        if index + 1 < len(tokens) and _adjacent(text, token, tokens[index + 1]) and (
            len(tokens[index + 1].key) == 1
            or (tokens[index + 1].sur or tokens[index + 1].unknown) and not tokens[index + 1].eng
        ):
            last = index + 1
        rest = text[tokens[last].end : tokens[last].end + 3]
        if rest.strip(" .!") != "" and not rest.lstrip(" .!").startswith("\n"):
            if last == index:
                continue
            last = index
            rest = text[token.end : token.end + 3]
            if rest.strip(" .!") != "" and not rest.lstrip(" .!").startswith("\n"):
                continue
        accept(index, last)

    # A name alone that closes the text after its last sentence: "... if anyone needs it.
    # Kieran". A word of no list or a given name that is no word.
    if len(tokens) > 1:
        last = tokens[-1]
        if last.cap and not last.upper and not last.stop and len(last.key) >= 3 and (
            last.unknown or last.first and not last.eng
        ) and (last.gap.rstrip(" ")[-1:] in {".", "!", "?"} or "\n" in last.gap) and (
            text[last.end :].strip(" .!\n") == ""
        ):
            accept(len(tokens) - 1, len(tokens) - 1)

    # A lower-case name that is no ordinary word, read as a name by what follows it ("jen
    # told the charge nurse", "dawn (night rn) says") or by what precedes it ("call patty");
    # a first name of four letters or more that is no word needs nothing more ("luis and
    # tameka checked the pump").
    for index in candidates:
        token = tokens[index]
        if token.cap or token.stop or len(token.key) < 3 or not (token.first or token.sur):
            continue
        role_after = _role_in_parentheses(reader, index)
        if token.eng and not (role_after and token.first):
            continue  # only "dawn (night rn)" says that an ordinary word is a name
        surname_with_context = (
            token.sur and not token.eng and len(token.key) >= 4
            and token.key not in _COMMON_LOWER
            and (reader.verb_after(index) or _object_cue_before(reader, index))
        )  # "garcia was in bed 4", "spoke with nguyen"
        if role_after or surname_with_context or (token.first and (
            len(token.key) >= 4 and token.key not in _COMMON_LOWER or
            reader.verb_after(index) or _object_cue_before(reader, index)
            or _department_after(reader, index)
        )):
            last = index
            if index + 1 < len(tokens):
                nxt = tokens[index + 1]
                if not nxt.cap and _adjacent(text, token, nxt, allow="-") and namish(nxt) and (
                    nxt.sur and not reader.verb_after(index)
                ):
                    last = index + 1
            accept(index, last)

    # A lower-case name before a credential: "jane doe rn", "kim, np".
    for index in range(1, len(tokens)) if not _CREDENTIAL_WORDS.isdisjoint(_keys(reader)) else ():
        token = tokens[index]
        if token.key not in _CREDENTIAL_WORDS or token.gap not in (" ", ", "):
            continue
        last = index - 1
        first = last
        while first >= 0 and index - first <= 3 and not tokens[first].cap and (
            tokens[first].first or tokens[first].sur
        ) and not tokens[first].stop and tokens[first].key not in _COMMON_LOWER:
            first -= 1
        first += 1
        if first <= last and (index - first >= 2 or namish(tokens[last])):
            accept(first, last)

    # Lower-case first name + surname without a cue, when neither is an ordinary word.
    for index in candidates:
        if index + 1 >= len(tokens):
            break
        token, following = tokens[index], tokens[index + 1]
        if token.cap or not token.first:
            continue  # tested first: most candidates are no lower-case given name
        if following.cap or not _adjacent(text, token, following, allow="-"):
            continue
        if namish(token) and len(token.key) >= 3 and (
            namish(following) and len(following.key) >= 3
        ):
            accept(index, index + 1)

    # Capitalised names set off by a role: "The transport aide, Vlad, pushed", "the float was
    # Kuznetsov", "Olamide (pharmacy) called".
    for index in candidates:
        token = tokens[index]
        if token.stop or len(token.key) < 3 or token.eng and not token.first:
            continue
        if not (token.capd or namish(token)):
            continue
        if _role_in_parentheses(reader, index) or _appositive_after_role(reader, index):
            accept(index, index)

    # A name joined by "and" or "or" to a name found: "ask for Bogdan or Yerlan".
    if spans:
        starts = {start for start, _ in spans}
        ends = {end for _, end in spans}
        for index in range(1, len(tokens) - 1):
            if tokens[index].key not in {"and", "or"}:
                continue
            left, right = tokens[index - 1], tokens[index + 1]
            if tokens[index].gap != " " or right.gap != " ":
                continue
            for other, known in ((right, left.end in ends), (left, right.start in starts)):
                if known and other.capd and not other.stop and not other.eng and len(
                    other.key
                ) >= 3 and (other.first or other.sur or other.unknown):
                    spans.append((other.start, other.end))

    # A given name a report was handed to: "gave report to pat", "handoff to Rose".
    # A name opening a sentence before a verb of speech: "Baker said", "Rose told me".
    for index in reader.named_at:
        token = tokens[index]
        if index < 2 or len(token.key) < 3 or token.upper:
            continue
        if token.key in _MONTH_NAMES or token.key in _NOT_GIVEN_NAMES:
            continue
        if tokens[index - 1].key == "to" and tokens[index - 2].key in _HANDOFF_WORDS and (
            token.first and token.gap == " " and tokens[index - 1].gap == " "
        ) and (not token.stop or _person_meant_after(reader, index)):
            accept(index, index)
    for index in reader.cap_at:
        token = tokens[index]
        if index == len(tokens) - 1 or not token.initial or token.stop or len(token.key) < 3:
            continue
        if not (token.first or token.sur) or token.key in lex_proper:
            continue
        following = tokens[index + 1]
        if following.gap != " " or following.key not in _SPEECH_VERBS:
            continue
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        if after is not None and after.key in _PASSIVE_AFTER and after.gap == " ":
            continue  # "Pain stated as 7/10", "Foley said to be patent"
        accept(index, index)

    # A name in brackets after a relation or a role: "family (doli) updated", "son (raj)".
    for index in range(1, len(tokens)):
        token = tokens[index]
        if token.gap.strip() != "(" or len(token.key) < 3:
            continue
        previous = tokens[index - 1]
        if (token.eng or token.stop) and not (token.first and previous.key in RELATION_CUES):
            continue  # "daughter (ruby)" is a name; "pump (alaris)" is not
        if previous.key not in PERSON_CUES and previous.key not in _FAMILY_WORDS | {"family"}:
            continue
        if index + 1 < len(tokens) and not tokens[index + 1].gap.lstrip().startswith(")"):
            continue
        if token.first or token.sur or token.unknown:
            accept(index, index)

    # Initials: "pt J.B.", "Mrs. K.", "J. B." (not "A.M.", "U.S.", "R.N.").
    # Every initial is a capital and a period: the search starts at the first such pair.
    lead = _INITIAL_LEAD.search(text)
    for match in _INITIALS.finditer(text, lead.start()) if lead is not None else ():
        group = "i" if match.group("i") else "j"
        value = match.group(group)
        letters = "".join(ch for ch in value if ch.isalpha())
        start = match.start(group)
        before = text[max(0, start - 12) : start].rstrip(" :,").lower()
        cue = re.search(r"([a-z]+)\.?$", before)
        has_cue = cue is not None and cue.group(1) in PERSON_CUES
        if letters in _CREDENTIAL_INITIALS and not (
            # "pt M.R. bed 3": dotted initials right after a patient cue, unless they spell a
            # status ("pt D.N.R.", "pt A.M.A.")
            group == "i"
            and cue is not None
            and cue.group(1) in _PATIENT_CUES
            and letters not in _PATIENT_STATUS
        ):
            continue
        if group == "i" or has_cue:
            spans.append((start, match.end(group)))
    # A family named by its surname in the plural: "the Hendersons", "the Nguyens".
    for index in reader.capd_at:
        token = tokens[index]
        if not index or token.stop or len(token.key) < 4 or not token.key.endswith("s"):
            continue
        if tokens[index - 1].key != "the" or token.gap != " ":
            continue
        stem = token.key[:-2] if token.key.endswith("es") else token.key[:-1]
        if token.key[:-1] in reader.lex.surnames or stem in reader.lex.surnames:
            if not token.eng and token.key[:-1] not in reader.lex.english:
                accept(index, index)

    # A lower-case initial and surname: "b. okafor".
    for index in candidates:
        if index == 0:
            continue
        token, initial = tokens[index], tokens[index - 1]
        if token.cap or len(initial.word) != 1 or initial.cap or token.gap not in (". ", "."):
            continue
        if namish(token) and token.sur:
            accept(index - 1, index)

    # Two or three capitals after a cue: "pt JB", "resident MK".
    for index in candidates:
        token = tokens[index]
        single = len(token.word) == 1 and token.cap and index > 0 and tokens[
            index - 1
        ].key in _TITLES and token.gap in (" ", ". ", ".")  # "Dr. K", "Mr. B"
        if single and not token.stop:
            spans.append((tokens[index - 1].start, token.end))
            continue
        if not token.upper or len(token.word) > 3 or token.word in _CREDENTIAL_INITIALS:
            continue
        if reader.mostly_upper or token.stop:
            continue
        previous = reader.previous_word(index)
        if previous is not None and previous.key in _STRONG_CUES | {"resident", "res"}:
            if _adjacent(text, previous, token, allow=".:") and not previous.possessive:
                spans.append((token.start, token.end))
                continue
        # "JB in bed 2 keeps pressing the call light"
        if index + 2 < len(tokens) and tokens[index + 1].key == "in" and tokens[
            index + 2
        ].key in {"bed", "room", "rm", "bay", "chair"}:
            spans.append((token.start, token.end))

    # A name misspelled after it appeared: "Jenkins ... Jenkens".
    if found:
        keys = _NearNames(found)
        for index in candidates:
            token = tokens[index]
            if token.key in found or len(token.key) < 4 or token.stop:
                continue
            if not token.cap or token.eng:
                continue
            limit = 1 if len(token.key) < 7 else 2
            if keys.near(token.key, limit):
                if not reader.eponym_after(index):
                    spans.append((token.start, token.end))

    for start, end in spans:
        yield FindingKind.PERSON, start, end


# Cues before a given name that is also an ordinary word ("pharmacist wen", "wife hope"):
# titles, relations and the roles of staff; not "do", "charge", "float" or "fellow", which
# are as often other words.
_GIVEN_NAME_CUES = (PERSON_CUES | frozenset("fr sr br".split())) - frozenset(
    "do charge float fellow member agency registry student intern resident client pa ot pt"
    " rt medic officer director manager supervisor coordinator educator provider".split()
) | frozenset({"pt"})
# Given names that are as often verbs or everyday words after "pt" or a role: read as names
# only when the sentence says so.
_VERB_NAMES = frozenset(
    """
    will may can rose drew mark bill sue rob grant chase pat wade hope faith trust jack ray
    art sunny rich guy page earl dean miles lane reed gale major sterling june april august
    """.split()
)
_COPULAS = frozenset("is was has had are were".split())
_HANDOFF_WORDS = frozenset("report handoff off endorsed passed".split())
_PASSIVE_AFTER = frozenset("as to by at in of was is were be being".split())
_SPEECH_VERBS = frozenset(
    "said says told tells stated states asked asks reported explained yelled screamed replied "
    "answered".split()
)
_MONTH_NAMES = frozenset("may june april august".split())
# Given names that never follow a role as a name in practice ("nurse aide", "pt care").
_NOT_GIVEN_NAMES = frozenset("care said home well best".split())


def _person_meant_after(reader: _Reader, index: int) -> bool:
    """What follows token `index` says it is a person: "rose said", "may, rn", "drew." """
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return reader.text[tokens[index].end :].strip() == ""
    following = tokens[index + 1]
    gap = following.gap
    if "\n" in gap or gap.strip()[:1] in {",", ".", ";", ")", "(", "-"}:
        return True
    if gap.strip():
        return False
    if following.key in _COPULAS:
        return False  # "pt hope is to go home"
    return following.key in PERSON_VERBS or following.key in _CREDENTIAL_WORDS or (
        _department_after(reader, index)
    )


# Words after which a lower-case word is read as a name when it is no ordinary word.
_LOWER_CUES = PERSON_CUES | frozenset("fr sr br".split())
# Labels of a form or a message header that a name follows after a colon.
_LABELS = frozenset(
    """
    name witness witnesses reporter reported caller contact signed cc from to attn attention
    writer preparer prepared entered completed
    by author submitter submitted reviewer reviewed approver approved owner assignee
    assigned employee staff family visitor guardian spouse emergency nok armband wristband
    band label sticker
    """.split()
)
_OBJECT_CUES = frozenset(
    "call called calling ask asked asking tell told page paged notify notified text texted "
    "with w per by thanks thank see saw".split()
)
_DEPARTMENTS = frozenset(
    """
    pharm pharmacy transport lab radiology rad xray ct mri ir cath pt ot rt slp dietary
    housekeeping evs security registration admitting ed er icu or pacu nicu picu micu sicu
    ccu endo gi bed-board bedboard case-management sw socialwork chaplaincy ethics risk quality
    infection ip biomed it nursing anesthesia materials supply central sterile spd
    scheduling finance education purchasing marketing informatics credentialing staffing
    billing coding payroll compliance legal administration facilities engineering maintenance
    nutrition accounting procurement communications volunteers utilization telecom
    telecommunications logistics laundry linen parking
    """.split()
)
# Vendors and products a hospital deals with, which act and own as a place of care would:
# "Sunquest updated their interface", "Sodexo updated their menu", "Pharmacy: Pyxis Override".
_VENDOR_WORDS = frozenset(
    """
    sunquest sodexo aramark crothall healthtrust vizient premier cerner oracle meditech
    allscripts athenahealth nextgen eclinicalworks omnicell pyxis alaris baxter carefusion
    hospira medfusion hillrom stryker medline mckesson philips siemens carestream hologic
    vocera spok ascom tigertext imprivata kronos workday lawson peoplesoft qgenda amion
    smartsheet healthstream relias lexicomp uptodate micromedex zoll masimo draeger medtronic
    abbott roche beckman sysmex biofire cepheid radiometer epic sigma teletracking pharmerica
    omnicare amerisourcebergen cencora rldatix midas accudose apria lincare
    adapthealth rotech invacare braun
    """.split()
)


def _role_in_parentheses(reader: _Reader, index: int) -> bool:
    """ "dawn (night rn)", "Sunita (RT)": a role in brackets right after the word."""
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return False
    gap = tokens[index + 1].gap
    if gap.strip() != "(":
        return False
    for token in tokens[index + 1 : index + 4]:
        if token.key in PERSON_CUES or token.key in _DEPARTMENTS or token.key in _ROLE_WORDS:
            return True
        if ")" in token.gap and token is not tokens[index + 1]:
            break
    return False


def _credential_after(reader: _Reader, index: int) -> Token | None:
    """A credential in capitals right after token `index`: "Crystal Rivers RN", "Hope
    Young, NP"."""
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return None
    following = tokens[index + 1]
    if following.upper and following.key in _CREDENTIAL_WORDS and following.gap in (" ", ", "):
        return following
    return None


_SIGN_OFFS = frozenset("thanks thank thx regards best cheers sincerely".split())


def _object_cue_before(reader: _Reader, index: int) -> bool:
    if index > 0 and reader.tokens[index].gap in (", ", ",\n", " - ", "-"):
        if reader.tokens[index - 1].key in _SIGN_OFFS:
            return True  # "Thanks, Maria"
    previous = reader.previous_word(index)
    return (
        previous is not None
        and previous.key in _OBJECT_CUES
        and tokens_adjacent(reader, index)
    )


def tokens_adjacent(reader: _Reader, index: int) -> bool:
    return index > 0 and reader.tokens[index].gap in (" ", "  ")


_FAMILY_WORDS = frozenset("family household kids children siblings relatives".split())


def _family_after(reader: _Reader, index: int) -> bool:
    """ "CHAVEZ family visiting", "the Nguyen household" """
    tokens = reader.tokens
    return (
        index + 1 < len(tokens)
        and tokens[index + 1].gap == " "
        and tokens[index + 1].key in _FAMILY_WORDS
    )


def _department_after(reader: _Reader, index: int) -> bool:
    """ "ahmed from transport", "patty in pharm" """
    tokens = reader.tokens
    if index + 2 >= len(tokens):
        return False
    word, department = tokens[index + 1], tokens[index + 2]
    return (
        word.key in {"from", "in", "at", "with", "of"}
        and word.gap == " "
        and department.gap == " "
        and department.key in _DEPARTMENTS
    )


def _appositive_after_role(reader: _Reader, index: int) -> bool:
    """ "The pharmacist on the overnight shift, Olamide, discovered"; "float was kuznetsov"."""
    tokens = reader.tokens
    token = tokens[index]
    if index == 0:
        return False
    gap = token.gap.strip()
    previous = tokens[index - 1]
    if gap == "" and previous.key in {"was", "is", "named"} and index >= 2:
        role = tokens[index - 2]
        if role.key in _WHEN_WORDS and index >= 3 and role.gap == " ":
            role = tokens[index - 3]  # "charge rn tonight was bola"
        return role.key in PERSON_CUES and token.gap == " " and previous.gap == " "
    if gap != ",":
        return False
    following_gap = tokens[index + 1].gap.strip() if index + 1 < len(tokens) else "."
    if following_gap[:1] not in {",", ".", ";", ")"}:
        return False  # the name is closed by punctuation: ", Olamide, discovered"
    for back in range(index - 1, max(-1, index - 7), -1):
        candidate = tokens[back]
        if candidate.key in PERSON_CUES and candidate.key not in {"do", "pt", "patient"}:
            return True
        if back < index - 1 and not _CLAUSE_BREAKS.isdisjoint(candidate.gap):
            break
    return False


_WHEN_WORDS = frozenset("tonight today overnight yesterday tomorrow".split())
_CREDENTIAL_WORDS = frozenset("rn lpn lvn np md pa cna crna pharmd rph dnp aprn".split())

_COMMON_LOWER = frozenset(
    """
    will was is has had have be been being are were do does did can could would should may
    might must shall need needs needed want wants wanted state states stated report reports
    reported deny denies denied fell fall falls found find said says say told tell asked ask
    called call calls came come comes went go goes got get gets gave give gives took take
    takes made make makes left leave leaves ate eat eats noted note notes seen see sees
    refused refuse refuses agreed agree agrees walked walk walks stood stand stands sat sit
    sits lay lying laying slept sleep sleeps woke wake wakes tried try tries hit hits cut
    cuts ran run runs pulled pull pulls moved move moves turned turn turns kept keep keeps
    back home bed room chair floor bathroom toilet door hall hallway station desk nurse
    brown white black green gray grey young old long short hill hall wood woods stone lane
    emp empl
    """.split()
)


def _within(a: str, b: str, limit: int) -> bool:
    """Edit distance of at most `limit` (insertions, deletions, substitutions, swaps)."""
    if abs(len(a) - len(b)) > limit or a[0] != b[0] and a[:2] != b[:2][::-1]:
        return False
    previous = list(range(len(b) + 1))
    before_previous: list[int] | None = None
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                before_previous is not None
                and i > 1
                and j > 1
                and char_a == b[j - 2]
                and a[i - 2] == char_b
            ):
                current[j] = min(current[j], before_previous[j - 2] + 1)
        if min(current) > limit:
            return False
        before_previous, previous = previous, current
    return previous[-1] <= limit


def _deletions(word: str, depth: int) -> set[str]:
    """`word` with up to `depth` letters left out, in every way."""
    found = {word}
    layer = {word}
    for _ in range(depth):
        layer = {part[:i] + part[i + 1 :] for part in layer for i in range(len(part))}
        found |= layer
    return found


class _NearNames:
    """Names to match a misspelling against, filed under every form left when one or two of
    their letters are dropped. Two words within a few edits (insertions, deletions,
    substitutions, swaps) share such a form, each with no more letters dropped than the
    edits, so a word is compared by `_within` only with the names that share one of its
    forms, not with every name a long text holds."""

    _DEPTH = 2  # the largest limit asked of `near`
    _FEW = 24  # up to this many names, `near` compares with each

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = list(dict.fromkeys(keys))
        # Filed on the first `near` that needs it (see `_FEW`).
        self._by_form: dict[str, list[str]] | None = None

    def __bool__(self) -> bool:
        return bool(self._keys)

    def near(self, word: str, limit: int) -> bool:
        """Whether a name is within `limit` edits of `word` (see `_within`)."""
        if len(self._keys) <= self._FEW:
            # A few names are compared directly: filing them costs more than comparing. The
            # answer is the same, as two words within the limit always share a form.
            return any(_within(word, key, limit) for key in self._keys)
        by_form = self._by_form
        if by_form is None:
            by_form = self._by_form = {}
            for key in self._keys:
                for form in _deletions(key, self._DEPTH):
                    by_form.setdefault(form, []).append(key)
        tried: set[str] = set()
        for form in _deletions(word, min(limit, self._DEPTH)):
            for key in by_form.get(form, ()):
                if key not in tried:
                    tried.add(key)
                    if _within(word, key, limit):
                        return True
        return False


# --- facilities ------------------------------------------------------------------------

_HEADS_BY_WORD: dict[str, list[tuple[str, ...]]] = {}
for _head in _FACILITY_HEADS:
    _words = tuple(_head.replace("/", " / ").split()) if "/" in _head else tuple(_head.split())
    _HEADS_BY_WORD.setdefault(_words[0], []).append(_words)
for _options in _HEADS_BY_WORD.values():
    _options.sort(key=len, reverse=True)
# Words of the heads named by what is done there: not the specific word of a name before
# another head ("Acute Pain Management and Physical Therapy" names two services).
_SERVICE_HEAD_WORDS = frozenset(
    "treatment recovery endoscopy sleep eye vision pain management dental dentistry physical "
    "therapy counseling infusion endocrinology gastroenterology pulmonology neurology oncology "
    "sports fertility hearing diagnostic chiropractic optometry audiology podiatry allergy "
    "respite".split()
)
_FACILITY_JOINERS = frozenset({"of", "the", "and", "&"})
# Verbs that open a sentence before a department or a place: "Called Pharmacy", "Paged Lab".
_VERBS_BEFORE_PLACES = (PERSON_VERBS | _OBJECT_CUES) - frozenset({"by", "with", "w", "per", "see"})
_VA_WORDS = frozenset({"VA", "VAMC", "VAHCS"})
# Lower-case words that go on a facility's name already found ("safeway pharmacy").
_LOWER_HEAD_WORDS = frozenset(
    "pharmacy pharmacies clinic clinics hospital hosp imaging labs lab dialysis urgent care "
    "rehab snf ltac ltach alf".split()
)
_TRANSFER_VERBS = frozenset(
    """
    discharged dc'd dcd transferred transfered sent admitted readmitted came returned
    moved referred arrived transported brought lives living resides residing went
    """.split()
)
_ADVERBS_OF_TRANSFER = frozenset("in over back here down up out".split())
# Kinds of facility written after its name ("Kindred LTAC", "Mercy SNF").
_FACILITY_TYPES = frozenset("snf ltac ltach alf irf asc rcfe ccrc ltc ecf nh".split())
# Heads that name a place of care rather than a department, for text typed in lower case.
_LOWER_CASE_HEADS = frozenset(
    " ".join(head.split())
    for head in """
    hospital|medical center|medical centre|care center|care centre|senior living|assisted living
    |memory care|nursing home|nursing center|nursing facility|skilled nursing|health center
    |rehabilitation center|rehab center|surgery center|surgical center|convalescent hospital
    |care home|retirement community|living center|manor|healthcare center|post-acute care
    |transitional care|urgent care|family practice|medical group|cancer center|hosp
    |med center|med ctr|family medicine|health clinic|medical clinic|asst living|rehab
    |pharmacy|imaging|dialysis|hospice|home health|group home|adult day|shelter
    |hosptial|hopsital|hospitl|hosital|medcial center|nursing hom|nursing hme|rehab ctr
    |care ctr|nursing ctr|health ctr
    """.split("|")
)
# Words before a facility typed in lower case ("dc'd to", "admitted from", "sent to").
_FACILITY_CUES = frozenset("to from at in via into".split())
_SUBDIVISIONS = frozenset({"county", "parish", "borough", "township"})
_SAINT = frozenset({"st", "saint", "ste", "sainte", "san", "santa"})
# Words that end a facility name when walking back from its head; state names do not
# ("Maine Med", "Texas Children's").
_US_STATES = frozenset(
    """
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
    """.split()
)
_NOT_IN_FACILITY_NAMES = _NEVER - {"st"} - _US_STATES


def _head_at(reader: _Reader, index: int, *, any_case: bool = False) -> int | None:
    """Index of the last token of a facility head starting at `index`, or None."""
    tokens = reader.tokens
    token = tokens[index]
    options = _HEADS_BY_WORD.get(token.key)
    if not options:
        return None
    for words in options:
        end = index + len(words) - 1
        if end >= len(tokens):
            continue
        ok = True
        for offset, word in enumerate(words):
            current = tokens[index + offset]
            if current.key != word or (offset and current.initial):
                ok = False
                break
            if offset and not _adjacent(reader.text, tokens[index + offset - 1], current,
                                        allow="-&"):
                ok = False
                break
        if ok and (token.cap or reader.mostly_upper or any_case):
            return end
    return None


# Short words of no name that a facility's name may hold between other capitalised words
# ("Desert Sun Dialysis", "Del Mar Kidney Center").
_INNER_SHORT_WORDS = frozenset({"sun", "mar"})


# Words of no name that a facility's name may hold, capitalised inside a sentence: "Metro
# West Ambulance", "New Horizons Group Home", "North Country Urgent Care".
_NAME_DIRECTIONS = frozenset("north south east west new old upper lower central".split())


# Words naming a region of a state before the VA's site there: "Southern Arizona VA".
_REGION_WORDS = frozenset(
    "north south east west central northern southern eastern western upper".split()
)


def _inner_short_word(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    if token.key not in _INNER_SHORT_WORDS or not token.cap or token.upper or index == 0:
        return False
    before = tokens[index - 1]
    return before.cap and token.gap == " " and (
        before.key not in _NEVER
    )


def _keys(reader: _Reader) -> frozenset[str]:
    """The set of the text's words (folded), kept on the reader: a rule that needs one word
    of a small set skips its walk over the tokens when none of them is there."""
    keys = reader.__dict__.get("_keys")
    if keys is None:
        keys = reader.__dict__["_keys"] = frozenset(token.key for token in reader.tokens)
    return keys


_SAINT_WORDS = frozenset({"st", "saint", "ste"})
_CARE_PLAN_VERBS = frozenset(
    """
    start started starting begin began consider considering discuss discussed recommend
    recommended offer offered need needs want wants elect elected choose chose enroll enrolled
    continue continued resume resumed try tried
    """.split()
)
_TRANSPORT_HEADS = frozenset({"flight", "air", "ambulance", "ems"})
_VILLA_WORDS = frozenset({"casa", "villa", "hacienda", "rancho"})
_VA_KEYS = frozenset({"va", "vamc", "vahcs"})


def _facility_word(reader: _Reader, token: Token) -> bool:
    if token.key in _SAINT:
        return token.cap
    return token.capd or token.word in {"&"}


def _detect_facilities(reader: _Reader) -> Iterator[Span]:
    tokens = reader.tokens
    text = reader.text
    lex = reader.lex
    generic = GENERIC_FACILITY_WORDS
    keys = _keys(reader)
    heads = () if _HEADS_BY_WORD.keys().isdisjoint(keys) else tokens

    # "Sunrise Senior Living", "Roseville Family Practice", "St. Agnes Medical Center".
    for index, token in enumerate(heads):
        if token.key not in _HEADS_BY_WORD:
            continue
        end = _head_at(reader, index)
        if end is None:
            continue
        # Walk back over the capitalised words of the name (up to five).
        first = index
        while first > 0 and index - first < 5:
            previous = tokens[first - 1]
            gap = _gap(text, previous, tokens[first])
            if "\n" in gap or len(gap) > 3 or gap.strip(" .&-'"):
                break
            if tokens[first].initial:
                break
            if previous.key in _FACILITY_JOINERS and previous.key != "the":
                if first - 2 >= 0 and _facility_word(reader, tokens[first - 2]):
                    first -= 1
                    continue
                break
            if not _facility_word(reader, previous) or (
                previous.key in _NOT_IN_FACILITY_NAMES
                and not _inner_short_word(tokens, first - 1)
                and not (previous.key in _NAME_DIRECTIONS and previous.cap and not (
                    previous.initial or previous.upper))  # "Metro West", "New Horizons"
            ):
                break
            first -= 1
        words = tokens[first:index]
        specific = [
            t for t in words
            if t.key not in generic and t.key not in _FACILITY_JOINERS and t.key not in _SAINT
            and t.key not in lex.clinical and t.key not in _ROLE_WORDS and len(t.key) > 1
            and t.key not in _SERVICE_HEAD_WORDS and not (t.key == "children" and t.possessive)
        ]
        saint = any(t.key in _SAINT for t in words)
        # "Hospital of the University of Pennsylvania": a name can follow the head too.
        last = end
        if last + 2 < len(tokens) and tokens[last + 1].key == "of":
            probe = last + 2
            while probe < len(tokens) and tokens[probe].key in {"the", "of"}:
                probe += 1
            tail_end = None
            while probe < len(tokens) and tokens[probe].capd and not tokens[
                probe
            ].initial and _adjacent(text, tokens[probe - 1], tokens[probe]):
                if tokens[probe].key not in generic:
                    tail_end = probe
                probe += 1
            if tail_end is not None:
                last = tail_end
                specific.append(tokens[tail_end])
        if not specific and not saint:
            continue
        # Trim leading words that belong to the sentence, not the name ("Called Pharmacy").
        while first < index and (
            tokens[first].key in _FACILITY_JOINERS or tokens[first].key in _ROLE_WORDS
            or tokens[first].key in _VERBS_BEFORE_PLACES
        ):
            first += 1
        if first == index and not saint and last == end:
            continue
        yield FindingKind.HOSPITAL, tokens[first].start, tokens[last].end

    # Typed in lower case after a cue: "dc'd to valley vista care center".
    for index, token in enumerate(heads):
        if token.cap or token.key not in _HEADS_BY_WORD:
            continue
        end = _head_at(reader, index, any_case=True)
        if end is None:
            continue
        head = " ".join(t.key for t in tokens[index : end + 1])
        bare_clinic = head == "clinic"  # only opening a note: "bellaire community clinic rn"
        if head not in _LOWER_CASE_HEADS and not bare_clinic:
            continue  # "returned to interventional radiology" names a department
        first = index
        while first > 0 and index - first < 4:
            previous = tokens[first - 1]
            if previous.cap or tokens[first].gap not in (" ", " & ") or (
                previous.key in _FACILITY_CUES
            ):  # "lakeview nursing & rehab"
                break
            if previous.stop and (previous.key not in lex.clinical or previous.key in _NEVER
                                  or previous.key in _ROLE_WORDS) or previous.key in _ARTICLES:
                first = index  # "the nursing home", "our clinic": no name
                break
            first -= 1
        if first == index:
            continue
        words = tokens[first:index]
        if tokens[first].initial or first == 0:
            # Opening a note or a sentence: "riverside dialysis rn called", a name with a word
            # of no everyday English or a listed town in it.
            if any(t.key in lex.clinical or t.stop or t.key in _ROLE_WORDS for t in words) or all(
                t.eng and t.key not in lex.places for t in words
            ):
                continue
        elif bare_clinic or tokens[first - 1].key not in _FACILITY_CUES and tokens[
            first
        ].gap.strip() not in {
            "(", ":"
        }:
            continue  # "(golden years manor)" after "the nursing home" is named too
        if all(t.key in generic or t.key in lex.clinical for t in words):
            continue
        if any(t.key in _CARE_PLAN_VERBS for t in words):
            continue  # "to start hospice", "wants to consider rehab"
        yield FindingKind.HOSPITAL, tokens[first].start, _extend_facility(reader, end)

    # Where a patient was sent or came from, named without a head: "discharged to Eskaton
    # Village", "sent to Kindred", "came from kindred ltac".
    sent = () if _TRANSFER_VERBS.isdisjoint(keys) and "c" not in keys else tokens
    for index, token in enumerate(sent):
        if index < 2 or token.stop or token.key in _ARTICLES or len(token.key) < 3:
            continue
        cue, verb = tokens[index - 1], tokens[index - 2]
        if verb.key in _ADVERBS_OF_TRANSFER and index >= 3:
            verb = tokens[index - 3]  # "came in from", "sent over to"
        elif verb.key in {"us", "here"} and index >= 4 and tokens[index - 3].key == "to":
            verb = tokens[index - 4]  # "transferred to us from"
        if cue.key not in {"to", "from", "at"}:
            continue
        if verb.key not in _TRANSFER_VERBS and not (
            verb.key == "c" and verb.gap == "/" and tokens[tokens.index(verb) - 1].key == "d"
        ):  # "d/c to"
            continue
        if token.gap != " " or cue.gap != " ":
            continue
        last = index
        if token.capd:
            while last + 1 < len(tokens) and last - index < 3 and tokens[last + 1].gap == " " and (
                tokens[last + 1].capd and not tokens[last + 1].stop
            ):
                last += 1
            words = tokens[index : last + 1]
            if all(t.key in generic or t.key in lex.places for t in words):
                continue
            if any(t.key in _SUBDIVISIONS for t in words) or _place_key(words) in lex.places:
                continue  # "transferred from Orleans Parish": the place rules see it
            if len(words) == 1 and (token.first or token.sur) and not token.eng:
                continue  # "sent to Maria" is a person; the name rules see it
        elif not (last + 1 < len(tokens) and tokens[last + 1].key in _FACILITY_TYPES):
            # Typed in lower case: a listed system or chain ("sent out to banner", "d/c to
            # golden living"), or a word in no list at all ("returned from silverado").
            matched = _longest_phrase(tokens, index, lex.facility_heads, lex.facilities,
                                      allow="-'", lower=True)
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if matched is not None:
                last = matched
            elif token.key in lex.facility_heads and following is not None and (
                following.gap == " " and f"{token.key} {following.key}" in _facility_openings(lex)
            ):
                last = index + 1  # "sent out to atrium wake": a listed name cut short
            elif token.key in lex.facility_heads and token.key in lex.places and (
                len(token.key) >= 5 and token.key not in generic and token.key not in lex.clinical
                and cue.key == "from" and (following is None or following.gap.strip()[:1] in {
                    ",", ".", ";", "("} or following.gap == " " and following.key in _TIME_WORDS)
            ):
                pass  # "discharged from highland yesterday": a listed hospital's own word
            elif token.upper and 2 <= len(token.word) <= 5 and token.word.isalpha() and (
                token.word not in _UNIT_INITIALS and token.key not in lex.clinical
                and _town_follows(reader, index)
            ):
                pass  # "came from DHR in Edinburg": a hospital's initials and its town
            elif not (token.unknown and len(token.key) >= 5 and token.key not in lex.clinical) or (
                index + 1 < len(tokens) and tokens[index + 1].gap == " " and (
                    tokens[index + 1].key in lex.clinical or tokens[index + 1].key in _DEPARTMENTS
                    or tokens[index + 1].key in {"radiology", "medicine", "surgery"})
            ):
                continue  # not "returned to interventional radiology"
        if last + 1 < len(tokens) and tokens[last + 1].key in _FACILITY_TYPES:
            last += 1
        yield FindingKind.HOSPITAL, token.start, tokens[last].end

    # "Casa de las Campanas", "Villa Serena", "Hacienda de los Angeles"
    for index, token in enumerate(() if _VILLA_WORDS.isdisjoint(keys) else tokens[:-1]):
        if token.key not in _VILLA_WORDS or not token.cap:
            continue
        last = index
        while last + 1 < len(tokens) and last - index < 4 and tokens[last + 1].gap == " " and (
            tokens[last + 1].capd or tokens[last + 1].key in _PARTICLES | {"las", "los"}
        ):
            last += 1
        while last > index and not tokens[last].capd:
            last -= 1
        cued = index > 0 and tokens[index - 1].key in _FACILITY_CUES | PLACE_CUES
        if last > index and cued:
            yield FindingKind.HOSPITAL, token.start, tokens[last].end

    # Curated systems, chains and short forms: "Kaiser Roseville", "Good Sam", "UCSF".
    index = 0
    count = len(tokens)
    abbreviations = lex.facility_abbreviations
    while index < count:
        token = tokens[index]
        if token.word in abbreviations or (
            not token.eng
            and len(token.key) >= 4
            and token.word.upper() in abbreviations
        ) or "-" in token.word and _system_and_campus(lex, token.word):
            yield FindingKind.HOSPITAL, token.start, _extend_facility(reader, index)
            index += 1
            continue
        if token.key not in lex.facility_heads and token.key not in _SPELLED_OUT:
            index += 1
            continue
        matched = _longest_phrase(
            tokens, index, lex.facility_heads, lex.facilities, allow=".&-'", lower=None,
            n_for_and=True,
        )
        if matched is None:
            index += 1
            continue
        run = tokens[index : matched + 1]
        everyday = all(t.key in lex.english or t.key in _NEVER for t in run)
        if everyday and not token.cap and _lower_chain_cued(reader, index, matched):
            # "from atria sunnyvale", "filled at rite aid on w 25th": a listed name of
            # everyday words typed in lower case after a cue, with its town or a boundary.
            yield FindingKind.HOSPITAL, token.start, _extend_facility(reader, matched)
            index = matched + 1
            continue
        if everyday and (not token.cap or token.initial or token.upper and len(run) == 1) and not (
            # "Care Flight out of Reno declined", "Patient First urgent care in Midlothian":
            # a listed name of capitalised words opening a sentence, read as a service or a
            # facility by its own last word or by a facility's head after it.
            token.initial and len(run) >= 2 and all(t.cap for t in run) and (
                run[-1].key in _TRANSPORT_HEADS or matched + 1 < count and (
                    tokens[matched + 1].key in _HEADS_BY_WORD
                    or tokens[matched + 1].word in _ED_WORDS
                )
            )
        ):
            index += 1
            continue
        if not token.cap and not token.upper:
            if everyday or len(token.key) < 4 and len(run) == 1 and not (
                index and token.gap == " " and tokens[index - 1].key in _SHORT_CHAIN_CUES
                and token.key not in lex.clinical
            ):  # but "got her flu shot at cvs", "called cvs"
                index += 1
                continue
        yield FindingKind.HOSPITAL, token.start, _extend_facility(reader, matched)
        index = matched + 1

    # A site of the VA, named by its town: "VA clinic in Redding", "Palo Alto VA", "the VA in
    # Reno", "VA Loma Linda", "Fresno VAMC". The VA alone names no site and is left alone.
    for index, token in enumerate(() if _VA_KEYS.isdisjoint(keys) else tokens):
        if token.word not in _VA_WORDS:
            continue
        first = last = index
        probe = index - 1
        while probe >= 0 and index - probe <= 3 and tokens[probe].capd and not tokens[
            probe + 1
        ].initial and _adjacent(text, tokens[probe], tokens[probe + 1]):
            probe -= 1
        for start in range(probe + 1, index):
            run = tokens[start:index]
            if _place_key(run) in lex.places or len(run) > 1 and run[-1].key in _STATE_NAMES and (
                run[0].key in _REGION_WORDS and all(
                    t.key in _STATE_NAMES or t.key in _REGION_WORDS for t in run
                )
            ):
                first = start  # "Palo Alto VA", "Southern Arizona VA", "North Texas VA"
                break
        if index + 1 < len(tokens) and _adjacent(text, token, tokens[index + 1]):
            head = _head_at(reader, index + 1, any_case=True)
            if head is not None:
                last = head
            elif tokens[index + 1].word in _VA_WORDS | {"CBOC", "HCS", "MC"}:
                last = index + 1
            elif tokens[index + 1].capd and not tokens[index + 1].stop:
                matched = _longest_phrase(tokens, index + 1, lex.place_heads, lex.places,
                                          allow=".-", lower=False)
                if matched is not None:
                    last = matched  # "VA Loma Linda"
        if last + 2 < len(tokens) and tokens[last + 1].key in {"in", "at", "of"} and tokens[
            last + 2
        ].capd and not tokens[last + 2].stop and tokens[last + 1].gap == " ":
            place_end = last + 2
            matched = _longest_phrase(tokens, last + 2, lex.place_heads, lex.places,
                                      allow=".-", lower=False)
            if matched is not None:
                place_end = matched
            last = place_end
        if first < index or last > index and tokens[last].key not in GENERIC_FACILITY_WORDS:
            yield FindingKind.HOSPITAL, tokens[first].start, tokens[last].end

    # "St. Agnes", "Saint Joseph's", "St Joe's": a saint's name is a hospital more often than
    # not in a safety report; after a capitalised word it is a street ("Main St.").
    for index, token in enumerate(() if _SAINT_WORDS.isdisjoint(keys) else tokens[:-1]):
        if token.key not in _SAINT_WORDS:
            continue
        following = tokens[index + 1]
        start = token.start
        if not token.cap:
            # "pt from st. marks": lower case only with its period and after a cue, or after
            # a health system's name ("providence st vincent")
            system = index > 0 and tokens[index - 1].key in lex.facilities and _adjacent(
                text, tokens[index - 1], token)
            if system and following.gap in (" ", ". ") and (following.first or following.sur) and (
                not following.eng and not following.stop
            ):
                start = tokens[index - 1].start
            elif index == 0 or not (
                following.gap == ". " and tokens[index - 1].key in _FACILITY_CUES
                or following.gap == " " and _saints_name(reader, following) and (
                    tokens[index - 1].key in _FACILITY_CUES
                    or tokens[index - 1].key in _SHORT_FORM_VERBS
                )
            ):
                continue  # "called st vincents", "sent to st lukes"; not "st elevation"
        elif not following.cap or not _adjacent(text, token, following, allow="."):
            continue
        if token.key == "st" and index > 0:
            previous = tokens[index - 1]
            if _adjacent(text, previous, token) and (previous.cap or previous.key.isdigit()):
                continue
            if re.search(r"[0-9](?:st|nd|rd|th)?\s*$", text[max(0, token.start - 6) : token.start]):
                continue
        if following.key in {"john", "johns"} and index + 2 < len(tokens) and tokens[
            index + 2
        ].key == "wort":
            continue
        if _place_key(tokens[index : index + 2]) in reader.lex.places or any(
            t.key in _SUBDIVISIONS for t in tokens[index + 1 : index + 4]
        ):
            continue  # "St. Louis", "St. Mary's County": places
        yield FindingKind.HOSPITAL, start, _extend_facility(reader, index + 1)


def _town_follows(reader: _Reader, index: int) -> bool:
    """ "in" and a listed town, capitalised, right after token `index`."""
    tokens = reader.tokens
    if index + 2 >= len(tokens) or tokens[index + 1].word != "in" or (
        tokens[index + 1].gap != " " or tokens[index + 2].gap != " " or not tokens[index + 2].cap
    ):
        return False
    town = _longest_phrase(tokens, index + 2, reader.lex.place_heads, reader.lex.places,
                           allow=".-", lower=False)
    return town is not None and _place_key(tokens[index + 2 : town + 1]) not in _STATE_NAMES


# Words before a listed chain's initials typed in lower case: "at cvs", "called heb".
_SHORT_CHAIN_CUES = frozenset("at called from via".split())
_OPENINGS: list[frozenset[str]] = []


def _facility_openings(lex) -> frozenset[str]:
    """The first two words of each listed name of three words or more ("atrium wake")."""
    if not _OPENINGS:
        _OPENINGS.append(frozenset(
            " ".join(words[:2]) for words in (name.split() for name in lex.facilities)
            if len(words) >= 3 and words[1] not in {"of", "the", "and", "&", "at"}
        ))
    return _OPENINGS[0]


def _system_and_campus(lex, word: str) -> bool:
    """ "NYP-Allen", "Kaiser-Roseville": a listed system's initials or its one-word name, a
    hyphen and a capitalised campus."""
    system, _, campus = word.partition("-")
    if len(campus) < 3 or not campus[0].isupper() or not campus[1:].islower():
        return False
    if system in lex.facility_abbreviations:
        return True
    key = system.lower()
    return system[:1].isupper() and key not in lex.english and key in lex.facilities and (
        key in lex.facility_heads
    )


def _saints_name(reader: _Reader, token: Token) -> bool:
    """A given name after a lower-case "st" with no period: "st vincents", "st joes"."""
    key = token.key
    if token.cap or token.stop or len(key) < 3 or key in reader.lex.clinical:
        return False
    if key in reader.lex.first_names and not token.eng:
        return True
    return key.endswith("s") and key[:-1] in reader.lex.first_names and not token.eng


def _lower_chain_cued(reader: _Reader, first: int, last: int) -> bool:
    """Whether a listed name of everyday words typed in lower case (tokens `first` to `last`)
    follows "at", "from" or "to" and goes on with a listed town in no dictionary ("atria
    sunnyvale"), or, two words or more, ends at a boundary ("at rite aid on w 25th")."""
    tokens = reader.tokens
    if first == 0 or tokens[first - 1].key not in {"at", "from", "to"}:
        return False
    if tokens[first].gap != " " or any(t.cap or t.key in _COMMON_LOWER for t in tokens[
        first : last + 1
    ]):
        return False
    key = tokens[first].key
    if key in _PATIENT_CUES or key in _ROLE_WORDS or key in GENERIC_FACILITY_WORDS:
        return False  # "to patient first", "to home health"
    following = tokens[last + 1] if last + 1 < len(tokens) else None
    if following is not None and following.gap == " " and not following.cap and (
        not following.eng and not following.stop and following.key in reader.lex.places
    ):
        return True
    if last == first:
        return False
    return following is None or following.gap.strip()[:1] in {",", ".", ";", ")"} or (
        following.gap == " " and following.key in {"on", "in", "pharmacy", "for", "and"}
    )


# A store's number after a chain's name: "CVS #8841", "Walgreens store 4417", "Kroger no. 412".
_STORE_NUMBER = re.compile(r" ?(?:#|[Nn]o\. ?|[Ss]tore #? ?)[0-9]{2,6}(?![0-9])")


def _extend_facility(reader: _Reader, index: int) -> int:
    """End of a facility name that may go on with a place or a head: "Kaiser Roseville"."""
    end = _extend_facility_words(reader, index)
    store = _STORE_NUMBER.match(reader.text, end)
    return store.end() if store else end


def _extend_facility_words(reader: _Reader, index: int) -> int:
    tokens = reader.tokens
    text = reader.text
    end = tokens[index].end
    position = index + 1
    while position < len(tokens) and position - index <= 4:
        token = tokens[position]
        if token.initial or not _adjacent(text, tokens[position - 1], token, allow="-&"):
            break
        if not token.capd and not token.stop and not token.eng and token.key in (
            reader.lex.places
        ):
            end = token.end  # "kaiser vacaville": a town typed in lower case
            break
        if not token.capd and token.key in _LOWER_HEAD_WORDS and not tokens[index].cap:
            end = token.end  # "safeway pharmacy" typed in lower case; not "MGH pharmacy"
            position += 1
            continue
        if token.key == "pharmacy" and not token.capd and not tokens[index].upper:
            end = token.end  # "the Hy-Vee pharmacy", "Fred Meyer pharmacy"
            break
        if not (token.capd or token.key in {"of", "the"}):
            break
        if token.stop and token.key not in GENERIC_FACILITY_WORDS:
            break
        if token.key in _SUBDIVISIONS:
            break
        if token.key not in {"of", "the"}:
            end = token.end
        position += 1
    return end


# --- places ----------------------------------------------------------------------------

PLACE_CUES = frozenset(
    """
    in at from to near outside into toward towards around between of via lives live living
    resides resident residing moved drove driven flown transported visiting visited past beyond
    """.split()
)
_STATE_NAMES = frozenset(
    """
    al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh
    nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
    calif cal fla mass penn wash
    """.split()
)


_SPELLED_OUT = {"saint": "st", "mount": "mt", "fort": "ft"}


def _longest_phrase(
    tokens: list[Token],
    index: int,
    heads: dict[str, int],
    phrases: frozenset[str],
    *,
    allow: str,
    lower: bool | None,
    n_for_and: bool = False,
) -> int | None:
    """Index of the last token of the longest listed phrase starting at `index`.

    `lower` says whether the phrase was typed in lower case; then every word must be, else
    every word after the first must be capitalised (so "Elk Grove" but not "Elk grove");
    None leaves the case alone.
    """
    key = _SPELLED_OUT.get(tokens[index].key, tokens[index].key)
    most = heads.get(key)
    if not most:
        return None
    matched = index if key in phrases else None
    position = index
    while position + 1 < len(tokens) and position - index + 1 < most:
        following = tokens[position + 1]
        gap = following.gap
        if following.initial or not (gap == " " or 0 < len(gap) <= 3 and not gap.strip(
            " " + allow
        )):
            break
        if lower is True and following.capd or lower is False and not following.capd:
            if not (following.key in _PARTICLES and not lower):
                break
        if n_for_and and following.word == "n":
            key += " and"  # "baylor scott n white" typed for "and"
        else:
            key = key + " " + _SPELLED_OUT.get(following.key, following.key)
        position += 1
        if key in phrases:
            matched = position
    return matched


def _place_key(tokens: list[Token]) -> str:
    key = " ".join(t.key for t in tokens)
    key = key.replace("saint ", "st ").replace("mount ", "mt ").replace("fort ", "ft ")
    return key


_DIRECTIONS = frozenset(
    "north south east west northeast northwest southeast southwest n s e w ne nw se sw".split()
)


# Words between a cue and a town that leave it a town: "in rural hidalgo county".
_PLACE_ADJECTIVES = frozenset(
    "rural unincorporated downtown suburban outer greater nearby northern southern eastern "
    "western central upstate".split()
)
# A county after its name, "co" as typed for it: "hidalgo co", "cameron county".
_COUNTY_WORDS = _SUBDIVISIONS | {"co", "cnty", "cty"}


# Labels whose value is a place: "Town: porterville", "county - kings".
_PLACE_LABELS = frozenset(
    "city town county parish borough township residence hometown neighborhood".split()
)


def _place_cue(reader: _Reader, index: int) -> str | None:
    """ "in", "from", "our"... right before token `index`: "cue", "owner", "label" (a label
    and a colon, "City: mesa") or None."""
    gap = reader.tokens[index].gap
    if index > 0 and gap.strip() in {":", "-", "="} and "\n" not in gap and reader.tokens[
        index - 1
    ].key in _PLACE_LABELS:
        return "label"
    previous = reader.previous_word(index)
    if previous is None or gap.strip():
        return None
    if previous.key in PLACE_CUES:
        return "cue"
    if (previous.key in _DIRECTIONS or previous.key in _PLACE_ADJECTIVES) and index >= 2 and (
        previous.gap == " " and reader.tokens[index - 2].key in PLACE_CUES
    ):
        return "cue"  # "from east oakland", "in south fresno", "in rural tulare"
    if previous.key in _OWNERS:
        return "owner"  # "our Cedar Rapids campus", "their Durham desk"
    return None


# The second word of a neighbourhood named after a town: "Bay Ridge", "Crown Heights".
_NEIGHBOURHOOD_TAILS = frozenset("ridge heights hills village acres estates terrace".split())
# A direction's initial before a town: "from n. las vegas".
_DIRECTION_INITIALS = {"n": "north", "s": "south", "e": "east", "w": "west"}
# A Spanish article that opens a town: "from la puente", "in el cenizo".
_SPANISH_ARTICLES = frozenset("la el las los del".split())


def _detect_places(reader: _Reader) -> Iterator[Span]:
    tokens = reader.tokens
    text = reader.text
    lex = reader.lex
    index = 0
    count = len(tokens)
    place_heads = lex.place_heads
    while index < count:
        token = tokens[index]
        if token.key not in place_heads and token.key not in _CITY_SHORT_FORMS:
            if token.key in _DIRECTION_INITIALS and index + 1 < count and (
                token.upper or token.word.isupper() or tokens[index + 1].gap == ". "
            ) and _place_cue(reader, index) == "cue":
                # "from n. las vegas", "in N Las Vegas": a direction's initial before a town
                key = _DIRECTION_INITIALS[token.key]
                matched = _longest_phrase(tokens, index + 1, place_heads, lex.places,
                                          allow=".-", lower=None)
                if matched is not None and key + " " + _place_key(
                    tokens[index + 1 : matched + 1]
                ) in lex.places:
                    yield FindingKind.PLACE, token.start, tokens[matched].end
                    index = matched
            index += 1
            continue
        lower = not (token.capd or token.key in {"st", "mt", "ft"})
        if lower and (token.stop or token.eng and lex.place_heads.get(token.key) == 1) and not (
            token.key in lex.places and (_lower_state_follows(reader, index) and _place_cue(
                reader, index) == "cue" or _place_cue(reader, index) == "label")
        ) and not (
            # "in east la", "from south bronx": a curated neighbourhood in lower case
            token.key in _DIRECTIONS and _place_cue(reader, index) == "cue"
            and _curated_lower(reader, index)
        ) and not (
            # "from la puente", "in el cenizo": a Spanish article opens a listed town
            token.key in _SPANISH_ARTICLES and _place_cue(reader, index) == "cue"
            and _curated_lower(reader, index, listed=True)
        ):
            index += 1
            continue
        cue = _place_cue(reader, index)
        matched = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow=".-",
                                  lower=lower)
        if lower and cue is None and matched is not None and matched + 1 < count and tokens[
            matched + 1
        ].key in _PLACE_NOUNS and tokens[matched + 1].gap == " ":
            cue = "noun"  # "dinuba resident", "the kerman area"
        if lower and cue is None:
            index += 1
            continue
        if matched is None and not lower and not token.capd and cue == "cue":
            # "in st george", "from ft worth": a saint's or a fort's town typed in lower case
            matched = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow=".-",
                                      lower=True)
            matched = None if matched == index else matched
        if matched is None and token.key in _CITY_SHORT_FORMS and cue == "cue":
            matched = index  # "in slc", "from NYC"
        if matched is None:
            index += 1
            continue
        run = tokens[index : matched + 1]
        previous = reader.previous_word(index)
        place_noun = matched + 1 < count and tokens[matched + 1].key in _PLACE_NOUNS and (
            tokens[matched + 1].gap in {" ", "-"} and not tokens[matched].possessive
        )
        lower_state = lower and cue == "cue" and _lower_state_follows(reader, matched)
        state_after = lower_state or cue == "label" or _state_follows(reader, matched)
        everyday = all(t.eng or t.key in _NEVER or t.key in lex.clinical for t in run)
        stop = any(t.stop for t in run) and len(run) == 1
        person = len(run) == 1 and (token.first or token.sur)
        curated = _place_key(run) in lex.neighbourhoods
        if state_after:
            ok = True
        elif lower and curated and len(run) >= 2 and cue == "cue":
            ok = True
        elif lower:
            # Lower-case typing: only after a cue, and only a name that is no ordinary word.
            ok = not any(t.eng or t.stop for t in run) or (len(run) >= 2 and not everyday) or (
                len(run) >= 2 and not any(t.stop for t in run)
                and not (_next_is_clinical(reader, matched) and len(tokens[matched + 1].key) > 2)
            )  # "in red bluff", not "in red blood cells"
            ok = ok and cue is not None
        elif previous is not None and previous.key in _ARTICLES and cue is None and not (
            curated and previous.key == "the"
        ) and not (
            # "a Fresno native", "the Tacoma area": a noun that only a place takes
            place_noun
        ) and not (
            # "the Las Vegas Strip", "the San Diego office": a town of two words or more
            len(run) >= 2 and not everyday and not any(t.initial for t in run[1:])
        ):
            ok = False
        elif stop and cue is None:
            ok = False
        elif reader.eponym_after(matched):
            ok = False
        elif curated:
            ok = True
        elif everyday:
            # "in Mesa", "in Temple", "our Springfield clinic"; not "Normal saline".
            ok = cue is not None and not token.initial and not _next_is_clinical(reader, matched)
            # "the Many Farms chapter house", "the Twin Falls area"
            ok = ok or len(run) >= 2 and place_noun and not token.initial
        elif person:
            ok = cue is not None or not token.initial
        else:
            ok = True
        if ok:
            end = tokens[matched].end - (2 if tokens[matched].possessive else 0)
            if matched + 1 < count and tokens[matched + 1].key in _COUNTY_WORDS and (
                tokens[matched + 1].gap == " " and not tokens[matched].possessive
            ):
                end = tokens[matched + 1].end  # "hidalgo co", "Cameron County"
            elif matched + 1 < count and tokens[matched + 1].key in _NEIGHBOURHOOD_TAILS and (
                tokens[matched + 1].gap == " " and tokens[matched + 1].capd != lower
                and not tokens[matched].possessive
            ):
                end = tokens[matched + 1].end  # "in Bay Ridge", "from mesa heights"
            elif lower_state:
                end = tokens[matched + 1].end  # "bend oregon"
            elif state_after and matched + 1 < count:
                # "Fresno, California 93711": the town, its state and its ZIP are one place
                zip_code = _ZIP.match(text, tokens[matched + 1].end)
                if zip_code is not None:
                    end = zip_code.end()
            end = _zip_after(reader, matched, end)
            start = token.start
            if index > 0 and token.gap == " " and tokens[index - 1].key in _DIRECTIONS:
                start = tokens[index - 1].start  # "east oakland" is one place
            yield FindingKind.PLACE, start, end
        index = matched + 1

    # "a Visalia-based crew", "Fresno-area clinics": a town joined to the noun after it.
    joined = "-based" in text or "-area" in text
    for index, token in enumerate(tokens if joined else ()):
        if not token.capd or not token.key.endswith(("-based", "-area")):
            continue
        base = token.key.rsplit("-", 1)[0]
        first = index
        if index and tokens[index].gap == " " and tokens[index - 1].capd and _place_key(
            [tokens[index - 1]]
        ) + " " + base in lex.places:
            first = index - 1  # "a Las Vegas-based firm"
        elif base not in lex.places or base in lex.english or base in lex.clinical:
            continue
        yield FindingKind.PLACE, tokens[first].start, token.start + len(base)

    keys = _keys(reader)
    # "pt from albuqurque", "lives in Sacremento": a big city misspelt by one letter, after a
    # cue. The words in no dictionary are few; each is looked up with each letter left out.
    typos = [key for key in keys.difference(lex.english) if 6 <= len(key) <= 20 and key.isalpha()
             and key not in lex.places and key not in lex.clinical
             and key not in lex.surnames and key not in lex.first_names
             and key not in lex.proper and _misspelt_city(key, lex.big_city_deletes)]
    for index, token in enumerate(tokens if typos else ()):
        if token.key in typos and token.unknown and _place_cue(reader, index) == "cue":
            yield FindingKind.PLACE, token.start, token.end

    # A county typed in lower case whose name is no listed town, after a cue: "from rural
    # stanislaus county", "lives in tangipahoa parish"; not "in each county".
    for index in () if _SUBDIVISIONS.isdisjoint(keys) else range(1, count):
        token = tokens[index]
        name = tokens[index - 1]
        if token.key not in _SUBDIVISIONS or token.cap or name.cap or token.gap != " ":
            continue
        if name.stop or name.eng or name.key in lex.clinical or len(name.key) < 3:
            continue
        start = name.start
        saint = index >= 2 and tokens[index - 2].key in _SAINT and name.gap in {" ", ". "}
        if saint:
            start = tokens[index - 2].start  # "st bernard parish", "st. landry parish"
        # Only Louisiana has parishes: "orleans parish" is one with no cue before it.
        if saint or token.key == "parish" or _place_cue(reader, index - 1) == "cue":
            yield FindingKind.PLACE, start, token.end

    # Named places that are not towns: "Discovery Park", "Lincoln Elementary", "Folsom State
    # Prison", "Travis AFB", "Pine Ridge Reservation", "Modesto PD".
    for index, token in enumerate(() if _PLACE_HEAD_WORDS.isdisjoint(keys) else tokens):
        if token.key not in _PLACE_HEAD_WORDS or not (token.cap or token.upper):
            continue
        first = index
        while first > 0 and index - first < 3:
            previous = tokens[first - 1]
            if tokens[first].gap not in (" ", ". ") or not (previous.capd or previous.key
                                                             in {"st", "mt", "ft"}):
                break
            if previous.stop and previous.key not in _US_STATES or previous.key in _ARTICLES:
                break
            first -= 1
        words = tokens[first:index]
        if not words or all(t.key in GENERIC_FACILITY_WORDS or t.key in _GENERIC_PLACE_WORDS
                            for t in words):
            continue
        if tokens[first].initial and len(words) == 1 and words[0].eng:
            continue
        yield FindingKind.PLACE, tokens[first].start, token.end

    # Lakes, mountains, rivers and valleys, named before or after their kind: "Lake Tahoe",
    # "Mount Hood", "Mt. Shasta", "Crater Lake", "the Feather River", "San Joaquin valley";
    # in lower case only after a cue ("camping at mt hood"). Not "Rocky Mountain spotted
    # fever", "Valley fever" or "mount the bag".
    features = not (_FEATURE_PREFIXES.isdisjoint(keys) and _FEATURE_HEADS.isdisjoint(keys))
    for index, token in enumerate(tokens if features else ()):
        key = token.key
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if key in _FEATURE_PREFIXES and following is not None and _adjacent(
            text, token, following, allow="."
        ) and not following.initial and not following.stop and len(following.key) >= 3 and (
            following.key not in lex.clinical
        ) and (token.cap and following.capd or not token.cap and not following.cap):
            if token.cap:
                if key == "mount" and index > 0 and tokens[index - 1].key == "to":
                    continue  # "to Mount Sinai" is read as a hospital
                last = index + 1
                if last + 1 < len(tokens) and tokens[last + 1].capd and not tokens[
                    last + 1
                ].stop and _adjacent(text, tokens[last], tokens[last + 1]):
                    last += 1  # "Mount St Helens" is cut at "St"; "Lake Buena Vista"
                yield FindingKind.PLACE, token.start, tokens[last].end
                continue
            if key != "mount" and _place_cue(reader, index) == "cue":
                yield FindingKind.PLACE, token.start, following.end
                continue
        if key not in _FEATURE_HEADS or index == 0:
            continue
        if _next_is_clinical(reader, index) or reader.eponym_after(index) or (
            index + 1 < len(tokens) and tokens[index + 1].key in _DISEASE_WORDS
        ):
            continue
        first = index
        while first > 0 and index - first < 3:
            previous = tokens[first - 1]
            if tokens[first].initial or not _adjacent(text, previous, tokens[first]):
                break
            if not previous.capd or previous.key in _ARTICLES:
                break
            if previous.stop and previous.key not in _SAINT and previous.key not in _US_STATES:
                break
            first -= 1
        words = tokens[first:index]
        if not words or all(t.key in _GENERIC_PLACE_WORDS or t.key in GENERIC_FACILITY_WORDS
                            for t in words):
            continue
        if not token.cap and not (token.upper or len(words) >= 2 or not words[0].eng):
            continue  # "the Green valley" is too vague in lower case
        if tokens[first].initial and len(words) == 1 and words[0].eng and not token.cap:
            continue
        yield FindingKind.PLACE, tokens[first].start, token.end

    # "Elk Grove, CA" or "Roseville, California" even when the town is not in the list; a
    # town named for a state before another state's code too ("Nevada, IA", "Virginia, MN").
    for index, token in enumerate(tokens[:-1]):
        if not token.capd or tokens[index + 1].key not in _STATE_NAMES:
            continue
        if token.stop and not (token.key in _US_STATES and tokens[index + 1].upper and len(
            tokens[index + 1].word
        ) == 2 and not _states_listed(tokens, index + 2)):
            continue  # "licensed in Nevada, CA and OR" lists states
        if _state_follows(reader, index):
            first = index
            while (
                first > 0
                and tokens[first - 1].capd
                and not tokens[first].initial
                and _adjacent(text, tokens[first - 1], tokens[first])
                and not tokens[first - 1].stop
                and index - first < 3
            ):
                first -= 1
            yield FindingKind.PLACE, tokens[first].start, token.end


def _misspelt_city(key: str, deletes: dict[str, tuple[str, ...]]) -> str | None:
    """The big city one letter away from `key` (left out, added, changed or swapped)."""
    for probe in (key, *(key[:i] + key[i + 1 :] for i in range(len(key)))):
        for city in deletes.get(probe, ()):
            if _one_edit(key, city):
                return city
    return None


def _one_edit(typed: str, word: str) -> bool:
    """`typed` is `word` with one letter left out, added or changed, or two next to each
    other swapped (or is `word` itself)."""
    if typed == word:
        return True
    if len(typed) == len(word):
        differ = [i for i in range(len(word)) if typed[i] != word[i]]
        return len(differ) == 1 or len(differ) == 2 and differ[1] == differ[0] + 1 and (
            typed[differ[0]] == word[differ[1]] and typed[differ[1]] == word[differ[0]]
        )
    shorter, longer = (typed, word) if len(typed) < len(word) else (word, typed)
    if len(longer) - len(shorter) != 1:
        return False
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]



def _curated_lower(reader: _Reader, index: int, *, listed: bool = False) -> bool:
    """A curated neighbourhood (with `listed`, any listed place) of two words or more typed
    in lower case at token `index`."""
    tokens = reader.tokens
    lex = reader.lex
    matched = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow=".-", lower=True)
    return matched is not None and matched > index and (listed or _place_key(
        tokens[index : matched + 1]
    ) in lex.neighbourhoods)


def _lower_state_follows(reader: _Reader, index: int) -> bool:
    """A state typed in lower case right after token `index`: "bend oregon", "mobile al."
    (a state's code only where the phrase ends, so not "reading pa note")."""
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return False
    state = tokens[index + 1]
    if state.gap != " " or state.cap or state.key not in _STATE_NAMES:
        return False
    if len(state.key) > 2:
        return state.key in _US_STATES
    if index + 2 >= len(tokens):
        return True
    following = tokens[index + 2].gap
    return "\n" in following or following.strip() != "" and following.strip()[0] in ",.;)"


def _states_listed(tokens: list[Token], index: int) -> bool:
    """Token `index` goes on with a list of states: ", OR", "and Oregon", "or NV"."""
    if index >= len(tokens):
        return False
    token = tokens[index]
    if token.gap.strip() in {",", "/", "&"} and token.key in _STATE_NAMES and (
        token.upper or token.key in _US_STATES
    ):
        return True
    if token.key not in {"and", "or"} or index + 1 >= len(tokens):
        return False
    token = tokens[index + 1]
    return token.key in _STATE_NAMES and (token.upper or token.key in _US_STATES)


_FEATURE_PREFIXES = frozenset({"lake", "mount", "mt"})
_FEATURE_HEADS = frozenset(
    "lake lakes river creek canyon mountain mountains peak valley island forest".split()
)
_DISEASE_WORDS = frozenset("spotted fever disease virus syndrome".split())

_AMBIGUOUS_STATE_CODES = frozenset(
    "or in me pa md co de la ma mi ok hi id ms mt ne oh sc va wa al ar ga ct nd sd".split()
)


def _state_follows(reader: _Reader, index: int) -> bool:
    """", CA" or ", California" right after token `index` (the state itself may stay)."""
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return False
    following = tokens[index + 1]
    gap = _gap(reader.text, tokens[index], following)
    if gap.strip() != "," or "\n" in gap:
        return False
    if following.upper and len(following.word) == 2:
        if following.key in _AMBIGUOUS_STATE_CODES:
            # "Pyxis Anesthesia System, OR 6": OR, IN, ME, PA... are also hospital words, so
            # the word before must be a known town.
            token = tokens[index]
            return token.key in reader.lex.places or _place_key(tokens[max(0, index - 1) : index
                                                                        + 1]) in reader.lex.places
        return following.key in _STATE_NAMES
    if following.cap and following.key in _STATE_NAMES and len(following.key) > 2:
        return True
    return False


_OWNERS = frozenset("our their your its his her".split())
# Nouns that after a town's name make it one: "a Fresno native", "the Tacoma area".
_PLACE_NOUNS = frozenset(
    "native natives resident residents area suburbs outskirts based chapter side".split()
)
# The last word of a named place that is not a town.
_PLACE_HEAD_WORDS = frozenset(
    """
    park mall plaza stadium arena airport library church cathedral mosque synagogue casino
    hotel motel inn apartments apts campground beach bridge elementary academy college
    wharf pier boardwalk harbor harbour district
    university prison jail penitentiary reservation rancheria pueblo afb courthouse pd
    sheriff's shelter lodge marina fairgrounds speedway ymca ywca neighborhood neighbourhood
    subdivision barrio colonia
    """.split()
)
_GENERIC_PLACE_WORDS = frozenset(
    """
    city county state national public local community regional international central main
    mobile home trailer rv dog water theme amusement business industrial office medical
    parking police fire homeless emergency the a an
    """.split()
)
# Short forms of big cities, found after "in", "from", "to" and the like.
_CITY_SHORT_FORMS = frozenset(
    """
    nyc sf slc okc stl kc abq phx atl chi dfw philly nola vegas socal norcal sfo lax sac
    """.split()
)
_ZIP = re.compile(r"[ ,]{1,2}[0-9]{5}(?:-[0-9]{4})?(?![0-9])")


def _zip_after(reader: _Reader, index: int, end: int) -> int:
    """ "Sacramento 95814": a ZIP code right after a place belongs to it."""
    match = _ZIP.match(reader.text, end)
    return match.end() if match else end


def _next_is_clinical(reader: _Reader, index: int) -> bool:
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return False
    following = tokens[index + 1]
    return following.gap == " " and following.key in reader.lex.clinical


def _next_is_lower_noun(reader: _Reader, index: int) -> bool:
    tokens = reader.tokens
    if index + 1 >= len(tokens):
        return False
    following = tokens[index + 1]
    gap = _gap(reader.text, tokens[index], following)
    return gap == " " and not following.cap and following.key not in _NEVER


# --- entry point -----------------------------------------------------------------------


def detect(text: str) -> Iterator[Span]:
    """Every list-based finding in `text`."""
    if not text or not any(ch.isalpha() for ch in text):
        return
    reader = _memo.reader = _Reader(text, prepare())
    spans = [*_detect_people(reader), *_detect_facilities(reader), *_detect_places(reader)]
    yield from spans
    yield from _detect_role_appositives(reader)
    yield from _detect_from_facilities(reader)
    yield from _detect_care_places(reader)
    yield from _detect_care_places_by_town(reader)
    yield from _detect_unlisted_names(reader)
    if spans:
        yield from _extend_partial_findings(reader, spans)
        if ", " in text:
            yield from _towns_after_facilities(reader, spans)
    if "(" in text:
        yield from _towns_in_brackets(reader, spans)
    if spans and (" on " in text or " and " in text or " & " in text):
        yield from _streets_after_facilities(reader, spans)
    yield from _detect_sites(reader, spans)
    if "from " in text and any(needle in text for needle in _SENDER_NEEDLES):
        yield from _detect_senders(reader)
    if _CARRIER_HINT.search(text):
        yield from _detect_carrier_abbreviations(reader)
    yield from _detect_names_before_care_kinds(reader)
    if "placement" in text or "Placement" in text:
        yield from _detect_placement_choices(reader)
    if " and I " in text or " and me" in text:
        yield from _detect_with_me(reader)
    if "MA " in text or "PCA " in text or "HUC " in text:
        yield from _detect_assistants(reader)
    if any(needle in text for needle in _WEAK_CUE_NEEDLES) or _CREDENTIAL_IN_BRACKETS.search(text):
        yield from _detect_weak_cue_names(reader)
    yield from _detect_names_by_their_role(reader)
    if ":" in text:
        yield from _detect_speakers(reader)
    yield from _detect_sentence_subjects(reader)
    if '"' in text and "," in text:
        yield from _detect_quoted_last_first(reader)
    if "Good " in text or "good " in text:
        yield from _detect_good_names(reader)
    if "\n" in text:
        yield from columns.detect(text, reader.lex)


# The reader of the last text this thread's `detect` read, for `repeated_names` on the same
# text; per thread, so a threaded server's requests never share one, and dropped by `forget`.
_memo = threading.local()


def forget() -> None:
    """Drop this thread's reader of the last text screened: the text is confidential and is
    not kept in the process once its screening is done."""
    _memo.reader = None
_NAME_KINDS = frozenset({FindingKind.PERSON, FindingKind.NAME, FindingKind.TITLE_NAME})


# Verbs in the past that a person does, beyond `PERSON_VERBS`: "Summer caught it".
_PAST_ACTS = frozenset(
    """
    caught grabbed held kept put set got ran stood sat made lowered lifted pulled moved
    turned started stopped hung placed removed changed entered scanned notified called
    """.split()
)


def _act_after(reader: _Reader, index: int) -> bool:
    tokens = reader.tokens
    if index + 1 >= len(tokens) or tokens[index + 1].gap != " ":
        return False
    key = tokens[index + 1].key
    return key in PERSON_VERBS or key in _PAST_ACTS


def _name_part(token: Token, *, cap: bool) -> bool:
    """Could go on a name already found, next to it: a given name, a surname or a word in no
    list, written in the same case; an ordinary word only when it is also a surname or a
    given name ("Amber Stone")."""
    if token.cap != cap or len(token.key) < 2:
        return False
    if token.key in _ROLE_WORDS or token.key in _NEVER or token.key in _CREDENTIAL_WORDS:
        return False
    if token.stop and not (token.first or token.sur):
        return False
    if not cap and (token.eng or token.key in _COMMON_LOWER):
        return False
    return token.first or token.sur or token.unknown and not token.eng


def _grown(reader: _Reader, start: int, end: int) -> tuple[int, int]:
    """A name finding widened over the rest of the name beside it: "Mele" to "Mele Tonga",
    "Ngata" to "Aroha Ngata", "Nguyen" to "Nguyen Thi Mai", "de la Cruz" after "Rosario"."""
    tokens = reader.tokens
    first = bisect_left(tokens, start, key=_START)
    if first >= len(tokens) or tokens[first].start != start:
        return start, end
    last = first
    while last + 1 < len(tokens) and tokens[last + 1].start < end:
        last += 1
    if tokens[last].end != end or tokens[last].possessive:
        return start, end
    cap = tokens[first].cap
    if tokens[first].upper != tokens[last].upper:
        return start, end
    upper = tokens[first].upper
    grown_last = last
    while grown_last + 1 < len(tokens) and grown_last - last < 2:
        following = tokens[grown_last + 1]
        if following.gap != " " or following.initial:
            break
        if following.key in _PARTICLES and grown_last + 2 < len(tokens) and (
            tokens[grown_last + 2].gap == " " and _name_part(tokens[grown_last + 2], cap=True)
        ):
            grown_last += 2
            continue
        if not _name_part(following, cap=cap) or following.upper != upper or (
            reader.eponym_after(grown_last + 1)
        ):
            break
        grown_last += 1
    grown_first = first
    if first > 0 and not tokens[first].initial and tokens[first].gap == " ":
        previous = tokens[first - 1]
        if _name_part(previous, cap=cap) and not (previous.eng and not previous.first) and (
            not previous.possessive and previous.upper == upper
        ):
            grown_first = first - 1
    elif first > 0 and tokens[first].gap == ". " and len(tokens[first - 1].word) == 1 and (
        tokens[first - 1].cap
    ):
        grown_first = first - 1  # "F. Zandi"
    if grown_first == first and grown_last == last:
        return start, end
    final = tokens[grown_last]
    return tokens[grown_first].start, final.end - (2 if final.possessive else 0)


def repeated_names(text: str, spans: list[Span]) -> list[Span]:
    """The other places in `text` of a word that a finding already reads as a person's name.

    A name is often written once where its context shows it ("Kwabena is the float aide",
    "daughter Ngozi") and again where nothing does ("Kwabena grabbed the gait belt", "told
    ngozi"); a reader who sees it once knows it everywhere, and so does the screening. A word
    of the name that is also an ordinary word ("Will", "Rose") counts again only capitalised
    inside a sentence; a capitalised word one or two letters away from a name that is no
    ordinary word is the same name misspelled ("Jenkins ... Jenkens"). Only texts already
    flagged get more findings, so a clean text stays clean.
    """
    names = [(start, end) for kind, start, end in spans if kind in _NAME_KINDS]
    if not names:
        return []
    reader = getattr(_memo, "reader", None)
    if reader is None or reader.text is not text:
        reader = _Reader(text, prepare())
    tokens = reader.tokens
    covered = []
    words: dict[str, bool] = {}  # folded word -> whether it is also an ordinary word
    for start, end in names:
        index = bisect_left(tokens, start, key=_START)
        while index < len(tokens) and tokens[index].start < end:
            token = tokens[index]
            covered.append(index)
            if (
                len(token.key) >= 3 and not token.stop and token.key not in _PARTICLES
                and not token.upper and (token.cap or not token.eng)
            ):
                words[token.key] = token.eng
            index += 1
    extra: list[Span] = []
    for start, end in names:
        grown = _grown(reader, start, end)
        if grown != (start, end):
            extra.append((FindingKind.PERSON, *grown))
            index = bisect_left(tokens, grown[0], key=_START)
            while index < len(tokens) and tokens[index].start < grown[1]:
                covered.append(index)
                index += 1
    if not words:
        return extra
    seen = set(covered)
    spelled = _NearNames(key for key, english in words.items() if not english and len(key) >= 5)
    for index, token in enumerate(tokens):
        if token.eng and not token.cap or index in seen or token.stop or len(token.key) < 3:
            continue  # a lower-case ordinary word is never read again as a name
        english = words.get(token.key)
        if english is None:
            if not (spelled and token.cap and not token.eng and len(token.key) >= 5):
                continue
            limit = 1 if len(token.key) < 7 else 2
            if not spelled.near(token.key, limit):
                continue
        elif english and not (token.cap and (not token.initial or _act_after(reader, index))):
            continue
        if reader.eponym_after(index):
            continue
        end = token.end - (2 if token.possessive else 0)
        extra.append((FindingKind.PERSON, token.start, end))
    return extra


def _detect_good_names(reader: _Reader) -> Iterator[Span]:
    """ "Good Hope nursing center", "good shepherd hospital": "Good <Word>" before the kind
    of a place of care."""
    tokens = reader.tokens
    count = len(tokens)
    for index in range(count - 2):
        token = tokens[index]
        if token.key != "good":
            continue
        name = tokens[index + 1]
        if name.gap != " " or name.stop or name.key in GENERIC_FACILITY_WORDS:
            continue
        if name.cap != token.cap and token.cap:
            continue
        head = tokens[index + 2]
        pair = f"{head.key} {tokens[index + 3].key}" if index + 3 < count else ""
        if head.gap != " ":
            continue
        if pair in _LOWER_CASE_HEADS:
            yield FindingKind.HOSPITAL, token.start, tokens[index + 3].end
        elif head.key in _LOWER_CASE_HEADS or head.key in _FACILITY_TYPES:
            yield FindingKind.HOSPITAL, token.start, head.end


# "The MRI technologist, Kelechi Anyanwu, stopped the scan": two capitalised words between
# commas right after a role noun. Roles of staff that are not cues elsewhere are added here.
_NOT_APPOSITIVE_ROLES = frozenset({"pt", "patient", "pts", "do", "member", "registry"})
_APPOSITIVE_ROLES = (ROLE_CUES - _NOT_APPOSITIVE_ROLES) | RELATION_CUES | frozenset(
    """
    technologist technologists radiographer sonographer phlebotomist perfusionist dietician
    nutritionist secretary receptionist housekeeper guard navigator liaison specialist
    scheduler dispatcher operator psychologist psychiatrist radiologist pathologist
    cardiologist neurologist oncologist nephrologist pulmonologist urologist obstetrician
    pediatrician internist neonatologist dentist podiatrist optometrist consultant
    administrator planner counselor counsellor worker doula tech
    """.split()
)
_APPOSITIVE = re.compile(
    r", ([A-Z][a-z\u00e0-\u00f6\u00f8-\u024f'\u2019\-]+) "
    r"([A-Z][a-z\u00e0-\u00f6\u00f8-\u024f'\u2019\-]+)(?=[,;)]|\.(?:\s|$))"
)


_INITIALS_APPOSITIVE = re.compile(r"(?<=[a-z]), ([A-Z]{2,3}), [a-z]")


def _token_at(tokens: list[Token], start: int) -> int | None:
    index = bisect_left(tokens, start, key=_START)
    if index < len(tokens) and tokens[index].start == start:
        return index
    return None


def _positions(text: str, char: str) -> Iterator[int]:
    """Where `char` stands in `text`, first to last."""
    position = text.find(char)
    while position >= 0:
        yield position
        position = text.find(char, position + 1)


def _token_ending(tokens: list[Token], end: int) -> int | None:
    index = bisect_left(tokens, end, key=_END)
    if index < len(tokens) and tokens[index].end == end:
        return index
    return None


def _detect_role_appositives(reader: _Reader) -> Iterator[Span]:
    text = reader.text
    if ", " not in text:
        return
    tokens = reader.tokens
    for match in _APPOSITIVE.finditer(text):
        if not text[match.start() - 1 : match.start()].islower():
            continue
        index = _token_at(tokens, match.start(1))
        if index is None or index == 0 or index + 1 >= len(tokens):
            continue
        role = tokens[index - 1]
        if role.key not in _APPOSITIVE_ROLES or role.possessive:
            continue
        pair = tokens[index : index + 2]
        if any(t.upper or (t.stop and not (t.first or t.sur)) for t in pair):
            continue
        if any(t.eng and not (t.first or t.sur) for t in pair):
            continue  # "the charge nurse, Night Shift, notified"
        if all(t.eng for t in pair):
            continue
        yield FindingKind.PERSON, match.start(1), match.end(2)
    # "the tech, LJ, asked for the date of birth": a person's initials set after a role and
    # before what a person does.
    for match in _INITIALS_APPOSITIVE.finditer(text):
        letters = match.group(1)
        index = _token_at(tokens, match.start(1))
        if index is None or index == 0 or index + 1 >= len(tokens):
            continue
        role, following = tokens[index - 1], tokens[index + 1]
        if role.key not in _APPOSITIVE_ROLES or role.possessive or role.upper:
            continue
        if letters in _UNIT_INITIALS or letters in _CREDENTIAL_INITIALS or (
            letters.lower() in reader.lex.clinical or letters.lower() in _CREDENTIAL_WORDS
        ):
            continue
        if following.key in PERSON_VERBS and following.gap == ", ":
            yield FindingKind.PERSON, match.start(1), match.end(1)


_FROM_VERBS = _TRANSFER_VERBS | frozenset(
    "admit admits adm xfer xferred xfered transfer received arrives arriving comes".split()
)
# Words that end the name of a place a patient came from ("from heritage oaks in hermiston").
_AFTER_FROM_PHRASE = frozenset(
    "in w with via on at for by after and to snf nh ltc alf".split()
)
# Tests, care and stays before "at" and a place typed in lower case: "had ct at prairie lakes".
_AT_CARE_WORDS = frozenset(
    """
    ct mri xray x-ray scan scans imaging labs echo ekg mammogram ultrasound colonoscopy
    endoscopy dialysis infusion infusions surgery rehab admitted treated stayed staying
    resident residing lives living offered bed beds eval placement
    """.split()
)
# A choice of a place of care before "for placement": "family declined ridgecrest for
# placement", "pt prefers Brookdale Gardens for placement".
_CHOICE_VERBS = frozenset(
    "declined declines refused refuses prefers preferred chose chosen accepted wants "
    "wanted requested requests".split()
)


def _detect_placement_choices(reader: _Reader) -> Iterator[Span]:
    tokens = reader.tokens
    lex = reader.lex
    count = len(tokens)
    for index in range(count - 3):
        if tokens[index].key not in _CHOICE_VERBS:
            continue
        for last in range(index + 1, min(index + 4, count - 2)):
            if tokens[last + 1].key == "for" and tokens[last + 2].key == "placement" and (
                tokens[last + 1].gap == " " and tokens[last + 2].gap == " "
            ):
                break
        else:
            continue
        run = tokens[index + 1 : last + 1]
        if any(t.gap != " " or t.stop or t.key in lex.clinical or t.key in _ARTICLES
               for t in run):
            continue
        if any(not t.eng and not t.upper and len(t.key) >= 4 for t in run):
            yield FindingKind.HOSPITAL, run[0].start, run[-1].end


# Who is at a place of care: "her doctor is at copper queen", "pcp was at desert springs".
_CARE_OWNERS = frozenset("doctor pcp provider physician md cardiologist oncologist".split())
# Words before "to" and a place typed in lower case: "back to cedar ridge", "dc to heritage oaks".
_TO_CARE_WORDS = frozenset(
    "back dc dcd c discharge discharged returning xfer xferred transfer accepted".split()
)
# Words after such a place: "at prairie lakes last week", "back to cedar ridge tmrw".
_AFTER_AT_PHRASE = frozenset(
    "last this yesterday today tomorrow tmrw tmw tonight on in for and but so once when if "
    "pending per".split()
)
_NOT_FROM_WORDS = frozenset(
    """
    work school church home house apartment car bus street outside another other his her their
    there here upstairs downstairs bed chair stretcher gurney wheelchair floor toilet bathroom
    ambulance party store shelter jail prison dinner lunch breakfast vacation trip fast track
    labor deck delivery custody police court lobby waiting intake holding pod hallway
    front desk counter triage window change huddle rounds shift bedside baseline night day
    same time first second third last next end start beginning noon midnight least most
    prior previous normal usual regular full current former original different sleep work
    school duty
    """.split()
)


def _detect_from_facilities(reader: _Reader) -> Iterator[Span]:
    """ "admit from heritage oaks", "came from good shepherd in hermiston": two lower-case
    words after a transfer verb and "from", not clinical or everyday words."""
    text = reader.text
    if "from " not in text and "at " not in text and "to " not in text:
        return
    tokens = reader.tokens
    lex = reader.lex
    for index in range(1, len(tokens) - 2):
        cue = tokens[index]
        if cue.word == "at":
            # "had ct at prairie lakes last week", "bed offered at meadow park": a test, a
            # stay or a bed at a place typed in lower case.
            if tokens[index - 1].key not in _AT_CARE_WORDS and not (
                tokens[index - 1].key in {"is", "was"} and index >= 2
                and tokens[index - 2].key in _CARE_OWNERS
            ):  # and "her doctor is at copper queen"
                continue
        elif cue.word == "to":
            # "going back to cedar ridge tmrw", "dc to heritage oaks once auth back".
            if tokens[index - 1].key not in _TO_CARE_WORDS or (
                tokens[index - 1].key == "c" and tokens[index - 1].gap != "/"
            ):
                continue
        elif cue.word != "from":
            continue
        else:
            verb = tokens[index - 1]
            if verb.key in _ADVERBS_OF_TRANSFER and index >= 2:
                verb = tokens[index - 2]
            if verb.key not in _FROM_VERBS and verb.key not in _PATIENT_CUES:
                continue  # "admit from heritage oaks", "pt from golden oaks (bend)"
        first, second = tokens[index + 1], tokens[index + 2]
        if first.gap != " " or second.gap != " " or first.cap or second.cap:
            continue
        if first.upper or second.upper:
            continue
        following = tokens[index + 3] if index + 3 < len(tokens) else None
        if following is not None:
            gap = following.gap
            if gap == " " and following.key not in _AFTER_FROM_PHRASE and not (
                cue.word != "from" and following.key in _AFTER_AT_PHRASE
            ):
                continue
            closing = gap.strip()[:1] in {",", ".", ";", ")", "/", "-", "(", '"', "\u201d"} or (
                "\n" in gap
            )
            if gap != " " and not closing:
                continue
        elif text[second.end :].strip()[:1] not in {"", ".", ",", ";", ")"}:
            continue
        bad = False
        for word in (first, second):
            key = word.key
            if (
                word.stop
                or key in _ARTICLES
                or key in _OWNERS
                or key in GENERIC_FACILITY_WORDS
                or key in _DEPARTMENTS
                or key in _COMMON_LOWER
                or key in _NOT_FROM_WORDS
                or key in lex.clinical
                or len(key) < 3
                or (len(key) > 5 and key.endswith(_CLINICAL_ENDINGS) and word.eng)
                or cue.word != "from" and word.eng and key.endswith(("ly", "ing", "ed", "tion"))
            ):
                bad = True
                break
        if bad:
            continue
        yield FindingKind.HOSPITAL, first.start, second.end


# --- small places of care with no list entry --------------------------------------------

# Last words of the names of small places of care: "Whispering Pines Manor", "Serenity Haven",
# "magnolia gardens". "House", "Home" and "Place" name a place of care only after a cue.
_CARE_ENDINGS = frozenset(
    "manor gardens villa villas terrace lodge pointe commons estates haven residence "
    "residences".split()
)
_CUED_CARE_ENDINGS = frozenset("house home place village pavilion court garden".split())
_CARE_PLACE_CUES = frozenset(
    "at from to in into resident residents res lives living resides".split()
)
# Short forms a stranger writes for the hospital everyone nearby knows: "sent to the
# Regional", "records from County", "moved to the U", "accepted at Presby".
_SHORT_FORMS = frozenset(
    "regional county general memorial university u presby presbyterian methodist baptist "
    "mercy adventist lutheran".split()
)
# Words before a facility named by itself: "records from X", "accepted at X", "DON at X".
_SHORT_FORM_VERBS = _FROM_VERBS | frozenset(
    """
    records chart notes report reports labs imaging films results paperwork faxed fax called
    accepted placed seen treated evaluated stayed staying don nurse nurses staff pharmacist
    doctor physician admission admissions coordinator resident patient dialysis back out
    """.split()
)
# Acts of a place of care, after its name: "Sunrise called", "Rosewood faxed the MAR".
_FACILITY_ACTS = frozenset("called faxed phoned refused declined accepted".split())
# Acts of a place of care that a word of the dictionary does too: "Larkhaven sent pt".
_SENDING_ACTS = frozenset("sent transferred".split())
_SENT_PATIENTS = frozenset("pt patient resident him her them".split())
_NOT_SHORT_FORMS = frozenset(
    """
    family mom dad wife husband son daughter sister brother someone nobody everyone team
    staff nurse doctor provider attending resident unit floor pharmacy lab radiology
    transport security dietary admitting registration biomed ems fire police pt patient
    they he she it we who which that this there
    """.split()
)
_TIME_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight
    january february march april may june july august september october november december
    last next this night day morning evening week month year weekend holiday
    """.split()
)
# Kinds of unit written in capitals, never a facility's initials.
_UNIT_INITIALS = frozenset(
    "OSH ICU CCU PICU NICU MICU SICU CVICU PACU ED ER OR CT MRI IR EMS SNF LTC ALF DME ECMO "
    "CABG TAVR MH BH DH GH FH PH HH".split()
)
# What a county, a state or a university holds besides a hospital: "sent to County officials".
_COUNTY_OFFICES = frozenset(
    """
    official officials government commissioner commissioners board court courts jail attorney
    sheriff police fire ems employees employee offices office line road fair clerk assessor
    records school schools students student
    """.split()
)
# Kinds of a place of care before its name in apposition: "her assisted living, Cottonwood,".
_KIND_NOUNS = frozenset(
    """
    living home facility snf alf ltac ltach nh lab laboratory pharmacy clinic rehab hospice
    agency hospital provider practice center centre community residence
    """.split()
)
# Verbs of a stay or a visit before "at" and a listed name typed in lower case.
_STAY_VERBS = frozenset("was been stayed staying seen goes go went is lives living".split())
# Words of a hospital's own services, never the name of a place: "Blood Bank called".
_SERVICE_WORDS = frozenset(
    """
    bank response board access management work prevention team services desk office control
    line center centre shift staff nursing rounds command supply clerk
    """.split()
)
_PLACEMENT_CUES = frozenset("chose choose chosen prefers preferred prefer from at".split())
# Who declines a place of care offered: "family declined Ridgecrest".
_DECLINING = frozenset({"family", "pt", "patient"}) | RELATION_CUES
_SERVICE_ENDING = re.compile(r"(?:ology|ologist|ics|ist|ine|ery|ry|o|ia|ics|onc)$")
_STAFF_AND_PAPERS = frozenset(
    """
    don adon nurse nurses staff pharmacist pharmacy administrator coordinator supervisor
    aide aides caregiver caregivers records chart notes paperwork mar labs films imaging
    results report director manager physician doctor provider social worker
    """.split()
)
# Words after a place of care's name that say it is one: "Sunnybrook resident", "Ashgrove
# paperwork", "the Glenwood nurse".
_NAME_OWNED_WORDS = frozenset(
    "resident residents staff nurse nurses rn lpn paperwork charge don adon aide aides".split()
)
# Words of a bed or a stay at a place of care before "at" and its name: "bed available at
# Fernwood", "accepted to Fernwood", "previously at Brightwater".
_PLACEMENT_WORDS = frozenset("bed beds available accepted placement previously formerly".split())
# Words of a call or a message before "from" and the place it came from: "calling from
# Sunridge", "voicemail from Larchmere".
_CALL_WORDS = frozenset(
    "calling call message voicemail vm fax email rep representative liaison".split()
)
# The last word of a hospital's short form: "Marlow General", "Tolland Regional".
_SHORT_FORM_ENDINGS = frozenset("general regional memorial community".split())
# Offices named with "General" that are no hospital: "wrote to the Attorney General".
_OFFICES_GENERAL = frozenset(
    "attorney inspector surgeon consul adjutant secretary solicitor postmaster brigadier "
    "major lieutenant director governor comptroller auditor".split()
)
# Capitalised plurals after "the" that name no place: "due to the Holidays".
_PLURAL_EVERYDAY = frozenset(
    "holidays stairs results rails twins parents nurses doctors kids others records notes "
    "orders meds basics philippines bahamas netherlands maldives americas carolinas dakotas "
    "rockies states islands stepdowns pods bays wards floors units".split()
)
# Trees, gardens and the lie of the land, after which residences are named: "sent from the
# Birches", "back to the Aspens", "SNF: Juniper Vale". A capitalised plural that is an
# everyday word ("the Wards", "the Grounds", "the Suites") names no place.
_RESIDENCE_NAME_WORDS = frozenset(
    """
    birches pines willows oaks meadows terraces gardens aspens maples lindens elms cedars
    cypresses magnolias laurels hollies firs spruces sycamores poplars palms palisades
    hawthorns junipers heights hills ridges springs fountains orchards brooks woods woodlands
    glades groves arbors arbours knolls bluffs commons estates villas gables pointes shores
    harbors harbours highlands evergreens redwoods sequoias larches alders beeches chestnuts
    dogwoods hemlocks hickories mulberries olives pecans rowans cottonwoods briars heathers
    ferns lilacs summits vistas crossings greens landings pavilions residences cottages
    manors lakes acres glens crests vales hollows bridges lodges courtyards
    birch pine willow oak meadow terrace garden aspen maple linden elm cedar cypress
    magnolia laurel holly juniper spruce sycamore poplar palm hawthorn heights hill ridge
    spring fountain orchard brook wood glade grove arbor arbour knoll bluff harbor harbour
    highland evergreen redwood glen crest vale hollow lake haven autumn leaves sunrise sunset
    golden meadowbrook woodland creek cove summit vista landing
    """.split()
)
# Kinds of a place of care written as a label before its name: "SNF: Autumn Leaves".
_LABEL_KINDS = frozenset(
    "facility snf alf ltac ltach hospice agency nh osh hospital pharmacy dialysis".split()
)
# Words of a patient living at a place of care: "a resident at Fairhaven".
_RESIDENT_WORDS = frozenset("resident res resides residing lives living lived staying".split())
# Words of a transfer or a stay before the cue and "the" of such a plural: "sent from the
# Birches", "back to the Aspens", "pt from the Lindens", "been at the Fountains".
_PLURAL_PLACE_VERBS = (
    (_FROM_VERBS - frozenset("went go goes came comes arrived arrives arriving".split()))
    | _TO_CARE_WORDS | _RESIDENT_WORDS | _PATIENT_CUES | frozenset({"been"})
)
# Acts of a place of care on its own papers: "Pinecrest sent their MAR".
_ORGANISATION_ACTS = frozenset(
    "sent faxed emailed mailed changed updated revised corrected amended".split()
)
# Staff and papers only a place of care has: "Briarwood's DON", "Rolling Hills' admissions".
_FACILITY_OWNINGS = frozenset("don adon admissions admission front administrator".split())
_PLURAL_OWNER_GAPS = frozenset({"' ", "\u2019 "})
_HOSPITAL_INITIALS = re.compile(r"[A-Z]{1,3}(?:MC|MH|RH|CH|GH|HS|MCS)")


def _kind_is_before(tokens: list[Token], index: int) -> bool:
    """Whether "hospice is", "snf was the" or "the facility is" comes right before `index`."""
    probe = index - 1
    if tokens[probe].key == "the" and tokens[probe].gap == " ":
        probe -= 1
    if probe < 1 or tokens[probe].key not in {"is", "was"} or tokens[probe].gap != " ":
        return False
    kind = tokens[probe - 1]
    return kind.key in _KIND_NOUNS and (not kind.cap or kind.upper) and kind.key not in {
        "community", "center", "centre", "provider", "practice", "residence"
    }


def _detect_care_places(reader: _Reader) -> Iterator[Span]:
    """Places of care named by a stranger without a listed name: a run of words that ends in
    a care word ("Whispering Pines Manor", "at magnolia gardens"), a short form after a cue
    ("sent to the Regional", "records from County"), a word before an act of a facility
    ("Sunrise called") and a medical centre's initials ("at JMH", "called SVMC")."""
    tokens = reader.tokens
    lex = reader.lex
    count = len(tokens)
    generic = GENERIC_FACILITY_WORDS
    keys = _keys(reader)
    for index in range(count):
        token = tokens[index]
        key = token.key
        if index and (key in _CARE_ENDINGS or key in _CUED_CARE_ENDINGS) and (
            token.gap == " " or token.gap == "-"
        ):
            # Walk back over up to three words of the name.
            first = index
            while first > 0 and index - first < 3:
                previous = tokens[first - 1]
                if tokens[first].gap not in (" ", "-") or tokens[first].initial and first < index:
                    break
                if previous.cap != token.cap and not token.upper:
                    break
                if (
                    previous.stop and previous.key not in _PARTICLES
                ) or previous.key in generic or (
                    previous.key in lex.clinical or previous.key in _ROLE_WORDS
                    or previous.key in _TIME_WORDS or previous.key in _NOT_SHORT_FORMS
                    or not previous.key.isalpha() or len(previous.key) < 3
                ):
                    break
                first -= 1
            if first == index and index >= 2 and key in _CARE_ENDINGS and not token.cap and (
                tokens[index - 2].key in {"at", "from", "to"} and tokens[index - 1].gap == " "
                and tokens[index - 1].key.isalpha() and len(tokens[index - 1].key) >= 4
                and not tokens[index - 1].cap and tokens[index - 1].key not in _NEVER
                and tokens[index - 1].key not in generic
            ):
                first = index - 1  # "the med tech at sunrise villa": a chain's everyday word
            if first == index:
                continue
            cue = tokens[first - 1].key if first > 0 else ""
            cued = cue in _CARE_PLACE_CUES or cue in _SHORT_FORM_VERBS
            if cue == "the" and first >= 2:
                cue = tokens[first - 2].key
                cued = cue in _CARE_PLACE_CUES or cue in _SHORT_FORM_VERBS
            elif cue in _KIND_NOUNS and tokens[first].gap.strip() in {"(", ","}:
                cued = True  # "from his group home (Cedar Ridge House)"
            if key in _CUED_CARE_ENDINGS and not (cued and token.cap and tokens[first].cap):
                continue  # "to discharge home", "the Rose Garden family lounge"
            if not token.cap and not cued and not (
                tokens[first].initial and index - first >= 2 and key in _CARE_ENDINGS
            ):
                continue  # "oak hill manor aide says" opens a sentence
            elif tokens[first].initial and first == index - 1 and not cued and tokens[first].eng:
                continue
            end = index
            if index + 1 < count and tokens[index + 1].key in _FACILITY_TYPES:
                end = index + 1
            before = tokens[first - 1] if first else None
            start = (before.start if before is not None and before.key == "the" and before.cap
                     else tokens[first].start)
            yield FindingKind.HOSPITAL, start, tokens[end].end
            continue
        if (key == "childrens" or key == "children" and token.possessive) and (
            index + 1 < count and tokens[index + 1].gap == " "
        ):
            # "Children's Wisconsin", "childrens minnesota", "Children's Mercy"; not a brand
            # ("Children's Tylenol") nor a kind ("Children's Hospital").
            following = tokens[index + 1]
            if following.key in _US_STATES or following.cap and token.cap and (
                following.key in _FACILITY_NAME_AFTER or following.key in lex.places
                or not following.eng
            ) and not (
                following.stop or following.key in lex.clinical or following.key in generic
                or following.key in _TIME_WORDS
            ):  # not "Children's Miracle Network"
                yield FindingKind.HOSPITAL, token.start, _extend_facility(reader, index + 1)
            continue
        if token.possessive and not token.stop and not token.cap and index + 1 < count and (
            tokens[index + 1].key in _STAFF_AND_PAPERS or tokens[index + 1].key in {
                "front", "admissions", "admission", "fax", "mar", "policy"}
        ) and len(key) >= 4 and not (
            key in lex.clinical or key in generic or key in _ROLE_WORDS or key in _TIME_WORDS
            or key in _NOT_SHORT_FORMS or key in _DEPARTMENTS or key in _SERVICE_WORDS
            or token.first or token.sur
        ):
            yield FindingKind.HOSPITAL, token.start, token.end  # "larkspur's front desk"
            continue
        if token.cap and index + 1 < count and (
            token.possessive or key.endswith("s") and tokens[index + 1].gap in _PLURAL_OWNER_GAPS
        ) and not token.upper:
            # "called Briarwood's DON", "Rolling Hills' admissions nurse": a name that is not
            # a person's, owning a place of care's staff or papers.
            following = tokens[index + 1]
            facility_only = following.key in _FACILITY_OWNINGS
            if (facility_only or following.key in _STAFF_AND_PAPERS) and (
                facility_only or not token.eng
            ) and _plain_name_word(reader, token, chain=facility_only) and not (
                (token.first or token.sur) and not token.eng
            ) and (
                following.gap in _PLURAL_OWNER_GAPS or following.gap == " "
            ):
                first = index
                while first > 0 and index - first < 2 and tokens[first].gap == " " and (
                    tokens[first - 1].cap and not tokens[first - 1].initial or first - 1 == 0
                ) and tokens[first - 1].cap and _plain_name_word(reader, tokens[first - 1]):
                    first -= 1
                yield FindingKind.HOSPITAL, tokens[first].start, token.end
                continue
        if not token.cap and not token.upper and index >= 2 and token.gap == " " and tokens[
            index - 1
        ].key in {"at", "to", "from", "thru"} and tokens[index - 1].gap == " ":
            # Typed in lower case: "got zofran at mercy er", "pt was at kindred for 3 wks".
            cue_verb = tokens[index - 2].key
            following = tokens[index + 1] if index + 1 < count else None
            if following is not None and following.word in {"er", "ed", "ER", "ED"} and (
                following.gap == " " and (key in _SHORT_FORMS or key in _FACILITY_NAME_AFTER)
                and key != "u"
            ):
                yield FindingKind.HOSPITAL, token.start, token.end
                continue
            if cue_verb in _STAY_VERBS and key in lex.facility_heads and key not in _NEVER:
                matched = _longest_phrase(tokens, index, lex.facility_heads, lex.facilities,
                                          allow="-'", lower=True)
                if matched is not None and (len(tokens[index].key) >= 5 or matched > index):
                    yield FindingKind.HOSPITAL, token.start, tokens[matched].end
            continue
        if not token.cap and key in _SHORT_FORMS and not token.eng and index and (
            token.gap == " " and tokens[index - 1].key in _CARE_PLACE_CUES | _SHORT_FORM_VERBS
            | {"and", "or"}
        ):
            yield FindingKind.HOSPITAL, token.start, token.end  # "called st joes and presby"
            continue
        if not token.cap and index >= 3 and key[-1:] == "s" and key in _RESIDENCE_NAME_WORDS and (
            tokens[index - 1].key == "the" and token.gap == " " and _kind_is_before(tokens, index)
        ) and (index + 1 >= count or tokens[index + 1].gap.strip()[:1] in {",", ".", ";", ")"}):
            yield FindingKind.HOSPITAL, tokens[index - 1].start, token.end  # "snf is the willows,"
            continue
        if not token.cap:
            continue
        previous = tokens[index - 1] if index else token
        # "Bayside in Pensacola faxed", ", Meridian in Tulsa, reported", "The Meadows is in
        # Rowlett": a name that is not a person's, set by itself before the listed town it is in.
        if "in" in keys and (token.initial or token.gap == ", " or previous.key == "the" and (
            previous.initial and previous.cap
        )) and not token.upper:
            probe = index + 1
            if probe < count and tokens[probe].key in {"is", "was"} and tokens[probe].gap == " ":
                probe += 1
            if probe + 1 < count and tokens[probe].word == "in" and tokens[probe].gap == " " and (
                tokens[probe + 1].cap and not (
                    token.stop or key in lex.clinical
                    or key in generic or key in _TIME_WORDS or key in _ROLE_WORDS
                    or key in _NOT_SHORT_FORMS or len(key) < 4
                    or key in _PRONOUNS or key in _ARTICLES
                )
            ):
                town = _longest_phrase(tokens, probe + 1, lex.place_heads, lex.places,
                                       allow=".-", lower=False)
                after = tokens[town + 1] if town is not None and town + 1 < count else None
                if town is not None and (
                    after is None or after.gap[:1] in {",", ".", ";"} or after.gap == " " and (
                        after.key in _FACILITY_ACTS | {"reported", "said", "sent", "gave"}
                    ) or probe > index + 1
                ):
                    start = previous.start if previous.key == "the" and index else token.start
                    yield FindingKind.HOSPITAL, start, token.end
                    continue
        # "her assisted living, Cottonwood, is in Lubbock": a name set after a kind of place.
        if token.gap in (", ", " (") and index and previous.key in _KIND_NOUNS and (
            not previous.cap and not token.initial
        ):  # and in brackets: "the outside hospital (Kingsbridge) gave 1 g"
            last = index
            while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
                tokens[last + 1].capd and not tokens[last + 1].stop
            ):
                last += 1
            run = tokens[index : last + 1]
            after = tokens[last + 1] if last + 1 < count else None
            closes = after is None or after.gap.startswith(
                ")" if token.gap == " (" else ","
            ) or token.gap == ", " and after.gap == " " and (
                after.key in {"in", "is", "was", "said", "called", "faxed", "reported"}
            )
            if closes and not any(
                t.stop or t.key in lex.clinical or t.key in generic or t.key in _TIME_WORDS
                or t.key in _ROLE_WORDS or t.key in _TITLES or t.key in _NOT_SHORT_FORMS
                for t in run
            ):
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                continue
        # "referred to Mon General", "sent to Marlow General", "seen at Tolland Regional": a
        # capitalised word and "General" after a cue, the word not an office ("Attorney
        # General"), and not a service after it ("at Lake Regional anesthesia").
        if key in _SHORT_FORM_ENDINGS and index >= 2 and token.gap == " " and not token.upper and (
            key == "general" or index + 1 >= count or tokens[index + 1].gap != " " or (
                tokens[index + 1].key not in lex.clinical
                and tokens[index + 1].key not in _HEADS_BY_WORD
            )
        ) and (
            previous.cap and not previous.upper and previous.gap == " " and len(previous.key) >= 3
            and tokens[index - 2].key in {"to", "from", "at", "into"}
            and previous.key not in _OFFICES_GENERAL and previous.key not in _ROLE_WORDS
            and previous.key not in generic and previous.key.isalpha()
        ):
            yield FindingKind.HOSPITAL, previous.start, token.end
            continue
        # "the Regional", "County", "the U", "Presby" after a cue.
        if key in _SHORT_FORMS and token.gap == " " and not token.initial and index:
            probe = index - 1
            if previous.key == "the":
                probe -= 1
            if probe < 1 or tokens[probe].key not in _CARE_PLACE_CUES - {"in"} or tokens[
                probe
            ].cap:
                continue  # "Reports Were Sent To County Officials": a title
            verb = tokens[probe - 1]
            if verb.key not in _SHORT_FORM_VERBS:
                continue
            following = tokens[index + 1] if index + 1 < count else None
            if following is not None and following.gap == " " and (
                following.cap or following.key in lex.clinical and following.key not in {"ed", "er"}
                or following.key in {"of", "hospital", "medical", "health", "county", "clinic"}
                or following.key in _COUNTY_OFFICES
            ):
                continue  # "from County General", "the University of ..." are read elsewhere
            if key == "u" and token.word != "U":
                continue
            yield FindingKind.HOSPITAL, token.start, token.end
            continue
        # "Copper Ridge accepted", "Oak Terrace declined": two words of no list before an act
        # of a facility, opening a sentence.
        if token.initial and not token.upper and index + 2 < count and tokens[
            index + 2
        ].key in _FACILITY_ACTS and tokens[index + 1].capd and tokens[index + 1].gap == " " and (
            tokens[index + 2].gap == " " and not tokens[index + 1].upper
        ):
            pair = tokens[index : index + 2]
            if not any(
                t.stop or t.key in lex.clinical or t.key in generic or t.key in _DEPARTMENTS
                or t.key in _ROLE_WORDS or t.key in _TIME_WORDS or t.key in _NOT_SHORT_FORMS
                or t.key in _SERVICE_WORDS or len(t.key) < 3 or not t.key.isalpha()
                for t in pair
            ) and not (token.first and tokens[index + 1].sur):
                yield FindingKind.HOSPITAL, token.start, tokens[index + 1].end
                continue
        # "Bed offers from Larkview and Stonebridge", "family chose Fernhill": places of care
        # weighed in discharge planning.
        if (previous.key in _PLACEMENT_CUES or previous.key == "declined" and index >= 2 and (
            tokens[index - 2].key in _DECLINING
        )) and index and token.gap == " " and not token.upper and (
            not token.initial
        ) and (previous.key not in {"from", "at"} or index >= 2 and tokens[index - 2].key in {
            "offer", "offers", "bed", "beds", "referral", "referrals", "acceptance"
        }):
            last = index
            while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
                tokens[last + 1].capd and not tokens[last + 1].stop
            ):
                last += 1
            run = tokens[index : last + 1]
            if not any(
                t.stop or t.key in lex.clinical or t.key in generic or t.key in _DEPARTMENTS
                or t.key in _ROLE_WORDS or t.key in _TIME_WORDS or t.key in _NOT_SHORT_FORMS
                or t.key in _SERVICE_WORDS or len(t.key) < 3 or t.key in lex.places
                for t in run
            ) and not (len(run) == 1 and (token.first or token.sur) and not token.eng) and not (
                previous.key not in {"from", "at"} and all(t.eng for t in run)
            ) and key not in _NATIONS_AND_FAITHS:  # not "prefers Spanish", "chose Option B"
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                second = last + 2
                if second < count and tokens[last + 1].key in {"and", "or"} and tokens[
                    second
                ].capd and not tokens[second].stop and tokens[second].key not in lex.clinical and (
                    tokens[second].key not in generic and tokens[second].key not in _TIME_WORDS
                ):
                    yield FindingKind.HOSPITAL, tokens[second].start, tokens[second].end
                continue
        # "pt from the Maples, baseline confused", "back to the Pines tomorrow": a capitalised
        # plural after a cue and "the", set by itself.
        if index >= 2 and previous.key == "the" and not previous.cap and token.gap == " " and (
            previous.gap == " " and key.endswith("s") and len(key) >= 5 and not token.upper
            and not token.initial and tokens[index - 2].key in {"from", "at", "to", "into"}
        ):
            following = tokens[index + 1] if index + 1 < count else None
            if (following is None or following.gap.strip()[:1] in {",", ".", ";", ")"} or (
                following.gap == " " and following.key in _AFTER_AT_PHRASE | _AFTER_FROM_PHRASE
                | {"since", "until", "yesterday"}
            )) and _plain_name_word(reader, token) and not (
                (token.first or token.sur) and not token.eng
            ) and (not token.eng or key in _RESIDENCE_NAME_WORDS) and (
                key not in _PLURAL_EVERYDAY
            ) and index >= 3 and (
                tokens[index - 3].key in _PLURAL_PLACE_VERBS
            ):  # "sent from the Birches"; not "went to the Movies"
                yield FindingKind.HOSPITAL, previous.start, token.end
                continue
        # "Sunnybrook resident, baseline confused", "the Briarcliff charge nurse", "Ashgrove
        # paperwork": a word of no dictionary, no person's name, before those of a place.
        if index + 1 < count and tokens[index + 1].key in _NAME_OWNED_WORDS and (
            tokens[index + 1].gap == " " and not token.upper
            and (not tokens[index + 1].cap or tokens[index + 1].upper)
            and (not token.eng or tokens[index + 1].key in _FACILITY_OWNINGS)
        ) and not (token.first or token.sur) and _plain_name_word(reader, token) and (
            not token.possessive
        ):
            first = index
            if index and tokens[index - 1].cap and token.gap == " " and not tokens[
                index - 1
            ].upper and _plain_name_word(reader, tokens[index - 1]) and not (
                tokens[index - 1].first and not tokens[index - 1].eng
            ):
                first = index - 1  # "Hollis Creek staff"
            yield FindingKind.HOSPITAL, tokens[first].start, token.end
            continue
        # "SNF: Autumn Leaves.", "sending facility - Brightstone": a name after the kind of a
        # place of care as a label, filling the rest of the line or the sentence.
        if index and token.gap.strip() in {":", "-", "\u2013"} and not token.upper and (
            previous.key in _LABEL_KINDS
        ):
            last = index
            while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
                tokens[last + 1].capd and not tokens[last + 1].upper
            ):
                last += 1
            run = tokens[index : last + 1]
            after = tokens[last + 1] if last + 1 < count else None
            if (after is None or "\n" in after.gap or after.gap.strip()[:1] in {
                ",", ".", ";", ")", "|"
            }) and all(
                (_plain_name_word(reader, t, chain=True) or t is not token and (
                    t.key in _FACILITY_NAME_AFTER
                )) and not t.key.endswith(("ed", "ing"))
                and t.key not in lex.clinical and t.key not in _VENDOR_WORDS
                for t in run
            ) and any(
                not t.eng or t.key in _FACILITY_NAME_AFTER or t.key in _CARE_ENDINGS
                or t.key in _RESIDENCE_NAME_WORDS for t in run
            ) and not (len(run) == 1 and (token.eng or token.first)) and not (
                run[0].first and run[-1].sur and not run[-1].eng
            ):  # not "Pharmacy: Heparin Shortage", "Hospice: Comfort Kit"
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                continue
        # "hospice is Crossroads, they bring the kit", "her snf was the Willows": a name set
        # after the kind of a place of care and "is" or "was".
        if index >= 2 and not token.initial and not token.upper and token.gap == " " and (
            _kind_is_before(tokens, index)
        ):
            last = index
            while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
                tokens[last + 1].cap and _plain_name_word(reader, tokens[last + 1])
            ):
                last += 1
            run = tokens[index : last + 1]
            after = tokens[last + 1] if last + 1 < count else None
            if (after is None or after.gap.strip()[:1] in {",", ".", ";", ")", "-"} or (
                after.gap == " " and after.key in {"in", "and", "but", "so", "they", "who"}
            )) and all(_plain_name_word(reader, t, chain=True) for t in run) and not (
                run[0].first and (len(run) > 1 or not run[0].eng)
            ) and not (
                len(run) == 1 and token.eng and previous.key != "the"
            ) and not (
                len(run) == 1 and token.eng and not key.endswith("s")
                and key not in _RESIDENCE_NAME_WORDS
            ):  # not "the pharmacy is Closed", "her SNF was the Problem"
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                continue
        # "back to Elmstead tomorrow", "a resident at Fairhaven": a name of one or two words
        # where a patient goes back to or lives, not a unit, a department or a person.
        if index >= 2 and not token.initial and not token.upper and token.gap == " " and (
            previous.key == "to" and tokens[index - 2].key == "back"
            or previous.key == "at" and tokens[index - 2].key in _RESIDENT_WORDS
        ) and previous.gap == " ":
            last = index
            if index + 1 < count and tokens[index + 1].cap and tokens[index + 1].gap == " " and (
                not tokens[index + 1].upper and _plain_name_word(reader, tokens[index + 1])
            ):
                last = index + 1
            run = tokens[index : last + 1]
            if all(_plain_name_word(reader, t) and t.key not in _UNIT_WORDS for t in run) and not (
                len(run) == 1 and (token.eng or token.first)
            ) and not (run[0].first and run[-1].sur) and not (
                len(run) == 1 and token.sur and not token.unknown and token.key not in lex.places
            ):
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                continue
        # "Pinecrest has updated their fall policy", "Rolling Hills sent its own MAR": a name
        # of one or two words opening a sentence, the subject of an act on its own papers.
        if token.initial and not token.upper and index + 3 < count and (
            "their" in keys or "its" in keys
        ):
            last = index
            if tokens[index + 1].cap and tokens[index + 1].gap == " " and (
                _plain_name_word(reader, tokens[index + 1])
            ):
                last = index + 1
            probe = last + 1
            if tokens[probe].key in {"has", "have", "had"} and probe + 2 < count:
                probe += 1
            verb = tokens[probe]
            owner = tokens[probe + 1] if probe + 1 < count else None
            run = tokens[index : last + 1]
            if owner is not None and owner.key in {"their", "its"} and owner.gap == " " and (
                verb.key in _ORGANISATION_ACTS
            ) and not verb.cap and all(
                t.gap == " " for t in tokens[last + 1 : probe + 1]
            ) and all(_plain_name_word(reader, t) for t in run) and not any(
                (t.first or t.sur) and not t.eng for t in run
            ) and not (len(run) == 1 and (
                key in _VENDOR_WORDS or key.endswith(_CLINICAL_ENDINGS) or token.eng and (
                    key.endswith("s") or key not in lex.facility_heads
                    and key not in _RESIDENCE_NAME_WORDS
                )
            )):  # not "Parents", "Finance", "Sodexo" or "Informatics"; "Pinnacle" opens a
                # listed name
                yield FindingKind.HOSPITAL, token.start, tokens[last].end
                continue
        # "Sunrise called at 0915", "Rosewood faxed the MAR": a word that is not a person
        # nor a department before an act of a facility, the word in no list of names.
        sending = index + 2 < count and tokens[index + 1].key in _SENDING_ACTS and (
            not token.eng or tokens[index + 2].key in _SENT_PATIENTS
        )  # "Larkhaven sent pt", "Sunrise sent her over"; not "Reminder sent to staff"
        if index + 1 < count and (tokens[index + 1].key in _FACILITY_ACTS or sending) and (
            tokens[index + 1].gap == " " and token.initial and not token.upper
        ):
            if not (token.first or token.sur or key in _NOT_SHORT_FORMS or key in _ARTICLES
                    or key in _DEPARTMENTS or key in _ROLE_WORDS or key in _TIME_WORDS
                    or key in generic or len(key) < 4 or key in _PRONOUNS
                    or key in lex.clinical and _SERVICE_ENDING.search(key)):
                if not token.eng or tokens[index + 2 : index + 3] and tokens[index + 2].key in {
                    "ems", "911", "us", "to", "at", "back", "and"
                }:
                    yield FindingKind.HOSPITAL, token.start, token.end
            continue
        # "Mercy's ED", "Lakeside's ER": a hospital named by its emergency department.
        if token.possessive and index + 1 < count and tokens[index + 1].word in _ED_WORDS and (
            tokens[index + 1].gap == " "
        ):
            if not (key in _TIME_WORDS or key in _NOT_SHORT_FORMS
                    or key in _ARTICLES or key in _ROLE_WORDS or key in _PRONOUNS
                    or key in _DEPARTMENTS or len(key) < 3 or key in _OWNERS):
                yield FindingKind.HOSPITAL, token.start, token.end
            continue
        # "the DON at Rosewood", "records from Brookhaven": a capitalised word of no list of
        # names after a word of a facility's staff or papers and "at" or "from".
        if previous.key in {"at", "from", "to"} and index >= 2 and not token.initial and (
            tokens[index - 2].key in _STAFF_AND_PAPERS | _PLACEMENT_WORDS | _CALL_WORDS
            and token.gap == " " and previous.gap == " " and not token.upper and key.isalpha()
        ):
            placement = tokens[index - 2].key in _PLACEMENT_WORDS | _CALL_WORDS
            if tokens[index - 2].key in _CALL_WORDS and previous.key != "from":
                continue  # "calling from Sunridge", "rep from Caring Hands"
            if previous.key == "to" and tokens[index - 2].key not in {"accepted", "placement"} or (
                placement and token.eng and not (
                    index + 1 < count and tokens[index + 1].capd and tokens[index + 1].gap == " "
                )
            ):
                continue  # "bed available at Fernwood", "accepted to Fernwood"; not "at Noon"
            two_words = token.eng and index + 1 < count and tokens[index + 1].capd and (
                tokens[index + 1].gap == " " and not tokens[index + 1].stop
            )  # "the nurse from Heritage Oaks": a surname that is an English word, and another
            if not (token.stop or token.first or token.sur and not two_words
                    or key in lex.clinical
                    or key in lex.places or key in _DEPARTMENTS or key in generic
                    or key in _TIME_WORDS or key in _NOT_SHORT_FORMS or len(key) < 4):
                yield FindingKind.HOSPITAL, token.start, _extend_facility(reader, index)
            continue
        # A medical centre's initials after a cue: "at JMH", "called SVMC".
        if token.upper and 3 <= len(token.word) <= 6 and token.word not in _UNIT_INITIALS and (
            _HOSPITAL_INITIALS.fullmatch(token.word)
        ) and key not in lex.clinical:
            following = tokens[index + 1] if index + 1 < count else None
            if previous.key in _CARE_PLACE_CUES or previous.key in _SHORT_FORM_VERBS or (
                following is not None and following.gap == " " and (
                    following.word in _ED_WORDS or following.key in _STAFF_AND_PAPERS
                    or following.key in _LOWER_HEAD_WORDS
                )
            ) or previous.key == "the" and index >= 2 and tokens[index - 2].key in {
                "of", "to", "from", "at", "called", "paged", "faxed"
            }:  # "instead of the NWMC lab line", "the BRMC pharmacist"
                yield FindingKind.HOSPITAL, token.start, token.end


# Words before "of" and a town that name a part of the town, not a place of care in it:
# "from outside of Lubbock", "the corner of Elm", "a suburb of Tulsa".
_PARTS_OF_TOWNS = frozenset(
    """
    outside out outskirts part parts suburb suburbs area areas edge center centre corner side
    heart middle rest province diocese archdiocese mayor people residents citizens native
    natives resident university
    """.split()
)
# Cues before a place of care named with its town: "back to sunrise of lynnwood", "seen at
# Holy Name in Teaneck".
_TOWN_CARE_CUES = frozenset("at from to into".split())


def _plain_name_word(reader: _Reader, token: Token, *, chain: bool = False) -> bool:
    """A word that may be part of a place of care's own name: no stop word, kind, time,
    role, clinical word, direction or part of a town. A chain's name before "of" and its
    town may be an everyday word ("sunrise of lynnwood"), only not one of `_NEVER`."""
    key = token.key
    if chain:
        plain = key not in _NEVER and key not in _ARTICLES
    else:
        plain = not token.stop and key not in reader.lex.clinical
    return plain and key.isalpha() and len(key) >= 3 and not (
        key in GENERIC_FACILITY_WORDS
        or key in _GENERIC_PLACE_WORDS or key in _TIME_WORDS or key in _WEEKDAYS_AND_MONTHS
        or key in _ROLE_WORDS or key in _NOT_SHORT_FORMS or key in _DEPARTMENTS
        or key in _DIRECTIONS or key in _PARTS_OF_TOWNS or key in _STATE_NAMES
        or key in _NATIONS_AND_FAITHS or key in _STREET_WORDS_LOWER or key in _PRONOUNS
    )


def _detect_care_places_by_town(reader: _Reader) -> Iterator[Span]:
    """A place of care named with the listed town it is in, after a cue: "back to sunrise of
    lynnwood", "from Brookdale of Plano" (a chain's house in a town) and "the same procedure
    at Holy Name in Teaneck" (a name of capitalised words set before "in" and its town)."""
    text = reader.text
    if " of " not in text and " in " not in text:
        return
    tokens = reader.tokens
    lex = reader.lex
    count = len(tokens)
    for index in range(1, count - 2):
        cue = tokens[index - 1]
        token = tokens[index]
        if cue.key not in _TOWN_CARE_CUES or token.gap != " " or token.initial:
            continue
        if token.upper or not _plain_name_word(reader, token, chain=True):
            continue
        # The name: up to three words of the same case.
        last = index
        while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
            tokens[last + 1].cap == token.cap
            and _plain_name_word(reader, tokens[last + 1], chain=True)
        ):
            last += 1
        joiner = tokens[last + 1] if last + 1 < count else None
        if joiner is None or joiner.gap != " " or joiner.word not in {"of", "in"}:
            continue
        if joiner.word == "in" and not all(_plain_name_word(reader, t) for t in tokens[
            index : last + 1
        ]):
            continue  # "at Mercy in Reno" is read by the lists; "at Rest in Reno" is no place
        if last + 2 >= count or tokens[last + 2].gap != " ":
            continue
        run = tokens[index : last + 1]
        if joiner.word == "in" and _place_key(run) in lex.places:
            continue  # "from Dallas in Texas": the place rules see it
        place = tokens[last + 2]
        if place.cap != token.cap and not place.cap:
            continue  # "Holy Name in Teaneck", "sunrise of lynnwood"; not "Mercy in town"
        if joiner.word == "in" and not token.cap and not (last == index and token.unknown):
            continue  # "pt in pain in fresno"; a word in no list may be: "at presbyterain in"
        town = _longest_phrase(tokens, last + 2, lex.place_heads, lex.places, allow=".-",
                               lower=None if place.cap else True)
        if town is None or _place_key(tokens[last + 2 : town + 1]) in _STATE_NAMES:
            continue
        if town == last + 2 and (place.eng or place.stop) and not place.cap:
            continue  # "from oak of bend": a lower-case town that is an English word
        if len(run) == 1 and token.first and token.cap:
            continue  # "sent to Maria in Reno" is a person
        if len(run) >= 2 and run[0].first and run[-1].sur and not run[-1].eng:
            continue  # "to Maria Lopez in Reno"
        if joiner.word == "of":
            yield FindingKind.HOSPITAL, token.start, tokens[town].end
        else:
            yield FindingKind.HOSPITAL, token.start, tokens[last].end


# Words of a facility's name that go on a name already found: "sutter memorial", "Hollis
# Regional"; and those that come before it: "mercy sutter", "St. Elspeth".
_FACILITY_NAME_AFTER = frozenset(
    "memorial mercy regional general community children's childrens medical presbyterian "
    "methodist baptist lutheran adventist samaritan".split()
)
_FACILITY_NAME_BEFORE = frozenset("mercy st saint children's childrens good".split())
# After these, "general surgery" and "community acquired" are not part of a name.
_NOT_AFTER_FACILITY_WORD = frozenset(
    """
    surgery surgeon surgeons medicine anesthesia anesthetic acquired practice public
    population ward floor unit service services appearance condition principle rule
    consensus health-care
    """.split()
)
_CELL_OPEN = frozenset('",;|')


def _cell_opens(reader: _Reader, index: int) -> bool:
    gap = reader.tokens[index].gap
    if index == 0 or "\n" in gap or "\t" in gap:
        return True
    return gap.rstrip(" ")[-1:] in _CELL_OPEN


def _cell_closes(reader: _Reader, index: int) -> bool:
    tokens = reader.tokens
    gap = tokens[index + 1].gap if index + 1 < len(tokens) else reader.text[tokens[index].end :]
    if "\n" in gap or "\t" in gap:
        return True
    return gap.lstrip(" ")[:1] in _CELL_OPEN or gap.strip() == ""


def _name_half(reader: _Reader, token: Token, other: Token) -> bool:
    if token.upper != other.upper or not (token.cap or token.upper):
        return False
    if token.stop and not (token.first or token.sur):
        return False
    return not token.eng or token.first or token.sur


def _extend_partial_findings(reader: _Reader, spans: list[Span]) -> Iterator[Span]:
    """A finding that covers one part of a form, extended over the rest: "Tupou, Sione"
    where "Sione" was found; "sutter memorial" and "mercy sutter" where "sutter" was."""
    tokens = reader.tokens
    count = len(tokens)
    for kind, start, end in spans:
        index = _token_at(tokens, start)
        if index is None:
            continue
        last = index
        while last + 1 < count and tokens[last].end < end:
            last += 1
        if kind is FindingKind.PERSON and last == index and tokens[index].end == end:
            token = tokens[index]
            if (
                index + 1 < count
                and tokens[index + 1].gap == ", "
                and _name_half(reader, tokens[index + 1], token)
                and _cell_opens(reader, index)
                and _cell_closes(reader, index + 1)
            ):
                yield FindingKind.PERSON, start, tokens[index + 1].end
            elif (
                index > 0
                and token.gap == ", "
                and _name_half(reader, tokens[index - 1], token)
                and _cell_opens(reader, index - 1)
                and _cell_closes(reader, index)
            ):
                yield FindingKind.PERSON, tokens[index - 1].start, end
        elif kind in (FindingKind.HOSPITAL, FindingKind.PLACE):
            if last + 1 < count:
                following = tokens[last + 1]
                if following.key in _FACILITY_NAME_AFTER and following.gap == " " and (
                    following.cap or not tokens[last].cap
                ):
                    after = tokens[last + 2] if last + 2 < count else None
                    if after is None or after.gap != " " or (
                        after.key not in _NOT_AFTER_FACILITY_WORD
                        and after.key not in reader.lex.clinical
                    ):
                        yield FindingKind.HOSPITAL, start, following.end
                        continue
            if kind is FindingKind.HOSPITAL and index > 0 and tokens[index].gap in (" ", ". "):
                previous = tokens[index - 1]
                if previous.key in _FACILITY_NAME_BEFORE and (
                    previous.key != "good" or last == index
                ) and (previous.cap or not tokens[index].cap):
                    if tokens[index].gap == " " or previous.key == "st":
                        yield FindingKind.HOSPITAL, previous.start, end


def _detect_quoted_last_first(reader: _Reader) -> Iterator[Span]:
    """ "Faleolo, Tavita" alone in a quoted cell of a CSV row: two capitalised words that
    no list knows as ordinary words."""
    text = reader.text
    tokens = reader.tokens
    for match in _QUOTED_PAIR.finditer(text):
        before = text[max(0, match.start() - 2) : match.start()]
        if before and before[-1:] not in ",;\n" and before not in {", ", "; "}:
            continue  # the cell opens the line or follows a separator
        index = _token_at(tokens, match.start(1))
        if index is None or index + 1 >= len(tokens):
            continue
        pair = tokens[index : index + 2]
        if any(t.stop or (t.eng and not (t.first or t.sur)) for t in pair) or all(
            t.eng for t in pair
        ):
            continue  # "Fall, Minor", "Pharmacy, Central"
        if not any(t.unknown or t.first or t.sur for t in pair):
            continue
        yield FindingKind.PERSON, match.start(1), match.end(2)


_QUOTED_PAIR = re.compile(
    r'"([A-Z][a-z\u00e0-\u00f6\u00f8-\u024f\'\-]+|[A-Z][A-Z\'\-]+), '
    r'([A-Z][a-z\u00e0-\u00f6\u00f8-\u024f\'\-]+|[A-Z][A-Z\'\-]+)"',
)


# --- names in no list, read from where they stand and how they are spelled ---------------

_QUOTES = "\"'\u201c\u201d\u2018\u2019`"
_MODALS = frozenset("will would can could should must might shall wants needs".split())
# Words after which the next word is the person acted on: "covered for Emre", "relieved
# Bao", "reminded Thandiwe".
# Verbs whose person follows "to": "talk to Ekow", "gave report to Tuyet".
_TO_PERSON_VERBS = frozenset(
    """
    talk talked talking speak spoke spoken speaking report reported handed gave give sent
    introduced explained mentioned listen listened
    """.split()
)
_WEAK_OBJECT_CUES = _OBJECT_CUES | _TO_PERSON_VERBS | frozenset(
    """
    this name for relieved relieve covering cover covered reminded instructed educated showed taught
    handed thanked reassured escorted assisted helped tell ask asks
    """.split()
)
# Words before a quoted name: a verb or preposition that takes a person, or a role.
_QUOTE_CUES = _WEAK_OBJECT_CUES | PERSON_CUES | frozenset(_SPEECH_VERBS) | frozenset(
    "to from named goes go went calls".split()
)


_PRONOUNS = frozenset("i you we they he she it that there who what would could should".split())


def _contraction(english: frozenset[str], key: str) -> bool:
    """ "didnt", "hasnt", "shes", "thats": an English word typed without its apostrophe."""
    return (
        key.endswith("nt") and (key[:-2] in english or key[:-3] in english)
        or key.endswith("s") and key[:-1] in english
        or key.endswith(("ll", "ve", "re")) and key[:-2] in _PRONOUNS
        or key.endswith("d") and key[:-1] in _PRONOUNS
    )


def _spelled_like_name(reader: _Reader, token: Token, minimum: float) -> bool:
    """A word in no list that is spelled like a name ("Tesfaye", "faleolo"), or a listed
    name that is no English word."""
    if token.stop or token.eng or len(token.key) < 3:
        return False
    if token.first or token.sur:
        return True
    if not token.unknown or len(token.key) < 4 or any(ch.isdigit() for ch in token.word):
        return False
    return reader.lex.name_shape(token.key) >= minimum


def _quoted_run(reader: _Reader, index: int) -> int | None:
    """The last token of a run of one or two words in quotes that opens at token `index`."""
    tokens = reader.tokens
    text = reader.text
    opening = tokens[index].gap.rstrip(" ")[-1:]
    if not opening or opening not in _QUOTES:
        return None
    for last in range(index, min(index + 2, len(tokens))):
        if last > index and tokens[last].gap not in (" ", "-"):
            return None
        closing = text[tokens[last].end : tokens[last].end + 1]
        if closing and closing in _QUOTES:
            return last
    return None


_BED_BEFORE = re.compile(
    r"(?i:\b(?:bed|rm|room|bay|stretcher)\s*#?[0-9]{1,4}[A-Za-z]?\s*[-:\u2013]\s*$)"
)
_DASHES = frozenset({"-", ":", "\u2013"})
# Words before the name a person goes by: "prefers JJ", "aka Tito", "goes by Bo".
_NICKNAME_CUES = frozenset("prefers aka nicknamed alias".split())


_NICKNAME_NEEDLES = (
    "prefers", "aka", "nicknamed", "alias", "goes by", "go by", "going by", "went by",
)


def _nicknames(reader: _Reader) -> Iterator[Span]:
    low = reader.text.lower()
    if not any(needle in low for needle in _NICKNAME_NEEDLES):
        return
    tokens = reader.tokens
    for index in range(1, len(tokens)):
        token = tokens[index]
        previous = tokens[index - 1]
        if token.gap not in (" ", ' "', " '") or not (token.cap or token.upper):
            continue
        cued = previous.key in _NICKNAME_CUES or previous.key == "by" and index >= 2 and (
            tokens[index - 2].key in {"goes", "go", "going", "went"}
        )
        if not cued or token.eng and not token.first or token.stop and not token.upper:
            continue
        if token.upper and (len(token.word) > 3 or token.word in _CREDENTIAL_INITIALS):
            continue
        yield FindingKind.PERSON, token.start, token.end


def _detect_unlisted_names(reader: _Reader) -> Iterator[Span]:
    tokens = reader.tokens
    count = len(tokens)
    yield from _nicknames(reader)
    # Words of no list, and listed names that are no ordinary word; a word that is both a
    # name and an English word only counts before "'s".
    candidates = [
        index for index, token in enumerate(tokens)
        if token.unknown or (token.first or token.sur) and (
            not token.eng and not token.stop or token.possessive or token.gap.endswith("(")
        )
    ]
    for index in candidates:
        token = tokens[index]
        previous = tokens[index - 1] if index > 0 else None
        following = tokens[index + 1] if index + 1 < count else None

        # A name in quotes after a word that takes a person: told "Tesfaye", daughter
        # "Seo-yeon", or before a verb: "Oluwaseun" called.
        gap_end = token.gap[-1:] if token.gap else ""
        if gap_end == " " and len(token.gap) > 1:
            gap_end = token.gap.rstrip(" ")[-1:]
        last = _quoted_run(reader, index) if gap_end and gap_end in _QUOTES else None
        if last is not None:
            run = tokens[index : last + 1]
            after = tokens[last + 1] if last + 1 < count else None
            cued = previous is not None and previous.key in _QUOTE_CUES and not (
                previous.possessive
            ) or after is not None and (
                after.key in PERSON_VERBS or after.key in _MODALS
            ) and not after.cap
            if cued and all(_spelled_like_name(reader, t, -0.2) for t in run):
                yield FindingKind.PERSON, run[0].start, run[-1].end
                continue

        # A capitalised word in no list after a verb that takes a person: "covered for Emre",
        # also with a department between them: "per pharm Zbigniew", "asked lab Tomasz".
        cue = previous
        minimum = 0.3
        if cue is not None and cue.key in _DEPARTMENTS and index >= 2 and cue.gap == " ":
            cue = tokens[index - 2]
        elif cue is not None and cue.key == "to" and index >= 2 and (
            tokens[index - 2].key in _TO_PERSON_VERBS and cue.gap == " "
        ):
            cue = tokens[index - 2]  # "talk to Ekow at the front desk"
        elif cue is not None and cue.key == "is" and index >= 2 and (
            tokens[index - 2].key in {"this", "name"} and cue.gap == " "
        ):
            cue = tokens[index - 2]  # "this is Sunniva from the wound clinic", "name is Oki"
            minimum = 0.0
        if token.cap and not token.initial and cue is not None and (
            cue.key in _WEAK_OBJECT_CUES and token.gap == " "
            and not cue.possessive
        ) and token.unknown and _spelled_like_name(reader, token, minimum):
            if not reader.eponym_after(index):
                yield FindingKind.PERSON, token.start, token.end
                continue

        # A name after a bed or room and a dash, closed by a comma or a bracket as in a
        # handoff list: "bed 5 - Jadeyn (prefers JJ), 19", "rm 12: Tuan, 54".
        if token.capd and "\n" not in token.gap and token.gap.rstrip()[-1:] in _DASHES and (
            reader.text[token.end : token.end + 2].strip()[:1] in {",", "("}
        ) and _BED_BEFORE.search(reader.text, max(0, token.start - 16), token.start) and (
            _spelled_like_name(reader, token, 0.0)
        ):
            yield FindingKind.PERSON, token.start, token.end
            continue

        # A name in brackets right after a role or a relation, even an everyday word: "the
        # aide (Precious) found him".
        if token.cap and token.gap.endswith("(") and previous is not None and (
            previous.key in PERSON_CUES and previous.key not in {"pt", "patient", "do"}
        ) and reader.text[token.end : token.end + 1] == ")" and (token.first or token.sur):
            yield FindingKind.PERSON, token.start, token.end
            continue

        # Capitalised words in no dictionary before a credential without a comma: "Signed,
        # Kaveh Rostami RN".
        if token.cap and not token.eng and (index == 0 or not tokens[index - 1].capd or (
            tokens[index - 1].stop or tokens[index - 1].eng
        )):
            last = index
            while last + 1 < count and last - index < 2 and tokens[last + 1].gap == " " and (
                tokens[last + 1].cap and not tokens[last + 1].upper
                and _spelled_like_name(reader, tokens[last + 1], 0.0)
            ):
                last += 1
            after = tokens[last + 1] if last + 1 < count else None
            if after is not None and after.gap == " " and after.upper and (
                after.key in _CREDENTIAL_WORDS
            ) and _spelled_like_name(reader, token, 0.0) and (
                last > index or token.unknown
            ):
                yield FindingKind.PERSON, token.start, tokens[last].end
                continue

        # A name before "will" and a verb: "Ludmila will bring the pt up".
        if token.cap and following is not None and following.key in _MODALS and (
            following.gap == " " and not following.cap
        ) and index + 2 < count and not tokens[index + 2].cap and (
            _spelled_like_name(reader, token, 0.0)
        ) and not token.upper:
            yield FindingKind.PERSON, token.start, token.end
            continue

        # A name whose relative follows: "Ama Owusu-Ansah's brother".
        if token.possessive and token.cap and following is not None and (
            following.key in RELATION_CUES and following.gap == " "
        ) and (token.unknown or token.first or token.sur) and not token.eng:
            first = index
            while first > 0 and first > index - 2 and tokens[first].gap == " " and (
                tokens[first - 1].cap and not tokens[first - 1].eng
                and (tokens[first - 1].first or tokens[first - 1].sur
                     or tokens[first - 1].unknown)
            ):
                first -= 1
            if not (first == index and token.initial and token.unknown is False
                    and token.eng):
                yield FindingKind.PERSON, tokens[first].start, token.end - 2
                continue

        # A lower-case surname after a given name that is also a word: "maria lopez fell".
        if not token.cap and token.sur and not token.eng and not token.stop and index > 0 and (
            token.gap == " " and not reader.mostly_upper and token.key not in _COMMON_LOWER
        ):
            given = tokens[index - 1]
            if given.first and not given.cap and given.eng and not given.stop and (
                given.key not in _VERB_NAMES and given.key not in _COMMON_LOWER
                and given.key not in _NOT_GIVEN_NAMES and len(given.key) >= 3
            ):
                yield FindingKind.PERSON, given.start, token.end
                continue

        # Lower-case typing without a cue: "meseret alemu slid", "gave meds to tavita
        # faleolo": two words in no dictionary, spelled like names.
        if (
            not token.cap and following is not None and not following.cap
            and following.gap == " " and not reader.mostly_upper
            and token.key not in _COMMON_LOWER and following.key not in _COMMON_LOWER
        ):
            pair = (token, following)
            if all(_spelled_like_name(reader, t, 0.0) for t in pair) and (any(
                t.unknown and reader.lex.name_shape(t.key) >= 0.3 or t.first or t.sur
                for t in pair
            ) and any(t.unknown for t in pair) or token.first and following.sur):
                yield FindingKind.PERSON, token.start, following.end
                continue


# --- senders, assistants and towns after a facility -------------------------------------

# Words for a message that names its sender after "from": "email from Ignatius:",
# "Voicemail from Hemi at the agency".
_MESSAGE_WORDS = frozenset(
    "email e-mail emails message messages msg voicemail vm text texts call calls page pages "
    "note letter fax".split()
)
# Assistants' credentials in capitals before a name; "MA" only after a lower-case word, since
# after a comma or a town it is the state ("Worcester, MA").
_ASSISTANT_ROLES = frozenset("ma cma pca huc".split())
_WEEKDAYS_AND_MONTHS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
    """.split()
)


# Endings of the message words before " from", to skip the rule cheaply when none is there.
_SENDER_NEEDLES = tuple(
    "ail from|age from|ages from|sg from|vm from|VM from|ext from|exts from|all from|"
    "alls from|ote from|tter from|ax from".split("|")
)


def _sender_word(reader: _Reader, token: Token) -> bool:
    """A capitalised word that may be a person's name: no role, department or kind of
    facility, no everyday word unless it is a given name, no town unless a given name."""
    key = token.key
    return token.cap and not token.upper and not token.initial and (
        key not in _NEVER and key not in _ROLE_WORDS and key not in GENERIC_FACILITY_WORDS
        and key not in _DEPARTMENTS and key not in _WEEKDAYS_AND_MONTHS
        and key not in reader.lex.facility_abbreviations
    ) and (not token.eng or token.first) and (
        key not in reader.lex.places or token.first
    ) and len(key) > 2 and not (token.eng and key in reader.lex.clinical)


# A quick test on the whole text before the rule walks its words.
_CARRIER_HINT = re.compile(r" by [A-Z]{3,5}\b")


def _detect_senders(reader: _Reader) -> Iterator[Span]:
    """ "email from Ignatius:", "Voicemail from Hemi at ...": one or two name-like words after
    a message word and "from", not followed by more capitalised words (which make an
    organisation: "call from Mercy General")."""
    tokens = reader.tokens
    count = len(tokens)
    for index in range(1, count - 1):
        cue = tokens[index]
        if cue.word != "from" or cue.gap != " " or tokens[index - 1].key not in _MESSAGE_WORDS:
            continue
        first = index + 1
        if tokens[first].gap != " " or not _sender_word(reader, tokens[first]):
            continue
        last = first
        if last + 1 < count and tokens[last + 1].gap == " " and _sender_word(
            reader, tokens[last + 1]
        ):
            last += 1
        if last + 1 < count and tokens[last + 1].gap == " " and tokens[last + 1].cap:
            continue
        if reader.eponym_after(last) or _head_at(reader, first) is not None:
            continue
        yield FindingKind.PERSON, tokens[first].start, tokens[last].end


def _detect_assistants(reader: _Reader) -> Iterator[Span]:
    """ "spoke with MA Tsering": a capitalised word that is no English, clinical or town word
    after an assistant's credential in capitals that follows a lower-case word."""
    tokens = reader.tokens
    for index in range(1, len(tokens) - 1):
        role = tokens[index]
        if not role.upper or role.key not in _ASSISTANT_ROLES or role.gap != " ":
            continue
        previous, name = tokens[index - 1], tokens[index + 1]
        if previous.cap or name.gap != " " or not name.cap or name.upper:
            continue
        if name.eng or name.stop or name.key in reader.lex.places or len(name.key) < 3:
            continue
        if not any(ch.isdigit() for ch in name.word) and not reader.eponym_after(index + 1):
            yield FindingKind.PERSON, name.start, name.end


def _towns_after_facilities(reader: _Reader, spans: list[Span]) -> Iterator[Span]:
    """ "Lakeview Family Clinic, Two Rivers for INR checks": a listed town right after a
    facility's name and a comma, ending the phrase."""
    tokens = reader.tokens
    lex = reader.lex
    text = reader.text
    ends = {
        end for kind, _start, end in spans
        if kind is FindingKind.HOSPITAL and text.startswith(", ", end)
    }
    if not ends:
        return
    for index in range(1, len(tokens)):
        token = tokens[index]
        if token.gap != ", " or tokens[index - 1].end not in ends:
            continue
        last = _longest_phrase(
            tokens, index, lex.place_heads, lex.places, allow="", lower=not token.cap
        )
        if last is None:
            continue
        if not token.capd and any(t.eng or t.stop or t.first or t.key in lex.clinical
                                  for t in tokens[index : last + 1]):
            continue  # in lower case, only a town that is no word or given name: ", weslaco"
        key = _place_key(tokens[index : last + 1])
        if key in _STATE_NAMES or key in _WEEKDAYS_AND_MONTHS:
            continue
        if last == index and (token.key in _NEVER or token.stop or token.first):
            continue
        if last + 1 < len(tokens):
            after = tokens[last + 1]
            if after.gap == " " and (after.cap or after.key in PERSON_VERBS):
                continue
        yield FindingKind.PLACE, token.start, tokens[last].end


# Words a few words before a bracketed town that say a place is meant: "from Golden Oaks
# (Bend)", "transfer to st anne (raceland)", "lives outside weslaco (hidalgo co)".
_BRACKET_TOWN_CUES = (PLACE_CUES | _TRANSFER_VERBS | frozenset({"transfer", "xfer"})) - {"of"}


def _towns_in_brackets(reader: _Reader, spans: list[Span]) -> Iterator[Span]:
    """A listed town, or a county, alone in brackets after a facility or a few words after a
    cue: "Ochsner St. Anne (Raceland)", "pt from golden oaks (bend)", "(hidalgo co)". A
    bracketed word with no place meant before it ("flexion (bend)") stays quiet."""
    tokens = reader.tokens
    lex = reader.lex
    text = reader.text
    facility_ends = {end for kind, _start, end in spans if kind is FindingKind.HOSPITAL}
    # The words right after an opening bracket, found from the brackets, which are few.
    opened = (_token_at(tokens, position + 1) for position in _positions(text, "("))
    for index in opened:
        if not index:
            continue
        token = tokens[index]
        if "\n" in token.gap or token.stop:
            continue
        last = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow="",
                               lower=not token.cap)
        after = last + 1 if last is not None else index + 1
        county = after < len(tokens) and tokens[after].key in _COUNTY_WORDS and (
            tokens[after].gap == " "
        )
        if county:
            last = after
        if last is None:
            continue
        closing = tokens[last].end
        if last + 1 < len(tokens) and tokens[last + 1].key == "area":
            closing = tokens[last + 1].end  # "(redding area)"
        if not text.startswith(")", closing):
            continue
        run = tokens[index : last + 1]
        key = _place_key(run)
        if key in _STATE_NAMES or key in _WEEKDAYS_AND_MONTHS:
            continue
        if not county and len(run) == 1 and (token.first and token.cap or token.key in _NEVER
                                             or token.key in lex.clinical):
            continue
        opening = text.rfind("(", 0, token.start)
        # A facility is right before the bracket when only spaces part them: the one place
        # where that facility would end is looked up, not every facility of the text.
        before = opening
        while before > 0 and text[before - 1].isspace():
            before -= 1
        after_facility = before in facility_ends
        cued = after_facility
        position = index - 1
        while not cued and position >= max(0, index - 6):
            cued = tokens[position].key in _BRACKET_TOWN_CUES
            if not _SENTENCE_BREAKS.isdisjoint(tokens[position].gap):
                break
            position -= 1
        if cued and not county and any(t.eng for t in run) and position > index - 4:
            # A town that is also a word needs a name of two words or more before it: "from
            # golden oaks (bend)", not "from home (normal)".
            cued = after_facility
        if cued:
            yield FindingKind.PLACE, token.start, tokens[last].end


_SITE_AFTER_FACILITY = frozenset(
    "unit store location branch pharmacy clinic office site lab center".split()
)
_CROSS_WORDS = frozenset({"and", "&"})
_STREET_AT = frozenset({"at", "near", "on", "off"})


def _street_run(reader: _Reader, index: int) -> int | None:
    """Last token of one to three capitalised words from `index` that can name a street."""
    tokens = reader.tokens
    last = None
    position = index
    while position < len(tokens) and position - index < 3:
        token = tokens[position]
        if not token.cap or token.upper or token.stop or token.key in _WEEKDAYS_AND_MONTHS:
            break
        if position > index and token.gap != " ":
            break
        last = position
        position += 1
    return last


def _streets_after_facilities(reader: _Reader, spans: list[Span]) -> Iterator[Span]:
    """ "the Walgreens on Ustick and Five Mile", "the Fresenius unit on Lindbergh": a street
    after a facility and "on"; and "found at Kensington and Allegheny", a place at a
    crossing, reaches over the street it crosses."""
    tokens = reader.tokens
    for kind, start, end in spans:
        if kind is FindingKind.HOSPITAL:
            index = _token_ending(tokens, end)
            if index is None or index + 2 >= len(tokens):
                continue
            index += 1
            if tokens[index].key in _SITE_AFTER_FACILITY and tokens[index].gap == " ":
                index += 1
            if index + 1 >= len(tokens) or tokens[index].key not in {"on", "off"} or (
                tokens[index].gap != " " or tokens[index + 1].gap != " "
            ):
                continue
            first = index + 1
        elif kind is FindingKind.PLACE:
            first = _token_at(tokens, start)
            if first is None or first == 0 or tokens[first - 1].key not in _STREET_AT:
                continue
        else:
            continue
        last = _street_run(reader, first)
        if last is None:
            continue
        if kind is FindingKind.PLACE and tokens[last].end != end:
            continue
        if last + 2 < len(tokens) and tokens[last + 1].key in _CROSS_WORDS and (
            tokens[last + 1].gap == " " and tokens[last + 2].gap == " "
        ):
            crossing = _street_run(reader, last + 2)
            if crossing is not None:
                last = crossing
            elif kind is FindingKind.PLACE:
                continue
        elif kind is FindingKind.PLACE:
            continue
        yield FindingKind.PLACE, tokens[first].start, tokens[last].end


# What follows a transport team's abbreviation ("transferred by CCT team"), not a facility's.
_TEAM_WORDS = frozenset("team crew staff nurse nurses rn medic medics protocol".split())


def _detect_carrier_abbreviations(reader: _Reader) -> Iterator[Span]:
    """ "transferred by IHS ground unit": an abbreviation in capitals in no list, after a
    transfer verb and "by", is the service or facility that moved the patient."""
    tokens = reader.tokens
    count = len(tokens)
    for index in range(2, count):
        token = tokens[index]
        if not token.upper or not 3 <= len(token.word) <= 5 or not token.word.isalpha():
            continue
        if not token.unknown or token.key in _FACILITY_TYPES or token.gap != " ":
            continue
        cue = tokens[index - 1]
        verb = tokens[index - 2]
        if cue.word != "by" or cue.gap != " ":
            continue
        if verb.key in _ADVERBS_OF_TRANSFER and index >= 3:
            verb = tokens[index - 3]
        if verb.key not in _FROM_VERBS:
            continue
        if index + 1 < count and tokens[index + 1].key in _TEAM_WORDS:
            continue
        yield FindingKind.HOSPITAL, token.start, token.end


# Lower-case words for the kind of a place of care, after its name ("the Shepherd's Cove memory
# unit"): one word, or a word and the one that must follow it.
_CARE_KIND_WORDS = {
    "memory": frozenset({"unit", "care", "center"}),
    "nursing": frozenset({"home", "facility", "center"}),
    "group": frozenset({"home"}),
    "care": frozenset({"home", "facility", "center"}),
    "assisted": frozenset({"living"}),
    "home": frozenset({"health", "care"}),
    "dialysis": frozenset({"unit", "center", "clinic"}),
    "rehab": frozenset({"unit", "facility", "center"}),
    "snf": frozenset(),
    "alf": frozenset(),
    "ltc": frozenset(),
    "facility": frozenset(),
    "agency": frozenset(),
    "hospice": frozenset(),
    "clinic": frozenset(),
}
# Kinds of a place of care typed in capitals after its name: "Riverside SNF".
_CARE_KIND_CAPITALS = frozenset("snf alf ltc ltach irf".split())
_CARE_KIND_KEYS = frozenset(_CARE_KIND_WORDS) | _CARE_KIND_CAPITALS
_BEFORE_CARE_NAMES = frozenset("the from at to in via into".split())


def _detect_names_before_care_kinds(reader: _Reader) -> Iterator[Span]:
    """ "admitted from the Shepherd's Cove memory unit", "at Linden Court assisted living":
    capitalised words of no kind, role or nation after "the" or a place word, before the
    kind of a place of care in lower case."""
    tokens = reader.tokens
    count = len(tokens)
    keys = _CARE_KIND_KEYS
    for index in range(1, count):
        kind = tokens[index]
        if kind.key not in keys:
            continue
        if kind.upper and kind.key in _CARE_KIND_CAPITALS:
            needed = frozenset()
        else:
            needed = _CARE_KIND_WORDS.get(kind.key)
            if needed is None or kind.cap:
                continue
        if kind.gap != " ":
            continue
        if needed and (index + 1 >= count or tokens[index + 1].key not in needed
                       or tokens[index + 1].gap != " "):
            continue
        first = index
        while first > 0 and index - first < 3 and tokens[first].gap == " " and (
            _care_name_word(tokens[first - 1], opening=kind.upper and _cell_opens(
                reader, first - 1))
        ):
            first -= 1
        if first == index and not kind.cap and kind.key in _CARE_KIND_CAPITALS:
            # Typed in lower case: "the outside SNF (windcrest snf)", "from rosecrest alf",
            # one or two words of no dictionary nor clinical list before the kind.
            first = _lower_care_name(reader, index)
            if first is not None:
                yield FindingKind.HOSPITAL, tokens[first].start, kind.end
            continue
        if first == index:
            continue
        # "3/10,Maple Crest SNF,fall": a name and its kind in capitals fill a cell or a label.
        cell = kind.upper and (_cell_opens(reader, first) or tokens[first].gap.strip() in {
            "(", ":", "-"})
        if not cell and (first == 0 or tokens[first].gap != " " or tokens[
            first - 1
        ].key not in _BEFORE_CARE_NAMES):
            continue
        words = tokens[first:index]
        places = reader.lex.places
        if kind.key == "clinic":
            # "the Hanover clinic", not "the Pain clinic" nor "the Hepatology clinic"
            if not all(not t.eng and (t.key in places or t.first or t.sur) for t in words):
                continue
        elif not kind.upper and all(
            t.eng and not (t.first or t.sur or t.key in places) for t in words
        ):
            continue
        last = index if kind.upper else index - 1
        yield FindingKind.HOSPITAL, tokens[first].start, tokens[last].end


def _lower_care_name(reader: _Reader, index: int) -> int | None:
    """First token of a lower-case name before the lower-case kind at `index`, or None."""
    tokens = reader.tokens
    lex = reader.lex
    first = index
    while first > 0 and index - first < 2 and tokens[first].gap == " ":
        previous = tokens[first - 1]
        key = previous.key
        if previous.cap or previous.stop or not key.isalpha() or len(key) < 4 or (
            key in lex.clinical or key in GENERIC_FACILITY_WORDS or key in _CARE_KIND_KEYS
            or key in _COMMON_LOWER or key in _ROLE_WORDS or key in _TIME_WORDS
            or key in _DEPARTMENTS or key in _NOT_SHORT_FORMS
        ):
            break
        first -= 1
    if first == index or all(t.eng for t in tokens[first:index]):
        return None
    if first and not (
        tokens[first].gap.strip() in {"(", ","} or tokens[first - 1].key in _BEFORE_CARE_NAMES
        or tokens[first - 1].key in _FROM_VERBS
    ):
        return None
    return first


def _care_name_word(token: Token, *, opening: bool = False) -> bool:
    """A capitalised word of a place of care's name; `opening` lets it open a cell."""
    key = token.key
    if "-" in key and not all(part[:1].isupper() for part in token.word.split("-")):
        return False  # "the Spanish-speaking group home"
    if token.initial and not opening:
        return False
    return token.cap and not token.upper and len(key) > 2 and not (
        token.stop or key in GENERIC_FACILITY_WORDS or key in _NATIONS_AND_FAITHS
        or key in _WEEKDAYS_AND_MONTHS or key in PERSON_CUES or key in _US_STATES
    )


def _detect_with_me(reader: _Reader) -> Iterator[Span]:
    """ "Benedetta and I turned him": a capitalised word that is a name and no English word,
    before "and I" or "and me"."""
    tokens = reader.tokens
    for index in range(len(tokens) - 2):
        token = tokens[index]
        if not token.cap or token.upper or token.eng or token.stop:
            continue
        joiner, pronoun = tokens[index + 1], tokens[index + 2]
        if joiner.key != "and" or joiner.gap != " " or pronoun.gap != " ":
            continue
        if pronoun.word not in {"I", "me"}:
            continue
        if token.key in reader.lex.places or not _spelled_like_name(reader, token, -0.3):
            continue
        yield FindingKind.PERSON, token.start, token.end


# Words before "to" that hand a patient over to a person: "Gave report to Tamsin", "Endorsed
# to Siddharth at 1900".
_HANDOVER_WORDS = frozenset("report endorsed endorse handed handoff off".split())
# Words after a person's possessive that say the person has patients: "Elodie's pt in 12".
_ASSIGNMENT_WORDS = frozenset("pt pts patient patients assignment".split())
_SHIFT_WORDS = frozenset("nights days evenings noc nocs".split())


# What the text must hold for `_detect_weak_cue_names` to find anything: an "@", a hand-over
# word before "to", a possessive before a patient word, ", the" after a first word, a shift,
# or a credential in brackets.
_WEAK_CUE_NEEDLES = (
    "@", "eport to ", "ndorsed to ", "ndorse to ", "anded to ", "andoff to ", "off to ",
    "'s pt", "'s pat", "'s assign", "\u2019s pt", "\u2019s pat", "\u2019s assign", ", the ",
    " on nights", " on days", " on evenings", " on noc",
)
_CREDENTIAL_IN_BRACKETS = re.compile(
    r"\((?:" + "|".join(sorted(_CREDENTIAL_WORDS, key=len, reverse=True)) + r")\)",
    re.IGNORECASE,
)


def _name_alone(reader: _Reader, token: Token) -> bool:
    """A capitalised word that may be a given name or surname standing alone: no English,
    clinical or town word, spelled like a name."""
    return token.cap and not token.upper and not token.eng and not token.stop and (
        token.key not in reader.lex.places
    ) and (token.first or token.sur or _spelled_like_name(reader, token, -0.3))


def _detect_weak_cue_names(reader: _Reader) -> Iterator[Span]:
    """Single names with a weak cue: "@Bongani pls check", "Gave report to Tamsin",
    "Elodie's pt in 12", "Kamaka, the night sitter, said"."""
    tokens = reader.tokens
    text = reader.text
    count = len(tokens)
    for index in reader.cap_at:
        token = tokens[index]
        if token.upper:
            continue
        following = tokens[index + 1] if index + 1 < count else None
        found = False
        if token.gap.endswith("@"):
            found = True
        elif index >= 2 and tokens[index - 1].key == "to" and token.gap == " " and (
            tokens[index - 2].key in _HANDOVER_WORDS and tokens[index - 1].gap == " "
        ):
            found = True
        elif token.possessive and following is not None and following.gap == " " and (
            following.key in _ASSIGNMENT_WORDS
        ):
            found = True
        elif token.initial and following is not None and following.key == "on" and (
            index + 2 < count and tokens[index + 2].key in _SHIFT_WORDS
            and following.gap == " " and tokens[index + 2].gap == " "
        ):
            found = True  # "Femi on nights said"
        elif token.initial and following is not None and following.gap == ", " and (
            following.key == "the"
        ):
            for ahead in range(index + 2, min(index + 5, count)):
                word = tokens[ahead]
                if word.gap != " ":
                    break
                if word.key in PERSON_CUES and text.startswith(",", word.end):
                    found = True
                    break
        elif following is not None and following.gap == " (" and (
            following.key in _CREDENTIAL_WORDS and text.startswith(")", following.end)
        ) and (token.first or token.sur) and not token.stop:
            yield FindingKind.PERSON, token.start, token.end  # "Wren (RN) and Birdie (CNA)"
            continue
        if found and _name_alone(reader, token) and not reader.eponym_after(index):
            end = token.end - 2 if token.possessive else token.end
            yield FindingKind.PERSON, token.start, end


# --- a name told by the role or the act that follows it ---------------------------------

# Words that open the description of a person after the name: "Nour, the unit secretary,",
# "Tupou, her son,", "okafor the sitter", "Jun-Jun, pt's grandson".
_APPOSITIVE_OPENERS = frozenset("the her his their our my a an pt pt's patient resident".split())
# Discourse words that are also given names and open a sentence before ", the".
_NOT_APPOSITIVE_NAMES = frozenset(
    "will may still so well then later also again overall hence thus anyway".split()
)


_NOT_APPOSITIVE_HEADS = frozenset("pt patient pts resident client member do".split())
# Words after a verb that make it act on someone or something: "Kwabena grabbed the belt",
# not "Lokelma ordered." or "G-tube flushed with 30 mL".
_OBJECTS = frozenset("the a an her him his them their pt patient me us it my our".split())


def _role_follows(reader: _Reader, index: int) -> bool:
    """A role or a relation within three words after token `index` (the opener), in the
    same phrase: "the unit secretary", "her son", "the pt's grandson"."""
    tokens = reader.tokens
    for ahead in range(index + 1, min(index + 4, len(tokens))):
        word = tokens[ahead]
        if word.gap != " ":
            return False
        if word.possessive:
            if word.key in _NOT_APPOSITIVE_HEADS:
                continue  # "the pt's grandson"
            return False
        if word.key in _NOT_APPOSITIVE_HEADS:
            return False
        if word.key in PERSON_CUES or word.key in _APPOSITIVE_ROLES:
            return True
    return False


_WORKPLACE_WORDS = frozenset(
    "unit team department dept office desk lab service services floor clinic agency".split()
)


def _unit_follows(reader: _Reader, index: int) -> bool:
    """ "from the dialysis unit", "from the wound team": after token `index` ("from")."""
    tokens = reader.tokens
    if index + 2 >= len(tokens) or tokens[index + 1].key != "the":
        return False
    for ahead in range(index + 2, min(index + 5, len(tokens))):
        word = tokens[ahead]
        if word.gap != " " or word.cap and not word.upper:
            return False
        if word.key in _WORKPLACE_WORDS:
            return True
    return False


def namish_lower(reader: _Reader, token: Token) -> bool:
    """A lower-case word that reads as a name: no ordinary or common word, and a listed name
    or spelled like one."""
    return not token.eng and not token.stop and token.key not in _COMMON_LOWER and (
        _spelled_like_name(reader, token, -0.5)
    )


def _role_before(reader: _Reader, index: int) -> bool:
    """A role of staff or a relation a few words before token `index`, in the same clause:
    "The aide from Comfort Keepers (Destiny)"."""
    tokens = reader.tokens
    for back in range(index - 1, max(-1, index - 6), -1):
        word = tokens[back]
        if word.key in _APPOSITIVE_ROLES and word.key not in _NOT_APPOSITIVE_HEADS:
            return not word.possessive
        if not _SENTENCE_BREAKS.isdisjoint(word.gap) and back < index - 1:
            return False
    return False


def _line_ends(reader: _Reader, index: int) -> bool:
    """Nothing but a period or spaces after token `index` on its line."""
    rest = reader.text[reader.tokens[index].end : reader.tokens[index].end + 4]
    return rest.split("\n", 1)[0].strip(" .") == ""


def _detect_names_by_their_role(reader: _Reader) -> Iterator[Span]:
    """A name told by what follows it, in any case: a role or a relation set off after it
    ("Nour, the unit secretary, noticed", "Tupou, her son, wants", "okafor the sitter stepped
    out"); a hand-over to a lower-case name ("gave report to thandeka"); a capitalised word
    in no list, spelled like a name, before a verb in the past ("Kwabena grabbed the belt")."""
    tokens = reader.tokens
    count = len(tokens)
    lex = reader.lex
    for index in range(count - 1):
        token = tokens[index]
        if token.eng and not token.cap and not token.first:
            continue  # most words: lower-case and ordinary
        if token.stop or token.upper or len(token.key) < 3:
            continue
        following = tokens[index + 1]
        if following.key in _APPOSITIVE_OPENERS and following.gap in (", ", " ") and (
            following.key not in _NOT_APPOSITIVE_HEADS or following.possessive
        ) and (following.gap == ", " or following.key == "the") and (
            _role_follows(reader, index + 1)
        ):
            given = tokens[index - 1] if index > 0 else None
            if given is not None and not (
                given.cap and given.first and not given.stop and token.gap == " "
                and token.cap and given.key not in _NOT_APPOSITIVE_NAMES
            ):
                given = None  # "Amber Stone, the charge nurse": the given name before
            if token.cap and (
                _name_alone(reader, token)
                or following.gap == ", " and token.key not in lex.places and (
                    token.first and token.key not in _NOT_APPOSITIVE_NAMES
                    or given is not None and token.sur
                )
            ) or not token.cap and following.gap == " " and not token.eng and (
                token.key not in _COMMON_LOWER and _spelled_like_name(reader, token, 0.3)
            ) or not token.cap and following.gap == ", " and not token.eng and (
                token.first or token.sur
            ) and token.key not in _COMMON_LOWER:
                if not reader.eponym_after(index):
                    end = token.end - 2 if token.possessive else token.end
                    start = given.start if given is not None else token.start
                    yield FindingKind.PERSON, start, end
                    continue
        if token.cap and following.key == "from" and following.gap == " " and (
            _name_alone(reader, token) or token.first and not token.eng
        ) and (_unit_follows(reader, index + 1) or index + 2 < count and (
            tokens[index + 2].key in _DEPARTMENTS and tokens[index + 2].gap == " "
        )):
            yield FindingKind.PERSON, token.start, token.end  # "Zoë from the dialysis unit"
            continue
        if token.cap and following.key == "and" and following.gap == " " and (
            index + 2 < count and tokens[index + 2].key in _APPOSITIVE_OPENERS
            and tokens[index + 2].gap == " " and _role_follows(reader, index + 2)
        ) and _name_alone(reader, token):
            yield FindingKind.PERSON, token.start, token.end  # "Ngaire and the RT were"
            continue
        if index >= 2 and token.gap == " " and tokens[index - 1].key == "to" and (
            tokens[index - 2].key == "according" and tokens[index - 1].gap == " "
        ) and (token.cap and _name_alone(reader, token) or not token.cap and namish_lower(
            reader, token
        )):
            yield FindingKind.PERSON, token.start, token.end  # "According to Svetla,"
            continue
        if not token.cap and following.key in _SHIFT_ROLES and following.gap == " " and (
            index + 2 < count and tokens[index + 2].gap == " "
            and (tokens[index + 2].key in _CREDENTIAL_WORDS or tokens[index + 2].key == "nurse")
        ) and (token.first or token.sur) and namish_lower(reader, token):
            yield FindingKind.PERSON, token.start, token.end  # "okeke charge rn aware"
            continue
        if following.key in RELATION_CUES and following.gap == " " and token.key[-1:] == "s" and (
            not token.possessive and len(token.key) >= 4 and token.key[:-1] in lex.first_names
            and token.key[:-1] not in _COMMON_LOWER and token.key[:-1] not in _NEVER
            and token.key not in lex.english
        ):
            yield FindingKind.PERSON, token.start, token.end - 1  # "marias mom called"
            continue
        if (token.cap and (token.first or _name_alone(reader, token) or token.unknown and (
            token.key not in lex.places
        )) or not token.cap and (
            token.first and not token.eng and not token.stop
        )) and index >= 2 and (
            token.gap == " "
        ) and (
            tokens[index - 1].key == "is" and tokens[index - 2].key in {"this", "name"}
            and following.key in {"at", "from", "with", "in", "on"} and following.gap == " "
        ):
            yield FindingKind.PERSON, token.start, token.end  # "this is Dev at CVS"
            continue
        if following.gap == ", " and (token.cap or token.upper) and (
            following.key in PERSON_CUES or following.key in _APPOSITIVE_ROLES
        ) and following.key not in _NOT_APPOSITIVE_HEADS and _line_ends(reader, index + 1) and (
            _name_alone(reader, token) or token.first and not token.eng
        ):
            yield FindingKind.PERSON, token.start, token.end  # "- F. Zandi, hospitalist"
            continue
        if (token.cap or token.first) and following.gap.strip() in ('("', "('", '(\u201c') and (
            reader.text.startswith(('")', "')", "\u201d)"), following.end)
        ) and following.cap and not following.stop and len(following.key) >= 2 and (
            token.first or token.sur or token.unknown
        ) and not token.eng:
            yield FindingKind.PERSON, following.start, following.end  # 'Wongsakul ("Pim")'
        if token.cap and token.gap.endswith("(") and index > 0 and (
            reader.text.startswith(")", token.end)
        ) and (token.first and not token.stop or _name_alone(reader, token)) and (
            token.key not in lex.places and token.key not in _NATIONS_AND_FAITHS
        ) and _role_before(reader, index):
            yield FindingKind.PERSON, token.start, token.end  # "The aide from X (Destiny)"
            continue
        if not token.cap and token.gap == " (" and index > 0 and (
            tokens[index - 1].key in _DEPARTMENTS or tokens[index - 1].key in _APPOSITIVE_ROLES
        ) and reader.text.startswith(")", token.end) and not token.eng and (
            token.first or token.sur
        ) and token.key not in _COMMON_LOWER:
            yield FindingKind.PERSON, token.start, token.end  # "security (dubois) came"
            continue
        if index >= 3 and token.gap == " " and tokens[index - 1].key == "to" and (
            tokens[index - 2].key in {"given", "gave", "handed"}
            and tokens[index - 3].key in {"report", "handoff"}
        ) and (token.cap and _name_alone(reader, token) or not token.cap and namish_lower(
            reader, token
        )):
            yield FindingKind.PERSON, token.start, token.end  # "report given to Kamalei"
            continue
        if not token.cap and token.first and following.gap == " " and not following.cap and (
            following.sur and not following.stop and index + 2 < count
            and tokens[index + 2].gap == " " and tokens[index + 2].key in _DOING | {"fell"}
        ) and token.key not in _EVERYDAY_GIVEN_NAMES_NOT_READ and not (
            token.key in _COMMON_LOWER or following.key in _COMMON_LOWER or token.stop
            or reader.mostly_upper
        ) and (token.initial or index > 0 and tokens[index - 1].key in _CLAUSE_OPENERS) and (
            not (token.eng and following.eng) or token.initial
        ):
            yield FindingKind.PERSON, token.start, following.end  # "john baker fell at 0300"
            continue
        if not token.cap and index >= 2 and token.gap == " " and (
            tokens[index - 1].key == "to" and tokens[index - 1].gap == " "
            and tokens[index - 2].key in _HANDOVER_WORDS
        ) and not token.eng and token.key not in _COMMON_LOWER and (
            _spelled_like_name(reader, token, -0.5)
        ):
            yield FindingKind.PERSON, token.start, token.end
            continue
        if token.cap and token.unknown and following.gap == " " and not following.cap and (
            "-" not in token.key or min(len(part) for part in token.key.split("-")) > 1
        ) and (
            following.key.endswith("ed") and len(following.key) >= 5 and following.eng
            and following.key not in lex.clinical and index + 2 < count
            and tokens[index + 2].key in _OBJECTS and tokens[index + 2].gap == " "
        ) and token.key not in lex.places and _spelled_like_name(reader, token, -0.3) and (
            not reader.eponym_after(index)
        ):
            yield FindingKind.PERSON, token.start, token.end


def _detect_speakers(reader: _Reader) -> Iterator[Span]:
    """The speaker of a line in a pasted chat or transcript: "Rasheed: can u check bed 3".
    A name that opens a line before a colon and the words of the line; a label ("Plan:"),
    a drug or a town there is no person."""
    tokens = reader.tokens
    for index, token in enumerate(tokens[:-1]):
        if not (index == 0 or "\n" in token.gap) or not token.cap or token.upper:
            continue
        following = tokens[index + 1]
        if not following.gap.startswith(": ") or "\n" in following.gap:
            continue
        if following.gap.strip() != ":" or following.upper:
            continue
        if token.key in _LABELS or token.key in reader.lex.places:
            continue
        if _name_alone(reader, token) and (token.first or token.sur or token.unknown):
            yield FindingKind.PERSON, token.start, token.end


# Words between a name and its credential: "okeke charge rn", "tran night nurse".
_SHIFT_ROLES = frozenset("charge night day float house evening".split())
# Lower-case words after which a new clause and its subject start: "when john baker fell".
_CLAUSE_OPENERS = frozenset("and then when while but because after before so".split())
_ADVERBS = frozenset("usually always never often also just still then already".split())
# Words before a name that it is asked of or let do something: "let Sunita draw labs".
_CAUSE_VERBS = frozenset("let lets have had made make makes get got ask asked".split())


# What a person does right after being named, read even after a given name that is also a
# word: "Grace gave the 2100 meds", "Miles brought the pt back".
_DOING = frozenset(
    """
    said says told tells asked asks gave gives brought brings called calls paged texted
    charted documented noticed notices found checked verified caught helped assisted took
    grabbed stayed refused reported reports stated states explained answered replied wrote
    signed walked witnessed hung pushed drew administered scanned removed placed turned
    """.split()
)
# Words after a sentence's first word that make it the person who acts: verbs, "on the
# phone", "from security", "will bring", "is pt's daughter".
_SUBJECT_AFTER = _DOING | frozenset(
    """
    stayed wants needs went came left brought took saw helped
    """.split()
)
_EVERYDAY_GIVEN_NAMES_NOT_READ = _VERB_NAMES | _MONTH_NAMES | _NOT_GIVEN_NAMES


def _described_as_staff(reader: _Reader, index: int) -> bool:
    """Token `index` is followed by its role: "was the aide", "is pt's daughter", "the unit
    clerk"."""
    tokens = reader.tokens
    if index + 2 >= len(tokens):
        return False
    following = tokens[index + 1]
    if following.gap != " ":
        return False
    if following.key == "the":
        return _role_follows(reader, index + 1)
    if following.key in {"was", "is"} and tokens[index + 2].gap == " " and (
        tokens[index + 2].key in _APPOSITIVE_OPENERS or tokens[index + 2].possessive
    ):
        return _role_follows(reader, index + 2) or (
            tokens[index + 2].key in PERSON_CUES or tokens[index + 2].key in _APPOSITIVE_ROLES
        )
    return False


def _detect_sentence_subjects(reader: _Reader) -> Iterator[Span]:
    """A name that opens a sentence and acts in it, when no list knows it as a word: "Abebe
    on the phone, wants update", "Hemi was the preceptor", "Ofa stayed overnight"; and a name
    let or made to do something ("Pt refused to let Sunita draw labs")."""
    tokens = reader.tokens
    count = len(tokens)
    lex = reader.lex
    for index in range(count - 1):
        token = tokens[index]
        if not token.cap or token.upper or len(token.key) < 3:
            continue
        if token.eng or token.stop:
            # "Grace gave the meds", "Destiny was the aide", "Price was the RN": a given name
            # or surname that is also a word, read only when the person acts or is described.
            if token.possessive or not (token.first or token.sur) or (
                token.key in _EVERYDAY_GIVEN_NAMES_NOT_READ or token.key in _NEVER
                or token.key in _ROLE_WORDS or token.key in lex.clinical
            ):
                continue
            previous = tokens[index - 1] if index > 0 else None
            if previous is not None and not token.initial and (
                previous.key in _ARTICLES or previous.cap
            ):
                continue
            following = tokens[index + 1]
            if token.first and following.key == "and" and index + 3 < count and (
                tokens[index + 2].cap and tokens[index + 2].first
                and not tokens[index + 2].stop
                and tokens[index + 2].key not in _EVERYDAY_GIVEN_NAMES_NOT_READ
                and tokens[index + 3].key in _DOING | {"were", "both"}
                and following.gap == " " and tokens[index + 2].gap == " "
                and tokens[index + 3].gap == " "
            ):
                yield FindingKind.PERSON, token.start, token.end  # "Daisy and Ivy were"
                yield FindingKind.PERSON, tokens[index + 2].start, tokens[index + 2].end
                continue
            if token.first and following.gap == " " and index + 2 < count and (
                following.key == "on" and tokens[index + 2].key in _SHIFT_WORDS
                or following.key == "and" and tokens[index + 2].word in {"I", "me"}
            ):
                yield FindingKind.PERSON, token.start, token.end  # "Dawn on nights", "Rocky and I"
                continue
            if following.gap == " " and following.key in _DOING and token.first or (
                _described_as_staff(reader, index) and (following.key != "the" or (
                    token.first and token.key not in _VERBS_BEFORE_PLACES
                ))  # "Autumn the unit clerk", not "Call the charge nurse"
            ):
                if not reader.eponym_after(index):
                    yield FindingKind.PERSON, token.start, token.end
            continue
        if "-" in token.key and min(len(part) for part in token.key.split("-")) < 2:
            continue  # "G-tube", "D-dimer"
        following = tokens[index + 1]
        if following.gap != " " or following.cap:
            continue
        if token.initial:
            key = following.key
            if not (key in _SUBJECT_AFTER or _described_as_staff(reader, index) or (
                key == "on" and index + 2 < count
                and tokens[index + 2].key in _SHIFT_WORDS | {"the"}
                and (index + 3 < count and tokens[index + 3].key in {"phone", "unit", "floor"}
                     or tokens[index + 2].key in _SHIFT_WORDS)
            )):
                continue
        elif not (
            index > 0 and tokens[index - 1].key in _CAUSE_VERBS and token.gap == " "
        ) and not (
            # inside a sentence, after no article or capitalised word: "they said Deonte
            # usually gives", "when I came in Anahera was on the phone"
            following.key in _SUBJECT_AFTER or index + 2 < count and following.key in _ADVERBS
            and tokens[index + 2].gap == " " and tokens[index + 2].key.endswith("s")
            and tokens[index + 2].eng
        ) or tokens[index - 1].key in _ARTICLES or tokens[index - 1].cap:
            continue
        if token.key in lex.places or token.key in lex.proper or token.possessive:
            continue
        if not (token.first or token.sur or _spelled_like_name(reader, token, 0.0)):
            continue
        if reader.eponym_after(index):
            continue
        yield FindingKind.PERSON, token.start, token.end


# --- sites in the forms strangers write --------------------------------------------------

# A site of a system named by its town: "the Nashua campus", "our Spokane site", "the
# Rotterdam house", "the Vernal hospital helipad".
_SITE_WORDS = frozenset("campus site location house office branch hospital facility".split())
_SITE_OPENERS = frozenset("the our their your at from to in".split())
# A town's own agencies: "tempe pd", "Laramie police", "Boise fire".
_AGENCY_WORDS = frozenset("pd police fire ems sheriff sheriff's sheriffs fd".split())
_SITE_OR_AGENCY = _SITE_WORDS | _AGENCY_WORDS
# Where a person lives: "lives in frogtown", "moved to Cedar-Riverside", "home in Kahala".
_RESIDENCE_VERBS = frozenset(
    "lives live living resides reside residing moved stays staying home".split()
)
_RESIDENCE_PREPOSITIONS = frozenset("in to from near outside off".split())
# Who is from somewhere: "pt from Montbello", "ppl in car said from Montbello".
_FROM_SUBJECTS = frozenset(
    """
    said says is was are were pt patient pts originally family ppl people both he she they
    """.split()
)
# The words of "is from" and the like, which need a person before them ("she is from
# Montbello"), not "they were from Stericycle for pickup".
_FROM_LINKS = frozenset("is was are were originally".split())
_FROM_PEOPLE = frozenset("pt patient pts family ppl people he she".split())
_COLONIA_WORDS = frozenset({"colonia", "barrio"})
# Relatives and pronouns before "in" and the town they live in: "sent to her in flagstaff".
_KIN_BEFORE_IN = frozenset(
    """
    her him them family daughter son sister brother mom mother dad father wife husband niece
    nephew aunt tia uncle grandma grandmother grandpa grandfather cousin kids parents
    """.split()
)
# Listed towns that are also words said of how or where someone lives: "lives in comfort",
# "lives in mobile home", "her in section 8".
_NOT_LOWER_TOWNS = frozenset(
    """
    home homes section mobile hope comfort harmony union ward normal central minor many north
    west east south center college university mission reserve trial isle grace faith luck
    justice peace freedom poverty fear denial bed care custody town city country housing
    independence liberty paradise progress unity welcome industry health pace bay beach
    airport lakes springs harbor marina landing junction valley forest hills canyon plains
    ridge summit island park pier arena stadium speedway prison downtown midtown uptown
    """.split()
)
# The last word of a neighbourhood after words in no list: "little village", "cedar park".
# Listed towns of six letters or more said of when or how, after a relative and "in" or
# after "from": "sent to her in advance", "daughter from english class".
_NOT_TOWNS_AFTER_KIN = frozenset("advance august english spring summer winter".split())
_NEIGHBOURHOOD_NOUNS = _NEIGHBOURHOOD_TAILS | frozenset("park gardens manor side".split())
_AFTER_LOWER_TOWN = frozenset("w with and since now but area til until".split())


def _lower_town(reader: _Reader, index: int, *, strong: bool = True) -> int | None:
    """The last token of a listed town typed in lower case at token `index` after a place
    a person lives in ("lives alone in brewer, ...", "lives in bay ridge"), or None.

    A one-word town that is also a short English word counts only after the `strong` cue of
    a residence ("lives in pearl"), not after a relative and "in" or after "from" ("daughter
    in early", "pt from start"); a longer one counts after those too ("son in auburn")."""
    tokens = reader.tokens
    lex = reader.lex
    token = tokens[index]
    last = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow=".-", lower=True)
    if last is None:
        # "lives in little village", "from cedar heights": words before a neighbourhood's noun
        for last in range(index + 1, min(index + 3, len(tokens))):
            if tokens[last].gap != " " or tokens[last - 1].stop or tokens[last].cap:
                return None
            if tokens[last].key in _NEIGHBOURHOOD_NOUNS:
                run = tokens[index:last]
                if any(t.key in lex.clinical or t.key in _GENERIC_PLACE_WORDS for t in run):
                    return None
                return last
        return None
    run = tokens[index : last + 1]
    if any(t.key in lex.clinical for t in run) or last == index and (
        token.key in _NOT_LOWER_TOWNS
    ):
        return None
    if last > index:
        return last if not all(t.eng or t.stop for t in run) or not any(
            t.stop for t in run) else None
    if not strong and token.eng and (len(token.key) < 6 or token.key in _NOT_TOWNS_AFTER_KIN):
        return None
    if last + 1 >= len(tokens):
        return last if token.eng and len(token.key) >= 4 else None
    following = tokens[last + 1]
    if following.key in _NEIGHBOURHOOD_TAILS and following.gap == " " and not following.cap:
        return last + 1  # "lives in mesa heights"
    if not token.eng or len(token.key) < 4:
        return None
    if following.gap.strip(" ") or following.key in _AFTER_LOWER_TOWN:
        return last
    return None


# Streets typed in lower case after "on", "off", "at"...: "on mckinney st", "off stockton
# hill rd". "dr", "drive", "lane" and "ln" need a word in no dictionary ("on call dr").
_STREET_WORDS_LOWER = frozenset(
    "st street ave avenue rd road blvd boulevard pkwy parkway hwy highway ln lane dr drive".split()
)
_STREET_WORDS_STRICT = frozenset("dr drive ln lane".split())
_STREET_CUES = frozenset(
    "on off at near along onto down up of from to by across past beyond".split()
)
# An emergency department or urgent care named by its hospital: "the Good Shepherd ED",
# "to Del Sol ER", "at Children's Mercy urgent care". Words of units and departments
# ("the Peds ED", "the Main ED", "Fast Track") name no hospital.
_ED_WORDS = frozenset({"ED", "ER"})
_ED_KEYS = frozenset({"ed", "er", "urgent", "emergency"})
_ED_CUES = frozenset("the at to from through thru via in into".split())
_UNIT_WORDS = frozenset(
    """
    peds pediatric pediatrics adult adults fast track main west east north south central
    tower new old freestanding satellite level trauma psych psychiatric behavioral minor
    minors acute express flex front back upstairs downstairs ambulatory observation obs
    holding our their your this that other outside another local nearest nearby closest
    receiving sending referring osh rural small big same rapid low high annex pod team
    """.split()
)


_COMMUNITY_NOUNS = frozenset(
    """
    gardens pavilion terrace terraces courtyard courtyards springs village reserve residences
    residence bridge commons lodge meadows oaks pines suites cottages heights landing glen
    vista arbor arbors willows grove estates towers inn
    """.split()
)
_CAMEL_CUES = frozenset("at from to by via".split())
_MESSAGE_CUES = frozenset({"from", "at", "to"})
_CAMEL_WORD = re.compile(r"[A-Z][a-z]+[A-Z][a-z]")
_ORIGIN_WORDS = frozenset(
    """
    call calls called phoned fax faxed records referral report filled refilled dispensed
    picked
    """.split()
)
_CAMEL_CARE_PARTS = frozenset(
    """
    ortho med medical care clinic health rad radiology lab labs dialysis rehab kids derm
    cardio heart neuro onc surg surgery urgent imaging scan vision eye dental peds family
    """.split()
)


def _run_before(tokens: list[Token], index: int, most: int) -> list[int]:
    """Starts of the runs of up to `most` tokens, joined by single spaces, that end right
    before token `index`, shortest first."""
    starts = []
    first = index
    while first > 0 and index - first < most and tokens[first].gap == " ":
        first -= 1
        starts.append(first)
        if tokens[first].initial:
            break
    return starts


def _detect_sites(reader: _Reader, spans: list[Span]) -> Iterator[Span]:
    tokens = reader.tokens
    lex = reader.lex
    count = len(tokens)
    keys = _keys(reader)
    found: list[Span] = []

    # "the Nashua campus", "tempe pd": a listed town before the word of its site or agency.
    if not (_SITE_WORDS.isdisjoint(keys) and _AGENCY_WORDS.isdisjoint(keys)):
        for index in [i for i, t in enumerate(tokens) if t.key in _SITE_OR_AGENCY and i]:
            key = tokens[index].key
            site = key in _SITE_WORDS
            if not site and key not in _AGENCY_WORDS:
                continue
            if not tokens[index - 1].cap and not any(
                tokens[back].key in lex.place_heads for back in range(max(0, index - 3), index)
            ):
                continue  # the common case: a word of no town before "office" or "fire"
            town = None
            for first in _run_before(tokens, index, 3):
                run = tokens[first:index]
                if len({t.cap for t in run}) > 1 or _place_key(run) not in lex.places:
                    continue
                if len(run) == 1 and (run[0].eng or run[0].stop) and not (
                    site and run[0].cap and run[0].key not in _NEVER
                ):
                    continue
                if run[0].key in _STATE_NAMES or run[0].key in _DIRECTIONS:
                    continue
                if site and (first == 0 or tokens[first - 1].key not in _SITE_OPENERS):
                    continue
                town = first
            if town is not None and not (site and tokens[town].eng and len(
                tokens[town:index]
            ) == 1 and tokens[town].key in _UNIT_WORDS):
                found.append((FindingKind.PLACE, tokens[town].start, tokens[index - 1].end))

    # "lives in frogtown", "moved to Cedar-Riverside": the place a person lives in.
    residences = [] if _RESIDENCE_VERBS.isdisjoint(keys) else [
        (i + 1, False) for i, t in enumerate(tokens[:-2]) if t.key in _RESIDENCE_VERBS
    ]
    if "in" in keys and not _KIN_BEFORE_IN.isdisjoint(keys):
        # "info sent to her in flagstaff", "daughter in brewer": a relative's town.
        residences += [(i, True) for i in range(1, count - 1) if tokens[i].key == "in"
                       and tokens[i - 1].key in _KIN_BEFORE_IN and tokens[i].gap == " "]
    if "from" in keys and not _FROM_SUBJECTS.isdisjoint(keys):
        # "ppl in car said from Montbello": a word in no list after who is from where.
        for i in range(1, count - 2):
            if tokens[i].key != "from" or tokens[i - 1].key not in _FROM_SUBJECTS:
                continue
            town = tokens[i + 1]
            if not town.cap and town.gap == " " and (
                last := _lower_town(reader, i + 1, strong=False)
            ):
                found.append((FindingKind.PLACE, town.start, tokens[last].end))
                continue  # "pt from flagstaff, came by ambulance"
            if not town.cap or town.upper or not town.unknown or len(town.key) < 5 or (
                town.gap != " " or town.key in lex.clinical
            ):
                continue
            following = tokens[i + 2] if i + 2 < count else None
            if following is not None and following.gap == " " and following.capd:
                continue  # "pt from Banner Desert": a facility's name goes on
            if tokens[i - 1].key in _FROM_LINKS and not i >= 2 or (
                tokens[i - 1].key in _FROM_LINKS
                and tokens[i - 2].key not in _FROM_PEOPLE | _KIN_BEFORE_IN
            ):
                continue  # "they were from Stericycle": no person is from it
            found.append((FindingKind.PLACE, town.start, town.end))
    if residences:
        for position, kin in residences:
            if tokens[position].key in {"out", "alone"} and tokens[position + 1].key == "in":
                position += 1  # "we live out in Socorro", "lives alone in brewer"
            if tokens[position].key not in _RESIDENCE_PREPOSITIONS or position + 1 >= count:
                continue
            start = position + 1
            token = tokens[start]
            if token.gap != " " or token.stop or token.key in _ARTICLES or len(token.key) < 3:
                continue
            last = start
            if token.cap and kin:
                continue  # the cue "in" finds a capitalised town
            if not token.cap:
                phrase = _lower_town(reader, start, strong=not kin)
                if phrase is not None:
                    found.append((FindingKind.PLACE, token.start, tokens[phrase].end))
                    continue
                if kin:
                    continue
            if token.cap:
                while last + 1 < count and last - start < 2 and tokens[last + 1].gap == " " and (
                    tokens[last + 1].capd and not tokens[last + 1].stop
                ):
                    last += 1
                run = tokens[start : last + 1]
                if all(t.key in GENERIC_FACILITY_WORDS or t.key in _GENERIC_PLACE_WORDS
                       or t.key in _HEADS_BY_WORD for t in run):
                    continue
                if len(run) == 1 and (
                    token.key in _STATE_NAMES or token.key in _WEEKDAYS_AND_MONTHS
                    or token.first and token.key not in lex.places
                ):
                    continue
            else:
                if token.eng or not (token.unknown or token.key in lex.places) or len(
                    token.key
                ) < 4:
                    continue
            found.append((FindingKind.PLACE, token.start, tokens[last].end))
            # "moved from Lewiston to Cedar-Riverside": the second place of the move.
            if last + 2 < count and tokens[last + 1].key == "to" and tokens[last + 2].cap and (
                tokens[last + 2].gap == " " and not tokens[last + 2].stop
            ):
                second = last + 2
                end = second
                while end + 1 < count and end - second < 2 and tokens[end + 1].gap == " " and (
                    tokens[end + 1].capd and not tokens[end + 1].stop
                ):
                    end += 1
                run = tokens[second : end + 1]
                if not all(t.key in GENERIC_FACILITY_WORDS or t.key in _GENERIC_PLACE_WORDS
                           for t in run) and _place_key(run) not in _STATE_NAMES:
                    found.append((FindingKind.PLACE, run[0].start, run[-1].end))

    # "lives in colonia Las Milpas", "from barrio Logan": the community named after its kind.
    for index in range(count - 1) if not _COLONIA_WORDS.isdisjoint(keys) else ():
        if tokens[index].key not in _COLONIA_WORDS or tokens[index].cap:
            continue
        last = index
        while last + 1 < count and last - index < 3 and tokens[last + 1].gap == " " and (
            tokens[last + 1].capd and tokens[last + 1].key not in _ARTICLES
        ):
            last += 1
        if last == index and index + 2 < count and tokens[index + 1].key in _SPANISH_ARTICLES:
            # "colonia las milpas": a Spanish article and a word in no dictionary, in lower case
            name = tokens[index + 2]
            if tokens[index + 1].gap == " " and name.gap == " " and not (
                name.eng or name.stop or name.key in reader.lex.clinical or len(name.key) < 3
            ):
                last = index + 2
        if last > index and not tokens[last].stop:
            found.append((FindingKind.PLACE, tokens[index].start, tokens[last].end))

    # "pt is from the bronx", "lives in the Bronx": a listed place in no dictionary after a
    # cue and "the".
    if "the" in keys:
        for index in [i for i, t in enumerate(tokens[:-1]) if t.key == "the" and i]:
            if tokens[index - 1].key not in _RESIDENCE_PREPOSITIONS | {"at", "of"}:
                continue
            if tokens[index].gap != " ":
                continue  # "called at 03:12. The McRoberts maneuver"
            place = tokens[index + 1]
            if place.gap != " " or place.eng or place.stop or place.first or len(place.key) < 4:
                continue
            last = _longest_phrase(tokens, index + 1, lex.place_heads, lex.places, allow=".-",
                                   lower=None)
            if last is None or _place_key(tokens[index + 1 : last + 1]) in _STATE_NAMES:
                continue
            if reader.eponym_after(last):
                continue
            found.append((FindingKind.PLACE, place.start, tokens[last].end))

    # "on mckinney st", "off stockton hill rd": a street typed in lower case after a cue.
    if not _STREET_WORDS_LOWER.isdisjoint(keys):
        for index in [i for i, t in enumerate(tokens) if t.key in _STREET_WORDS_LOWER and i > 1]:
            street = tokens[index]
            if street.cap or street.key not in _STREET_WORDS_LOWER or street.gap != " ":
                continue
            first = index
            while first > 0 and index - first < 3:
                previous = tokens[first - 1]
                if previous.cap or previous.key in _STREET_CUES or previous.key in _ARTICLES:
                    break
                if previous.stop or previous.key in _ROLE_WORDS or tokens[first].gap != " ":
                    first = index
                    break
                first -= 1
            if first == index or first == 0 or tokens[first].gap != " ":
                continue
            if tokens[first - 1].key not in _STREET_CUES and not (
                # "out past the casa piedra rd turnoff"
                tokens[first - 1].key == "the" and first >= 2
                and tokens[first - 1].gap == " " and tokens[first - 2].key in _STREET_CUES
            ):
                continue
            names = tokens[first:index]
            if (street.key in _STREET_WORDS_STRICT or tokens[first - 1].key == "the") and all(
                t.eng for t in names
            ):
                continue  # "on call dr", "off the main rd"
            found.append((FindingKind.PLACE, names[0].start, street.end))

    # "the Good Shepherd ED", "Del Sol ER", "Children's Mercy urgent care".
    heads = [] if _ED_KEYS.isdisjoint(keys) else [
        index for index in [i for i, t in enumerate(tokens) if t.key in _ED_KEYS]
        if tokens[index].word in _ED_WORDS or (
            index + 1 < count and tokens[index + 1].gap == " " and (
                tokens[index].key == "urgent" and tokens[index + 1].key == "care"
                or tokens[index].key == "emergency"
                and tokens[index + 1].key in {"department", "room"}
            )
        )
    ]
    for index in heads:
        best = None
        for first in _run_before(tokens, index, 3):
            run = tokens[first:index]
            if not all(t.cap and (not t.stop or t.key in _SAINT) for t in run):
                break
            if tokens[first].initial or first == 0:
                break
            if tokens[first - 1].key not in _ED_CUES:
                continue
            specific = [
                t for t in run
                if t.key not in _UNIT_WORDS and t.key not in GENERIC_FACILITY_WORDS
                and t.key not in lex.clinical and t.key not in _DEPARTMENTS
                and t.key not in _ROLE_WORDS and t.key not in _SAINT and len(t.key) > 1
            ]
            if specific and not any(t.key in _UNIT_WORDS for t in run):
                best = first
        if best is not None:
            found.append((FindingKind.HOSPITAL, tokens[best].start, tokens[index - 1].end))

    # "Our Lady of the Lake", "Our Lady of Lourdes"
    for index in range(count - 3) if "lady" in keys else ():
        if tokens[index].word != "Our" or tokens[index + 1].word != "Lady" or tokens[
            index + 2
        ].key != "of":
            continue
        last = index + 3
        if tokens[last].key == "the" and last + 1 < count:
            last += 1
        if not tokens[last].capd:
            continue
        while last + 1 < count and last - index < 6 and tokens[last + 1].gap == " " and (
            tokens[last + 1].capd and not tokens[last + 1].stop
        ):
            last += 1
        found.append((FindingKind.HOSPITAL, tokens[index].start, tokens[last].end))

    # "d/c'd to the Pavilion at Creekside", "The Gardens at Cedar Park": how senior living
    # communities are named.
    if "at" in keys and not _COMMUNITY_NOUNS.isdisjoint(keys):
        for index in [i for i, t in enumerate(tokens[:-2]) if t.key in _COMMUNITY_NOUNS and i]:
            token = tokens[index]
            if token.key not in _COMMUNITY_NOUNS or not token.cap or tokens[index - 1].key != "the":
                continue
            if tokens[index + 1].key != "at" or tokens[index + 1].gap != " ":
                continue
            last = index + 2
            if not tokens[last].capd or tokens[last].stop or tokens[last].gap != " ":
                continue
            while last + 1 < count and last - index < 5 and tokens[last + 1].gap == " " and (
                tokens[last + 1].capd and not tokens[last + 1].stop
            ):
                last += 1
            found.append((FindingKind.HOSPITAL, token.start, tokens[last].end))

    # "ortho f/u at OrthoCarolina", "imaging at SimonMed": a name written in one word with
    # capitals inside, made of a word of care or of a state, after "at", "from" or "to".
    camel = _CAMEL_WORD.search(reader.text) is not None
    for index in [i for i in range(1, count) if tokens[i - 1].key in _CAMEL_CUES] if camel else ():
        token = tokens[index]
        word = token.word
        if not token.cap or token.upper or len(word) < 6 or word[1:].islower():
            continue
        if tokens[index - 1].key not in _CAMEL_CUES or token.key in lex.clinical:
            continue
        parts = [part.lower() for part in re.findall(r"[A-Z][a-z]+", word)]
        if len(parts) < 2 or "".join(parts) != token.key:
            continue
        if any(part in _CAMEL_CARE_PARTS or part in _STATE_NAMES for part in parts):
            found.append((FindingKind.HOSPITAL, token.start, token.end))

    # "Received call from Shady Acres", "filled at cvs", "records from Kaiser": where a call,
    # a fax, records or a prescription came from.
    if not _ORIGIN_WORDS.isdisjoint(keys):
        for index in [i for i in range(2, count) if tokens[i - 1].key in _MESSAGE_CUES]:
            token = tokens[index]
            cue, verb = tokens[index - 1], tokens[index - 2]
            if verb.key in _ADVERBS_OF_TRANSFER and index >= 3:
                verb = tokens[index - 3]  # "picked up at"
            if verb.key not in _ORIGIN_WORDS or cue.key not in {"from", "at", "to"}:
                continue
            if token.gap != " " or cue.gap != " " or token.stop or token.key in _ARTICLES:
                continue
            if token.capd:
                last = index
                while last + 1 < count and last - index < 3 and tokens[last + 1].gap == " " and (
                    tokens[last + 1].capd and not tokens[last + 1].stop
                ):
                    last += 1
                words = tokens[index : last + 1]
                if all(t.key in GENERIC_FACILITY_WORDS or t.key in _DEPARTMENTS
                       or t.key in _ROLE_WORDS or t.key in lex.clinical or t.key in lex.places
                       for t in words):
                    continue
                if len(words) == 1 and (token.first or token.sur or token.eng):
                    continue  # "call from Maria" is a person, "call from Security" a department
            else:
                last = _longest_phrase(tokens, index, lex.facility_heads, lex.facilities,
                                       allow="-'", lower=True)
                if last is None:
                    continue
            found.append((FindingKind.HOSPITAL, token.start, tokens[last].end))

    # "boarded in our ED at GIMC", "sent to UMC": a medical centre's initials after a cue.
    centres = "MC" in reader.text
    for index in [i for i, t in enumerate(tokens) if t.upper and i and t.word.endswith("MC")
                  ] if centres else ():
        token = tokens[index]
        if not token.upper or not 3 <= len(token.word) <= 6 or not token.word.endswith("MC"):
            continue
        if tokens[index - 1].key in _CAMEL_CUES | {"in"} and token.key not in lex.clinical:
            found.append((FindingKind.HOSPITAL, token.start, token.end))

    # "from st joes", "pt from st francis via ems": a saint's hospital typed in lower case.
    if "st" in keys:
        for index in [i for i, t in enumerate(tokens[:-1]) if t.word == "st" and i]:
            token = tokens[index]
            if token.word != "st" or tokens[index - 1].key not in {"from", "to", "at"}:
                continue
            name = tokens[index + 1]
            if name.cap or name.gap not in (" ", ". ") or name.stop:
                continue
            stem = name.key[:-1] if name.key.endswith("s") else name.key
            if not (name.first or stem in lex.first_names or name.possessive and name.first):
                continue
            found.append((FindingKind.HOSPITAL, token.start, name.end))

    # A town right after a facility and "in": "Longs Drugs in Kahala", "the Sacred Heart ED
    # in Eugene", "Hanmaum Family Clinic in Fort Lee".
    facility_ends = {
        end for kind, _start, end in [*spans, *found] if kind is FindingKind.HOSPITAL
    }
    if facility_ends and "in" in keys:
        for index in [i for i, t in enumerate(tokens) if t.key == "in"]:
            if index == 0 or index + 1 >= count or tokens[index].gap != " ":
                continue
            back = index - 1
            while back > 0 and tokens[back].word in _ED_WORDS | {"urgent", "care", "campus"}:
                back -= 1
            if tokens[back].end not in facility_ends:
                continue
            start = index + 1
            town = tokens[start]
            if not town.cap or town.gap != " " or town.stop:
                continue
            last = _longest_phrase(tokens, start, lex.place_heads, lex.places, allow=".-",
                                   lower=False)
            if last is None:
                if town.eng or town.first or town.sur or not town.unknown:
                    continue
                last = start
            if _place_key(tokens[start : last + 1]) in _STATE_NAMES:
                continue
            found.append((FindingKind.PLACE, town.start, tokens[last].end))

    # "accepted transfer from st joes (tacoma)": a listed town in brackets after a facility.
    if facility_ends and "(" in reader.text:
        for index in [i for i, t in enumerate(tokens) if "(" in t.gap and i]:
            token = tokens[index]
            if not token.gap.endswith("(") or index == 0:
                continue
            if tokens[index - 1].end not in facility_ends:
                continue
            last = _longest_phrase(tokens, index, lex.place_heads, lex.places, allow=".-",
                                   lower=None)
            if last is None or _place_key(tokens[index : last + 1]) in _STATE_NAMES:
                continue
            if last + 1 < count and not tokens[last + 1].gap.startswith(")"):
                continue
            if not reader.text.startswith(")", tokens[last].end):
                continue
            found.append((FindingKind.PLACE, token.start, tokens[last].end))

    # An abbreviation of a facility named in the text: "Our Lady of the Lake ... OLOL".
    names = [(start, end) for kind, start, end in [*spans, *found] if kind is FindingKind.HOSPITAL]
    abbreviations = [t for t in tokens if t.upper and len(t.word) >= 3] if names else []
    if abbreviations:
        initials = set()
        text = reader.text
        for start, end in names:
            words = [w for w in re.findall(r"[A-Za-z]+", text[start:end])]
            if len(words) < 3:
                continue
            initials.add("".join(w[0] for w in words).upper())
            initials.add("".join(w[0] for w in words if w.lower() not in {"the", "and"}).upper())
            initials.add("".join(w[0] for w in words if w.lower() not in _FACILITY_JOINERS)
                         .upper())
        for token in abbreviations:
            if token.word in initials:
                found.append((FindingKind.HOSPITAL, token.start, token.end))
    yield from found
