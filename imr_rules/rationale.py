"""Wording: findings and rationales written the way IMR determinations are written.

The templates are ours. The shape follows the determinations: what the guideline requires; what
"the medical information available for review" documents; what it does not document; and
"Therefore, the request for X is (not) medically necessary."
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import methodcaller
from typing import Any, Iterable, Mapping

from imr_rules.applicability import is_applicability, join_ids, open_questions, rationale_sentences
from imr_rules.model import Criterion, Item, Outcome, RuleResult, Status
from imr_rules.ruleset.kinds import KINDS

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def fill(template: str, values: Mapping[str, Any], drop_missing: bool = False) -> str:
    """Replace {name} (dotted names allowed) with values; unknown names stay visible as-is, or,
    with ``drop_missing``, are left out ("from the prior {prior_sessions} visits" reads "from the
    prior visits" for a criterion shown while the count is not documented)."""

    pieces = _pieces(template)
    if len(pieces) == 1:
        return _tidied(template) if drop_missing else template
    return _substituted(pieces, values, drop_missing)


def _substituted(pieces: tuple[str, ...], values: Mapping[str, Any], drop_missing: bool = True) -> str:
    """:func:`fill` of a template already split (:func:`_pieces`) with at least one placeholder."""
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:  # text between placeholders
            out.append(piece)
            continue
        value = values.get(piece)
        if value is None:
            out.append("" if drop_missing else "{" + piece + "}")
        else:
            out.append(format_value(value))
    text = "".join(out)
    return _tidy(text) if drop_missing else text


def _tidy(text: str) -> str:
    """Single spaces, and none before a comma or full stop (where a dropped value leaves them)."""
    return " ".join(text.split()).replace(" ,", ",").replace(" .", ".")


# A wording without placeholders (most "met" wordings) is tidied once: a rule set has a few hundred.
_tidied = lru_cache(maxsize=4096)(_tidy)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[str, ...]:
    """A template split once (a rule set has a few hundred): text, name, text, name, ..., text."""
    return tuple(_PLACEHOLDER.split(template))


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    return str(value)


_NOT_APPLICABLE = "Not applicable to this request."


def wording(criterion: Criterion, status: Status, certifiable: int | None, facts: Mapping[str, Any], item: Item,
            unit: str) -> tuple[str, str | None]:
    """A finding's statement (its own words for its status, used in tables and in the rationale)
    and its remedy (what would make the request meet the criterion, if it fails).

    The values the templates may name (:func:`template_values`: a copy of the item's facts and a
    few more) are gathered only where a template names one: most statements ("met", "not
    applicable") are fixed words, tidied once for the rule set (see :func:`fill`).
    """
    if status is Status.NOT_APPLICABLE:
        return _NOT_APPLICABLE, None  # fixed words, and nothing to remedy
    if status is Status.MET:  # nothing to remedy either
        text, cure = criterion.wording.get("met") or criterion.requirement, None
    else:
        text, cure = _failing_statement(criterion, status, facts), _remedy_template(criterion, status, certifiable)
    pieces = _pieces(text)
    cure_pieces = _pieces(cure) if cure is not None else ()
    if len(pieces) == 1 and len(cure_pieces) <= 1:  # fixed words (see fill)
        return _tidied(text), None if cure is None else _tidied(cure)
    values = template_values(criterion, facts, item, unit, certifiable)
    return _worded(text, pieces, values), None if cure is None else _worded(cure, cure_pieces, values)


def _worded(template: str, pieces: tuple[str, ...], values: Mapping[str, Any]) -> str:
    """:func:`fill` (dropping what is missing) of a template already split by :func:`_pieces`."""
    return _substituted(pieces, values) if len(pieces) > 1 else _tidied(template)


def _failing_statement(criterion: Criterion, status: Status, facts: Mapping[str, Any]) -> str:
    """The statement template of a criterion not met or not documented."""
    if status is Status.NOT_MET:
        return KINDS[criterion.kind].not_met_statement(criterion.params, facts) or criterion.wording["not_met"]
    return (KINDS[criterion.kind].undocumented_statement(criterion.params, facts)
            or criterion.wording.get("not_documented") or criterion.requirement)


def _remedy_template(criterion: Criterion, status: Status, certifiable: int | None) -> str | None:
    """The remedy template of a criterion not met or not documented; None where there is none."""
    if criterion.remedy:
        return criterion.remedy
    default = KINDS[criterion.kind].default_remedy(status, certifiable)
    if default:
        return default
    if status is Status.NOT_DOCUMENTED and criterion.wording.get("not_documented"):
        return "document " + criterion.wording["not_documented"]
    return None


def template_values(criterion: Criterion, facts: Mapping[str, Any], item: Item, unit: str, certifiable: int | None) -> dict[str, Any]:
    """What a criterion's wording may refer to: facts, the kind's parameters, and a few shorthands."""
    values = dict(facts)
    values["unit"] = item.unit + "s" if item.unit and item.unit != "visit" else unit
    values["service"] = item.service
    if "item.quantity" in facts:
        values["quantity"] = facts["item.quantity"]
    values.update(KINDS[criterion.kind].template_values(criterion.params, facts))
    if certifiable is not None:
        values["certifiable"] = certifiable
    return values


_UNSTOPPED = methodcaller("rstrip", ". ")  # a phrase without its full stop


def join_phrases(phrases: Iterable[str]) -> str:
    phrases = list(dict.fromkeys(map(_UNSTOPPED, filter(None, phrases))))  # two rules may word a gap alike
    if len(phrases) <= 1:
        return "".join(phrases)
    if len(phrases) == 2:
        return f"{phrases[0]} and {phrases[1]}"
    return "; ".join(phrases[:-1]) + f"; and {phrases[-1]}"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def documentation_of(phrases: list[str]) -> str:
    """'documentation of X and Y'. A clause ('that NSAIDs were tried') takes no 'of': alone it
    reads 'documentation that NSAIDs were tried', beside noun phrases it comes last."""
    nouns, clauses = [], []
    for phrase in phrases:
        (clauses if phrase.startswith("that ") else nouns).append(phrase)
    return ("documentation of " if nouns else "documentation ") + join_phrases(nouns + clauses)


def _by_status() -> dict[Status, list[str]]:
    """Statements of findings to be gathered by status (not applicable ones are left out)."""
    return {Status.MET: [], Status.NOT_DOCUMENTED: [], Status.NOT_MET: []}


def _documentation(statements: Mapping[Status, list[str]], lead: str) -> list[str]:
    """'there is documentation of ...', 'however, there is no documentation of ...', then what is
    not met: from the findings' statements by status (:func:`_by_status`)."""
    sentences = []
    met, undocumented = statements[Status.MET], statements[Status.NOT_DOCUMENTED]
    if met:
        sentences.append(f"{lead} {documentation_of(met)}")
    if undocumented:
        no_lead = "However, there is no" if met else f"{lead} no"
        sentences.append(f"{no_lead} {documentation_of(undocumented)}")
    sentences.extend(statements[Status.NOT_MET])
    return sentences


def _not_weighed(findings: list) -> list[str]:
    """One sentence per reason for not weighing (the findings' ``decided_by`` and ``only_through``):
    'Not weighed, since the request fails on X whatever the records show of them (of it, for one): ...',
    or, for findings moot within their rule, 'Not weighed, since with X not met the guideline can be
    met only through Y, whatever the records show of them: ...'."""
    groups: dict[tuple, list] = {}
    for finding in findings:
        groups.setdefault((finding.decided_by, finding.only_through), []).append(finding)
    return [_not_weighed_sentence(group) for group in groups.values()]


def _not_weighed_sentence(findings: list) -> str:
    undocumented = [f.statement for f in findings if f.status is Status.NOT_DOCUMENTED and not is_applicability(f)]
    failing = [_lower_first(f.statement.rstrip(".")) + " (if it applies)" for f in findings if f.status is Status.NOT_MET]
    questions = [f"it is not documented {asked}" for asked in open_questions(findings)]
    parts = ([f"there is no {documentation_of(undocumented)}"] if undocumented else []) + failing + questions
    them = "them" if len(undocumented) + len(failing) + len(questions) > 1 else "it"
    first = findings[0]
    if first.only_through:
        since = f"with {decided_by_ids(first.decided_by)} not met {ways_to_meet(first.only_through, 'the guideline')},"
    else:
        since = f"the request fails on {decided_by_ids(first.decided_by)}"
    return f"Not weighed, since {since} whatever the records show of {them}: " + "; ".join(parts)


def ways_to_meet(only_through: Iterable[Iterable[str]], what: str) -> str:
    """For a finding moot within its rule, how the rule could still be met: 'the rule can be met
    only through IM-L3' ('..., or through IM-L6 and IM-L7 together' where there are several ways)."""
    ways = [decided_by_ids(way) + (" together" if len(tuple(way)) > 1 else "") for way in only_through]
    return f"{what} can be met only through " + ", or through ".join(ways)


def decided_by_ids(labels: Iterable[str]) -> str:
    """'PM-10', 'PM-10 and CR-1': the criterion ids of ``rule/CRITERION`` labels."""
    return join_ids(list(dict.fromkeys(label.split("/", 1)[-1] for label in labels)))


def rationale(item: Item, results: tuple[RuleResult, ...], outcome: Outcome, certifiable: int | None, unit: str) -> str:
    """The determination-style rationale for one item."""
    if outcome is Outcome.NO_APPLICABLE_RULE and not results:
        return (
            f"No rule in this rule set applies to the request for {item.service}. "
            "It is not decided here: a reviewer must apply the guidelines to it."
        )
    # One pass sorts the findings. The reasoning rests on the weighed ones: open questions of
    # applicability (not documented, by what they are), deciding findings settled and
    # conditional, by status, and advisory ones that fail (an applicability finding is neither
    # conditional nor advisory); what a documented failure outweighs comes after. A rule none of
    # whose criteria applies (an ODG supplement for a first course, say) adds nothing to the
    # reasoning, so it is not quoted.
    cited, questions, advisory, unweighed = [], [], [], []
    settled, conditional = _by_status(), _by_status()
    for result in results:
        applies = False
        for f in result.findings:
            status = f.status
            applies = applies or status is not Status.NOT_APPLICABLE
            if not f.weighed:
                unweighed.append(f)
            elif status is Status.NOT_DOCUMENTED and is_applicability(f):
                questions.append(f)
            elif not f.decisive:
                if status is Status.NOT_MET or status is Status.NOT_DOCUMENTED:
                    advisory.append(f)
            elif status is not Status.NOT_APPLICABLE:
                (conditional if f.conditional else settled)[status].append(f.statement)
        if applies:
            cited.append(result)
    sentences = [f"According to the {result.citation}, {_lower_first(result.summary)}" for result in cited or results[:1]]
    sentences.extend(_documentation(settled, "Within the medical information available for review, there is"))
    sentences.extend(rationale_sentences(questions))
    sentences.extend(_documentation(conditional, "Of the criteria that may apply, there is"))
    sentences.extend(_not_weighed(unweighed))
    # Advisory criteria (decisive: false): reported with their wording, but they decide nothing.
    if advisory:
        undocumented = [f.statement for f in advisory if f.status is Status.NOT_DOCUMENTED]
        not_met = [_lower_first(f.statement.rstrip(".")) for f in advisory if f.status is Status.NOT_MET]
        parts = ([f"there is no documentation of {join_phrases(undocumented)}"] if undocumented else []) + not_met
        sentences.append("Advisory only, not deciding this request: " + "; ".join(parts))
    if certifiable:
        sentences.append(f"Up to {certifiable} {unit} would be consistent with the guideline")
    if outcome is Outcome.NO_APPLICABLE_RULE:  # only legal limits applied, and they are met
        sentences.append(
            f"No rule in this rule set decides the request for {item.service} on the guideline's own "
            "criteria: a reviewer must apply the guideline in force to it"
        )
        return " ".join(map(_sentence, sentences))
    verdict = "medically necessary" if outcome is Outcome.MEDICALLY_NECESSARY else "not medically necessary"
    sentences.append(f"Therefore, the request for {item.service} is {verdict}")
    return " ".join(map(_sentence, sentences))
