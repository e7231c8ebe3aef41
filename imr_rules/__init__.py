"""imr-rules: check workers' compensation treatment requests against MTUS/ODG criteria.

The public API is these names, importable from ``imr_rules`` itself::

    from imr_rules import load_ruleset, load_request, evaluate, report_to_dict

It has no terminal dependencies (no rich, no typer), so it can be used from scripts, notebooks,
pandas, Dask or Spark. Each name is imported from its concept's package on first use, so
``import imr_rules`` stays cheap (the CLI's start-up imports only what a command needs).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> the module that defines it (request in -> rules -> decisions -> report; letters -> cases)
_PUBLIC = {
    "load_ruleset": "imr_rules.ruleset.loading",
    "RuleSet": "imr_rules.ruleset.loading",
    "load_request": "imr_rules.requests.loading",
    "request_from_data": "imr_rules.requests.loading",
    "evaluate": "imr_rules.engine",
    "decide": "imr_rules.engine",
    "report_to_dict": "imr_rules.render.data",
    "read_letter": "imr_rules.letters",
    "parse_letter_text": "imr_rules.letters",
    "load_case": "imr_rules.evaluation.cases",
    "compare_cases": "imr_rules.evaluation.compare",
    "ImrRulesError": "imr_rules.errors",
    "Request": "imr_rules.model",
    "Item": "imr_rules.model",
    "Rule": "imr_rules.model",
    "Criterion": "imr_rules.model",
    "Finding": "imr_rules.model",
    "Determination": "imr_rules.model",
    "Report": "imr_rules.model",
    "Status": "imr_rules.model",
    "Outcome": "imr_rules.model",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'imr_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def package_files() -> Any:
    """The package's folder (its data tables, schemas and bundled rules), as
    ``importlib.resources.files("imr_rules")`` gives it: the package is installed as files (a
    source checkout or an unpacked wheel), where that is this very path. Reaching it directly
    spares every start the import of importlib.resources and of the readers it imports on first
    use, about 12 million instructions, 3% of what Python, typer, yaml and rich cost (issue 15)."""
    from pathlib import Path

    return Path(__file__).parent


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
