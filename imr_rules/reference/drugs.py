"""Drug lexicon: generic and brand names, drug class, and opioid MME factors.

The table lives in ``imr_rules/reference/data/drugs.yaml`` (versioned; see its header for sources) and is
loaded once, on first use. Two MME tables can be selected, ``cdc-2016`` and ``cdc-2022``, because
IMR letters from different years used different factors.

    >>> lookup("Norco 10/325").generic
    'hydrocodone/acetaminophen'
    >>> mme_per_day(lookup("hydrocodone"), 5, 4)
    20.0
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache
from typing import Any

import yaml

from imr_rules import package_files
from imr_rules.reference import datafiles
from imr_rules.lazyre import lazy  # patterns compile on first use (start-up cost)

from imr_rules.errors import ImrRulesError, Source

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

MME_TABLES = ("cdc-2016", "cdc-2022")
_DATA_FILE = "drugs.yaml"


def __getattr__(name: str) -> Any:
    # DRUG_CLASSES: the drug categories of reference/data/categories.yaml (``drug: true``), read
    # on first use so that importing this module opens no table.
    if name == "DRUG_CLASSES":
        from imr_rules.reference.vocabulary import drug_categories

        return drug_categories()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Names are compared after lower-casing and turning punctuation into spaces, so that
# "Hydrocodone/APAP", "hydrocodone-APAP" and "hydrocodone APAP" are one key.
_PUNCTUATION = lazy(r"[^a-z0-9#%.]+")
_STRENGTH_TAIL = lazy(r"\s+(?:\d[\d.,/\-]*\s*(?:mg|mcg|g|ml|%|mg/ml)?\b.*|#.*|x\s*\d.*)$")


# Named tuples, not dataclasses: creating a frozen dataclass compiles its methods, about 1 ms each
# at import, and every request with a drug line imports this module.
class Drug(namedtuple("Drug", "generic drug_class brands aliases subclass topical mme_opioid mme_strength_unit",
                      defaults=((), (), None, False, None, "mg"))):
    """One entry of the lexicon.

    ``generic`` and ``drug_class`` (str); ``brands`` and ``aliases`` (tuples of str); ``subclass``
    (str or None); ``topical`` (bool); ``mme_opioid`` (the MME table's key, or None) and
    ``mme_strength_unit`` (the unit its factor is per: mg, or mcg/hr for a patch).
    """

    __slots__ = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.generic, *self.brands, *self.aliases)


def _key(name: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", name.lower()).split())


# version, the Drug entries, Drug by name key, the MME tables, names by prefix (see _lexicon), and
# each name key's display form (a brand keeps its own casing: "Norco").
_Lexicon = namedtuple("_Lexicon", "version drugs by_name mme names_by_prefix display")


class LexiconError(ImrRulesError):
    """The bundled drug table is malformed (a packaging bug, reported as one line)."""


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The lexicon, from its index in the data cache (indexing drugs.yaml costs a millisecond)."""
    path, text = _table()
    try:
        from imr_rules.reference.vocabulary import drug_categories

        # The index checked each class against the drug categories: a change there re-indexes.
        key = datafiles.content_key("drug-lexicon-index", text, ",".join(drug_categories()))
        index = datafiles.cached(key,
                                 lambda: _index(datafiles.safe_load(text), str(path)))
    except yaml.YAMLError as error:
        raise _cannot_load(path, error) from None
    drugs = tuple(Drug(*fields) for fields in index["drugs"])
    by_name = {key: drugs[position] for key, position in index["by_name"].items()}
    return _Lexicon(index["version"], drugs, by_name, index["mme"], index["names_by_prefix"], index["display"])


@lru_cache(maxsize=1)
def _name_prefixes() -> frozenset[str]:
    """The first characters of every name (see _scan_names): a text with none at a word start
    names no drug. A small entry of its own in the data cache, so that telling a request for
    massage or an MRI that it names no drug does not load the whole lexicon."""
    text = _table()[1]
    return datafiles.cached(datafiles.content_key("drug-name-prefixes", text), lambda: frozenset(_lexicon().names_by_prefix))


def _may_name_a_drug(key: str) -> bool:
    prefixes = _name_prefixes()
    return any(
        key[position:position + _PREFIX] in prefixes
        for position in range(len(key)) if position == 0 or not key[position - 1].isalnum()
    )


@lru_cache(maxsize=1)
def _table() -> tuple[Any, str]:
    path = package_files() / "reference" / "data" / _DATA_FILE
    try:
        return path, path.read_text(encoding="utf-8")
    except OSError as error:
        raise _cannot_load(path, error) from None


def _cannot_load(path: Any, error: Exception) -> LexiconError:
    return LexiconError(f"cannot load drug lexicon: {error}", source=Source(path=str(path)))


def _index(data: dict, path: str) -> dict:
    """The lexicon as plain data (marshal-able): drugs as field tuples, names as drug positions."""
    drugs = [_drug_from_entry(entry, path) for entry in data["drugs"]]
    by_name: dict[str, int] = {}
    display: dict[str, str] = {}
    for position, drug in enumerate(drugs):
        for name in drug.names:
            key = _key(name)
            # First entry wins: the YAML lists the usual product before rarer ones.
            by_name.setdefault(key, position)
            display.setdefault(key, name)
    # Names indexed by their first four characters, longest first, so that a scan of the
    # normalised text finds the longest name at each word start ("Voltaren gel" over "Voltaren").
    # (One regular expression of all 359 names did the same, but compiling it cost more than a
    # whole one-request check.)
    by_prefix: dict[str, list[str]] = {}
    for name in sorted(by_name, key=len, reverse=True):
        by_prefix.setdefault(name[:_PREFIX], []).append(name)
    return {
        "version": str(data.get("version", "")),
        "drugs": [tuple(drug) for drug in drugs],
        "by_name": by_name,
        "mme": data["mme_tables"],
        "names_by_prefix": {prefix: tuple(names) for prefix, names in by_prefix.items()},
        "display": display,
    }


def _drug_from_entry(entry: dict, path: str) -> Drug:
    from imr_rules.reference.vocabulary import drug_categories

    drug_class = entry.get("class")
    if drug_class not in drug_categories():
        raise LexiconError(
            f"unknown drug class {drug_class!r} for {entry.get('generic')!r}",
            source=Source(path=path, field="drugs"),
            hint=f"expected a drug category of categories.yaml: {', '.join(drug_categories())}",
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
    key = _key(name)
    # Every name tried below begins the key (a trailing strength or words removed), so its
    # first characters are the key's.
    if key[:_PREFIX] not in _name_prefixes():
        return None
    lexicon = _lexicon()
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
    key = _key(text)
    if not _may_name_a_drug(key):
        return ()
    lexicon = _lexicon()
    return tuple((lexicon.by_name[name], lexicon.display[name]) for name in _scan_names(key, lexicon.names_by_prefix))


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
