"""The JSON contract: reports as plain, stable, JSON-ready dictionaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from imr_rules import __version__
from imr_rules.model import Citation, Determination, Finding, Report, RuleResult

TOOL = "imr-rules"


def plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    return {
        "tier": citation.tier.value,
        "title": citation.title,
        "year": citation.year,
        "chapter": citation.chapter,
        "section": citation.section,
        "pages": citation.pages,
        "text": str(citation),
    }


def ruleset_to_dict(name: str, version: str, digest: str) -> dict[str, Any]:
    return {"name": name, "version": version, "hash": f"sha256:{digest}"}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "id": finding.criterion_id,
        "requirement": finding.requirement,
        "status": finding.status.value,
        "statement": finding.statement,
        "values": {name: plain(value) for name, value in finding.values},
        "evidence": dict(finding.evidence),
        "remedy": finding.remedy,
        "citation": citation_to_dict(finding.citation) if finding.citation else None,
    }


def rule_result_to_dict(result: RuleResult) -> dict[str, Any]:
    return {
        "id": result.rule_id,
        "title": result.title,
        "role": result.role.value,
        "outcome": result.outcome.value,
        "citation": citation_to_dict(result.citation),
    }


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
        "decision": determination.outcome.value,
        "certifiable_quantity": determination.certifiable_quantity,
        "citations": [citation_to_dict(c) for c in determination.citations],
        "rules": [rule_result_to_dict(r) for r in determination.rule_results],
        "criteria": [finding_to_dict(f) for f in determination.findings],
        "to_meet_guideline": list(determination.remedies),
        "rationale": determination.rationale,
        "notes": list(determination.notes),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    request = report.request
    return {
        "tool": TOOL,
        "tool_version": __version__,
        "ruleset": ruleset_to_dict(report.ruleset_name, report.ruleset_version, report.ruleset_hash),
        "request": {
            "id": request.id,
            "source": request.source,
            "request_date": plain(request.request_date),
        },
        "notes": list(report.notes),
        "items": [determination_to_dict(d) for d in report.determinations],
    }
