"""imr-rules parse: read IMR determination letters and print what they decided (a shell over letters.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, TextIO

import typer

from imr_rules.cli import EXIT_BAD_INPUT, EXIT_INTERNAL
from imr_rules.cli.common import app, check_format, dump_json, open_output, print_errors, progress

PARSE_FORMATS = ("text", "json", "jsonl")


@app.command()
def parse(
    letters: list[str] = typer.Argument(..., help="Letter files (.txt, .md, .pdf), directories of them, or - for standard input (one path per line, or JSON Lines {\"text\": ..., \"name\": ...})."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(PARSE_FORMATS)}."),
    full: bool = typer.Option(False, "--full", help="Text format: show each rationale in full instead of folded."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to this file."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
    pdf_engine: Optional[str] = typer.Option(None, "--pdf-engine", help="PDF text extractor: pdfium (the default where pypdfium2 is installed, about 15x faster) or pdfminer (the reference layout)."),
) -> None:
    """Read IMR Final Determination letters: header, disputed items, outcomes, citations, rationale.

    json prints one object for one letter and an array for several; jsonl prints one line per
    letter, streamed in input order (memory stays flat however many letters). A bad file is
    reported on stderr and the others are still printed (exit code 2).
    """
    check_format(format, PARSE_FORMATS)
    engine = _check_engine(pdf_engine)
    stream = open_output(output, letters)
    console = _console(stream) if format == "text" else None
    collected: list[dict] = []
    failed, internal = False, 0
    empty = _empty_folders(letters)
    if empty:
        failed = True
        print_errors(empty)
    read = 0
    with progress(len(letters) + 1, stream) as advance:
        for name, data, error, warnings in _read_all(letters, jobs, engine, format):
            read += 1
            advance()
            if error is not None:
                failed = True
                internal += ": internal error: " in error
                print_errors([error])
                continue
            for warning in warnings:
                sys.stderr.write(f"warning: {name}: {warning}\n")
            if format == "jsonl":
                stream.write(data)  # the line, made where the letter was read
                stream.flush()
            elif format == "json":
                collected.append(data)
            else:
                _render_letter(console, data, full)
    if not read and not failed:  # standard input gave no path and no letter: no output is no answer
        failed = True
        print_errors(["<stdin>: no letter read (give one path a line, or JSON Lines {\"text\": ..., \"name\": ...})"])
    if format == "json":
        # One named file gives one object; several files or a directory (even of one letter)
        # give an array, so a script reading a directory always gets the same shape.
        single = len(letters) == 1 and letters[0] != "-" and not Path(letters[0]).is_dir()
        if not single:
            dump_json(collected, stream)
        elif collected:
            dump_json(collected[0], stream)
    if output is not None:
        stream.close()
    if internal:
        sys.stderr.write(f"error: {internal} of the letters met an internal error (exit code 1); the others were read\n")
        raise typer.Exit(EXIT_INTERNAL)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _sources(inputs: list[str]):
    """('path', path) for files and directory entries; ('text', name, text) for JSON Lines input."""
    from imr_rules.documents import parse_json_record
    from imr_rules.errors import ImrRulesError

    from imr_rules.letters import letter_paths

    for entry in inputs:
        if entry != "-":
            # A named file keeps the name as given (it is the letter's "source"); a directory gives its letters.
            names = [str(path) for path in letter_paths([entry])] if Path(entry).is_dir() else [entry]
            yield from (("path", name) for name in names)
            continue
        for number, raw in enumerate(getattr(sys.stdin, "buffer", sys.stdin), start=1):
            try:  # decoded line by line: one line that is not UTF-8 is an error for it alone
                line = (raw.decode("utf-8") if isinstance(raw, bytes) else raw).strip()
            except UnicodeDecodeError as exc:
                yield ("error", f"<stdin>:{number}: is not UTF-8 text (byte {exc.start}) (save the input as UTF-8)")
                continue
            if not line:
                continue
            if line.startswith("{"):
                try:
                    record = parse_json_record(line, "<stdin>", number).data
                except ImrRulesError as exc:
                    yield ("error", f"{exc.one_line()} (each line: a path, or {{\"text\": ...}})")
                    continue
                if not isinstance(record, dict):
                    yield ("error", f"<stdin>:{number}: expected a JSON object (each line: a path, or {{\"text\": ...}})")
                    continue
                yield ("text", str(record.get("name") or f"<stdin>:{number}"), str(record.get("text") or ""))
            else:
                yield ("path", line)


def read_source(source: tuple, pdf_engine: str | None = None, render=None) -> tuple[str, dict | str | None, str | None, tuple[str, ...]]:
    """One letter read: (name, letter as a dict, error line, warnings); run in workers too.

    With ``render`` (a module-level dict -> text function) the letter comes as its finished text,
    so a worker hands back output ready to write."""
    from imr_rules.errors import ImrRulesError
    from imr_rules.letters import parse_letter_text, read_letter
    from imr_rules.render.data import letter_to_dict

    import os

    kind, name = source[0], source[1]
    if kind == "error":
        return name, None, name, ()
    try:
        letter = read_letter(name, pdf_engine) if kind == "path" else parse_letter_text(source[2], source=name)
    except ImrRulesError as error:
        return name, None, _error_line(Path(name), error), ()
    except Exception as error:  # noqa: BLE001 - one letter's bug must not abort the others
        from imr_rules.batch import internal_error_line

        if os.environ.get("IMR_RULES_DEBUG"):
            raise
        return name, None, internal_error_line(name, error), ()
    data = letter_to_dict(letter)
    return name, render(data) if render is not None else data, None, tuple(letter.warnings)


def _read_all(inputs: list[str], jobs: int, pdf_engine: str, format: str):
    """The letters read, in input order; a worker also makes a JSON Lines line (--format jsonl)."""
    from functools import partial

    from imr_rules.batch import ordered_map, usable_workers

    render = None
    if format == "jsonl":
        from imr_rules.render.jsontext import json_line as render
    sources = _sources(inputs)
    function = partial(read_source, pdf_engine=pdf_engine, render=render)
    workers = usable_workers(jobs)
    if workers <= 1:
        return map(function, sources)
    return ordered_map(function, sources, workers)


def _check_engine(pdf_engine: str | None) -> str:
    from imr_rules.letters.pdfbounds import check_engine

    try:
        return check_engine(pdf_engine)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--pdf-engine") from None


def _error_line(path: Path, error: Exception) -> str:
    one_line = getattr(error, "one_line", None)
    text = one_line() if one_line else str(error)
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _console(stream: TextIO):
    from imr_rules.render.terminal import make_console

    return make_console(stream)


def _render_letter(console, letter: dict, full: bool) -> None:
    from imr_rules.render.terminal import render_letter

    render_letter(console, letter, full=full)


def _empty_folders(letters: list[str]) -> list[str]:
    from imr_rules.batch import empty_folders
    from imr_rules.letters import letter_paths
    from imr_rules.letters.reading import LETTER_SUFFIXES

    return empty_folders(letters, letter_paths, LETTER_SUFFIXES, "letter")
