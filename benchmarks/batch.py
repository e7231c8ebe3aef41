"""imr-rules batch benchmarks: end to end against the I/O floor, and --jobs 1 against --jobs N.

Run:  python benchmarks/batch.py  [--requests 20000] [--runs 3] [--busy 1] [--only check,parse,compare]

* check, end to end: ``imr-rules check FILE.jsonl --format jsonl`` over a batch generated from
  examples/requests (each example in turn, each request with its own id), against the I/O floor:
  a plain Python loop that ``json.loads`` each input line and ``json.dumps`` the report the tool
  produced for it (the tool's own output, read back first and not timed). Target: at most 5x.
* --jobs: ``check``, ``parse`` (corpus letters as JSON Lines on stdin, repeated) and ``compare``
  (examples/cases, copied) with --jobs 1 and --jobs N, outputs compared byte for byte; each pair
  again beside ``--busy`` processes that keep a core busy each (a loop of ``pass``, started
  before and killed after each such run), where --jobs N must never be slower than --jobs 1.

Every command runs as a subprocess, the variants in turn (interleaved) ``--runs`` times, and each
figure is the median. Wall time is what a user waits; processor time (the process and its
workers) is what the run cost, and shows what a busy machine hides: on free cores --jobs N would
take about (processor time of --jobs N) / N. The load average is printed beside every figure:
on a shared machine only ratios of interleaved runs mean anything. Nothing here is asserted by the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_FLOOR_RATIO = 5.0
TARGET_SPEEDUP_PER_JOB = 0.8


def load_average() -> str:
    return "load %.1f/%.1f/%.1f" % os.getloadavg()


# ``python -m imr_rules.cli`` that also writes, at exit, the processor time of the main process
# alone (its workers excluded) to the file BENCH_PARENT_CPU names: with it, what the run would take
# on free cores can be told even on a busy machine.
_WRAPPER = ("import atexit, os, resource, runpy\n"
            "def _record():\n"
            "    usage, path = resource.getrusage(resource.RUSAGE_SELF), os.environ.get('BENCH_PARENT_CPU')\n"
            "    if path:\n"
            "        with open(path, 'w') as f: f.write(str(usage.ru_utime + usage.ru_stime))\n"
            "atexit.register(_record)\n"
            "runpy.run_module('imr_rules.cli', run_name='__main__', alter_sys=True)\n")


def tool_command() -> list[str]:
    return [sys.executable, "-c", _WRAPPER]


def environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed tool runs from compiled bytecode
    env.pop("PYTHONUNBUFFERED", None)  # nor is its output unbuffered, as the floor's file is not
    env["COLUMNS"] = "100"
    return env


# ---- inputs ----------------------------------------------------------------------------------


def request_batch(folder: Path, count: int) -> Path:
    """``count`` requests as JSON Lines: the example requests in turn, each with its own id."""
    from imr_rules.documents import load_document

    examples = [(p.stem, load_document(p).data) for p in sorted((ROOT / "examples" / "requests").glob("*.yaml"))]
    path = folder / "requests.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            stem, data = examples[index % len(examples)]
            out.write(json.dumps({**data, "request_id": f"{stem}-{index}"}, ensure_ascii=False) + "\n")
    return path


def letter_batch(folder: Path, count: int) -> Path | None:
    """``count`` letters as JSON Lines {"name", "text"}: the corpus text letters in turn."""
    source = Path(os.environ.get("IMR_RULES_SHARED", ROOT.parent / "shared")) / "corpus/raw/talhaabacus-IMRCrawler/txt"
    files = sorted(source.glob("*.txt")) if source.is_dir() else sorted((ROOT / "examples/cases/letters").glob("*.txt"))
    if not files:
        return None
    texts = [(f.stem, f.read_text(encoding="utf-8")) for f in files]
    path = folder / "letters.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            name, text = texts[index % len(texts)]
            out.write(json.dumps({"name": f"{name}-{index}", "text": text}, ensure_ascii=False) + "\n")
    return path


def case_folder(folder: Path, copies: int) -> Path:
    """examples/cases copied ``copies`` times (each copy a subfolder): more cases to compare."""
    target = folder / "cases"
    cases = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
    for copy in range(copies):
        sub = target / f"copy{copy:03d}"
        sub.mkdir(parents=True)
        for case in cases:
            shutil.copy(case, sub / case.name)
    return target


# ---- timing ----------------------------------------------------------------------------------


class Timed:
    """Wall and processor times of repeated runs of one variant."""

    def __init__(self, label: str, jobs: int = 1) -> None:
        self.label = label
        self.jobs = jobs
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.parent_cpu: list[float] = []
        self.loads: list[float] = []

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def free_core_wall(self) -> float:
        """What a run would take on ``jobs`` free cores: the main process's own time, or the
        whole processor time shared by the cores, whichever is longer."""
        return statistics.median(max(parent, total / self.jobs) for parent, total in zip(self.parent_cpu, self.cpu))

    @property
    def load(self) -> str:
        return f"load {min(self.loads):.1f}-{max(self.loads):.1f}"


# A busy loop that ends by itself once the benchmark is gone (its parent changes), so that an
# interrupted run never leaves a core spinning.
_SPIN = ("import os\nparent = os.getppid()\n"
         "while os.getppid() == parent:\n    for _ in range(100_000): pass\n")


class Spinners:
    """``count`` processes that keep a core busy each (a loop of ``pass``) while a busy-cores
    variant runs: another program's load, as on a shared machine. Stopped (by their own ids)
    and reaped before the run's processor time is read."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "Spinners":
        self.processes = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(self.count)]
        time.sleep(0.2)  # running before the tool starts
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()


def run_command(timed: Timed, command: list[str], env: dict, stdin: Path | None, stdout: Path, busy: int = 0) -> int:
    parent_cpu = stdout.with_suffix(".cpu")
    env = {**env, "BENCH_PARENT_CPU": str(parent_cpu)}
    with Spinners(busy):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with open(stdout, "wb") as out, (open(stdin, "rb") if stdin else open(os.devnull, "rb")) as source:
            code = subprocess.run(command, stdin=source, stdout=out, stderr=subprocess.DEVNULL, env=env, check=False).returncode
        timed.wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the tool and its (reaped) workers
    timed.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    timed.parent_cpu.append(float(parent_cpu.read_text()))
    timed.loads.append(os.getloadavg()[0])
    return code


def io_floor(timed: Timed, lines: list[str], reports: list[dict], out_path: Path) -> None:
    """The plain loop: json.loads each input line, json.dumps the report it produced."""
    start_cpu, start = time.process_time(), time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as out:
        for line, report in zip(lines, reports):
            json.loads(line)
            out.write(json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n")
    timed.wall.append(time.perf_counter() - start)
    timed.cpu.append(time.process_time() - start_cpu)
    timed.loads.append(os.getloadavg()[0])


def show(label: str, value: float, unit: str, target: str, ok: bool | None, load: str) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  BELOW TARGET")
    print(f"{label:<56} {value:>10,.2f} {unit:<11} target {target:<24} ({load}){verdict}", flush=True)


def jobs_variants(command: list[str], jobs: int, busy: int) -> dict[str, tuple[list[str], int]]:
    """--jobs 1 and --jobs N, each as it is and beside ``busy`` spinners: key -> (command, spinners)."""
    variants = {}
    for spinners in ([0, busy] if busy else [0]):
        for count in (1, jobs):
            key = f"jobs={count}" + (" busy" if spinners else "")
            variants[key] = (command + ["--jobs", str(count)], spinners)
    return variants


def run_variants(name: str, variants: dict[str, tuple[list[str], int]], runs: int, env: dict, stdin: Path | None,
                 folder: Path, before_each: Callable[[], None] | None = None) -> tuple[dict[str, Timed], set, bytes, bool]:
    """Each variant ``runs`` times in turn; whether their outputs are byte-identical."""
    timed = {key: Timed(key, int(key.split("=")[1].split()[0])) for key in variants}
    outputs = {key: folder / f"{name}-{key.replace(' ', '-')}.out" for key in variants}
    codes = set()
    for _ in range(runs):
        if before_each:
            before_each()
        for key, (command, spinners) in variants.items():
            codes.add(run_command(timed[key], command, env, stdin, outputs[key], spinners))
    first = outputs["jobs=1"].read_bytes()
    return timed, codes, first, all(path.read_bytes() == first for path in outputs.values())


def compare_jobs(name: str, command: list[str], runs: int, env: dict, stdin: Path | None,
                 folder: Path, jobs: int, busy: int) -> dict[str, Timed]:
    """--jobs 1 against --jobs N, on the cores as they are and beside busy ones."""
    timed, codes, first, identical = run_variants(name, jobs_variants(command, jobs, busy), runs, env, stdin, folder)
    print(f"{name}: exit codes {sorted(codes)}; outputs of every --jobs, free and busy cores, byte-identical: {identical} "
          f"({len(first):,} bytes)")
    show(f"{name} --jobs 1: wall", timed["jobs=1"].median_wall, "s", "(reference)", None, timed["jobs=1"].load)
    _speedups(name, timed, jobs, busy)
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests in the generated batch")
    parser.add_argument("--letters", type=int, default=3_000, help="letters for parse")
    parser.add_argument("--case-copies", type=int, default=25, help="copies of examples/cases for compare")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each variant")
    parser.add_argument("--jobs", type=int, default=2, help="N for --jobs N")
    parser.add_argument("--busy", type=int, default=1,
                        help="processes kept busy beside the busy-cores runs of --jobs (0: skip those runs)")
    parser.add_argument("--only", default="check,parse,compare", help="which commands to measure")
    args = parser.parse_args()
    only = set(args.only.split(","))
    started = time.perf_counter()
    env = environment()
    folder = Path(tempfile.mkdtemp(prefix="imr-rules-batch-bench-"))
    env["IMR_RULES_CACHE"] = str(folder / "cache")
    tool = tool_command()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"imr-rules batch benchmarks; Python {sys.version.split()[0]}; {cores} cores; {load_average()}; "
          f"{args.runs} interleaved runs, medians\n")
    try:
        subprocess.run(tool + ["rules", "list"], env=env, stdout=subprocess.DEVNULL, check=False)  # warm the cache
        if "check" in only:
            requests = request_batch(folder, args.requests)
            print(f"check: {args.requests:,} requests from examples/requests ({requests.stat().st_size / 2**20:.1f} MiB)")
            reference = folder / "reference.out"
            subprocess.run(tool + ["check", str(requests), "--format", "jsonl", "-o", str(reference)], env=env, check=False)
            lines = requests.read_text(encoding="utf-8").splitlines()
            reports = [json.loads(line) for line in reference.read_text(encoding="utf-8").splitlines()]
            floor = Timed("floor")
            command = tool + ["check", str(requests), "--format", "jsonl"]
            timed, _, _, identical = run_variants(
                "check", jobs_variants(command, args.jobs, args.busy), args.runs, env, None, folder,
                before_each=lambda: io_floor(floor, lines, reports, folder / "floor.out"))
            one = timed["jobs=1"]
            print(f"reports: {sum(map(len, lines)) / len(lines):,.0f} bytes of request and "
                  f"{reference.stat().st_size / len(reports):,.0f} bytes of report per line")
            show("I/O floor (json.loads + json.dumps): wall", floor.median_wall, "s", "(reference)", None, floor.load)
            show("I/O floor: per request", floor.median_wall / len(lines) * 1e6, "us", "(reference)", None, floor.load)
            show("check --format jsonl --jobs 1: wall", one.median_wall, "s", "(reference)", None, one.load)
            show("check: requests per second (jobs=1, wall)", len(lines) / one.median_wall, "requests/s", "(reference)", None, one.load)
            ratio_wall = one.median_wall / floor.median_wall
            ratio_cpu = one.median_cpu / floor.median_cpu
            show("check end to end / I/O floor, wall", ratio_wall, "x", f"<= {TARGET_FLOOR_RATIO:g} (was 8.75)", ratio_wall <= TARGET_FLOOR_RATIO, one.load)
            show("check end to end / I/O floor, processor time", ratio_cpu, "x", f"<= {TARGET_FLOOR_RATIO:g} (was 8.75)", ratio_cpu <= TARGET_FLOOR_RATIO, one.load)
            identical = identical and outputs_match(folder, reference)
            print(f"check: outputs of every --jobs, free and busy cores, byte-identical (and as -o wrote): {identical}")
            _speedups("check", timed, args.jobs, args.busy)
            print()
        if "parse" in only:
            letters = letter_batch(folder, args.letters)
            if letters is None:
                print("parse: no letter texts found\n")
            else:
                print(f"parse: {args.letters:,} corpus letters as JSON Lines on stdin")
                compare_jobs("parse", tool + ["parse", "-", "--format", "jsonl"], args.runs, env, letters, folder,
                             args.jobs, args.busy)
                print()
        if "compare" in only:
            cases = case_folder(folder, args.case_copies)
            print(f"compare: examples/cases copied {args.case_copies} times ({len(list(cases.rglob('*.yaml'))):,} case files)")
            compare_jobs("compare", tool + ["compare", str(cases), "--format", "json"], args.runs, env, None, folder,
                         args.jobs, args.busy)
            print()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s; {load_average()})")


def outputs_match(folder: Path, reference: Path) -> bool:
    return all(path.read_bytes() == reference.read_bytes() for path in folder.glob("check-*.out"))


def _speedups(name: str, timed: dict[str, Timed], jobs: int, busy: int) -> None:
    one, many = timed["jobs=1"], timed[f"jobs={jobs}"]
    show(f"{name} --jobs {jobs}: wall", many.median_wall, "s", "(reference)", None, many.load)
    show(f"{name} --jobs 1: processor time", one.median_cpu, "s", "(reference)", None, one.load)
    show(f"{name} --jobs {jobs}: processor time (parent and workers)", many.median_cpu, "s", "(reference)", None, many.load)
    speedup = one.median_wall / many.median_wall
    show(f"{name} speed-up jobs=1 / jobs={jobs}, wall, cores as they are", speedup, "x",
         f">= {TARGET_SPEEDUP_PER_JOB * jobs:.1f} if free", None, many.load)
    show(f"{name} --jobs {jobs}: processor time of the main process alone", statistics.median(many.parent_cpu), "s",
         "(reference)", None, many.load)
    projected = one.median_cpu / many.free_core_wall
    show(f"{name} speed-up on {jobs} free cores (from processor times)", projected, "x",
         f">= {TARGET_SPEEDUP_PER_JOB * jobs:.1f} (0.8 x N)", projected >= TARGET_SPEEDUP_PER_JOB * jobs, many.load)
    if busy:
        one_busy, many_busy = timed["jobs=1 busy"], timed[f"jobs={jobs} busy"]
        show(f"{name} --jobs 1 beside {busy} busy process(es): wall", one_busy.median_wall, "s", "(reference)", None, one_busy.load)
        busy_speedup = one_busy.median_wall / many_busy.median_wall
        show(f"{name} speed-up jobs=1 / jobs={jobs} beside {busy} busy, wall", busy_speedup, "x",
             ">= 1.0 (never slower)", busy_speedup >= 1.0, many_busy.load)


if __name__ == "__main__":
    main()
