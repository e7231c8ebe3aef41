"""The domain's data types: small, frozen, named as determinations name things.

A :class:`Request` holds requested :class:`Item` s and documented facts. A :class:`Rule` holds
:class:`Criterion` s. The engine turns one item and the rules that apply to it into a
:class:`Determination`: one :class:`Finding` per criterion and an :class:`Outcome`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from enum import Enum
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Callable, Mapping

from imr_rules.records import record, with_make


class Status(str, Enum):
    """A criterion's status. *Not documented* is its own state: IMR treats it as a failure."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_DOCUMENTED = "not_documented"
    NOT_APPLICABLE = "not_applicable"


class Outcome(str, Enum):
    """An item's decision: necessary, not necessary, or no rule covers it."""

    MEDICALLY_NECESSARY = "medically_necessary"
    NOT_MEDICALLY_NECESSARY = "not_medically_necessary"
    NO_APPLICABLE_RULE = "no_applicable_rule"


class Tier(str, Enum):
    """Where a guideline stands in the Medical Evidence Search Sequence (8 CCR 9792.21.1)."""

    MTUS = "MTUS"
    ACOEM = "ACOEM"
    ODG = "ODG"
    OTHER = "other"


class Role(str, Enum):
    """How a rule combines with others for the same item.

    primary    MTUS: governs where it speaks.
    supplement adds its criteria to whatever else applies (determinations often add ODG criteria
               beside the MTUS, e.g. ODG's 18-visit total beside MTUS's 4-6 massage visits).
    fallback   applies only where no primary rule covers the item (MTUS silent).
    """

    PRIMARY = "primary"
    SUPPLEMENT = "supplement"
    FALLBACK = "fallback"


EMPTY: Mapping[str, Any] = MappingProxyType({})


@record
class Provenance:
    """Where a drafted fact came from (``imr-rules draft``): the document, the character span of
    its evidence, the section, the extraction rule that fired, the context that applied, the
    extractor's confidence, and whether a reviewer has confirmed it."""

    source: str | None = None
    span: tuple[int, int] | None = None
    section: str | None = None
    rule: str | None = None
    context: tuple[str, ...] = ()
    confidence: float | None = None
    confirmed: bool = False


@record
class Fact:
    """One documented fact: its value and, optionally, the record's words that show it.

    ``provenance`` is set on facts that ``imr-rules draft`` wrote; a drafted fact not yet
    ``confirmed`` is reported as such by ``check``."""

    value: Any
    evidence: str | None = None
    date: str | None = None
    provenance: Provenance | None = None

    @property
    def unconfirmed(self) -> bool:
        return self.provenance is not None and not self.provenance.confirmed


@record
class Drug:
    """A requested drug as written on the request, with what could be read of it."""

    name: str
    strength: str | None = None
    quantity: int | None = None
    directions: str | None = None


@record
class Item:
    """One requested treatment line of the RFA."""

    id: str
    service: str
    category: str | None = None
    codes: tuple[str, ...] = ()
    body_region: str | None = None
    laterality: str | None = None
    quantity: int | None = None
    frequency_per_week: float | None = None
    duration_weeks: float | None = None
    unit: str | None = None
    drug: Drug | None = None
    facts: Mapping[str, Fact] = field(default_factory=lambda: EMPTY)
    # Every fact value the criteria can read (derived, request and item facts merged) and the
    # evidence quotes, computed once when the request is loaded; never mutated.
    values: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    evidence: Mapping[str, str] | None = field(default=None, compare=False, repr=False)


@record
class Diagnosis:
    """A diagnosis as the RFA gives it: a code in a code system, and/or its text."""

    code: str | None = None
    system: str | None = None
    text: str | None = None


@record
class Patient:
    """What the request says of the injured worker."""

    age: int | None = None
    sex: str | None = None
    date_of_injury: dt.date | None = None


@record
class Request:
    """One Request for Authorization: its items, its diagnoses and the documented facts."""

    id: str
    request_date: dt.date | None
    patient: Patient
    diagnoses: tuple[Diagnosis, ...]
    items: tuple[Item, ...]
    facts: Mapping[str, Fact] = field(default_factory=lambda: EMPTY)
    source: str | None = None
    notes: tuple[str, ...] = ()  # what reading the file noticed (e.g. a quantity lost to a YAML comment)


@record
class Citation:
    """A guideline citation as determinations give it: tier, title, year, section, pages."""

    tier: Tier
    title: str
    year: int | None = None
    section: str | None = None
    pages: str | None = None
    chapter: str | None = None

    def __str__(self) -> str:
        text = self.title if self.year is None else f"{self.title} ({self.year})"
        if self.chapter:
            text += f", {self.chapter}"
        if self.section:
            text += f", {self.section}"
        if self.pages:
            text += f", page{'s' if any(c in self.pages for c in '-,–') else ''} {self.pages}"
        return text


@record
class Edition:
    """A period in which a rule is in force, and how it is cited during it."""

    effective_from: dt.date | None
    effective_to: dt.date | None
    citation: Citation

    def in_force(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        if self.effective_from and day < self.effective_from:
            return False
        return not (self.effective_to and day > self.effective_to)


# A compiled condition: facts -> True / False / None (unknown: a fact is not documented).
Condition = Callable[[Mapping[str, Any]], "bool | None"]


@record
class Criterion:
    """One checkable requirement of a guideline."""

    id: str
    requirement: str
    kind: str
    wording: Mapping[str, str]
    evaluate: Callable[[Mapping[str, Any]], tuple[Status, int | None]] = field(compare=False, repr=False)
    # Whether the criterion applies: True, False, or None (unknown: a fact that decides it is not
    # documented). The engine never treats unknown as "not applicable" (see engine.decide).
    applies_when: Condition | None = field(default=None, compare=False, repr=False)
    # ``applies_if_undocumented: true``: the author's applies_when before that default. Where it is
    # unknown the criterion applies only by default, so its failure is no documented failure.
    applies_by_default: Condition | None = field(default=None, compare=False, repr=False)
    facts_used: tuple[str, ...] = ()
    applies_facts: tuple[str, ...] = ()  # the facts whose absence leaves applies_when unknown
    params: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    remedy: str | None = None
    citation: Citation | None = None
    confidence: str | None = None
    line: int | None = None
    # Advisory (``decisive: false`` in the rule file): evaluated and reported, never deciding.
    decisive: bool = True
    why: str | None = None


@record
class RuleSpec:
    """A rule as its file states it: validated and parsed into domain types, nothing compiled.

    ``criteria``, ``when`` and ``logic`` are kept as written (the mappings of the rule file);
    compiling turns them into the closures a :class:`Rule` holds.
    """

    id: str
    title: str
    tier: Tier
    role: Role
    summary: str
    editions: tuple[Edition, ...]
    categories: tuple[str, ...]
    codes: tuple[str, ...]
    keywords: tuple[str, ...]
    confidence: str | None = None
    unit: str = "visits"
    # A legal limit (a supplement such as the 24-visit cap): where no rule decides the item, it
    # still decides when it is not met; it never certifies.
    limit: bool = False
    path: str | None = None
    line: int | None = None
    criteria: tuple[Mapping[str, Any], ...] = field(default=(), compare=False, repr=False)
    when: Any = field(default=None, compare=False, repr=False)  # applies_to.when, or None
    logic: Any = field(default="all", compare=False, repr=False)  # "all" or an all/any tree of criterion ids
    pack: str | None = None  # the criteria pack the rule comes from; None: the bundled rules

    @cached_property  # read on every decision of a rule with any/all logic
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(spec["id"] for spec in self.criteria)


def _from_spec(name: str) -> property:
    return property(attrgetter(f"spec.{name}"), doc=f"The spec's {name}.")


@record
class Rule:
    """A rule ready to evaluate: its :class:`RuleSpec` and what was compiled from it."""

    spec: RuleSpec
    # The criteria, the logic over them and ``when`` are compiled on first use (see ``criteria``,
    # ``logic``, ``when``): a run touches a few rules, and compiling all of the library's at
    # start-up would cost more than the run itself.
    criteria_factory: Callable[[], tuple[Criterion, ...]] = field(compare=False, repr=False)
    logic_factory: Callable[[], Callable[[Mapping[str, Status]], "bool | None"]] = field(compare=False, repr=False)
    # None: the rule applies to every item it selects (no ``applies_to.when``).
    when_factory: Callable[[], Condition] | None = field(default=None, compare=False, repr=False)

    # What the file says, read through to the spec (the engine and the renderers read these).
    id = _from_spec("id")
    title = _from_spec("title")
    tier = _from_spec("tier")
    role = _from_spec("role")
    summary = _from_spec("summary")
    editions = _from_spec("editions")
    categories = _from_spec("categories")
    codes = _from_spec("codes")
    keywords = _from_spec("keywords")
    confidence = _from_spec("confidence")
    unit = _from_spec("unit")
    limit = _from_spec("limit")
    path = _from_spec("path")
    line = _from_spec("line")
    criterion_ids = _from_spec("criterion_ids")
    pack = _from_spec("pack")

    @cached_property
    def criteria(self) -> tuple[Criterion, ...]:
        return self.criteria_factory()

    @cached_property
    def logic(self) -> Callable[[Mapping[str, Status]], "bool | None"]:
        """The rule's logic as a function of its criteria's statuses: True, False, None or "skip"."""
        return self.logic_factory()

    @cached_property
    def when(self) -> Condition | None:
        """``applies_to.when`` as a condition of the facts, or None where the rule has none."""
        return None if self.when_factory is None else self.when_factory()

    @cached_property
    def advisory(self) -> frozenset[int]:
        """Indices of the criteria marked ``decisive: false``: reported, never deciding."""
        return frozenset(i for i, spec in enumerate(self.spec.criteria) if spec.get("decisive", True) is False)

    @cached_property
    def all_required(self) -> bool:
        """Whether every criterion must pass (``logic: all``, the default)."""
        return self.spec.logic == "all"

    def edition_on(self, day: dt.date | None) -> Edition | None:
        """The edition in force on a day; without a day, the latest edition."""
        in_force = [e for e in self.editions if e.in_force(day)]
        return in_force[-1] if in_force else None


@with_make  # the engine builds several a request: Finding.make (see with_make)
@record
class Finding:
    """A criterion's status for one item, the request values it used, and its wording."""

    rule_id: str
    criterion_id: str
    requirement: str
    status: Status
    statement: str
    values: tuple[tuple[str, Any], ...] = ()
    evidence: tuple[tuple[str, str], ...] = ()
    remedy: str | None = None
    certifiable_quantity: int | None = None
    citation: Citation | None = None
    # True when it is not documented whether the criterion applies: ``status`` is what it would be
    # if it did. Such a criterion is never counted as not applicable.
    conditional: bool = False
    # For an applicability finding (criterion_id "applicability"): the criteria whose
    # applicability the undocumented facts (in ``values``, as None) decide.
    decides: tuple[str, ...] = ()
    # False for an advisory criterion (``decisive: false``): reported, not deciding; ``why`` says why.
    decisive: bool = True
    why: str | None = None
    # False when the finding rests on what the records do not document (not documented, or a
    # criterion whose applicability is not documented) and documenting it could not change the
    # outcome, so it is not weighed: either a rule of the item fails on documented facts anyway,
    # or, within its own rule, documented failures leave it moot (``only_through`` is then set).
    # Its status stays what it is; ``decided_by`` names the documented failures (``rule/CRITERION``).
    weighed: bool = True
    decided_by: tuple[str, ...] = ()
    # For a finding moot within its rule: the ways the rule could still be met, each a minimal set
    # of its open criteria (``rule/CRITERION``) whose favourable resolution would meet it
    # (``any: [IM-L3, all: [IM-L1, ...]]`` with IM-L1 not met: only IM-L3). () otherwise.
    only_through: tuple[tuple[str, ...], ...] = ()


APPLICABILITY = "applicability"  # the criterion id of the finding "it is not documented which criteria apply"


@record
class RuleResult:
    """One rule's findings for an item, and what the rule alone decides."""

    rule_id: str
    title: str
    role: Role
    citation: Citation
    summary: str
    findings: tuple[Finding, ...]
    outcome: Outcome
    pack: str | None = None  # the criteria pack of the rule; None: the bundled rules


@with_make
@record
class Determination:
    """The decision for one requested item and why."""

    item: Item
    outcome: Outcome
    rule_results: tuple[RuleResult, ...]
    certifiable_quantity: int | None
    remedies: tuple[str, ...]
    rationale: str
    notes: tuple[str, ...] = ()
    # The MTUS guideline in force for the item on the request date (8 CCR 9792.21.1), a
    # reference.guidelines.GuidelineInForce; and, for no_applicable_rule, why no rule decides it.
    guideline: Any = None
    reason: str | None = None
    # For a drug item: its MTUS Drug Formulary status on the date (status, drug_list, source, ...).
    formulary: Mapping[str, Any] | None = None
    # The 8 CCR 9792.20 definitions (reference.guidelines.DefinitionInForce) in force on the date
    # that the criteria applying to the item read (e.g. functional improvement).
    definitions: tuple = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for result in self.rule_results for f in result.findings)

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(result.citation for result in self.rule_results)


@record
class Report:
    """Determinations for every item of one request, and the rule set that made them."""

    request: Request
    determinations: tuple[Determination, ...]
    ruleset_version: str
    ruleset_hash: str
    notes: tuple[str, ...] = ()
    ruleset_name: str = ""
    packs: tuple = ()  # the criteria packs (ruleset.packs.Pack) layered over the bundled rules


# The records a batch replaces several of a request, whose instance dict holds their fields and
# nothing else (no cached properties): what :func:`replaced` takes.
_REPLACEABLE = (Fact, Item, Request, Finding, RuleResult, Determination)


def replaced(record: Any, **changes: Any) -> Any:
    """``dataclasses.replace`` for the records above, about three times as fast: a batch replaces
    several a request (every item with its facts, findings beside a documented failure), and
    ``replace`` reads each field through ``fields()`` and ``getattr`` first. Their instance dict
    holds their fields and nothing else (their ``__init__`` stores exactly those, and they have no
    cached properties), so it gives every field's value; a name that is not a field is refused by
    ``__init__``, as ``replace`` refuses it."""
    if type(record) not in _REPLACEABLE:
        raise TypeError(f"replaced() takes {', '.join(c.__name__ for c in _REPLACEABLE)}, not {type(record).__name__}")
    return type(record)(**{**record.__dict__, **changes})
