"""The smallest changes that would make a rule pass: what a reviewer weighs, and what is moot.

A rule's logic (``all`` / ``any`` over criterion statuses, see ``ruleset.loading``) is monotone in
the changes weighing makes (not documented -> met, not met -> not applicable or met): resolving one
more question never turns a passing rule into a failing one. So the sets of changes that make a
rule pass are described by their *minimal* members, and a change belonging to none of them can
never matter: whatever it resolves to, the rule passes or fails as it would without it.

This module knows nothing of statuses: a caller gives the candidate changes (any hashable, e.g.
criterion positions or ids) and ``passes(changed)``, which decides the rule with exactly those
changes made, using the engine's own logic. The engine (``engine.moot_findings``) and the
comparison's deciding sets (``evaluation.reasons.deciding_sets``) both enumerate through here.
"""

from __future__ import annotations

from itertools import combinations
from typing import Callable, Hashable, Sequence, TypeVar

T = TypeVar("T", bound=Hashable)

# Above this many candidate changes the sets are not enumerated (2**12 evaluations at most): the
# rules have a handful of criteria, and a caller treats "not enumerated" as "every change matters".
MAX_ENUMERATED = 12


def minimal_passing_sets(candidates: Sequence[T], passes: Callable[[frozenset[T]], bool],
                         limit: int = MAX_ENUMERATED) -> tuple[frozenset[T], ...] | None:
    """The minimal sets of ``candidates`` whose change makes ``passes`` true, smallest first (in
    candidate order within a size); () when no set does; None when there are more than ``limit``
    candidates. A superset of a set found is never tried: by monotonicity it passes too."""
    if len(candidates) > limit:
        return None
    minimal: list[frozenset[T]] = []
    for size in range(len(candidates) + 1):
        for subset in combinations(candidates, size):
            changed = frozenset(subset)
            if any(found <= changed for found in minimal):
                continue
            if passes(changed):
                minimal.append(changed)
    return tuple(minimal)
