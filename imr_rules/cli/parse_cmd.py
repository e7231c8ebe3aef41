"""imr-rules parse: read IMR determination letters and print what they decided (a shell over letters.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional, TextIO

import typer

from imr_rules.cli.common import app, check_format, dump_json, open_output, print_errors, progress

PARSE_FORMATS = ("text", "json", "jsonl")
# The rationale is folded to this many characters in the text view; --full shows it whole.
RATIONALE_FOLD = 400


@app.command()
def parse(
    letters: list[str] = typer.Argument(..., help="Letter files (.txt, .md, .pdf), directories of them, or - for standard input (one path per line, or JSON Lines {\"text\": ..., \"name\": ...})."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(PARSE_FORMATS)}."),
    full: bool = typer.Option(False, "--full", help="Text format: show each rationale in full instead of folded."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to this file."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
) -> None:
    """Read IMR Final Determination letters: header, disputed items, outcomes, citations, rationale.

    json prints one object for one letter and an array for several; jsonl prints one line per
    letter, streamed in input order (memory stays flat however many letters). A bad file is
    reported on stderr and the others are still printed (exit code 2).
    """
    check_format(format, PARSE_FORMATS)
    stream = open_output(output)
    console = _console(stream) if format == "text" else None
    collected: list[dict] = []
    failed = False
    with progress(len(letters) + 1, stream) as advance:
        for name, data, error, warnings in _read_all(letters, jobs):
            advance()
            if error is not None:
                failed = True
                print_errors([error])
                continue
            for warning in warnings:
                sys.stderr.write(f"warning: {name}: {warning}\n")
            if format == "jsonl":
                dump_json(data, stream, pretty=False)
                stream.flush()
            elif format == "json":
                collected.append(data)
            else:
                render_letter(console, data, full=full)
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
    if failed:
        raise typer.Exit(2)


def _sources(inputs: list[str]):
    """('path', path) for files and directory entries; ('text', name, text) for JSON Lines input."""
    import json

    from imr_rules.letters.parsing import LETTER_SUFFIXES

    for entry in inputs:
        if entry != "-":
            path = Path(entry)
            if path.is_dir():
                yield from (("path", str(p)) for p in sorted(path.iterdir())
                            if p.suffix.lower() in LETTER_SUFFIXES and p.is_file())
            else:
                yield ("path", entry)
            continue
        for number, line in enumerate(sys.stdin, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield ("error", f"<stdin>:{number}: malformed JSON: {exc.msg} (each line: a path, or {{\"text\": ...}})")
                    continue
                yield ("text", str(record.get("name") or f"<stdin>:{number}"), str(record.get("text") or ""))
            else:
                yield ("path", line)


def read_source(source: tuple) -> tuple[str, dict | None, str | None, tuple[str, ...]]:
    """One letter read: (name, letter as a dict, error line, warnings); run in workers too."""
    from imr_rules.errors import ImrRulesError
    from imr_rules.letters.parsing import letter_to_dict, parse_letter_text, read_letter

    kind, name = source[0], source[1]
    if kind == "error":
        return name, None, name, ()
    try:
        letter = read_letter(name) if kind == "path" else parse_letter_text(source[2], source=name)
    except ImrRulesError as error:
        return name, None, _error_line(Path(name), error), ()
    return name, letter_to_dict(letter), None, tuple(letter.warnings)


def _read_all(inputs: list[str], jobs: int):
    import os

    from imr_rules.batch import ordered_map

    sources = _sources(inputs)
    workers = (os.cpu_count() or 1) if jobs == 0 else jobs
    if workers <= 1:
        return map(read_source, sources)
    return ordered_map(read_source, sources, workers, window=64)


def _error_line(path: Path, error: Exception) -> str:
    one_line = getattr(error, "one_line", None)
    text = one_line() if one_line else str(error)
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _console(stream: TextIO):
    from imr_rules.render.terminal import make_console

    return make_console(stream)


def _fold(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


OUTCOME_STYLE = {"upheld": "bold red", "overturned": "bold green"}


def render_letter(console: Any, letter: dict, full: bool = False) -> None:
    """A readable view of one letter: header fields, then each disputed item."""
    from rich.table import Table
    from rich.text import Text

    console.print(Text.assemble(("Case ", "bold"), (letter["case_number"] or "(no case number)", "bold"),
                                f"  ({letter['source']})"))
    header = Table.grid(padding=(0, 2))
    header.add_column(style="dim")
    header.add_column()
    patient = letter["patient"]
    for label, value in (
        ("Decision date", letter["decision_date"]),
        ("Date assigned", letter["date_assigned"]),
        ("Date of injury", letter["date_of_injury"]),
        ("UR denial date", letter["ur_denial_date"]),
        ("Application received", letter["application_received"]),
        ("Priority", letter["priority"]),
        ("Patient", " ".join(str(v) for v in (patient["age"], patient["sex"]) if v is not None) or None),
        ("Reviewer", ", ".join(letter["reviewer"]["specialty"] + letter["reviewer"]["licensure"]) or None),
    ):
        header.add_row(label, value if value is not None else "-")
    console.print(header)
    for item in letter["items"]:
        _render_item(console, item, full)
    if letter["warnings"]:
        console.print(Text(f"{len(letter['warnings'])} warning(s): " + "; ".join(letter["warnings"]), style="yellow"))
    console.print()


def _render_item(console: Any, item: dict, full: bool) -> None:
    from rich.text import Text

    outcome = item["outcome"] or "unknown"
    console.print()
    console.print(Text.assemble(
        (f"{item['index']}. ", "bold"), item["description"], "  ",
        (outcome.upper(), OUTCOME_STYLE.get(outcome, "bold")),
    ))
    details = [f"category {item['category']}"]
    if item["body_region"]:
        details.append(f"region {item['body_region']}")
    if item["quantity"] is not None:
        details.append(f"quantity {item['quantity']}")
    if item["drug"]:
        drug = item["drug"]
        details.append(f"drug {drug['brand'] or drug['generic']}" + (f" ({drug['generic']})" if drug["brand"] and drug["generic"] else ""))
    if item["partially_certified"]:
        details.append("partially certified")
    console.print(Text("   " + "; ".join(details), style="dim"))
    for citation in item["citations"]["reviewer"]:
        console.print(Text(f"   Reviewer cites: {_citation_text(citation)}", style="cyan"))
    rationale = item["rationale"] if full else _fold(item["rationale"], RATIONALE_FOLD)
    if rationale:
        console.print(Text("   " + rationale))


def _citation_text(citation: dict) -> str:
    if citation["tier"] == "none":
        return "no medical evidence cited"
    parts = [citation["title"] or citation["text"] or citation["tier"]]
    if citation["year"]:
        parts[0] += f" ({citation['year']})"
    if citation["chapter"]:
        parts.append(citation["chapter"])
    parts.extend(citation["sections"])
    if citation["pages"]:
        parts.append("pages " + ", ".join(citation["pages"]))
    text = ", ".join(p for p in parts if p)
    return f"[{citation['tier']}] {text}"
