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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

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

    @property
    def right_reason_share(self) -> float | None:
        return self.right_reason / self.both_upheld if self.both_upheld else None

    @property
    def spurious_share(self) -> float | None:
        return self.agreeing_with_spurious / self.agreeing if self.agreeing else None

    def as_dict(self) -> dict:
        return {
            "both_upheld": self.both_upheld,
            "right_reason": self.right_reason,
            "right_reason_share": _round(self.right_reason_share),
            "agreeing": self.agreeing,
            "agreeing_with_spurious": self.agreeing_with_spurious,
            "spurious_share": _round(self.spurious_share),
            "spurious_by_criterion": dict(self.spurious),
            "missed_reasons": dict(self.missed),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def reason_figures(items: Iterable, decision: Callable, failing: Callable) -> ReasonFigures:
    """Figures over ``items`` (compared items with ``actual`` and ``reasons``) for one set of decisions.

    ``decision(item)`` gives that set's decision in IMR terms (upheld / overturned, None when no
    rule applies); ``failing(item)`` its failing criteria as ``rule/CRITERION`` labels.
    """
    both = right = agreeing = with_spurious = 0
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
        if item.actual == UPHELD:
            both += 1
            right += bool(failed & named)
    return ReasonFigures(
        both_upheld=both,
        right_reason=right,
        agreeing=agreeing,
        agreeing_with_spurious=with_spurious,
        spurious=tuple(sorted(spurious.items(), key=lambda kv: (-kv[1], kv[0]))),
        missed=tuple(sorted(missed.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
