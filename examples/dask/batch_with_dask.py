"""Check a large batch of requests with Dask (pip install "imr-rules[dask]").

The evaluation is a pure function of (request, rule set), so it maps onto a Dask bag as it is:
each partition loads the rule set once (from the on-disk cache) and decides its requests.

    python examples/dask/batch_with_dask.py requests.jsonl > decisions.jsonl

Each output line: request id, item id, category, decision, certifiable quantity.
"""

from __future__ import annotations

import json
import sys
from typing import Iterable, Iterator

import dask.bag as db

from imr_rules.engine import decide
from imr_rules.errors import ImrRulesError
from imr_rules.requests.loading import request_from_data
from imr_rules.ruleset.loading import load_ruleset


def decide_partition(lines: Iterable[str]) -> list[dict]:
    """Decide every item of every JSON Lines request in one partition (a list: it is pickled)."""
    return list(_decisions(lines, load_ruleset()))


def _decisions(lines: Iterable[str], ruleset) -> Iterator[dict]:
    for line in lines:
        try:
            request = request_from_data(json.loads(line), vocabulary=ruleset.vocabulary)
        except (ImrRulesError, ValueError) as exc:
            yield {"error": str(exc)}
            continue
        for item in request.items:
            decision = decide(request, item, ruleset)
            yield {
                "request_id": request.id,
                "item_id": item.id,
                "category": item.category,
                "decision": decision.outcome.value,
                "certifiable_quantity": decision.certifiable_quantity,
                "rules": [rule.id for rule in decision.rules],
            }


def decide_file(path: str, partitions: int = 8, scheduler: str = "processes") -> list[dict]:
    """Decisions for a JSON Lines file, in input order ("processes" uses every core)."""
    lines = db.read_text(path, blocksize=None).repartition(npartitions=partitions)
    return lines.map_partitions(decide_partition).compute(scheduler=scheduler)


if __name__ == "__main__":
    for row in decide_file(sys.argv[1]):
        print(json.dumps(row))
