"""The extraction rules' own examples, run as tests: each sentence drafts the expected value.

An example is ``{text, value}`` (``value: null``: nothing is drafted) and optionally ``item``: the
category of the item the sentence is read for (item-tied facts need the item's treatment named),
and ``region``: the item's body region (a finding naming another region is not the item's).
"""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from imr_rules.drafting.rules import ExtractionRules, load_extraction_rules


class ExampleResult(NamedTuple):
    fact: str
    index: int
    text: str
    expected: Any
    actual: Any

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


def run_examples(rules: ExtractionRules | None = None) -> Iterator[ExampleResult]:
    from imr_rules.drafting.draft import resolve_item
    from imr_rules.drafting.extract import extract

    rules = rules or load_extraction_rules()
    for name, policy in rules.facts.items():
        for index, example in enumerate(policy.examples):
            mentions = extract(example["text"], "example", rules)
            spec = {"service": "example", "category": example.get("item") or "other"}
            if example.get("region"):
                spec["body_region"] = example["region"]
            drafted = resolve_item(spec, 0, mentions, {name}, rules).facts.get(name)
            yield ExampleResult(name, index, example["text"], example.get("value"), None if drafted is None else drafted.value)
