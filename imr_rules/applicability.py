"""The finding "it is not documented which criteria apply", for a rule whose criteria depend on a
fact the records do not document.

IMR does not certify a request when it cannot tell which of a guideline's criteria govern it ("it
is unclear whether this is a first request or ongoing treatment"). The engine evaluates every
criterion whose applicability is unknown as if it applied (so the reviewer sees both branches)
and adds this finding, worded from the vocabulary: each deciding fact's ``question`` and
``remedy``. Nothing here is specific to a category: the facts come from the rules'
``applies_when`` conditions.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from imr_rules.model import APPLICABILITY, Finding, Rule, Status
from imr_rules.reference.vocabulary import Vocabulary

_SHOW = "The records must show "


def applicability_findings(rule: Rule, unknown: tuple[int, ...], facts: Mapping[str, Any],
                           vocabulary: Vocabulary) -> tuple[Finding, ...]:
    """None when every criterion's applicability is known; otherwise one finding, not documented,
    per set of undocumented facts (ids "applicability", "applicability-2", ...)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for index in unknown:
        criterion = rule.criteria[index]
        # The facts that left applies_when unknown: those it reads, unguarded, that are not documented.
        missing = tuple(name for name in criterion.applies_facts if facts.get(name) is None) or criterion.applies_facts
        groups.setdefault(missing, []).append(criterion.id)
    findings = []
    for number, (names, ids) in enumerate(groups.items(), start=1):
        asked = _questions(names, vocabulary)
        findings.append(Finding(
            rule_id=rule.id,
            criterion_id=APPLICABILITY if number == 1 else f"{APPLICABILITY}-{number}",
            requirement=f"{_SHOW}{asked}.",
            status=Status.NOT_DOCUMENTED,
            statement=_sentence(asked, ids),
            values=tuple((name, None) for name in names),
            remedy="; ".join(dict.fromkeys(_remedy(name, vocabulary) for name in names)),
            decides=tuple(ids),
        ))
    return tuple(findings)


_NUMBERED = APPLICABILITY + "-"  # the second and later questions of a rule: APPLICABILITY-2, ...


def is_applicability(finding: Finding) -> bool:
    return finding.criterion_id == APPLICABILITY or finding.criterion_id.startswith(_NUMBERED)


def rationale_sentences(findings: Iterable[Finding]) -> list[str]:
    """One sentence per question left open, naming every criterion (of every rule) it decides."""
    merged: dict[str, list[str]] = {}
    for finding in findings:
        if is_applicability(finding):
            merged.setdefault(finding.requirement, []).extend(finding.decides)
    return [_sentence(requirement[len(_SHOW):-1], list(dict.fromkeys(ids))) for requirement, ids in merged.items()]


def open_questions(findings: Iterable[Finding]) -> list[str]:
    """What the applicability findings ask, each once ("whether this is a first course ...")."""
    return list(dict.fromkeys(f.requirement[len(_SHOW):-1] for f in findings if is_applicability(f)))


def _sentence(asked: str, ids: list[str]) -> str:
    verb = "applies" if len(ids) == 1 else "apply"
    return f"It is not documented {asked}, which decides whether {join_ids(ids)} {verb}."


def question(name: str, vocabulary: Vocabulary) -> str:
    """What is not documented, as it completes "It is not documented ..."."""
    definition = vocabulary.get(name)
    if definition is not None and definition.question:
        return definition.question
    description = definition.description.rstrip(". ") if definition is not None and definition.description else ""
    return f"what {name} is" + (f" ({description[:1].lower()}{description[1:]})" if description else "")


def _remedy(name: str, vocabulary: Vocabulary) -> str:
    definition = vocabulary.get(name)
    if definition is not None and definition.remedy:
        return definition.remedy
    return f"document {name}"


def _questions(names: Iterable[str], vocabulary: Vocabulary) -> str:
    texts = list(dict.fromkeys(question(name, vocabulary) for name in names))
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]


def join_ids(ids: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
