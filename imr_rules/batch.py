"""Checking many requests: files, directories and JSON Lines, streamed in input order.

Inputs are read lazily and processed in bounded windows, so memory stays flat however long the
input; with ``jobs > 1`` each window is spread over worker processes (each loads the rule set
once) and the results come back in input order.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple, TextIO

from imr_rules.errors import ImrRulesError, InputFileError, Source

REQUEST_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
STDIN = "-"


# A NamedTuple rather than a dataclass: every start defines it, and defining a dataclass costs
# about a millisecond (its methods are compiled from generated source).
class Task(NamedTuple):
    """One request to check: a file, or one line of JSON Lines (``text``) from a file or stdin.

    ``problem`` says why a line could not even be read (not UTF-8): it is reported in its place."""

    name: str
    path: str | None = None
    text: str | None = None
    line: int | None = None
    problem: str | None = None


class Outcome(NamedTuple):
    """What checking one task gave: a report, or the one-line error (``internal`` for a bug)."""

    name: str
    report: dict[str, Any] | None
    error: str | None
    internal: bool = False


def expand(inputs: Iterable[str | Path]) -> list[str]:
    """Files as given; a directory contributes its request files (sorted); '-' is standard input."""
    names: list[str] = []
    for entry in inputs:
        if str(entry) == STDIN:
            names.append(STDIN)
            continue
        path = Path(entry)
        if path.is_dir():
            names.extend(str(p) for p in sorted(path.rglob("*")) if p.suffix in REQUEST_SUFFIXES and p.is_file())
        else:
            names.append(str(path))
    return names


def tasks(names: Iterable[str], stdin: TextIO | None = None) -> Iterator[Task]:
    """One task per request; JSON Lines inputs (stdin, *.jsonl) give one task per non-blank line."""
    for name in names:
        if name == STDIN:
            stream = stdin or sys.stdin
            yield from _lines("<stdin>", getattr(stream, "buffer", stream))
        elif name.endswith(".jsonl"):
            try:
                with open(name, "rb") as handle:
                    yield from _lines(name, handle)
            except OSError:
                yield Task(name)  # run_task reports it as a file that cannot be read
        else:
            yield Task(name, path=name)


def _lines(name: str, handle: Any) -> Iterator[Task]:
    """Lines are decoded one by one, so one line that is not UTF-8 is an error for that line only."""
    for number, line in enumerate(handle, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Task(f"{name}:{number}", line=number, problem=f"is not UTF-8 text (byte {exc.start})")
                continue
        if line.strip():
            yield Task(f"{name}:{number}", text=line, line=number)


# ---- the work done for one task (in this process or in a worker) ---------------------------

_RULESET: Any = None


def _init_worker(rule_paths: list[str] | None, pack_paths: list[str] = ()) -> None:
    global _RULESET  # one rule set per worker process, loaded once (not shared mutable state)
    from imr_rules.ruleset.loading import load_ruleset

    _RULESET = load_ruleset(rule_paths or None, packs=pack_paths)


def run_task(task: Task, ruleset: Any = None) -> Outcome:
    """Load, evaluate and render one request as the JSON contract; a bad input is an error line.

    A bug met on one input (any other exception) is reported for that input alone, by type only
    (its message may quote the request), and the batch goes on.
    """
    import os

    try:
        return _run(task, ruleset or _RULESET)
    except ImrRulesError as exc:
        return Outcome(task.name, None, exc.one_line())
    except Exception as exc:  # noqa: BLE001 - one input's bug must not abort the batch
        if os.environ.get("IMR_RULES_DEBUG"):
            raise
        return Outcome(task.name, None, internal_error_line(task.name, exc), internal=True)


def internal_error_line(name: str, exc: BaseException) -> str:
    return f"{name}: internal error: {type(exc).__name__} (set IMR_RULES_DEBUG=1 for details; please report)"


def _run(task: Task, ruleset: Any) -> Outcome:
    from imr_rules.documents import parse_json_record
    from imr_rules.engine import evaluate
    from imr_rules.render import report_to_dict
    from imr_rules.requests.loading import load_request, request_from_document

    source = task.name.rsplit(":", 1)[0]
    if task.problem is not None:
        raise InputFileError(task.problem, Source(source, task.line), "save the file as UTF-8")
    if task.path is not None:
        request = load_request(task.path, ruleset.vocabulary)
    elif task.text is not None:
        request = request_from_document(parse_json_record(task.text, source, task.line), ruleset.vocabulary)
    else:
        raise InputFileError("cannot be read", Source(source), "check the path")
    return Outcome(task.name, report_to_dict(evaluate(request, ruleset)), None)


def check_many(task_iter: Iterable[Task], ruleset: Any, jobs: int = 1, rule_paths: list[str] | None = None,
               window: int = 512) -> Iterator[Outcome]:
    """Outcomes in input order; at most ``window * jobs`` requests are held in memory at once."""
    if jobs <= 1:
        for task in task_iter:
            yield run_task(task, ruleset)
        return
    # Workers load the same rules and criteria packs as this process (so the same hash).
    packs = [pack.path for pack in getattr(ruleset, "packs", ())]
    yield from ordered_map(run_task, task_iter, jobs, window, initializer=_init_worker, initargs=(rule_paths, packs))


def ordered_map(function: Any, items: Iterable[Any], jobs: int, window: int = 512, initializer: Any = None,
                initargs: tuple = ()) -> Iterator[Any]:
    """``map(function, items)`` over worker processes, in input order, a bounded window at a time.

    (Pool.imap would read the whole input ahead; windows keep memory flat for endless input.)
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    with context.Pool(jobs, initializer=initializer, initargs=initargs) as pool:
        iterator = iter(items)
        while True:
            chunk = list(itertools.islice(iterator, window * jobs))
            if not chunk:
                break
            yield from pool.map(function, chunk, chunksize=max(1, len(chunk) // (jobs * 4)))
