"""The command line: a thin typer shell over the library. Each command group is its own module.

Exit codes: 0 done; 2 bad input (a file, a field, a rule) reported as one line each, the good
inputs still processed; 1 an internal error (a bug: please report it). No traceback is shown
unless IMR_RULES_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import typer

from ..errors import ImrRulesError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="imr-rules",
    help="Check California workers' compensation treatment requests against MTUS/ODG guideline criteria.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _register_commands() -> None:
    """Import every command module of this package (sorted), so each registers its commands.

    A command group is one module (check.py, rules_cmd.py, ...); adding one never edits this file.
    """
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name != "common" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_commands()


def _unwrap(doc: str | None) -> str | None:
    """Docstring paragraphs as single lines: the help formatter wraps them to the terminal itself,
    and would otherwise keep the source's line breaks in the middle of its own lines."""
    if not doc:
        return doc
    import inspect

    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _unwrap_help(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        command.callback.__doc__ = _unwrap(command.callback.__doc__)
    for group in typer_app.registered_groups:
        _unwrap_help(group.typer_instance)


_unwrap_help(app)


def main() -> None:
    try:
        app()
    except ImrRulesError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: one line, and the traceback only on request
        if os.environ.get("IMR_RULES_DEBUG"):
            raise
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (set IMR_RULES_DEBUG=1 for details; please report)\n")
        sys.exit(EXIT_INTERNAL)
