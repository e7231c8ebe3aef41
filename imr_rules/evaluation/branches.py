"""Deciding sets per answer of an open applicability question (first course or continuation? new
drug or refill?).

While it is not documented which of a rule's criteria apply, the engine evaluates the conditional
criteria as if they applied, and the rule cannot pass. Counting every conditional failure in one
deciding set would make a first course's reviewer answer for the continuation's criteria too.
Instead each answer is a branch: the item is decided again by the engine with the deciding fact set
to that answer (no second reading of applicability), and the rule's deciding sets in that branch
join the family, each with the open question added (it decides in every branch: the rule cannot
pass while it is open). A branch where the rule passes, or does not apply, contributes the open
question alone. In the "first course" branch the continuation-only criteria drop out, and vice
versa.

Only yes/no facts are branched on (``type: boolean`` in the vocabulary): a count such as
``prior_sessions`` has no answers to enumerate, so a question resting only on counts keeps the one
family (``None`` here). So does a question that the answers leave open (another fact decides too).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product
from typing import Callable

from imr_rules.applicability import is_applicability
from imr_rules.model import Determination, Outcome, Request, RuleResult

# At most this many branches per rule (two yes/no facts); beyond, the one family stands.
MAX_BRANCHES = 4


def branch_deciding_sets(result: RuleResult, determination: Determination, request: Request, ruleset,
                         rule_sets: Callable[[RuleResult], tuple[frozenset[str], ...]]) -> tuple[frozenset[str], ...] | None:
    """A failing rule's deciding sets, one family per answer of its open applicability question;
    None where it has no weighed open question or the answers cannot be enumerated (see above).
    ``rule_sets(result)`` gives a rule result's own deciding sets."""
    from imr_rules.engine import evaluate_item
    from imr_rules.requests.derived import item_facts

    questions = [f for f in result.findings if is_applicability(f) and f.weighed and f.decisive]
    if not questions:
        return None
    answers = [name for name in dict.fromkeys(name for f in questions for name, _ in f.values)
               if _is_yes_no(name, ruleset)]
    if not answers or 2 ** len(answers) > MAX_BRANCHES:
        return None
    open_question = frozenset(f"{f.rule_id}/{f.criterion_id}" for f in questions)
    facts = item_facts(request, determination.item)[0]
    family: list[frozenset[str]] = []
    for values in product((False, True), repeat=len(answers)):
        item = replace(determination.item, values={**facts, **dict(zip(answers, values))})
        branch = next((r for r in evaluate_item(request, item, ruleset).rule_results if r.rule_id == result.rule_id), None)
        if branch is not None and any(is_applicability(f) for f in branch.findings):
            return None  # the answers leave it open: another fact decides too
        if branch is None or branch.outcome is not Outcome.NOT_MEDICALLY_NECESSARY:
            family.append(open_question)
        else:
            family.extend(s | open_question for s in rule_sets(branch) or (frozenset(),))
    return tuple(dict.fromkeys(family))


def _is_yes_no(name: str, ruleset) -> bool:
    definition = ruleset.vocabulary.get(name)
    return definition is not None and definition.type == "boolean"
