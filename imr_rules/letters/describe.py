"""Normalise a disputed item's description into a category, body region, quantity and drug.

``describe_item("Physical therapy 2x4 for the lumbar spine")`` gives category
``physical_therapy``, 8 visits, ``lumbar_spine``. Rules select items by these ids; the categories
are listed in ``reference/data/categories.yaml``.

The knowledge is data: the classification steps, their words, laterality and modifiers are in
``reference/data/item_classification.yaml`` (first matching step wins; its header explains the
order), body regions and number words in their own tables. One step reuses the rules' own
``applies_to`` keywords, so an item named by a rule keyword is filed under that rule's category.
"""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache
from typing import Any

from imr_rules.errors import ImrRulesError, Source
from imr_rules.lazyre import lazy
from imr_rules.reference import datafiles
from imr_rules.reference import drugs as _drugs
from imr_rules.reference.datafiles import DataFileError
from imr_rules.reference.vocabulary import categories, drug_categories
from imr_rules.requests.shorthand import (
    Directions, Schedule, Strength, body_regions, number_word_alternatives, number_words, parse_directions,
    parse_schedule, parse_strength,
)

__all__ = [
    "CATEGORIES",
    "BODY_REGIONS",
    "body_regions",
    "DrugMention",
    "ItemDescription",
    "describe_item",
    "item_description_to_dict",
]

CLASSIFICATION_FILE = "item_classification.yaml"  # reference/data/


def __getattr__(name: str) -> Any:
    # The category and region lists live in data files; kept importable from here by name.
    if name == "CATEGORIES":
        return categories()
    if name == "BODY_REGIONS":
        from imr_rules.requests.shorthand import body_region_ids

        return body_region_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Named tuples, not dataclasses: creating a frozen dataclass compiles its methods, about 1 ms each
# at import, more than describing an item.
class DrugMention(namedtuple("DrugMention", "generic brand drug_class strength quantity directions ingredients",
                             defaults=(None, None, None, ()))):
    """The drug an item names: ``generic``, ``brand`` (or None) and ``drug_class`` (str); its
    ``strength`` (a Strength), ``quantity`` (int) and ``directions`` (Directions), each None when
    not given; ``ingredients``: the generics of every drug named, for compounds."""

    __slots__ = ()


class ItemDescription(namedtuple(
    "ItemDescription",
    "text category subcategory modifiers body_region body_regions laterality quantity frequency_per_week "
    "duration_weeks unit drug",
    defaults=(None, (), None, (), None, None, None, None, None, None),
)):
    """What a disputed item's text says: ``category`` (one of CATEGORIES) and ``subcategory``;
    ``modifiers`` and ``body_regions`` (tuples of str; ``body_region`` is the first region);
    ``laterality``; the schedule (``quantity``, ``frequency_per_week``, ``duration_weeks``,
    ``unit``) and the ``drug`` (a DrugMention). Anything the text does not give is None."""

    __slots__ = ()


def _rx(pattern: str) -> re.Pattern[str]:
    # Compiled on first use: importing this module must stay cheap (see lazyre).
    return lazy(pattern, re.I)  # type: ignore[return-value]


def _any_of(words: list[str]) -> re.Pattern[str]:
    return _rx("|".join(words))


# ------------------------------------------------------------------ classification tables (data)

# One classification step: words giving a category, or ``use`` of the drug lexicon or of the
# rule keywords (category and pattern then None).
_Step = namedtuple("_Step", "category subcategory postoperative_subcategory pattern use")
_Tables = namedtuple("_Tables", "associated_prefix associated_anywhere keep_category postoperative steps "
                                "laterality modifiers topical_form")


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The classification tables of item_classification.yaml (and the topical words of
    drug_forms.yaml), their categories checked against categories.yaml."""
    data = datafiles.load_table(CLASSIFICATION_FILE, "item_classification.schema.json")
    _check_categories(data)
    associated = data["associated"]
    steps = tuple(
        _Step(None, None, None, None, entry["use"]) if "use" in entry else
        _Step(entry["category"], entry.get("subcategory"), entry.get("postoperative_subcategory"),
              _any_of(entry["words"]), None)
        for entry in data["steps"]
    )
    laterality = data["laterality"]
    topical_words = datafiles.load_table("drug_forms.yaml", "drug_forms.schema.json")["topical_words"]
    return _Tables(
        associated_prefix=_rx(r"^\s*(?:" + "|".join(associated["prefix"]) + r")\s*[:\-]?\s*"),
        associated_anywhere=_any_of(associated["anywhere"]),
        keep_category=frozenset(associated["keep_category"]) | frozenset(drug_categories()),
        postoperative=_any_of(data["postoperative"]),
        steps=steps,
        laterality=tuple((side, _any_of(laterality[side])) for side in ("bilateral", "right", "left")),
        modifiers=tuple((name, _any_of(words)) for name, words in data["modifiers"].items()),
        # A drug written with a topical word is a topical; a strength in percent counts too.
        topical_form=_rx(r"\b(?:" + "|".join(topical_words) + r")\b|\d\s*%"),
    )


def _check_categories(data: dict) -> None:
    known = categories()
    named = [(f"steps[{i}].category", step.get("category")) for i, step in enumerate(data["steps"])]
    named += [(f"associated.keep_category[{i}]", c) for i, c in enumerate(data["associated"]["keep_category"])]
    for where, category in named:
        if category is not None and category not in known:
            from importlib import resources

            path = resources.files("imr_rules") / "reference" / "data" / CLASSIFICATION_FILE
            raise DataFileError(f"unknown category {category!r}", Source(str(path), None, where),
                                "add it to reference/data/categories.yaml or fix the name")


# ------------------------------------------------------------------ the rules' own keywords

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> str:
    """' word word ' : lower-case words between single spaces, padded (as the engine matches keywords)."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _keyword_categories(ruleset: Any) -> tuple[tuple[str, str], ...]:
    """(keyword as words, category), longest keyword first: what the rule keywords classify.

    A keyword listed by several rules gives the category most of them select; a tie goes to the
    category named first in those rules, then to the first in categories.yaml. Kept in the rule
    set's memo: computed once per rule set.
    """
    memo = ruleset.memo.get("describe.keywords")
    if memo is not None:
        return memo
    order = {name: position for position, name in enumerate(categories())}
    votes: dict[str, dict[str, list[int]]] = {}
    for rule in ruleset.rules:
        for keyword in rule.keywords:
            key = _words(keyword)
            if key.strip():
                for position, category in enumerate(rule.categories):
                    if category in order:
                        votes.setdefault(key, {}).setdefault(category, []).append(position)
    chosen = {
        key: min(tally, key=lambda c: (-len(tally[c]), min(tally[c]), order[c]))
        for key, tally in votes.items()
    }
    memo = tuple(sorted(chosen.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    ruleset.memo["describe.keywords"] = memo
    return memo


@lru_cache(maxsize=1)
def _bundled_keywords() -> tuple[tuple[str, str], ...]:
    """The keyword table of the bundled rule set, kept in the data cache under the rule set's
    hash: describing a letter then reads and hashes the rule files but compiles no rule. Empty if
    the rules cannot be loaded (describing never fails; check and lint report the rules)."""
    from imr_rules.ruleset.loading import default_rules_dir, load_ruleset, rule_files, ruleset_hash

    try:
        files = rule_files([default_rules_dir()])
        digest = ruleset_hash([(path, path.read_bytes()) for path in files])
        key = datafiles.content_key("describe-keywords", digest, ",".join(categories()))
        return tuple(tuple(pair) for pair in datafiles.cached(key, lambda: _keyword_categories(load_ruleset())))
    except (ImrRulesError, OSError):
        return ()


def _by_rule_keyword(text: str, ruleset: Any) -> str | None:
    table = _bundled_keywords() if ruleset is None else _keyword_categories(ruleset)
    words = _words(text)
    return next((category for key, category in table if key in words), None)


# "Norco 7.5-325mg": a combination strength written with a hyphen; the first component is the
# active ingredient that counts (as in "7.5/325mg").
_HYPHENATED_COMBINATION = _rx(r"(\d(?:\.\d+)?)-(\d+(?:\.\d+)?\s*(?:mg|mcg))")
# "2 times weekly for 6 weeks": a frequency form parse_schedule does not read.
_WEEKLY_FOR = _rx(r"(?P<f>\d+(?:\.\d+)?)\s*(?:x|times)\s*weekly\s*(?:for|x|times)\s*(?P<d>\d+(?:\.\d+)?)\s*weeks?")
# "times 6", "1 times 8": a count that parse_schedule leaves alone because no week unit follows.
_TIMES_COUNT = _rx(r"(?:\bx|\btimes)\s*(?P<n>\d{1,3})\b(?!\s*(?:/|a\b|per\b|weeks?|wks?|days?|months?|mg|%))")


@lru_cache(maxsize=1)
def _word_times_count() -> re.Pattern[str]:
    # "times six": the number words of reference/data/number_words.yaml.
    return re.compile(r"\btimes\s+(?P<w>" + number_word_alternatives() + r")\b(?!\s*(?:a|per|weeks?))", re.I)


# ------------------------------------------------------------------ public API


def describe_item(text: str, ruleset: Any = None) -> ItemDescription:
    """Describe one disputed item; never raises (an unrecognised item is category ``other``).

    ``ruleset`` gives the rule keywords that classification reuses (the bundled rules if None).
    """
    text = " ".join((text or "").split())
    category, subcategory = _classify(text, ruleset)
    drug = _drug_mention(text, category) if category in drug_categories() else None
    schedule = _schedule(text)
    quantity = schedule.quantity if schedule.quantity is not None else _times_count(text)
    regions = body_regions(text)
    return ItemDescription(
        text=text,
        category=category,
        subcategory=subcategory,
        modifiers=_modifiers(text),
        body_region=regions[0] if regions else None,
        body_regions=regions,
        laterality=_laterality(text),
        quantity=quantity,
        frequency_per_week=schedule.frequency_per_week,
        duration_weeks=schedule.duration_weeks,
        unit=schedule.unit,
        drug=drug,
    )


def _classify(text: str, ruleset: Any) -> tuple[str, str | None]:
    tables = _tables()
    associated = tables.associated_prefix.match(text)
    if associated:
        return _classify_associated(text[associated.end() :], ruleset)
    if tables.associated_anywhere.search(text):
        return _classify_associated(text, ruleset)
    return _classify_plain(text, ruleset)


def _classify_associated(rest: str, ruleset: Any) -> tuple[str, str | None]:
    """"Associated surgical service: X" / "Pre-op X": postsurgical therapy and drugs keep their
    category; anything else is surgery-associated, with X's category as subcategory."""
    category, _ = _classify_plain(rest, ruleset)
    if category in _tables().keep_category:
        return category, "postsurgical"
    # "Medical clearance": X is itself named as an associated service (a rule keyword), no subcategory.
    return "surgery_associated", None if category in ("other", "surgery_associated") else category


def _classify_plain(text: str, ruleset: Any) -> tuple[str, str | None]:
    """The first classification step that recognises the text (item_classification.yaml)."""
    tables = _tables()
    for step in tables.steps:
        if step.use == "drug_lexicon":
            found = _drugs.find_drugs(text)
            if found:
                return _drug_category(text, found), None
        elif step.use == "rule_keywords":
            category = _by_rule_keyword(text, ruleset)
            if category is not None:
                return category, None
        elif step.pattern.search(text):
            if step.postoperative_subcategory and tables.postoperative.search(text):
                return step.category, step.postoperative_subcategory
            return step.category, step.subcategory
    return "other", None


def _drug_category(text: str, found: tuple[_drugs.Drug, ...]) -> str:
    first = found[0]
    if first.drug_class == "opioid":
        return "opioid"  # a fentanyl patch is an opioid, not a topical analgesic
    # "Naproxen 550mg" is oral; "Ketoprofen 20% in cream base", "Lidocaine 5% patch" are not.
    if any(d.topical for d in found) or _tables().topical_form.search(text):
        return "topical"
    return first.drug_class


def _drug_mention(text: str, category: str) -> DrugMention | None:
    mentions = _drugs.find_drug_mentions(text)
    if not mentions:
        return None
    drug = mentions[0][0]
    # "Diazepam (Valium)": the brand may come after the generic.
    brand = next((name for other, name in mentions if other == drug and name in drug.brands), None)
    ingredients = []
    for other, _ in mentions:
        if other.generic not in ingredients:
            ingredients.append(other.generic)
    return DrugMention(
        generic=drug.generic,
        brand=brand,
        drug_class=category if category == "topical" else drug.drug_class,
        strength=parse_strength(_HYPHENATED_COMBINATION.sub(r"\1/\2", text)),
        quantity=parse_schedule(text).quantity,
        directions=parse_directions(text),
        ingredients=tuple(ingredients),
    )


def _schedule(text: str) -> Schedule:
    schedule = parse_schedule(text)
    if schedule.quantity is None:
        weekly = _WEEKLY_FOR.search(text)
        if weekly:
            frequency, weeks = float(weekly.group("f")), float(weekly.group("d"))
            return Schedule(int(frequency * weeks), frequency, weeks, schedule.unit or "visit")
    return schedule


def _times_count(text: str) -> int | None:
    match = _TIMES_COUNT.search(text)
    if match:
        return int(match.group("n"))
    match = _word_times_count().search(text)
    return number_words()[match.group("w").lower()] if match else None


def _laterality(text: str) -> str | None:
    (_, bilateral), (_, right_words), (_, left_words) = _tables().laterality
    if bilateral.search(text):
        return "bilateral"
    right, left = bool(right_words.search(text)), bool(left_words.search(text))
    if right and left:
        return "bilateral"
    return "right" if right else "left" if left else None


def _modifiers(text: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _tables().modifiers if pattern.search(text))


# ------------------------------------------------------------------ JSON-ready form


def _strength_dict(strength: Strength | None) -> dict | None:
    return None if strength is None else {"value": strength.value, "unit": strength.unit}


def _directions_dict(directions: Directions | None) -> dict | None:
    if directions is None:
        return None
    return {
        "units_per_dose": list(directions.units_per_dose),
        "doses_per_day": None if directions.doses_per_day is None else list(directions.doses_per_day),
        "as_needed": directions.as_needed,
    }


def item_description_to_dict(description: ItemDescription) -> dict:
    drug = description.drug
    return {
        "category": description.category,
        "subcategory": description.subcategory,
        "modifiers": list(description.modifiers),
        "body_region": description.body_region,
        "body_regions": list(description.body_regions),
        "laterality": description.laterality,
        "quantity": description.quantity,
        "frequency_per_week": description.frequency_per_week,
        "duration_weeks": description.duration_weeks,
        "unit": description.unit,
        "drug": None
        if drug is None
        else {
            "generic": drug.generic,
            "brand": drug.brand,
            "drug_class": drug.drug_class,
            "strength": _strength_dict(drug.strength),
            "quantity": drug.quantity,
            "directions": _directions_dict(drug.directions),
            "ingredients": list(drug.ingredients),
        },
    }
