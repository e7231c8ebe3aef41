"""Static checks of rule files, each with a stable code, in the spirit of pySigma's validators.

Each check family is one module; each check in it is a small function registered with
:func:`~imr_rules.authoring.lint.base.check` under a code, a name, a default severity and a
description. Adding a check is adding one function to its family (or a family module to the list
below: the families are imported by name, never found by scanning the folder).

    files          IMR001 invalid-file
    names          IMR002 unknown-name
    types          IMR003 type-mismatch
    ids            IMR004 duplicate-id, IMR014 pack-conflict
    provenance     IMR005 missing-citation, IMR012 rec-without-note
    wording        IMR006 missing-wording, IMR011 unknown-placeholder
    editions       IMR007 overlapping-editions
    reachability   IMR008 unselectable-rule, IMR009 unreachable-criterion
    cases          IMR010 test-mismatch
    compiling      IMR013 compile-error
"""

from __future__ import annotations

import importlib

from imr_rules.authoring.lint.base import (
    CHECKS, ERROR, WARNING, Check, LintContext, LintFinding, Problem, has_errors, known_categories, lint, lint_context,
    run_checks,
)

FAMILIES = ("files", "names", "types", "ids", "provenance", "wording", "editions", "reachability", "cases", "compiling")
for _family in FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")
CHECKS.sort(key=lambda registered: registered.code)  # listed and run in code order, whatever the family order

__all__ = [
    "CHECKS", "ERROR", "WARNING", "Check", "LintContext", "LintFinding", "Problem", "has_errors", "known_categories",
    "lint", "lint_context", "run_checks",
]
