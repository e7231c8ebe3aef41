"""IMR013: whatever else keeps a rule from compiling."""

from __future__ import annotations

from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.errors import ImrRulesError
from imr_rules.ruleset.loading import compile_rule


@check("IMR013", "compile-error", ERROR, "The rule does not compile, for a reason no other check names.")
def compile_errors(context: LintContext) -> Iterator[Problem]:
    from imr_rules.ruleset.loading import schema_problems

    for document, data in context.rules():
        if schema_problems(document, "rule.schema.json"):
            continue  # IMR001 reports it; compiling a schema-invalid rule would only repeat that
        try:
            compile_rule(document, context.vocabulary, context.definitions)
        except ImrRulesError as exc:
            message = f"{exc.source.field}: {exc.message}" if exc.source.field else exc.message
            yield Problem(document, (), message, exc.hint, line=exc.source.line)
        except (KeyError, TypeError, ValueError) as exc:
            yield Problem(document, (), f"cannot compile: {type(exc).__name__}: {exc}")
