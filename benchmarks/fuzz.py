"""imr-rules fuzz benchmark: many mutated inputs per kind, through the library and the CLI.

Run:  python benchmarks/fuzz.py [--per-kind N] [--seed S]

Inputs are the project's own example files (requests, rule files, annotated cases, letters),
damaged by the mutators in tests/hostile.py (hostile values, truncation, bad bytes, duplicated
lines, alias bombs, deep nesting) plus PDFs that expand a thousandfold. For each kind it prints:
inputs, tracebacks (any exception other than ImrRulesError, or CLI exit code 1), hangs (over
HANG_SECONDS), the peak memory of the process after the kind, wrong answers (NaN in JSON output,
a decision on an impossible quantity, CLI output that is not JSON), echoed values (an error line
showing planted text, or over 1,000 characters), and, apart, certifications of a request that
documents no fact at all (the engine's semantics for unknown applicability, issue 10 §1).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("IMR_RULES_CACHE", "off")  # never write the user's rule cache

import yaml  # noqa: E402

from hostile import (  # noqa: E402
    MARKER, MAX_ERROR_LINE, Verdict, check_request, expanding_pdf, judge, make_pdf, mutate_data, mutate_text,
    text_page, to_yaml,
)
from imr_rules.engine import evaluate  # noqa: E402
from imr_rules.evaluation.cases import load_case  # noqa: E402
from imr_rules.letters import parse_letter_text, read_letter  # noqa: E402
from imr_rules.model import Outcome  # noqa: E402
from imr_rules.requests.loading import load_request, request_from_data  # noqa: E402
from imr_rules.ruleset.loading import load_ruleset  # noqa: E402

# An input still running after this long (by the clock) is a hang. A PDF is refused after 6 s of
# its reader's processor time, which a loaded machine can stretch by the clock several times over.
HANG_SECONDS = 60
CLI_EVERY = 50  # every fiftieth input of a kind also goes through the CLI (in process, CliRunner)
COLUMNS = ("inputs", "tracebacks", "hangs", "peak MB", "wrong answers", "echoed values")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


class Tally:
    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.slowest = 0.0

    def add(self, verdict: Verdict, label: str) -> None:
        self.counts["inputs"] += 1
        self.slowest = max(self.slowest, verdict.seconds)
        for column, flagged in (("tracebacks", verdict.traceback), ("wrong answers", verdict.wrong),
                                ("echoed values", verdict.echoed), ("hangs", verdict.seconds > HANG_SECONDS)):
            if flagged:
                self.counts[column] += 1
                self.examples.setdefault(column, f"{label}: {flagged if isinstance(flagged, str) else ''}")


def bounded(call):
    """``call`` with an alarm: an input still running after HANG_SECONDS is a hang."""
    signal.alarm(HANG_SECONDS)
    try:
        return call()
    except Hang:
        return Verdict(seconds=HANG_SECONDS + 1)
    finally:
        signal.alarm(0)


def cli_verdict(args: list[str], private: bool = True) -> Verdict:
    """One CLI run in process: exit 0 or 2, JSON output without NaN, one short error line each."""
    from typer.testing import CliRunner

    from imr_rules.cli import app

    start = time.perf_counter()
    result = CliRunner().invoke(app, args)
    seconds = time.perf_counter() - start
    if result.exit_code not in (0, 2) or "Traceback" in result.stderr:
        return Verdict(traceback=f"exit {result.exit_code}: {result.stderr.strip()[:160]}", seconds=seconds)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    echoed = any((private and MARKER in line) or len(line) > MAX_ERROR_LINE for line in lines)
    wrong = None
    if "--format" in args and args[args.index("--format") + 1] in ("json", "jsonl") and result.stdout.strip():
        try:
            for chunk in (result.stdout.splitlines() if "jsonl" in args else [result.stdout]):
                json.loads(chunk, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError as error:
            wrong = f"output is not JSON ({str(error)[:60]})"
    return Verdict(wrong=wrong, echoed=echoed, seconds=seconds)


def fuzz_requests(count: int, rng: random.Random, ruleset, work: Path, tally: Tally, extra: Counter) -> None:
    sources = sorted((ROOT / "examples" / "requests").glob("*.yaml"))
    for number in range(count):
        source = rng.choice(sources)
        text = source.read_text(encoding="utf-8")
        target = work / f"r{number % 50}{source.suffix}"
        if number % 2:
            data = mutate_data(yaml.safe_load(text), rng)
            load = lambda: request_from_data(data, source.name)  # noqa: E731
            target.write_text(to_yaml(data) if _dumpable(data) else text, encoding="utf-8")
        else:
            target.write_bytes(mutate_text(text, rng))
            load = lambda: load_request(target)  # noqa: E731
        tally.add(bounded(lambda: check_request(load, ruleset)), source.name)
        if number % CLI_EVERY == 0:
            tally.add(bounded(lambda: cli_verdict(["check", str(target), "--format", "json"])), f"CLI {source.name}")
    # Every example stripped of all its facts: which would be certified on no documentation.
    for source in sources:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        stripped = {k: v for k, v in data.items() if k not in ("facts", "diagnoses")}
        stripped["items"] = [{k: v for k, v in item.items() if k != "facts"} for item in data["items"]]
        try:
            report = evaluate(request_from_data(stripped, source.name), ruleset)
        except Exception:  # noqa: BLE001 - counted by the fuzzing above if it is a bug
            continue
        extra["certified w/o facts"] += sum(d.outcome == Outcome.MEDICALLY_NECESSARY for d in report.determinations)
        extra["stripped items"] += len(report.determinations)


def _dumpable(data) -> bool:
    try:
        to_yaml(data)
        return True
    except Exception:  # noqa: BLE001 - deep or odd data: the file keeps the original text
        return False


def fuzz_cases(count: int, rng: random.Random, work: Path, tally: Tally) -> None:
    sources = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
    for number in range(count):
        source = rng.choice(sources)
        text = source.read_text(encoding="utf-8")
        target = work / "cases" / source.name
        target.parent.mkdir(exist_ok=True)
        data = mutate_data(yaml.safe_load(text), rng) if number % 2 else None
        target.write_bytes(to_yaml(data).encode() if data is not None and _dumpable(data) else mutate_text(text, rng))
        tally.add(bounded(lambda: judge(lambda: load_case(target))), source.name)
        if number % CLI_EVERY == 0:
            tally.add(bounded(lambda: cli_verdict(["compare", str(target), "--format", "json"])), f"CLI {source.name}")


def fuzz_rules(count: int, rng: random.Random, work: Path, tally: Tally) -> None:
    sources = sorted(p for p in (ROOT / "rules").rglob("*.yaml") if p.name != "ruleset.yaml")
    folder = work / "rules"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "rules" / "ruleset.yaml", folder / "ruleset.yaml")
    for number in range(count):
        source = rng.choice(sources)
        text = source.read_text(encoding="utf-8")
        for old in folder.glob("*.yaml"):
            if old.name != "ruleset.yaml":
                old.unlink()
        target = folder / source.name
        data = mutate_data(yaml.safe_load(text), rng) if number % 2 else None
        target.write_bytes(to_yaml(data).encode() if data is not None and _dumpable(data) else mutate_text(text, rng))
        tally.add(bounded(lambda: judge(lambda: load_ruleset([folder]), private=False)), source.name)
        if number % CLI_EVERY == 0:
            request = str(ROOT / "examples" / "requests" / "massage-twelve-visits.yaml")
            tally.add(bounded(lambda: cli_verdict(["check", request, "-r", str(folder), "--format", "json"])), f"CLI {source.name}")


def fuzz_letters(count: int, rng: random.Random, work: Path, tally: Tally) -> None:
    sources = sorted((ROOT / "examples" / "cases" / "letters").glob("*.txt"))
    for number in range(count):
        source = rng.choice(sources)
        damaged = mutate_text(source.read_text(encoding="utf-8"), rng)
        text = damaged.decode("utf-8", "replace")
        tally.add(bounded(lambda: judge(lambda: parse_letter_text(text, source.name), private=False)), source.name)
        if number % CLI_EVERY == 0:
            target = work / source.name
            target.write_bytes(damaged)
            tally.add(bounded(lambda: cli_verdict(["parse", str(target), "--format", "json"], private=False)), f"CLI {source.name}")
    pdfs = [("expanding.pdf", expanding_pdf(64)), ("pages.pdf", make_pdf(text_page("a page"), pages=150)),
            ("small.pdf", make_pdf(text_page("Case Number: CM16-0000001")))]
    for name, data in pdfs * 3:
        target = work / name
        target.write_bytes(data)
        tally.add(bounded(lambda: judge(lambda: read_letter(target), private=False)), name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=3000,
                        help="inputs per kind (default 3,000; rule files get a quarter: over 10,000 in all)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--kinds", default="requests,rule files,cases,letters", help="comma-separated kinds to run")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    ruleset = load_ruleset()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    rows, extra = [], Counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for kind, run in (
            ("requests", lambda t: fuzz_requests(args.per_kind, rng, ruleset, work, t, extra)),
            ("rule files", lambda t: fuzz_rules(max(1, args.per_kind // 4), rng, work, t)),
            ("cases", lambda t: fuzz_cases(args.per_kind, rng, work, t)),
            ("letters", lambda t: fuzz_letters(args.per_kind, rng, work, t)),
        ):
            if kind not in args.kinds.split(","):
                continue
            tally = Tally()
            kind_started = time.perf_counter()
            run(tally)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append((kind, tally, peak, time.perf_counter() - kind_started))
            print(f"({kind}: {tally.counts['inputs']:,} inputs in {rows[-1][3]:.0f} s)", file=sys.stderr, flush=True)
    print(f"imr-rules fuzz benchmark; seed {args.seed}; Python {sys.version.split()[0]}\n")
    print(f"{'kind':<12}" + "".join(f"{c:>15}" for c in COLUMNS) + f"{'slowest s':>12}{'seconds':>10}")
    total = Counter()
    for kind, tally, peak, seconds in rows:
        counts = tally.counts
        total.update(counts)
        print(f"{kind:<12}{counts['inputs']:>15,}{counts['tracebacks']:>15}{counts['hangs']:>15}{peak:>15.0f}"
              f"{counts['wrong answers']:>15}{counts['echoed values']:>15}{tally.slowest:>12.2f}{seconds:>10.0f}")
        for column, example in sorted(tally.examples.items()):
            print(f"    first {column}: {example[:200]}")
    print(f"{'all':<12}{total['inputs']:>15,}{total['tracebacks']:>15}{total['hangs']:>15}{'':>15}"
          f"{total['wrong answers']:>15}{total['echoed values']:>15}")
    print(f"\nexample items whose request was stripped of every fact and diagnosis: {extra['stripped items']}; "
          f"certified all the same: {extra['certified w/o facts']}")
    print(f"(ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
