"""imr-rules benchmarks: evaluation throughput, rendering cost, cold start, letter parsing.

Run:  python benchmarks/bench.py  [--quick]

Every figure is printed beside its target (from the speed issue). Timings are medians of several
runs on this machine, one core (the process is single-threaded). Nothing here is asserted by the
test suite: speed is measured here, never by timed tests. The engine is the closures compiled
from the rules (the only evaluator); the hand-written function is the plain-Python reference.
The rule and data cache is a temporary folder (warmed first), never the user's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imr_rules.engine import decide, evaluate  # noqa: E402
from imr_rules.model import Outcome  # noqa: E402
from imr_rules.render import report_to_dict  # noqa: E402
from imr_rules.requests.loading import request_from_data  # noqa: E402
from imr_rules.ruleset.loading import load_ruleset  # noqa: E402
from imr_rules.authoring.ruletests import case_request_data  # noqa: E402
from imr_rules.errors import ImrRulesError  # noqa: E402


def massage_requests(count: int) -> list:
    """Generated massage requests covering every criterion's outcomes."""
    booleans = (True, False, None)
    combos = list(itertools.product((None, 4, 6, 8, 12), (None, 0, 6, 12, 16), booleans, booleans, booleans,
                                    ("Massage therapy", "Mechanical massage device")))
    requests = []
    for quantity, prior, exercise, improvement, exceptional, service in itertools.islice(itertools.cycle(combos), count):
        item = {"service": service, "category": "massage", "facts": {}}
        if quantity is not None:
            item["quantity"] = quantity
        for name, value in (("prior_sessions", prior), ("functional_improvement", improvement), ("exceptional_factors", exceptional)):
            if value is not None:
                item["facts"][name] = value
        data = {"request_date": "2016-12-01", "items": [item]}
        if exercise is not None:
            data["facts"] = {"home_exercise_program": exercise}
        requests.append(request_from_data(data))
    return requests


def library_requests(ruleset, count: int) -> list:
    """Requests built from every embedded rule test case and every bundled example, repeated."""
    templates = []
    for document in ruleset.documents:
        if isinstance(document.data, dict):
            for case in document.data.get("tests") or ():
                try:
                    templates.append(request_from_data(case_request_data(case), vocabulary=ruleset.vocabulary))
                except ImrRulesError:
                    pass
    from imr_rules.requests.loading import load_request

    for path in sorted((ROOT / "examples" / "requests").glob("*.yaml")):
        try:
            templates.append(load_request(path, ruleset.vocabulary))
        except ImrRulesError:
            pass
    pairs = [(request, item) for request in templates for item in request.items]
    return list(itertools.islice(itertools.cycle(pairs), count)), len(pairs)


def hand_written_massage(facts) -> tuple:
    """The massage criteria written by hand, as tight as plain Python gets while reading the same
    fact mapping as the engine: three-valued statuses (None = not documented) and the decision."""
    quantity = facts.get("item.quantity")
    exercise, active = facts.get("home_exercise_program"), facts.get("active_therapy")
    adjunct = True if (exercise or active) else (None if exercise is None or active is None else False)
    limit = None if quantity is None else (quantity <= 6 or facts.get("exceptional_factors") is True)
    prior = facts.get("prior_sessions")
    if prior is None:  # first course or continuation is not documented: never certified
        improvement = total = None
    elif prior:  # a continuation: functional improvement, and at most 18 visits in all
        improvement = facts.get("functional_improvement")
        total = None if quantity is None else quantity + prior <= 18
    else:
        improvement = total = True
    not_a_device = "device" not in facts["item.service"].lower()
    necessary = adjunct is True and limit is True and improvement is True and total is True and not_a_device
    return necessary, (adjunct, limit, improvement, total, not_a_device)


def decide_rate(pairs, ruleset, repeat: int = 5) -> float:
    """Median items per second of decide() over (request, item) pairs: the loop a batch runs."""
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for request, item in pairs:
            decide(request, item, ruleset)
        rates.append(len(pairs) / (time.perf_counter() - start))
    return statistics.median(rates)


def rate(function, items, repeat: int = 5) -> float:
    """Median items per second over several passes."""
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def wall(command: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(commands: list[list[str]], runs: int, env: dict, extra_env: dict | None = None) -> list[float]:
    """Median wall time of each command, the commands run in turn ``runs`` times (command i with
    ``extra_env[i]`` added to the environment)."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            run_env = {**env, **(extra_env or {}).get(index, {})}
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env, check=False)
            times[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def per_item_load_cost(scale: float) -> tuple[float, float]:
    """Seconds per item to load 1-item and 100-item requests of mixed drug and therapy lines
    (drug lines ask about every other item of the request, which once made loading quadratic)."""
    lines = [
        {"service": "Norco 10/325mg #120", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": 120}},
        {"service": "Naproxen 550mg #60", "drug": {"name": "Naproxen", "strength": "550 mg", "quantity": 60}},
        {"service": "Omeprazole 20mg #30", "drug": {"name": "Omeprazole", "strength": "20 mg", "quantity": 30}},
        {"service": "Physical therapy 2x/week x 6 weeks"},
    ]

    def request(size: int) -> dict:
        return {"request_date": "2016-12-01",
                "items": [{**lines[i % len(lines)], "id": str(i + 1)} for i in range(size)]}

    small = [request(1) for _ in range(max(50, int(2_000 * scale)))]
    large = [request(100) for _ in range(max(2, int(20 * scale)))]
    per_small = 1 / rate(request_from_data, small, repeat=3)
    per_large = 1 / rate(request_from_data, large, repeat=3) / 100
    return per_small, per_large


def report(label: str, value: float, unit: str, target: str, ok: bool | None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  BELOW TARGET")
    digits = 2 if unit == "x" else 1
    print(f"{label:<58} {value:>12,.{digits}f} {unit:<12} target {target}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer items and runs (about 10 s)")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    started = time.perf_counter()
    import tempfile

    cache = tempfile.TemporaryDirectory(prefix="imr-rules-bench-cache-")
    os.environ["IMR_RULES_CACHE"] = cache.name
    ruleset = load_ruleset()
    print(f"imr-rules benchmarks; rule set {ruleset.version} sha256:{ruleset.hash[:12]}; "
          f"{len(ruleset.rules)} rules; Python {sys.version.split()[0]}\n")

    n = int(50_000 * scale)
    massage = massage_requests(n)
    pairs = [(r, r.items[0]) for r in massage]
    facts = [item.values for _, item in pairs]
    engine_rate = decide_rate(pairs, ruleset)
    hand_rate = rate(hand_written_massage, facts)
    agree = sum(hand_written_massage(f)[0] == (decide(r, i, ruleset).outcome is Outcome.MEDICALLY_NECESSARY)
                for (r, i), f in zip(pairs, facts))
    print(f"(the hand-written function decides as the engine on {agree:,} of {len(pairs):,} generated requests)")
    report("engine, massage rules: item-evaluations/s (one core)", engine_rate, "items/s", ">= 500,000", engine_rate >= 500_000)
    report("hand-written Python, massage criteria", hand_rate, "items/s", "(reference)", None)
    report("ratio hand-written / engine (closures)", hand_rate / engine_rate, "x", "(lower is better)", None)

    library, templates = library_requests(ruleset, int(50_000 * scale))
    library_rate = decide_rate(library, ruleset)
    report(f"engine, whole library ({templates} distinct items): items/s", library_rate, "items/s", ">= 100,000", library_rate >= 100_000)

    sample = massage[: int(5_000 * scale)]
    render_rate = rate(lambda r: evaluate(r, ruleset), sample, repeat=3)
    report("evaluate with findings and rationale: requests/s", render_rate, "requests/s", "(may cost more)", None)
    json_rate = rate(lambda r: json.dumps(report_to_dict(evaluate(r, ruleset))), sample, repeat=3)
    report("... and JSON output: requests/s", json_rate, "requests/s", "(may cost more)", None)
    load_rate = rate(lambda d: request_from_data(d), [
        {"request_date": "2016-12-01", "facts": {"home_exercise_program": True},
         "items": [{"service": "Massage therapy 2x/week x 6 weeks", "facts": {"prior_sessions": 6}}]}
    ] * int(5_000 * scale), repeat=3)
    report("loading and normalising requests: requests/s", load_rate, "requests/s", "(reference)", None)
    per_item_1, per_item_100 = per_item_load_cost(scale)
    report("loading: per-item cost, 100-item / 1-item requests", per_item_100 / per_item_1, "x",
           "<= 1.5 (linear in items)", per_item_100 / per_item_1 <= 1.5)

    env = dict(os.environ)
    # An installed tool runs from compiled bytecode; a session that forbids writing it would
    # time the compilation of every module instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    example = str(ROOT / "examples" / "requests" / "massage-twelve-visits.yaml")
    executable = _imr_rules_command()
    runs = 7 if args.quick else 21
    wall(executable + ["check", example], 2, env)  # warm the on-disk cache
    # Interleaved, so that a slow patch of the machine weighs on all three alike.
    baseline, text, as_json, uncached = interleaved([
        [sys.executable, "-c", "import typer, yaml, rich.console"],
        executable + ["check", example],
        executable + ["check", example, "--format", "json"],
        executable + ["check", example, "--format", "json"],
    ], runs, env, {3: {"IMR_RULES_CACHE": "off"}})
    report("cold start: python -c 'import typer, yaml, rich.console'", baseline * 1000, "ms", "(baseline)", None)
    report("cold start: imr-rules check (text)", text * 1000, "ms", f"<= {baseline * 1.3 * 1000:.0f} ms (1.3x)", text <= baseline * 1.3)
    report("cold start: imr-rules check --format json", as_json * 1000, "ms", f"<= {baseline * 1.3 * 1000:.0f} ms (1.3x)", as_json <= baseline * 1.3)
    report("cold start ratio (text) to baseline", text / baseline, "x", "<= 1.3", text / baseline <= 1.3)
    report("cold start ratio (json) to baseline", as_json / baseline, "x", "<= 1.3", as_json / baseline <= 1.3)
    report("cold start: check --format json, IMR_RULES_CACHE=off", uncached * 1000, "ms", "(what the cache saves)", None)

    letters = _letter_texts()
    if letters:
        from imr_rules.letters import parse_letter_text

        letter_rate = rate(parse_letter_text, letters, repeat=3)
        report(f"imr-rules parse: text letters/s ({len(letters)} letters)", letter_rate, "letters/s", ">= 500", letter_rate >= 500)
    else:
        print("letter parsing: no letter texts found (../shared/corpus or examples/cases/letters)")
    print(f"\n(benchmark ran in {time.perf_counter() - started:.0f} s)")
    cache.cleanup()


def _imr_rules_command() -> list[str]:
    """The installed ``imr-rules`` script of this Python (what a reviewer runs), else ``-m``."""
    script = Path(sys.executable).with_name("imr-rules")
    return [str(script)] if script.exists() else [sys.executable, "-m", "imr_rules.cli"]


def _letter_texts() -> list[str]:
    folders = [Path(os.environ.get("IMR_RULES_SHARED", ROOT.parent / "shared")) / "corpus/raw/talhaabacus-IMRCrawler/txt",
               ROOT / "examples" / "cases" / "letters"]
    for folder in folders:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return [f.read_text(encoding="utf-8") for f in files]
    return []


if __name__ == "__main__":
    main()
