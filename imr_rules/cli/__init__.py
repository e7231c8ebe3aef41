"""The command line: a thin typer shell over the library. Each command group is its own module.

Exit codes: 0 done; 2 bad input (a file, a field, a rule) reported as one line each, the good
inputs still processed; 1 an internal error (a bug: please report it); 3 the checks ran and found
problems (``rules test``: a failed case or a coverage shortfall; ``rules lint``: an error finding).
No traceback is shown unless IMR_RULES_DEBUG=1.
"""

from __future__ import annotations

import gc
import os
import sys

from imr_rules.errors import ImrRulesError

# The exit codes every command uses (README, "Exit codes and bad input"); no command writes a number.
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug
EXIT_BAD_INPUT = 2  # a file, a field or a rule is bad (ImrRulesError.exit_code)
EXIT_FAILED = 3  # the checks ran and found problems: a rule test failed, a lint error
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

# The modules that register each top-level command. typer turns every registered command's
# parameters into click objects at each start (about 10 ms for them all), so a run imports and
# builds only the command it invokes; help and unknown names get them all. A test checks this table
# against what the modules register.
COMMAND_MODULES = {
    "categories": ("rules_cmd",),
    "check": ("check",),
    "compare": ("compare_cmd",),
    "coverage": ("coverage_cmd",),
    "draft": ("draft_cmd",),
    "facts": ("rules_cmd",),
    "formulary": ("formulary_cmd",),
    "parse": ("parse_cmd",),
    "rules": ("rules_cmd", "authoring"),
}


def register_commands(modules=None):
    """Import command modules (default: all), so that each registers its commands; the typer app."""
    import importlib

    from imr_rules.cli.common import app

    for name in sorted(modules if modules is not None else {m for ms in COMMAND_MODULES.values() for m in ms}):
        importlib.import_module(f"{__name__}.{name}")
    _unwrap_help(app)
    return app


def __getattr__(name: str):
    # ``from imr_rules.cli import app`` (tests, embedding) gets the app with every command.
    if name == "app":
        globals()["app"] = register_commands()
        return globals()["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _unwrap(doc: str | None) -> str | None:
    """Docstring paragraphs as single lines: the help formatter wraps them to the terminal itself,
    and would otherwise keep the source's line breaks in the middle of its own lines."""
    if not doc:
        return doc
    import inspect

    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _unwrap_help(typer_app) -> None:
    for command in typer_app.registered_commands:
        command.callback.__doc__ = _unwrap(command.callback.__doc__)
    for group in typer_app.registered_groups:
        _unwrap_help(group.typer_instance)


# Garbage collection is tuned only for a console-script run (``main``), which exits after one
# command: its start-up (imports, the rule set) makes tens of thousands of objects that live until
# exit, and periodic collections while they are made only re-scan them. Collection is off until
# start-up is over; then what was made is frozen out of later scans. In-process callers (CliRunner,
# a notebook, a server) keep Python's normal collection: freezing there would keep every call's
# garbage for the life of the process.
_tuning_gc = False


def startup_over() -> None:
    """Under ``main``: resume garbage collection, leaving out of its scans all that was made so far
    (the imports, called before every command; and, once loaded, the rule set). Otherwise nothing."""
    if _tuning_gc:
        gc.freeze()
        gc.enable()


def _invoked_command(argv: list[str]) -> str | None:
    """The top-level command named on the command line, if the table knows it."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMAND_MODULES else None


def main() -> None:
    global _tuning_gc
    _tuning_gc = True
    gc.disable()
    command = _invoked_command(sys.argv[1:])
    app = register_commands(COMMAND_MODULES[command] if command else None)
    try:
        app()
    except ImrRulesError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: one line, and the traceback only on request
        if os.environ.get("IMR_RULES_DEBUG"):
            raise
        # The type only: an exception's message may quote the input it met.
        sys.stderr.write(f"internal error: {type(exc).__name__} (set IMR_RULES_DEBUG=1 for details; please report)\n")
        sys.exit(EXIT_INTERNAL)
    finally:
        gc.freeze()  # exiting: the interpreter's last collection would only free what exit frees
        gc.enable()

