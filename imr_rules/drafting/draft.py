"""Documents in, a draft request out: the requested items, and for each item the facts its rules
read, drafted from the documents' mentions with evidence, provenance and confidence.

Resolution: a fact's mentions for an item are those of the shared sections (every section but a
letter's decision rationales) and of that item's own rationale. An item-tied fact from a shared
section must name the item's treatment near the mention. A ``letter_wide`` fact (the concurrent
surgery's approval) is read from every item's rationale, its own first. Among the surviving mentions the most
confident wins (the first, on a tie), or, for a fact that resolves ``affirmed`` (a suspicion), any
affirmed mention; agreeing mentions raise the confidence a little. A fact with
no mention is not drafted: silence stays *not documented*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from imr_rules.drafting.extract import Mention, extract
from imr_rules.drafting.rules import ExtractionRules, load_extraction_rules
from imr_rules.drafting.sources import SourceDocument, item_from_line, items_from_file, read_document

DEFAULT_THRESHOLD = 0.6
OTHER_RATIONALE = 0.9  # confidence factor of a letter-wide fact read in another item's rationale


@dataclass(frozen=True)
class DraftedFact:
    name: str
    value: Any
    mention: Mention
    confidence: float
    scope: str          # "request" or "item"


@dataclass(frozen=True)
class DraftItem:
    spec: dict
    facts: dict[str, DraftedFact] = field(default_factory=dict)
    wanted: frozenset[str] = frozenset()   # the draftable facts the item's rules read


@dataclass(frozen=True)
class Draft:
    request_id: str
    request_date: str | None
    patient: dict
    items: tuple[DraftItem, ...]
    facts: dict[str, DraftedFact]      # request-scope facts shared by every item
    documents: tuple[str, ...]


def draft_request(paths: Iterable[str | Path], items: str | Path | None = None, date: str | None = None,
                  rules: ExtractionRules | None = None, ruleset=None) -> Draft:
    """Read the documents, find the requested items and draft the facts their rules read."""
    documents = [read_document(p) for p in paths]
    return draft_from_documents(documents, items_from_file(items) if items else None, date, rules, ruleset)


def draft_from_documents(documents: list[SourceDocument], item_specs: list[dict] | None = None, date: str | None = None,
                         rules: ExtractionRules | None = None, ruleset=None, only_sections: tuple[str, ...] | None = None) -> Draft:
    rules = rules or load_extraction_rules()
    letter = _first_letter(documents)
    if item_specs is None:
        item_specs = [item_from_line(i.description) for i in letter.items] if letter else []
    if not item_specs:
        from imr_rules.errors import InputFileError

        raise InputFileError("no requested items found", None, "give --items rfa.txt (one service per line) or an IMR letter")
    date = date or (letter and (letter.dates.ur_denial_date or letter.decision_date)) or None
    mentions = _unless_items([m for d in documents for m in extract(d.text, d.name, rules)], item_specs, rules)
    if only_sections is not None:
        mentions = [m for m in mentions if m.section in only_sections]
    wanted = facts_wanted(item_specs, date, rules, ruleset)
    drafted_items = [resolve_item(spec, index, mentions, wanted[index], rules) for index, spec in enumerate(item_specs)]
    shared = _shared_facts(drafted_items)
    items = tuple(DraftItem(d.spec, {k: v for k, v in d.facts.items() if k not in shared}, d.wanted) for d in drafted_items)
    patient = {}
    if letter is not None:
        patient = {k: v for k, v in (("age", letter.patient_age), ("sex", letter.patient_sex),
                                     ("date_of_injury", letter.date_of_injury)) if v is not None}
    name = Path(documents[0].name).stem if documents else "draft"
    return Draft(name, date, patient, items, shared, tuple(d.name for d in documents))


def _unless_items(mentions: list[Mention], item_specs: list[dict], rules: ExtractionRules) -> list[Mention]:
    """Drop the mentions of a concept that does not hold where the request has items of some
    categories: a planned surgery counts as certified only when it is not itself in dispute."""
    categories = {spec.get("category") for spec in item_specs}
    unless = {c.name: set(c.unless_items) for c in rules.concepts if c.unless_items}
    return [m for m in mentions if not (unless.get(m.rule, set()) & categories)]


def _first_letter(documents: list[SourceDocument]):
    from imr_rules.errors import ImrRulesError
    from imr_rules.letters import parse_letter_text

    for document in documents:
        if "IMR" not in document.text[:20000]:
            continue
        try:
            letter = parse_letter_text(document.text, document.name)
        except ImrRulesError:
            continue
        if letter.items:
            return letter
    return None


def facts_wanted(item_specs: list[dict], date: str | None, rules: ExtractionRules, ruleset=None) -> list[set[str]]:
    """For each item, the writable facts that the rules deciding it read (whether or not an
    extraction rule drafts them: the evaluation counts the others as missed)."""
    from imr_rules.engine import applicable_rules
    from imr_rules.requests.derived import item_facts
    from imr_rules.requests.loading import request_from_data
    from imr_rules.reference.vocabulary import default_vocabulary
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = ruleset or load_ruleset()
    writable = {name for name, d in default_vocabulary().facts.items() if d.scope != "derived"}
    request = request_from_data({"request_date": date, "items": [dict(s, id=i + 1) for i, s in enumerate(item_specs)]}
                                if date else {"items": [dict(s, id=i + 1) for i, s in enumerate(item_specs)]})
    wanted = []
    for item in request.items:
        values, _ = item_facts(request, item)
        read = {name for rule in applicable_rules(item, values, ruleset, request) for c in rule.criteria for name in c.facts_used}
        wanted.append({name for name in read if name in writable} | {n for n, p in rules.facts.items() if read & set(p.feeds)})
    return wanted


def resolve_item(spec: dict, index: int, mentions: list[Mention], wanted: set[str], rules: ExtractionRules) -> DraftItem:
    terms = _treatment_terms(spec, rules)
    by_fact: dict[str, list[Mention]] = {}
    for mention in mentions:
        if mention.fact not in wanted:
            continue
        policy = rules.facts[mention.fact]
        if mention.rationale_index is not None and mention.rationale_index != index:
            if not policy.letter_wide:
                continue
            mention = replace(mention, confidence=round(mention.confidence * OTHER_RATIONALE, 3))
        if policy.tie == "item" and mention.rationale_index is None and not _tied(mention, terms, rules):
            continue
        if policy.region == "item" and not _same_region(mention, spec, rules):
            continue
        by_fact.setdefault(mention.fact, []).append(mention)
    facts = {}
    for name, found in by_fact.items():
        if rules.facts[name].resolve == "affirmed" and any(m.value is True for m in found):
            found = [m for m in found if m.value is True]
        best = max(found, key=lambda m: m.confidence)  # max keeps the first of equals
        agreeing = sum(1 for m in found if m.value == best.value)
        confidence = min(0.99, best.confidence + 0.05 * (agreeing - 1))
        facts[name] = DraftedFact(name, best.value, best, round(confidence, 3), rules.facts[name].scope)
    return DraftItem(spec, facts, frozenset(wanted))


def _treatment_terms(spec: dict, rules: ExtractionRules) -> tuple[str, ...]:
    terms = list(rules.treatments.get(spec.get("category") or "", ()))
    drug = spec.get("drug") or {}
    if drug.get("name"):
        terms.append(drug["name"])
    return tuple(t.lower() for t in terms)


TIE_WINDOW = 80  # characters either side of a mention in which an item-tied fact must name the treatment


def _tied(mention: Mention, terms: tuple[str, ...], rules: ExtractionRules) -> bool:
    """The mention concerns the item's treatment: its own words name it ("initial acupuncture"), or,
    when they name no treatment at all, the words around it do."""
    everything = tuple(t.lower() for ts in rules.treatments.values() for t in ts)
    if _names_treatment(mention.matched, everything):
        return _names_treatment(mention.matched, terms)
    return _names_treatment(_near(mention), terms)


def _same_region(mention: Mention, spec: dict, rules: ExtractionRules) -> bool:
    """The finding may concern the item's body region: the regions its own words name ("straight
    leg raise"), or else its clause's, include one related to the item's (regions.yaml);
    a finding that names no region, or an item without one, passes."""
    from imr_rules.requests.shorthand import body_regions

    region = spec.get("body_region")
    if not region:
        return True
    # one space for any run of whitespace: the region words are written with single spaces
    named = body_regions(" ".join(mention.matched.split())) or body_regions(" ".join(_clause(mention).split()))
    return not named or any(r in rules.regions_for(region) for r in named)


CLAUSE_BREAK = re.compile(r"[;,:()]|\b(?:that|which|to warrant)\b", re.IGNORECASE)


def _clause(mention: Mention) -> str:
    """The words of the mention's clause: "decreased sensation in the L4-S1 distribution", not the
    item named after it ("... or other red flags that would warrant a cervical MRI")."""
    before = mention.evidence[:mention.match_start - mention.start]
    after = mention.evidence[mention.match_end - mention.start:]
    breaks = list(CLAUSE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    stop = CLAUSE_BREAK.search(after)
    return before[start:] + mention.matched + (after[:stop.start()] if stop else after)


def _near(mention: Mention) -> str:
    start = max(mention.match_start - TIE_WINDOW, mention.start)
    end = min(mention.match_end + TIE_WINDOW, mention.end)
    return mention.evidence[start - mention.start:end - mention.start]


def _names_treatment(sentence: str, terms: tuple[str, ...]) -> bool:
    lowered = sentence.lower()
    return any(re.search(r"\b" + re.escape(t) + r"\b", lowered) for t in terms)


def _shared_facts(items: list[DraftItem]) -> dict[str, DraftedFact]:
    """Request-scope facts drafted alike for every item that wants them go to the request. An item
    that wants the fact but drafted none (a finding of another body region) keeps it off the
    request, or the request would give it that item after all."""
    shared: dict[str, DraftedFact] = {}
    names = {n for d in items for n, f in d.facts.items() if f.scope == "request"}
    for name in sorted(names):
        if any(name in d.wanted and name not in d.facts for d in items):
            continue
        values = [d.facts[name] for d in items if name in d.facts]
        if all(v.value == values[0].value and v.mention.rationale_index is None for v in values):
            shared[name] = values[0]
    return shared


def item_effective_facts(draft: Draft, index: int) -> dict[str, DraftedFact]:
    """The facts one item is decided on: the shared facts, then the item's own."""
    item = draft.items[index]
    return {**draft.facts, **item.facts}

