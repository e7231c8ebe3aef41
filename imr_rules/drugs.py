"""Drug lexicon: generic and brand names, drug class, and opioid MME factors.

The table lives in ``imr_rules/data/drugs.yaml`` (versioned; see its header for sources) and is
loaded once, on first use. Two MME tables can be selected, ``cdc-2016`` and ``cdc-2022``, because
IMR letters from different years used different factors.

    >>> lookup("Norco 10/325").generic
    'hydrocodone/acetaminophen'
    >>> mme_per_day(lookup("hydrocodone"), 5, 4)
    20.0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from . import datafiles
from .lazyre import lazy  # patterns compile on first use (start-up cost)

from .errors import ImrRulesError, Source

__all__ = [
    "Drug",
    "DRUG_CLASSES",
    "MME_TABLES",
    "lookup",
    "find_drugs",
    "mme_per_day",
    "mme_factor",
    "lexicon_version",
    "all_drugs",
]

DRUG_CLASSES = (
    "opioid",
    "muscle_relaxant",
    "nsaid",
    "ppi",
    "topical",
    "anticonvulsant",
    "antidepressant",
    "sleep_aid",
    "benzodiazepine",
    "drug_other",
)
MME_TABLES = ("cdc-2016", "cdc-2022")
_DATA_FILE = "drugs.yaml"

# Names are compared after lower-casing and turning punctuation into spaces, so that
# "Hydrocodone/APAP", "hydrocodone-APAP" and "hydrocodone APAP" are one key.
_PUNCTUATION = lazy(r"[^a-z0-9#%.]+")
_STRENGTH_TAIL = lazy(r"\s+(?:\d[\d.,/\-]*\s*(?:mg|mcg|g|ml|%|mg/ml)?\b.*|#.*|x\s*\d.*)$")


@dataclass(frozen=True)
class Drug:
    """One entry of the lexicon."""

    generic: str
    drug_class: str
    brands: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    subclass: str | None = None
    topical: bool = False
    mme_opioid: str | None = None
    mme_strength_unit: str = "mg"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.generic, *self.brands, *self.aliases)


def _key(name: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", name.lower()).split())


@dataclass(frozen=True)
class _Lexicon:
    version: str
    drugs: tuple[Drug, ...]
    by_name: dict[str, Drug]
    mme: dict[str, dict]
    names_by_prefix: dict[str, tuple[str, ...]]
    # A brand name keeps its own casing for display ("Norco"), keyed like by_name.
    display: dict[str, str]


class LexiconError(ImrRulesError):
    """The bundled drug table is malformed (a packaging bug, reported as one line)."""


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    path = resources.files("imr_rules") / "data" / _DATA_FILE
    try:
        data = datafiles.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LexiconError(f"cannot load drug lexicon: {error}", source=Source(path=str(path))) from None
    drugs = tuple(_drug_from_entry(entry, str(path)) for entry in data["drugs"])
    by_name: dict[str, Drug] = {}
    display: dict[str, str] = {}
    for drug in drugs:
        for name in drug.names:
            key = _key(name)
            # First entry wins: the YAML lists the usual product before rarer ones.
            by_name.setdefault(key, drug)
            display.setdefault(key, name)
    # Names indexed by their first four characters, longest first, so that a scan of the
    # normalised text finds the longest name at each word start ("Voltaren gel" over "Voltaren").
    # (One regular expression of all 359 names did the same, but compiling it cost more than a
    # whole one-request check.)
    by_prefix: dict[str, list[str]] = {}
    for name in sorted(by_name, key=len, reverse=True):
        by_prefix.setdefault(name[:_PREFIX], []).append(name)
    return _Lexicon(str(data.get("version", "")), drugs, by_name, data["mme_tables"],
                    {k: tuple(v) for k, v in by_prefix.items()}, display)


def _drug_from_entry(entry: dict, path: str) -> Drug:
    drug_class = entry.get("class")
    if drug_class not in DRUG_CLASSES:
        raise LexiconError(
            f"unknown drug class {drug_class!r} for {entry.get('generic')!r}",
            source=Source(path=path, field="drugs"),
            hint=f"expected one of {', '.join(DRUG_CLASSES)}",
        )
    return Drug(
        generic=entry["generic"],
        drug_class=drug_class,
        brands=tuple(entry.get("brands") or ()),
        aliases=tuple(entry.get("aliases") or ()),
        subclass=entry.get("subclass"),
        topical=bool(entry.get("topical", False)),
        mme_opioid=entry.get("mme"),
        mme_strength_unit=entry.get("mme_strength", "mg"),
    )


def lexicon_version() -> str:
    return _lexicon().version


def all_drugs() -> tuple[Drug, ...]:
    return _lexicon().drugs


def lookup(name: str) -> Drug | None:
    """Find a drug by generic or brand name, ignoring case, punctuation and a trailing strength.

    "Norco 10/325", "norco", "Hydrocodone/APAP 5/325mg #60" all give hydrocodone/acetaminophen.
    """
    if not name or not name.strip():
        return None
    lexicon = _lexicon()
    key = _key(name)
    if key in lexicon.by_name:
        return lexicon.by_name[key]
    bare = _key(_STRENGTH_TAIL.sub("", name.strip()))
    if bare in lexicon.by_name:
        return lexicon.by_name[bare]
    # Longest leading run of words that names a drug: "Ultram ER 100mg tablets" -> "ultram er".
    words = key.split()
    for end in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:end])
        if candidate in lexicon.by_name:
            return lexicon.by_name[candidate]
    return None


def find_drugs(text: str) -> tuple[Drug, ...]:
    """Every distinct drug named in the text, in order of first mention (for compounds)."""
    found: list[Drug] = []
    for drug, _name in find_drug_mentions(text):
        if drug not in found:
            found.append(drug)
    return tuple(found)


def find_drug_mentions(text: str) -> tuple[tuple[Drug, str], ...]:
    """(drug, name as written in the lexicon) for each mention, in order; used to tell brand from generic."""
    if not text:
        return ()
    lexicon = _lexicon()
    return tuple((lexicon.by_name[name], lexicon.display[name]) for name in _scan_names(_key(text), lexicon.names_by_prefix))


_PREFIX = 4  # the shortest name ("soma", "apap") has four characters


def _scan_names(key: str, names_by_prefix: dict[str, tuple[str, ...]]) -> list[str]:
    """Lexicon names in the text, left to right, the longest at each place, on word boundaries."""
    found = []
    position, end = 0, len(key)
    while position < end:
        if position == 0 or not key[position - 1].isalnum():
            for name in names_by_prefix.get(key[position:position + _PREFIX], ()):
                after = position + len(name)
                if key.startswith(name, position) and (after == end or not key[after].isalnum()):
                    found.append(name)
                    position = after
                    break
            else:
                position += 1
            continue
        position += 1
    return found


def mme_factor(drug: Drug, daily_dose: float | None = None, table: str = "cdc-2016") -> float | None:
    """The MME conversion factor for an opioid, or ``None`` for a non-opioid or unknown factor.

    Methadone under ``cdc-2016`` is tiered by total daily dose, so ``daily_dose`` (mg/day) is
    then required.
    """
    if table not in MME_TABLES:
        raise ImrRulesError(f"unknown MME table {table!r}", hint=f"expected one of {', '.join(MME_TABLES)}")
    if drug is None or drug.mme_opioid is None:
        return None
    factor = _lexicon().mme[table].get(drug.mme_opioid)
    if isinstance(factor, list):
        if daily_dose is None:
            return None
        for tier in factor:
            if tier["up_to"] is None or daily_dose <= tier["up_to"]:
                return float(tier["factor"])
        return None
    return None if factor is None else float(factor)


def mme_per_day(drug: Drug | None, strength_mg: float, units_per_day: float, table: str = "cdc-2016") -> float | None:
    """Morphine milligram equivalents per day: strength x units per day x factor.

    For a fentanyl patch pass the strength in mcg/hr and the number of patches worn at a time as
    ``units_per_day`` (the CDC factor is per mcg/hr). Returns ``None`` when the drug has no
    factor or the numbers are missing. Factors are estimates: never use them to convert a
    patient from one opioid to another.
    """
    if drug is None or strength_mg is None or units_per_day is None:
        return None
    if strength_mg < 0 or units_per_day < 0:
        return None
    daily_dose = strength_mg * units_per_day
    factor = mme_factor(drug, daily_dose=daily_dose, table=table)
    if factor is None:
        return None
    return round(daily_dose * factor, 2)
