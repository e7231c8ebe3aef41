"""IMR010: embedded test cases that name what the rule or the vocabulary lacks."""

from __future__ import annotations

from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list, did_you_mean
from imr_rules.documents import Document


@check("IMR010", "test-mismatch", ERROR, "A test case names a criterion the rule lacks, or a fact the vocabulary lacks.")
def test_mismatches(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        ids = {c.get("id") for c in as_list(data.get("criteria")) if isinstance(c, dict)}
        for index, case in enumerate(as_list(data.get("tests"))):
            if not isinstance(case, dict):
                continue
            expected = (case.get("expect") or {}).get("criteria") if isinstance(case.get("expect"), dict) else None
            for criterion_id in expected if isinstance(expected, dict) else ():
                if criterion_id not in ids:
                    yield Problem(document, ("tests", index, "expect", "criteria", criterion_id),
                                  f"test '{case.get('name')}' expects criterion '{criterion_id}', which the rule lacks",
                                  did_you_mean(str(criterion_id), (i for i in ids if isinstance(i, str))))
            yield from _unknown_case_facts(context, document, index, case)


def _unknown_case_facts(context: LintContext, document: Document, index: int, case: dict) -> Iterator[Problem]:
    item = case.get("item") if isinstance(case.get("item"), dict) else {}
    for path, facts in ((("tests", index, "facts"), case.get("facts")), (("tests", index, "item", "facts"), item.get("facts"))):
        for name in facts if isinstance(facts, dict) else ():
            if name not in context.vocabulary:
                yield Problem(document, path + (name,), f"test '{case.get('name')}' documents unknown fact '{name}'",
                              context.vocabulary.unknown_fact_hint(name))
