"""IMR002: names a condition uses that nothing defines (facts, shared definitions)."""

from __future__ import annotations

from typing import Any, Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import comparisons, condition_spots, did_you_mean, leaf_facts, ref_paths
from imr_rules.documents import Document


@check("IMR002", "unknown-name", ERROR, "A condition refers to a fact the vocabulary does not define, or to an unknown shared definition.")
def unknown_facts(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        for path, spec in condition_spots(data):
            yield from _unknown_in_condition(context, document, spec, path)
            yield from _unknown_refs(context, document, spec, path)
        for _, _, index, criterion in ((d, x, i, c) for d, x, i, c in context.criteria() if d is document):
            for key in ("fact", "prior"):
                name = criterion.get(key)
                if isinstance(name, str) and name not in context.vocabulary:
                    yield _unknown_fact(context, document, ("criteria", index, key), name)
    for manifest in context.manifests:
        for name, spec in context.definitions.items():
            if isinstance(manifest.data, dict) and name in (manifest.data.get("definitions") or {}):
                yield from _unknown_in_condition(context, manifest, spec, ("definitions", name))


def _unknown_in_condition(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    for leaf_path, leaf in comparisons(spec, path):
        for fact_path, name in leaf_facts(leaf, leaf_path):
            if isinstance(name, str) and name not in context.vocabulary:
                yield _unknown_fact(context, document, fact_path, name)


def _unknown_refs(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    for ref_path, name in ref_paths(spec, path):
        if name not in context.definitions:
            yield Problem(document, ref_path, f"unknown shared definition '{name}'",
                          did_you_mean(name, context.definitions) or "shared definitions live in ruleset.yaml under definitions:")


def _unknown_fact(context: LintContext, document: Document, path: tuple, name: str) -> Problem:
    return Problem(document, path, f"unknown fact '{name}'", context.vocabulary.unknown_fact_hint(name))
