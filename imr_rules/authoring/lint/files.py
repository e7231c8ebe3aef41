"""IMR001: rule files that cannot be read or do not match the schema."""

from __future__ import annotations

from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.documents import Document
from imr_rules.errors import ImrRulesError


@check("IMR001", "invalid-file", ERROR, "A rule or pack file cannot be read, is not YAML, or does not match its schema.")
def invalid_files(context: LintContext) -> Iterator[Problem]:
    from imr_rules.ruleset.loading import schema_problems

    for error in context.unreadable:
        yield Problem(Document(error.source.path or "?", None), (), error.message, error.hint, line=error.source.line)
    for document in context.manifests:
        for error in schema_problems(document, "ruleset.schema.json"):
            yield _schema_problem(document, error)
    from imr_rules.ruleset.packs import manifest_problems

    for document in context.pack_manifests:
        for error in manifest_problems(document):
            yield _schema_problem(document, error)
    for document in context.rule_documents:
        for error in schema_problems(document, "rule.schema.json"):
            if not _is_missing_not_met(error):  # IMR006 says that one better
                yield _schema_problem(document, error)


def _schema_problem(document: Document, error: ImrRulesError) -> Problem:
    message = f"{error.source.field}: {error.message}" if error.source.field else error.message
    return Problem(document, (), message, error.hint, line=error.source.line)


def _is_missing_not_met(error: ImrRulesError) -> bool:
    return (error.source.field or "").endswith("wording") and "'not_met'" in error.message
