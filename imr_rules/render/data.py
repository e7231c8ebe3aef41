"""The JSON contract: every result as a plain, stable, JSON-ready dictionary (key order fixed).

Check reports, comparisons with real decisions, IMR letters, rules, the fact vocabulary and lint
findings. Every machine-readable format (json, jsonl) writes these shapes.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Any, Mapping

from imr_rules import __version__
from imr_rules.applicability import is_applicability
from imr_rules.model import Citation, Determination, Finding, Outcome, Report, Role, RuleResult, Status

TOOL = "imr-rules"


# Each member's text, looked up: an enum's ``.value`` is a property run in Python, read several
# times a report.
_STATUS_TEXT = {member: member.value for member in Status}
_OUTCOME_TEXT = {member: member.value for member in Outcome}
_ROLE_TEXT = {member: member.value for member in Role}

# Values that are already plain JSON: most of a report's values, passed through without a call.
_PLAIN_SCALARS = frozenset((str, int, bool, type(None)))


def plain(value: Any) -> Any:
    """A value from a request or the reference data as plain JSON: dates as ISO text, tuples as
    lists, whole floats as integers, a subclass of text or a number (a str enum member) as what the
    standard library writes for it. NaN, infinity (ValueError) and objects that are not JSON values
    (TypeError) are refused here, where a report is made, as the standard library would refuse
    them when writing it: a check report is written without looking at its values again
    (``jsontext.report_line``), and orjson would write NaN as null and an enum member or a UUID."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return value
    if kind is float:
        return _finite(value)
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return _finite(float.__float__(value))
    if isinstance(value, Mapping):  # a read-only view (MappingProxyType), as the model's mappings are
        return {str(k): plain(v) for k, v in value.items()}
    raise TypeError(f"{kind.__name__} is not a JSON value")


def _finite(value: float) -> float | int:
    if value.is_integer():
        return int(value)
    if not math.isfinite(value):
        raise ValueError("a number that is not finite is not a JSON value")
    return value


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    # A report cites the rule set's few citations again and again: each one's dict is made once
    # (a copy is returned, so a caller may change its report without changing another's).
    return dict(_citation_dict(citation))


@lru_cache(maxsize=4096)
def _citation_dict(citation: Citation) -> dict[str, Any]:
    return {
        "tier": citation.tier.value,
        "title": citation.title,
        "year": citation.year,
        "chapter": citation.chapter,
        "section": citation.section,
        "pages": citation.pages,
        "text": str(citation),
    }


def ruleset_to_dict(name: str, version: str, digest: str, packs: tuple = ()) -> dict[str, Any]:
    """The rule set that made a result: its hash covers the criteria packs, each named too."""
    return {"name": name, "version": version, "hash": f"sha256:{digest}", "packs": [pack_to_dict(p) for p in packs]}


def ruleset_identity(ruleset) -> dict[str, Any]:
    """:func:`ruleset_to_dict` of a loaded rule set."""
    return ruleset_to_dict(ruleset.name, ruleset.version, ruleset.hash, ruleset.packs)


def comparison_ruleset(comparison) -> dict[str, Any]:
    """:func:`ruleset_to_dict` of the rule set a comparison was made with."""
    return ruleset_to_dict(comparison.ruleset_name, comparison.ruleset_version, comparison.ruleset_hash, comparison.packs)


def pack_to_dict(pack) -> dict[str, Any]:
    """A criteria pack as reports name it (never its folder: the same pack anywhere is the same)."""
    return {
        "name": pack.name,
        "version": pack.version,
        "hash": f"sha256:{pack.hash}",
        "title": pack.title,
        "licence": pack.licence,
        "editions": [{"title": e.title, "edition": e.edition, "from": e.effective_from, "to": e.effective_to}
                     for e in pack.editions],
        "overrides": list(pack.overrides),
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    data = {
        "rule_id": finding.rule_id,
        "id": finding.criterion_id,
        "requirement": finding.requirement,
        "status": _STATUS_TEXT[finding.status],
        "conditional": finding.conditional,
        "decisive": finding.decisive,
        "why": finding.why,
        "weighed": finding.weighed,
        "decided_by": list(finding.decided_by),
        "only_through": [list(way) for way in finding.only_through] if finding.only_through else [],
        "statement": finding.statement,
        "values": {name: value if type(value) in _PLAIN_SCALARS else plain(value) for name, value in finding.values},
        "evidence": dict(finding.evidence),
        "remedy": finding.remedy,
        "citation": citation_to_dict(finding.citation) if finding.citation else None,
    }
    if is_applicability(finding):
        data["decides"] = list(finding.decides)
    return data


def rule_result_to_dict(result: RuleResult) -> dict[str, Any]:
    return {
        "id": result.rule_id,
        "title": result.title,
        "role": _ROLE_TEXT[result.role],
        "outcome": _OUTCOME_TEXT[result.outcome],
        "citation": citation_to_dict(result.citation),
        "pack": result.pack,
    }


def guideline_to_dict(guideline: Any) -> dict[str, Any] | None:
    """The MTUS guideline in force for an item (reference.guidelines.GuidelineInForce)."""
    if guideline is None:
        return None
    return dict(_guideline_dict(guideline))


@lru_cache(maxsize=256)  # a few dozen guideline editions in all (see citation_to_dict)
def _guideline_dict(guideline: Any) -> dict[str, Any]:
    return {
        "title": guideline.title,
        "version": guideline.version,
        "mtus_section": guideline.section,
        "effective_from": guideline.effective_from.isoformat(),
        "effective_to": plain(guideline.effective_to),
        "source": guideline.source,
        "verify": guideline.verify,
        "note": guideline.note,
        "text": str(guideline),
    }


def definition_to_dict(definition: Any) -> dict[str, Any]:
    """A 9792.20 definition in force (reference.guidelines.DefinitionInForce)."""
    return {
        "term": definition.term,
        "section": definition.section,
        "text": definition.text,
        "effective_from": definition.effective_from.isoformat(),
        "effective_to": plain(definition.effective_to),
        "source": definition.source,
        "verify": definition.verify,
        "note": definition.note,
    }


def _unweighed_last(finding: Finding) -> bool:
    return not finding.weighed  # a stable sort keeps each part's order


def determination_to_dict(determination: Determination) -> dict[str, Any]:
    item = determination.item
    drug = None
    if item.drug is not None:
        drug = {
            "name": item.drug.name,
            "strength": item.drug.strength,
            "quantity": item.drug.quantity,
            "directions": item.drug.directions,
        }
    return {
        "id": item.id,
        "service": item.service,
        "category": item.category,
        "codes": list(item.codes),
        "body_region": item.body_region,
        "quantity": item.quantity,
        "frequency_per_week": plain(item.frequency_per_week),
        "duration_weeks": plain(item.duration_weeks),
        "drug": drug,
        "decision": _OUTCOME_TEXT[determination.outcome],
        "reason": determination.reason,
        "guideline_in_force": guideline_to_dict(determination.guideline),
        "formulary": plain(determination.formulary),  # the reference data's, with a fact of the request
        "definitions_in_force": [definition_to_dict(d) for d in determination.definitions],
        "certifiable_quantity": determination.certifiable_quantity,
        "citations": [citation_to_dict(c) for c in determination.citations],
        "rules": [rule_result_to_dict(r) for r in determination.rule_results],
        # The weighed findings first, in rule and criterion order; then those not weighed.
        "criteria": [finding_to_dict(f) for f in sorted(determination.findings, key=_unweighed_last)],
        "to_meet_guideline": list(determination.remedies),
        "rationale": determination.rationale,
        "notes": list(determination.notes),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """A check report of JSON values only, so that the JSON Lines output writes it without looking
    at its values again (``jsontext.report_line``): the fields of fixed type (text, whole numbers,
    booleans, None; enum members by their text) as they are, and every value whose type varies
    (fact values, frequency, duration, dates, the formulary status) through ``plain``, which
    refuses what JSON cannot hold."""
    request = report.request
    return {
        "tool": TOOL,
        "tool_version": __version__,
        "ruleset": ruleset_to_dict(report.ruleset_name, report.ruleset_version, report.ruleset_hash, report.packs),
        "request": {
            "id": request.id,
            "source": request.source,
            "request_date": plain(request.request_date),
        },
        "notes": list(report.notes),
        "items": [determination_to_dict(d) for d in report.determinations],
    }


# ---- rules, facts, lint ----------------------------------------------------------------------


def rule_summary(rule) -> dict[str, Any]:
    """A rule as ``rules list --format json`` gives it."""
    return {
        "id": rule.id,
        "title": rule.title,
        "categories": list(rule.categories),
        "tier": rule.tier.value,
        "role": rule.role.value,
        "confidence": rule.confidence,
        "editions": [
            {
                "from": e.effective_from.isoformat() if e.effective_from else None,
                "to": e.effective_to.isoformat() if e.effective_to else None,
                "citation": citation_to_dict(e.citation),
            }
            for e in rule.editions
        ],
        "criteria": len(rule.criteria),
        "path": rule.path,
        "pack": rule.pack,
    }


def rule_detail(rule) -> dict[str, Any]:
    """A rule as ``rules show`` gives it: the summary, and every criterion."""
    data = rule_summary(rule)
    data["summary"] = rule.summary
    data["criteria"] = [
        {"id": c.id, "requirement": c.requirement, "kind": c.kind, "facts": list(c.facts_used),
         "params": dict(c.params), "confidence": c.confidence, "wording": dict(c.wording)}
        for c in rule.criteria
    ]
    return data


def ruleset_listing(ruleset) -> dict[str, Any]:
    return {"ruleset": ruleset_identity(ruleset), "rules": [rule_summary(r) for r in ruleset.rules]}


def vocabulary_to_dict(vocabulary, ruleset=None) -> dict[str, Any]:
    """The facts, by name; with a rule set, each with the ``categories`` whose rules read it."""
    readers = fact_categories(ruleset) if ruleset is not None else None
    rows = []
    for f in vocabulary.facts.values():
        row = {"name": f.name, "scope": f.scope, "type": f.type, "unit": f.unit, "description": f.description}
        if readers is not None:
            row["categories"] = readers.get(f.name, [])
        rows.append(row)
    return {"version": vocabulary.version, "facts": rows}


def fact_categories(ruleset) -> dict[str, list[str]]:
    """Fact name -> the categories of the rules whose criteria read it, in categories.yaml order."""
    from imr_rules.reference.vocabulary import categories

    order = {name: n for n, name in enumerate(categories())}
    found: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        for criterion in rule.criteria:
            for fact in criterion.facts_used:
                found.setdefault(fact, set()).update(rule.categories)
    return {fact: sorted(cats, key=lambda c: (order.get(c, len(order)), c)) for fact, cats in found.items()}


def categories_listing(ruleset) -> dict[str, Any]:
    """Every item category (reference/data/categories.yaml), in its documented order: what it
    covers, whether it is a drug class, the rules that select it and those rules' keywords (the
    words of a service text that select them and that file a letter's item under the category)."""
    from imr_rules.reference.vocabulary import categories, drug_categories

    drugs = set(drug_categories())
    rows = []
    for name, description in categories().items():
        rules = [r for r in ruleset.rules if name in r.categories]
        rows.append({"name": name, "description": description, "drug": name in drugs,
                     "rules": [r.id for r in rules], "keywords": sorted({k for r in rules for k in r.keywords})})
    return {"ruleset": ruleset_identity(ruleset), "categories": rows}


def lint_finding_to_dict(finding) -> dict[str, Any]:
    return {"code": finding.code, "severity": finding.severity, "path": finding.path, "line": finding.line,
            "rule_id": finding.rule_id, "message": finding.message, "hint": finding.hint}


def lint_to_dict(findings, ruleset: dict | None = None) -> dict[str, Any]:
    """``ruleset`` is the linted rule set's identity, None (null) where it does not load as a whole."""
    return {"ruleset": ruleset,
            "findings": [lint_finding_to_dict(f) for f in findings],
            "errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings)}


def lint_checks_to_dict(checks) -> dict[str, Any]:
    return {"checks": [{"code": c.code, "name": c.name, "severity": c.severity, "description": c.description} for c in checks]}


# ---- comparisons with real decisions ---------------------------------------------------------


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def compared_item_to_dict(item) -> dict[str, Any]:
    return {
        "case_number": item.case_number,
        "item_index": item.item_index,
        "description": item.description,
        "category": item.category,
        "actual": item.actual,
        "ours": item.ours,
        "agree": item.agree,
        "covered": item.covered,
        "rule_ids": list(item.rule_ids),
        "failing_criteria": [
            {"rule_id": f.rule_id, "criterion_id": f.criterion_id, "status": f.status, "weighed": f.weighed,
             "statement": f.statement}
            for f in item.failing_criteria
        ],
        "reviewer_citation": item.reviewer_citation,
        "decision_date": item.decision_date,
        "source": item.source,
        "depends_on": item.depends_on,
        "reasons": None if item.reasons is None else [
            {"criterion": r.criterion, "text": r.text, "quote": r.quote} for r in item.reasons
        ],
        "no_facts": item.no_facts,
    }


def comparison_to_dict(comparison) -> dict[str, Any]:
    """A comparison (items by case number and index; figures rounded to 4 places, None where undefined)."""
    return {
        "ruleset_version": comparison.ruleset_version,
        "ruleset": comparison_ruleset(comparison),
        "items_total": len(comparison.items),
        "decided_with_surgery": len(comparison.dependent),
        "independent": len(comparison.independent),
        "covered": comparison.covered,
        "not_covered": comparison.not_covered,
        "coverage": _rounded(comparison.coverage),
        "actual_overturned": sum(1 for i in comparison.independent if i.actual == "overturned"),
        "metrics": comparison.metrics.as_dict(),
        "baselines": {name: metrics.as_dict() for name, metrics in comparison.baselines},
        "with_reasons": comparison.with_reasons,
        "reasons": {name: figures.as_dict() for name, figures in comparison.reasons},
        "by_category": [
            {
                "category": c.category,
                "items": c.items,
                "covered": c.covered,
                "actual_overturned": c.actual_overturned,
                **c.metrics.as_dict(),
            }
            for c in comparison.by_category
        ],
        "disagreements": [compared_item_to_dict(i) for i in comparison.disagreements],
        "decided_with_surgery_items": [compared_item_to_dict(i) for i in comparison.dependent],
        "items": [compared_item_to_dict(i) for i in comparison.items],
    }


# ---- IMR letters -----------------------------------------------------------------------------


def letter_citation_to_dict(citation) -> dict[str, Any]:
    return {
        "tier": citation.tier,
        "title": citation.title,
        "year": citation.year,
        "chapter": citation.chapter,
        "sections": list(citation.sections),
        "pages": list(citation.pages),
        "text": citation.text,
    }


def disputed_item_to_dict(item) -> dict[str, Any]:
    from imr_rules.letters.describe import describe_item, item_description_to_dict

    description = describe_item(item.description)
    if description.category == "other" and item.original_request:
        # A disputed portion can be a fragment ("with open carpal tunnel release"); the
        # original request names the service in full.
        description = describe_item(item.original_request)
    described = item_description_to_dict(description)
    return {
        "index": item.index,
        "description": item.description,
        "outcome": item.outcome,
        "category": described["category"],
        "subcategory": described["subcategory"],
        "modifiers": described["modifiers"],
        "quantity": described["quantity"],
        "frequency_per_week": described["frequency_per_week"],
        "duration_weeks": described["duration_weeks"],
        "body_region": described["body_region"],
        "body_regions": described["body_regions"],
        "laterality": described["laterality"],
        "drug": described["drug"],
        "partially_certified": item.partially_certified,
        "original_request": item.original_request,
        "authorized_portion": item.authorized_portion,
        "citations": {
            "claims_administrator": [letter_citation_to_dict(c) for c in item.claims_admin_citations],
            "reviewer": [letter_citation_to_dict(c) for c in item.reviewer_citations],
        },
        "rationale": item.rationale,
    }


def letter_to_dict(letter) -> dict[str, Any]:
    """A stable, JSON-ready dict of the letter (key order fixed; lists in letter order)."""
    return {
        "case_number": letter.case_number,
        "decision_date": letter.dates.decision_date,
        "date_assigned": letter.dates.date_assigned,
        "date_of_injury": letter.dates.date_of_injury,
        "ur_denial_date": letter.dates.ur_denial_date,
        "application_received": letter.dates.application_received,
        "priority": letter.priority,
        "reviewer": {
            "licensure": list(letter.reviewer_licensure),
            "specialty": list(letter.reviewer_specialty),
        },
        "patient": {"age": letter.patient_age, "sex": letter.patient_sex},
        "case_summary": letter.case_summary,
        "items": [disputed_item_to_dict(item) for item in letter.items],
        "warnings": list(letter.warnings),
        "source": letter.source,
    }
