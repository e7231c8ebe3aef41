"""Right for the right reason: our failing criteria beside the reasons the reviewer gave.

Outcome agreement says nothing of *why*. Each annotated item may record the reviewer's stated
reasons (``reasons:`` in the case file): one of our criteria where one checks the reason, short
text where none does. From them:

- **right for the right reason**: of the items that IMR upheld and we found not medically
  necessary (and whose reasons are recorded), the share where our failing criteria include a
  reason the reviewer gave;
- **spurious failures**: criteria we fail that the reviewer did not name, counted by criterion,
  and the share of agreeing items that have at least one (a rule denying on what IMR does not
  weigh);
- **missed reasons**: reasons no criterion of ours checks (text-only), by frequency: the rule and
  vocabulary gaps.

The spurious count above ("every failure") counts every failing criterion, also the alternatives
of an ``any`` the rule did not need, and the failing criteria of a rule that passed on another
branch. The **deciding** count reads each rule's ``logic``: for a rule that decides not necessary,
its *deciding sets* are the minimal sets of its failing criteria whose change to met would make it
pass (under ``all`` one set, every failure; under ``any: [A, B]`` two, {A} and {B}); an
applicability finding belongs to every set. Where it is open which criteria apply, compare gives one
family of sets per answer (``evaluation.branches``), each re-decided by the engine. Per rule the set that best matches the reviewer
(most named criteria, then fewest members) is the one counted; its unnamed members are the
deciding spurious failures. A rule that passes decides nothing. Both figures are reported. Right
for the right reason is likewise given twice: a reviewer's reason among every failing criterion,
and among the members of the deciding sets (so not a finding the engine did not weigh).

Deciding sets take the engine's weighing (``Finding.weighed``): where a rule of the item fails on
documented facts (it still fails with every open question resolved in the request's favour), what
rests on the records' silence beside it (not documented, or failing where its applicability is not
documented, applicability findings included) is *not weighed*, as a reviewer does not weigh it:
documenting it could not change the outcome. So is an open finding that documented failures leave
moot within its rule (lumbar imaging's IM-L2 beside a documented IM-L1: only IM-L3 could still meet
the rule; ``engine.moot_findings``). An unweighed finding belongs to no deciding set and is
resolved in the request's favour when the sets are enumerated; the "every failure" count still
counts it. Before this (issue 12), such findings decided beside the documented failure (PT "PM-10
not met: passive modality" beside "PM-3A not documented" and the first-course question; TENS
"TN-6 not met: not for the neck" beside TN-1..3 not documented), and the deciding figure on the
cases was 35.7% (held-out set 65.6%).

A not-documented criterion that fails beside a reviewer-named one where no documented failure
outweighs it (the named failure is itself not documented, a smaller quantity would meet it, or the
rule could still pass on another branch) may be a consequence of it rather than a separate
reason (an undocumented home-exercise programme beside "no functional improvement"). It still
decides the rule and is still counted; the share of agreeing items whose deciding spurious
failures are *all* not documented and sit beside a named reason is reported separately ("only not
documented beside a named reason"), never subtracted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from imr_rules.weighing import minimal_passing_sets

UPHELD = "upheld"


@dataclass(frozen=True)
class ReasonFigures:
    """Reason figures for one set of decisions (ours, or a baseline's)."""

    both_upheld: int  # items IMR upheld and the decisions found not necessary, reasons recorded
    right_reason: int  # ... whose failing criteria include a reviewer's reason
    agreeing: int  # agreeing items with reasons recorded (either outcome)
    agreeing_with_spurious: int  # ... where a criterion the reviewer did not name fails
    spurious: tuple[tuple[str, int], ...]  # criterion -> agreeing items failing it unnamed
    missed: tuple[tuple[str, int], ...]  # reviewer reason (text) -> items
    # The deciding measure (see the module docstring): unnamed members of each failing rule's
    # best-matching deciding set.
    agreeing_with_deciding_spurious: int = 0
    deciding_spurious: tuple[tuple[str, int], ...] = ()
    # ... of which every deciding spurious failure is not documented, beside a named failing reason.
    only_undocumented_beside_named: int = 0
    # Of ``both_upheld``, those where a reviewer's reason is among the deciding failures (a member
    # of a deciding set): not one that the engine found not weighed beside a documented failure.
    right_reason_deciding: int = 0

    @property
    def right_reason_share(self) -> float | None:
        return self.right_reason / self.both_upheld if self.both_upheld else None

    @property
    def right_reason_deciding_share(self) -> float | None:
        return self.right_reason_deciding / self.both_upheld if self.both_upheld else None

    @property
    def spurious_share(self) -> float | None:
        return self.agreeing_with_spurious / self.agreeing if self.agreeing else None

    @property
    def deciding_spurious_share(self) -> float | None:
        return self.agreeing_with_deciding_spurious / self.agreeing if self.agreeing else None

    def as_dict(self) -> dict:
        return {
            "both_upheld": self.both_upheld,
            "right_reason": self.right_reason,
            "right_reason_share": _round(self.right_reason_share),
            "right_reason_deciding": self.right_reason_deciding,
            "right_reason_deciding_share": _round(self.right_reason_deciding_share),
            "agreeing": self.agreeing,
            "agreeing_with_spurious": self.agreeing_with_spurious,
            "spurious_share": _round(self.spurious_share),
            "spurious_by_criterion": dict(self.spurious),
            "missed_reasons": dict(self.missed),
            "agreeing_with_deciding_spurious": self.agreeing_with_deciding_spurious,
            "deciding_spurious_share": _round(self.deciding_spurious_share),
            "deciding_spurious_by_criterion": dict(self.deciding_spurious),
            "only_undocumented_beside_named": self.only_undocumented_beside_named,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def deciding_sets(findings: Sequence, passes: Callable[[Mapping[str, Any]], bool],
                  failing_statuses: Iterable, met: Any, applicability: str = "applicability") -> tuple[frozenset[str], ...]:
    """A failing rule's deciding sets: minimal sets of its failing criteria whose change to met makes it pass.

    ``findings`` are the rule's findings (``criterion_id``, ``status``, ``label``-able via
    ``rule_id``); ``passes(statuses)`` says whether the rule passes on a mapping criterion id ->
    status. Applicability findings join every set. Where no change of the failing criteria would
    make the rule pass, the one set is every failure.
    """
    failing_statuses = tuple(failing_statuses)
    label = lambda f: f"{f.rule_id}/{f.criterion_id}"  # noqa: E731
    is_applicability = lambda f: f.criterion_id == applicability or f.criterion_id.startswith(applicability + "-")  # noqa: E731
    always = frozenset(label(f) for f in findings if is_applicability(f) and f.status in failing_statuses)
    statuses = {f.criterion_id: f.status for f in findings if not is_applicability(f)}
    failed = [f for f in findings if not is_applicability(f) and f.status in failing_statuses]
    everything = frozenset(label(f) for f in failed) | always
    if not failed:
        return (everything,) if everything else ()
    by_id = {f.criterion_id: f for f in failed}
    minimal = minimal_passing_sets(tuple(by_id), lambda ids: passes(
        {cid: (met if cid in ids else status) for cid, status in statuses.items()}))
    if not minimal:
        return (everything,)
    rule_id = failed[0].rule_id
    return tuple(frozenset(f"{rule_id}/{cid}" for cid in ids) | always for ids in minimal)


def _best_set(sets: Sequence[frozenset[str]], named: set[str]) -> frozenset[str]:
    """The deciding set that best matches the reviewer: most named criteria, then fewest members."""
    return min(sets, key=lambda s: (-len(s & named), len(s), sorted(s)))


def reason_figures(items: Iterable, decision: Callable, failing: Callable,
                   deciding: Callable | None = None, undocumented: Callable | None = None) -> ReasonFigures:
    """Figures over ``items`` (compared items with ``actual`` and ``reasons``) for one set of decisions.

    ``decision(item)`` gives that set's decision in IMR terms (upheld / overturned, None when no
    rule applies); ``failing(item)`` its failing criteria as ``rule/CRITERION`` labels;
    ``deciding(item)`` each failing rule's deciding sets (default: one set, every failure);
    ``undocumented(item)`` the labels of its not-documented failures (default: none).
    """
    deciding = deciding or (lambda item: ((frozenset(failing(item)),),))
    undocumented = undocumented or (lambda item: frozenset())
    both = right = right_deciding = agreeing = with_spurious = with_deciding = only_undocumented = 0
    deciding_spurious: Counter[str] = Counter()
    spurious: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for item in items:
        if item.reasons is None:
            continue
        named = {r.criterion for r in item.reasons if r.criterion}
        if item.actual == UPHELD:
            missed.update({r.text for r in item.reasons if r.text and not r.criterion})
        ours = decision(item)
        if ours is None or ours != item.actual:
            continue
        agreeing += 1
        failed = set(failing(item))
        unnamed = sorted(failed - named)
        spurious.update(unnamed)
        with_spurious += bool(unnamed)
        counted, deciders = set(), set()
        for sets in deciding(item):
            if sets:
                counted |= _best_set(sets, named) - named
                deciders |= set().union(*sets)
        deciding_spurious.update(counted)
        with_deciding += bool(counted)
        only_undocumented += bool(counted) and bool(failed & named) and counted <= set(undocumented(item))
        if item.actual == UPHELD:
            both += 1
            right += bool(failed & named)
            right_deciding += bool(deciders & named)
    return ReasonFigures(
        both_upheld=both,
        right_reason=right,
        agreeing=agreeing,
        agreeing_with_spurious=with_spurious,
        spurious=tuple(sorted(spurious.items(), key=lambda kv: (-kv[1], kv[0]))),
        missed=tuple(sorted(missed.items(), key=lambda kv: (-kv[1], kv[0]))),
        agreeing_with_deciding_spurious=with_deciding,
        deciding_spurious=tuple(sorted(deciding_spurious.items(), key=lambda kv: (-kv[1], kv[0]))),
        only_undocumented_beside_named=only_undocumented,
        right_reason_deciding=right_deciding,
    )
