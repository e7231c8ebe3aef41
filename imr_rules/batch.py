"""Checking many requests: files, directories and JSON Lines, streamed in input order.

Inputs are read lazily, so memory stays flat however long the input. With ``jobs > 1`` the work
goes to worker processes in chunks, several in flight per worker; each worker checks and renders
its chunk and hands back finished output, which the parent writes in input order.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, TextIO

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
    """What checking one task gave: a report (or its rendered ``text``), or the one-line error
    (``internal`` for a bug)."""

    name: str
    report: dict[str, Any] | None
    error: str | None
    internal: bool = False
    text: str | None = None


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


def empty_folders(inputs: Iterable[str | Path], files_in: Callable[[list], Iterable] | None = None,
                  suffixes: Iterable[str] = REQUEST_SUFFIXES, kind: str = "request", stdin: bool = True) -> list[str]:
    """One error line per input folder holding no file of its kind (``files_in`` lists a folder's:
    requests by default, letters for ``parse`` and ``coverage``, case files for ``compare``): most
    likely the wrong folder, and reading nothing without a word would pass for a clean run.
    ``stdin``: the command also reads - (standard input), and the fix says so."""
    files_in = files_in or expand
    alternatives = f"a {kind} file, or - for standard input" if stdin else f"or a {kind} file"
    return [f"{entry}: no {kind} files ({', '.join(suffixes)}) in this folder "
            f"(give a folder of {kind}s, {alternatives})"
            for entry in inputs if str(entry) != STDIN and Path(entry).is_dir() and not any(True for _ in files_in([entry]))]


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


def _init_worker(ruleset: Any, rule_paths: list[str] | None, pack_paths: list[str] = ()) -> None:
    """A worker's rule set: the parent's own object where the worker was forked (it is inherited,
    never pickled, so the rule set used is exactly the parent's), else loaded once from the same
    rule files and criteria packs (so the same hash)."""
    global _RULESET  # one rule set per worker process (not shared mutable state)
    if ruleset is None:
        from imr_rules.ruleset.loading import load_ruleset

        ruleset = load_ruleset(rule_paths or None, packs=pack_paths)
    _RULESET = ruleset


def run_task(task: Task, ruleset: Any = None, render: Callable[[dict], str] | None = None) -> Outcome:
    """Load, evaluate and render one request as the JSON contract; a bad input is an error line.

    With ``render`` (a report -> text function, e.g. one JSON line) the outcome carries the
    finished ``text`` instead of the report, so a worker hands back bytes ready to write. A report
    that cannot be rendered (a value that is not finite) is an internal error of that input.
    A bug met on one input (any other exception) is reported for that input alone, by type only
    (its message may quote the request), and the batch goes on.
    """
    import os

    try:
        outcome = _run(task, ruleset)
        if render is not None:
            outcome = Outcome(task.name, None, None, text=render(outcome.report))
        return outcome
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
               render: Callable[[dict], str] | None = None, warmup: float | None = None) -> Iterator[Outcome]:
    """Outcomes in input order, whatever ``jobs`` is; memory stays flat however long the input.

    ``render`` (a module-level report -> text function) runs where the request is checked, so
    workers return finished output. ``warmup``: see :func:`ordered_map`.
    """
    return map_with_ruleset(run_task, task_iter, ruleset, jobs, rule_paths, warmup=warmup, render=render)


def map_with_ruleset(function: Callable[..., Any], items: Iterable[Any], ruleset: Any, jobs: int = 1,
                     rule_paths: list[str] | None = None, warmup: float | None = None, **arguments: Any) -> Iterator[Any]:
    """``function(item, ruleset=..., **arguments)`` for each item, in input order, in this process
    or (``jobs`` > 1) over worker processes, each with the rule set. ``function`` and the
    arguments must be picklable (module-level functions)."""
    from functools import partial

    local = partial(function, ruleset=ruleset, **arguments)
    workers = usable_workers(jobs)
    if workers <= 1:
        return map(local, items)
    # Forked workers inherit the rule set object; spawned ones (macOS) load it from the paths and packs.
    inherited = ruleset if _start_method() == "fork" else None
    packs = [pack.path for pack in getattr(ruleset, "packs", ())]
    return ordered_map(partial(_with_worker_ruleset, partial(function, **arguments)), items, workers, local=local,
                       warmup=warmup, initializer=_init_worker, initargs=(inherited, rule_paths, packs))


def _with_worker_ruleset(function: Callable[..., Any], item: Any) -> Any:
    return function(item, ruleset=_RULESET)


# ---- worker processes ------------------------------------------------------------------------

# Work goes to worker processes only once it has run this long in-process: a small input is done
# before workers would pay for themselves.
WARMUP_SECONDS = 0.3
# Each chunk handed to a worker is sized to take about this long: long enough that sending it
# costs little, short enough that every worker has work until the end.
CHUNK_SECONDS = 0.1
MAX_CHUNK = 2048
# Chunks in flight per worker: a worker finds its next chunk waiting while the parent writes out
# the last one; the bound keeps memory flat.
AHEAD = 3
# Chunks this process may have done itself beyond those in flight in workers, while the next
# result in order was still in a worker: the bound on what waits in memory to be written.
LOCAL_AHEAD = 4
# Workers are *starved* when their chunks take this much longer by the clock than in processor
# time: they wait for a core that other programs hold. Measured on 2 cores: 1.00-1.09 (median
# 1.04) with the cores to themselves, 1.6 (1.0-2.1) beside one busy process.
STARVED = 1.25
# How long this process helps the starved workers before it stops to measure them again.
HELP_SECONDS = 4.0


def usable_workers(jobs: int) -> int:
    """Worker processes for ``--jobs``: 0 means one per core this process may run on, and no more
    workers than those cores (a second worker on one core only adds switching)."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores if jobs == 0 else min(jobs, cores))


def _start_method() -> str:
    return "spawn" if sys.platform == "darwin" else "fork"


class _Chunk(NamedTuple):
    """A chunk's share of the work: its results, and the exception that stopped it, if any (the
    results before it are still written, in order, before it is raised, as without workers);
    with how long it took by the clock (to size the next chunks) and in processor time, and when
    it started (by a clock every process shares), to tell whether its process had a core."""

    results: list
    seconds: float
    cpu: float
    started: float
    error: BaseException | None


def _apply(function: Callable[[Any], Any], chunk: list) -> _Chunk:
    """The function over a chunk's items, timed."""
    import time

    started, clock, cpu, results = time.monotonic(), time.perf_counter(), time.thread_time(), []
    try:
        for item in chunk:
            results.append(function(item))
    except Exception as exc:  # noqa: BLE001 - handed back to be raised in its place in the order
        return _Chunk(results, time.perf_counter() - clock, time.thread_time() - cpu, started, exc)
    return _Chunk(results, time.perf_counter() - clock, time.thread_time() - cpu, started, None)


def ordered_map(function: Callable[[Any], Any], items: Iterable[Any], jobs: int, *, local: Callable[[Any], Any] | None = None,
                warmup: float | None = None, initializer: Any = None, initargs: tuple = ()) -> Iterator[Any]:
    """``map(function, items)`` over ``jobs`` worker processes and this one, results in input order.

    The first items run in this process (``local``, default ``function``) for ``warmup`` seconds
    (default :data:`WARMUP_SECONDS`); an input that ends by then never starts a worker. The rest
    goes out in chunks sized by the time an item took (about :data:`CHUNK_SECONDS` each), at most
    :data:`AHEAD` per worker in flight. While the workers have their cores, this process only
    hands out chunks and writes results: doing chunks too would put one process more than there
    are cores on them, and each would run slower. Where other programs keep the cores busy, the
    workers get less than a core each (:class:`_Pacing` tells), and a waiting parent would make
    ``--jobs N`` slower than ``--jobs 1``: then, whenever the next result in order is not back
    yet, this process does the next chunk itself. Results are written in input order whoever made
    them, so the output never depends on the chunking, and memory is bounded by the chunks in
    flight and the :data:`LOCAL_AHEAD` done here. ``function`` must be picklable.
    """
    import time

    iterator = iter(items)
    local = local or function
    warmup = WARMUP_SECONDS if warmup is None else warmup
    started, done = time.perf_counter(), 0
    while done == 0 or time.perf_counter() - started < warmup:
        item = next(iterator, _END)
        if item is _END:
            return
        yield local(item)
        done += 1
    timing = _ChunkTiming(max((time.perf_counter() - started) / done, 1e-6))

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # An executor rather than multiprocessing.Pool: a worker that dies raises BrokenProcessPool
    # here, where Pool waited for its result forever (and Pool's thread that watches the workers
    # woke whenever a result waited to be read: 5,667 times in a 10,000-request batch).
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(_start_method()),
                               initializer=_start_worker, initargs=(initializer, initargs))
    try:
        yield from _in_order(pool, function, local, iterator, jobs, timing)
    finally:  # stopped early (an error, Ctrl-C): what no worker has started is dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(initializer: Any, initargs: tuple) -> None:
    """A worker leaves Ctrl-C to this process, which stops the map and shuts the workers down: a
    worker idle between chunks (waiting while the output is written) would otherwise die of the
    interrupt with its traceback on the terminal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


class _ChunkTiming:
    """How many items make a chunk of about :data:`CHUNK_SECONDS`, from the times chunks took."""

    def __init__(self, per_item: float) -> None:
        self.per_item = per_item

    def size(self) -> int:
        return max(1, min(MAX_CHUNK, round(CHUNK_SECONDS / self.per_item)))

    def took(self, seconds: float, items: int) -> None:
        self.per_item = 0.5 * self.per_item + 0.5 * max(seconds / max(items, 1), 1e-6)


class _Pacing:
    """Whether this process should do chunks itself: only while the workers are starved.

    Each worker chunk tells how long it took by the clock and in processor time. Only chunks
    that started after this process last did work of its own are read (a chunk run beside it
    shares the cores with it, and would find the workers starved by this process itself); once
    as many such chunks are back as there are workers (counted, not told apart by worker), the
    workers are starved when together they took more than :data:`STARVED` times their processor
    time by the clock. Then this process helps for :data:`HELP_SECONDS` and stops to measure
    again; a measurement completed while it helps ends or renews the help at once. Until the
    first measurement it does not help. A worker that waits on something other than a core (a slow disk, a child process)
    looks starved too, and is helped as before this measure existed.
    """

    def __init__(self, workers: int, now: float) -> None:
        self.workers = workers
        self.last_local = now  # the warm-up ran here
        self.help_until = 0.0
        self.clock = self.cpu = 0.0
        self.read = 0

    def helping(self, now: float) -> bool:
        return now < self.help_until

    def worked_here(self, now: float) -> None:
        self.last_local = now

    def measure(self, chunk: _Chunk, now: float) -> None:
        if chunk.started < self.last_local:
            return
        self.clock += chunk.seconds
        self.cpu += chunk.cpu
        self.read += 1
        if self.read >= self.workers:
            self.help_until = now + HELP_SECONDS if self.clock > STARVED * self.cpu else 0.0
            self.clock = self.cpu = 0.0
            self.read = 0


def _in_order(pool: Any, function: Callable[[Any], Any], local: Callable[[Any], Any], iterator: Iterator[Any],
              jobs: int, timing: _ChunkTiming) -> Iterator[Any]:
    """The chunks' results in input order: each slot is a worker's pending chunk or one done here."""
    import time
    from collections import deque

    slots: deque = deque()
    in_workers = 0
    exhausted = False
    pacing = _Pacing(jobs, time.monotonic())
    while True:
        while not exhausted and in_workers < jobs * AHEAD:
            chunk = list(itertools.islice(iterator, timing.size()))
            if not chunk:
                exhausted = True
                break
            slots.append(pool.submit(_apply, function, chunk))
            in_workers += 1
        if not slots:
            return
        head = slots.popleft()
        if isinstance(head, _Chunk):  # done here
            done = head
        elif (not head.done() and not exhausted and len(slots) + 1 - in_workers < LOCAL_AHEAD
              and pacing.helping(time.monotonic())):
            slots.appendleft(head)
            chunk = list(itertools.islice(iterator, timing.size()))
            if chunk:  # this process's pace is not a worker's: it does not size the chunks
                slots.append(_apply(local, chunk))
                pacing.worked_here(time.monotonic())
            else:
                exhausted = True
            continue
        else:
            done = head.result()
            in_workers -= 1
            timing.took(done.seconds, len(done.results))
            pacing.measure(done, time.monotonic())
        yield from done.results
        if done.error is not None:
            raise done.error


_END = object()
