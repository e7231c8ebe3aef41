"""The extraction rules: data beside the vocabulary (``reference/data/extraction/*.yaml``).

Loaded once and validated against the vocabulary: every fact must exist and be writable, every
value must have the fact's type, every pattern must compile, every section and context category
must be declared. A problem is an :class:`~imr_rules.errors.ImrRulesError` naming the file, the
field and the fix.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from imr_rules.documents import load_document
from imr_rules.errors import ImrRulesError, Source
from imr_rules.reference.vocabulary import CATEGORIES, Vocabulary, default_vocabulary, python_type_matches

DATA_DIR = Path(__file__).resolve().parent.parent / "reference" / "data" / "extraction"
EFFECTS = ("negate", "drop", "keep")
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE")
ALWAYS_SKIPPED = ("boilerplate", "citation")
RESOLVE = ("most_confident", "affirmed")
NO_SECTION = "none"
DROP = "drop"


class ExtractionRuleError(ImrRulesError):
    """A problem in the extraction rules (file, field, fix)."""


@dataclass(frozen=True)
class Concept:
    fact: str
    name: str              # "<fact>#<n>": the extraction rule named in a drafted fact's provenance
    pattern: str
    value: Any
    negated: Any           # the value of a negated mention, or DROP
    confidence: float
    sections: tuple[str, ...] | None
    accept: tuple[str, ...] = ()   # context categories that do not drop this concept's mentions
    unless_items: tuple[str, ...] = ()   # item categories whose presence in the request drops its mentions


@dataclass(frozen=True)
class FactPolicy:
    name: str
    type: str
    scope: str
    sections: tuple[str, ...]
    tie: str | None
    accept: tuple[str, ...]
    feeds: tuple[str, ...]
    examples: tuple[dict, ...]
    resolve: str = "most_confident"
    letter_wide: bool = False   # a letter's rationale of one item documents it for every item
    region: str | None = None   # "item": a finding naming another body region is not the item's


@dataclass(frozen=True)
class ContextCategory:
    name: str
    effect: str
    factor: float
    label: str


@dataclass(frozen=True)
class Modifier:
    pattern: str
    category: str
    direction: str
    max_scope: int | None
    terminated_by: tuple[str, ...] = ()   # categories whose modifiers end this one's scope


@dataclass(frozen=True)
class SectionHeading:
    literal: str
    category: str
    pattern: str | None


@dataclass(frozen=True)
class ExtractionRules:
    concepts: tuple[Concept, ...]
    facts: dict[str, FactPolicy]
    context: dict[str, ContextCategory]
    modifiers: tuple[Modifier, ...]
    section_categories: tuple[str, ...]
    sections: tuple[SectionHeading, ...]
    treatments: dict[str, tuple[str, ...]]
    related_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def regions_for(self, region: str) -> tuple[str, ...]:
        """The regions a finding may name and count for an item of ``region`` (regions.yaml)."""
        return self.related_regions.get(region, (region,))


def _fail(path: Path, field: str, message: str, hint: str) -> ExtractionRuleError:
    return ExtractionRuleError(message, Source(str(path), None, field), hint)


@lru_cache(maxsize=4)
def load_extraction_rules(directory: str | Path = DATA_DIR, vocabulary: Vocabulary | None = None) -> ExtractionRules:
    directory = Path(directory)
    vocabulary = vocabulary or default_vocabulary()
    sections_path, context_path = directory / "sections.yaml", directory / "context.yaml"
    facts_path, treatments_path = directory / "facts.yaml", directory / "treatments.yaml"
    section_data = load_document(sections_path).data
    section_categories = tuple(section_data["categories"]) + (NO_SECTION,)
    sections = tuple(_section(sections_path, i, s, section_categories) for i, s in enumerate(section_data["sections"]))
    context_data = load_document(context_path).data
    context = {name: _context_category(context_path, name, spec) for name, spec in context_data["categories"].items()}
    modifiers = tuple(_modifier(context_path, i, m, context) for i, m in enumerate(context_data["modifiers"]))
    treatments = {k: tuple(v) for k, v in load_document(treatments_path).data["treatments"].items()}
    for category in treatments:
        if category not in CATEGORIES:
            raise _fail(treatments_path, f"treatments.{category}", "unknown item category", "use a category of the vocabulary")
    related = _related_regions(directory / "regions.yaml")
    facts: dict[str, FactPolicy] = {}
    concepts: list[Concept] = []
    for name, spec in load_document(facts_path).data["facts"].items():
        policy = _fact_policy(facts_path, name, spec, vocabulary, section_categories, context)
        facts[name] = policy
        concepts += _concepts(facts_path, policy, spec, section_categories)
    return ExtractionRules(tuple(concepts), facts, context, modifiers, section_categories, sections, treatments, related)


def _related_regions(path: Path) -> dict[str, tuple[str, ...]]:
    from imr_rules.requests.shorthand import body_region_ids

    known = set(body_region_ids())
    related = {}
    for region, others in (load_document(path).data.get("related") or {}).items():
        for name in [region, *others]:
            if name not in known:
                raise _fail(path, f"related.{region}", f"unknown body region {name!r}", "use a region of reference/data/body_regions.yaml")
        related[region] = tuple(others)
    return related


def _section(path: Path, index: int, spec: dict, categories: tuple[str, ...]) -> SectionHeading:
    if spec.get("category") not in categories:
        raise _fail(path, f"sections[{index}].category", f"unknown section category {spec.get('category')!r}",
                    "declare it under categories:")
    pattern = spec.get("pattern")
    if pattern:
        _compile(path, f"sections[{index}].pattern", pattern)
    return SectionHeading(spec.get("literal") or pattern, spec["category"], pattern)


def _context_category(path: Path, name: str, spec: dict) -> ContextCategory:
    if spec.get("effect") not in EFFECTS:
        raise _fail(path, f"categories.{name}.effect", f"unknown effect {spec.get('effect')!r}", f"use one of {', '.join(EFFECTS)}")
    return ContextCategory(name, spec["effect"], float(spec.get("factor", 1.0)), spec.get("label", name.lower()))


def _modifier(path: Path, index: int, spec: dict, context: dict) -> Modifier:
    category, direction = spec.get("category"), spec.get("direction", "BIDIRECTIONAL")
    if category not in context and category != "TERMINATE":
        raise _fail(path, f"modifiers[{index}].category", f"unknown category {category!r}", "declare it under categories:")
    if direction not in DIRECTIONS:
        raise _fail(path, f"modifiers[{index}].direction", f"unknown direction {direction!r}", f"use one of {', '.join(DIRECTIONS)}")
    _compile(path, f"modifiers[{index}].pattern", spec["pattern"])
    terminated_by = tuple(spec.get("terminated_by", ()))
    for other in terminated_by:
        if other not in context:
            raise _fail(path, f"modifiers[{index}].terminated_by", f"unknown category {other!r}", "declare it under categories:")
    return Modifier(flexible_spaces(spec["pattern"]), category, direction, spec.get("max_scope"), terminated_by)


def _fact_policy(path: Path, name: str, spec: dict, vocabulary: Vocabulary, sections: tuple[str, ...], context: dict) -> FactPolicy:
    definition = vocabulary.get(name)
    if definition is None:
        raise _fail(path, f"facts.{name}", "unknown fact", vocabulary.unknown_fact_hint(name))
    if definition.scope == "derived":
        raise _fail(path, f"facts.{name}", "a derived fact cannot be drafted", "draft the facts it is computed from")
    allowed = tuple(spec.get("sections") or [s for s in sections if s not in ALWAYS_SKIPPED])
    for section in allowed:
        if section not in sections:
            raise _fail(path, f"facts.{name}.sections", f"unknown section {section!r}", f"use one of {', '.join(sections)}")
    for category in list(spec.get("accept", ())) + [a for c in spec.get("concepts") or () for a in c.get("accept", ())]:
        if category not in context:
            raise _fail(path, f"facts.{name}.accept", f"unknown context category {category!r}", "see context.yaml")
    if spec.get("resolve", "most_confident") not in RESOLVE:
        raise _fail(path, f"facts.{name}.resolve", f"unknown resolution {spec.get('resolve')!r}", f"use one of {', '.join(RESOLVE)}")
    for derived in spec.get("feeds", ()):
        if vocabulary.get(derived) is None:
            raise _fail(path, f"facts.{name}.feeds", f"unknown fact {derived!r}", vocabulary.unknown_fact_hint(derived))
    if not isinstance(spec.get("letter_wide", False), bool):
        raise _fail(path, f"facts.{name}.letter_wide", "expected true or false", "write letter_wide: true")
    if spec.get("tie") not in (None, "item"):
        raise _fail(path, f"facts.{name}.tie", f"unknown tie {spec.get('tie')!r}", "use tie: item")
    if spec.get("region") not in (None, "item"):
        raise _fail(path, f"facts.{name}.region", f"unknown region policy {spec.get('region')!r}", "use region: item")
    examples = tuple(spec.get("examples") or ())
    if not examples:
        raise _fail(path, f"facts.{name}.examples", "no example sentences", "give at least one {text, value} example")
    policy = FactPolicy(name, definition.type, definition.scope, allowed, spec.get("tie"), tuple(spec.get("accept", ())),
                        tuple(spec.get("feeds", ())), examples, spec.get("resolve", "most_confident"),
                        bool(spec.get("letter_wide", False)), spec.get("region"))
    for index, example in enumerate(examples):
        if example.get("value") is not None:
            _check_value(path, f"facts.{name}.examples[{index}].value", policy, example["value"])
    return policy


def _concepts(path: Path, policy: FactPolicy, spec: dict, sections: tuple[str, ...]) -> list[Concept]:
    concepts = []
    default_value = spec.get("value", True if policy.type == "boolean" else None)
    default_negated = spec.get("negated", False if policy.type == "boolean" else DROP)
    for index, concept in enumerate(spec.get("concepts") or ()):
        field = f"facts.{policy.name}.concepts[{index}]"
        _compile(path, field + ".pattern", concept["pattern"])
        value = concept.get("value", default_value)
        if value is None and "(?P<value>" not in concept["pattern"]:
            raise _fail(path, field, "no value", "give value: or a (?P<value>...) group in the pattern")
        if value is not None:
            _check_value(path, field + ".value", policy, value)
        negated = concept.get("negated", default_negated)
        if negated != DROP:
            _check_value(path, field + ".negated", policy, negated)
        own_sections = concept.get("sections")
        for section in own_sections or ():
            if section not in sections:
                raise _fail(path, field + ".sections", f"unknown section {section!r}", f"use one of {', '.join(sections)}")
        unless_items = tuple(concept.get("unless_items", ()))
        for category in unless_items:
            if category not in CATEGORIES:
                raise _fail(path, field + ".unless_items", f"unknown item category {category!r}", "use a category of the vocabulary")
        concepts.append(Concept(policy.name, f"{policy.name}#{index + 1}", flexible_spaces(concept["pattern"]), value, negated,
                                float(concept.get("confidence", spec.get("confidence", 0.8))),
                                tuple(own_sections) if own_sections else None,
                                tuple(policy.accept) + tuple(concept.get("accept", ())), unless_items))
    if not concepts:
        raise _fail(path, f"facts.{policy.name}.concepts", "no concepts", "give at least one pattern")
    return concepts


def _check_value(path: Path, field: str, policy: FactPolicy, value: Any) -> None:
    if policy.type == "date":
        try:
            dt.date.fromisoformat(str(value))
            return
        except ValueError:
            raise _fail(path, field, f"expected a date, got {value!r}", "write YYYY-MM-DD") from None
    if not python_type_matches(policy.type, value):
        raise _fail(path, field, f"expected {policy.type} for fact '{policy.name}', got {value!r}", f"write a {policy.type}")


def flexible_spaces(pattern: str) -> str:
    """A space written in a pattern matches any run of whitespace: documents break sentences over
    lines ("home \\nexercise program"). Spaces inside a character class stay as written."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        elif char == " " and not in_class:
            out.append(r"\s+")
        else:
            out.append(char)
    return "".join(out)


def _compile(path: Path, field: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise _fail(path, field, f"invalid regular expression ({error})", "fix the pattern") from None
