"""What every command shares: loading the rule set, choosing the output, printing errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable, TextIO

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.errors import ImrRulesError

app = typer.Typer(
    name="imr-rules",
    help="Check California workers' compensation treatment requests against MTUS/ODG guideline criteria.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from imr_rules import __version__

        typer.echo(f"imr-rules {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
) -> None:
    # A callback keeps the app a group of commands even when a run registers only one (typer would
    # otherwise make a lone command the program itself, and "check" would be read as an argument).
    # It runs before every command: the imports are done, so garbage collection may resume.
    from imr_rules.cli import startup_over

    startup_over()


RULES_OPTION_HELP = "Rule file or directory (repeatable); default: the bundled rules/."
PACK_OPTION_HELP = ("Criteria pack folder (pack.yaml and rule files) layered over the rules (repeatable); "
                    "packs named in $IMR_RULES_PACKS are used too.")


def pack_option():
    """The --pack option of every command that loads rules."""
    return typer.Option(None, "--pack", "-p", help=PACK_OPTION_HELP)


def load_rules_or_exit(paths: list[Path] | None, packs: list[Path] | None = None):
    """The rule set (the rules named, else the bundled ones, with the criteria packs of
    $IMR_RULES_PACKS and --pack over them), or exit 2 with one line per problem."""
    from imr_rules.ruleset.loading import RuleSetError, load_ruleset
    from imr_rules.ruleset.loading import PACKS_ENVIRONMENT, requested_packs

    from imr_rules.cli import startup_over

    try:
        ruleset = load_ruleset(paths or None, packs=requested_packs(packs))
    except RuleSetError as exc:
        from imr_rules.ruleset.packs import is_pack

        # A pack folder given as --rules fails as rule files (its pack.yaml "has unknown fields"):
        # say what it is and which option takes it instead.
        misplaced = [p for p in paths or () if is_pack(p)]
        print_errors([f"{p}: a criteria pack, not a rule folder (give it with --pack {p}, or in ${PACKS_ENVIRONMENT})"
                      for p in misplaced] or [e.one_line() for e in exc.errors])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ImrRulesError as exc:
        print_errors([exc.one_line()])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    startup_over()
    return ruleset


def print_errors(messages: Iterable[str], stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    for message in messages:
        for line in message.split("\n"):  # a request's problems come one per line, in line order
            stream.write(f"error: {line}\n")
    stream.flush()


def open_output(path: Path | None, inputs: Iterable[str | Path] = ()) -> TextIO:
    """Standard output, or a file written atomically: the text goes to a temporary file beside it,
    which replaces the file only when the stream is closed, so an interrupted run never leaves a
    half file. An output that is one of the inputs (or inside an input folder) is refused: it
    would be destroyed before it is read."""
    if path is None:
        return sys.stdout
    if path.is_dir():  # found now, not when the finished output is renamed over it
        print_errors([f"{path}: is a folder (give --output a file name, e.g. {path / 'report.txt'})"])
        raise typer.Exit(EXIT_BAD_INPUT)
    clash = _input_named_by(path, inputs)
    if clash is not None:
        print_errors([f"{path}: the output would overwrite the input {clash} (write the output elsewhere)"])
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        return AtomicOutput(path)
    except OSError as exc:
        print_errors([f"{path}: cannot write: {exc.strerror} (check the --output path)"])
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _input_named_by(output: Path, inputs: Iterable[str | Path]) -> str | None:
    import os

    target = Path(os.path.abspath(output))
    for entry in inputs:
        if str(entry) == "-":
            continue
        source = Path(os.path.abspath(entry))
        if target == source or source in target.parents:
            return str(entry)
        try:
            if target.exists() and source.exists() and os.path.samefile(target, source):
                return str(entry)
        except OSError:
            continue
    return None


class AtomicOutput:
    """A text file written to ``.NAME.*.tmp`` beside its target and renamed over it on close();
    the temporary file is removed if the run ends without closing it (an error, an interrupt)."""

    def __init__(self, path: Path) -> None:
        import os
        import tempfile
        import weakref

        self.path = Path(path)
        handle, self.temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                                  dir=self.path.parent if str(self.path.parent) else ".")
        self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="\n")
        self._discard = weakref.finalize(self, _remove_quietly, self.stream, self.temporary)

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        import os

        if self.stream.closed:
            return
        self.stream.close()
        os.replace(self.temporary, self.path)
        self._discard.detach()


def _remove_quietly(stream: TextIO, temporary: str) -> None:
    import os

    stream.close()
    try:
        os.unlink(temporary)
    except OSError:
        pass


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"expected one of: {', '.join(allowed)}")
    return value


def dump_json(data: Any, stream: TextIO, pretty: bool = True) -> None:
    from imr_rules.render.jsontext import json_line, json_text

    stream.write(json_text(data) if pretty else json_line(data))


class progress:
    """A progress bar on standard error, only when it is a terminal and the output is not, and only
    for at least ``minimum`` steps (fewer finish before a bar is worth drawing). ``counted``: the
    total is exact, so the bar shows how far along the run is."""

    def __init__(self, total: int, stream, label: str = "working", minimum: int = 2, counted: bool = False) -> None:
        self.enabled = sys.stderr.isatty() and not (stream is sys.stdout and sys.stdout.isatty()) and total >= minimum
        self.total = total
        self.label = label
        self.counted = counted
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.progress import Progress

        from imr_rules.render.terminal import make_console

        self.bar = Progress(console=make_console(sys.stderr), transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total if self.counted else None)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
