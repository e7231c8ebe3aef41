"""PDF letters: text vs PDFium vs pdfminer on the corpus, side by side, and what 1.6 million take.

Run:  python benchmarks/pdf_speed.py [--rounds 3] [--pdfminer-rounds 1] [--letters N] [--compare-letters 40]

The same letters are read from their text (txt/) and from their PDFs by each engine (pdf/), twice
over: end to end as a user runs it (``imr-rules parse DIR --format jsonl``, a new process each
time: the issue's measure) and through the library in one process (``read_letter``: the per-core
rates). Rounds alternate their order, so that load on the machine falls on every kind alike; each
figure is the median over the rounds, printed with the load average around it, beside its target
(issue 15: PDFs at most 5x the text) and its baseline (pdfminer, the only engine before; it takes
minutes, so it runs ``--pdfminer-rounds`` times). Clock and processor time are both printed:
processor time (the process and its collected children, the bounded PDF reader among them) is what
a dedicated core would take, and the basis of the estimate for the whole history of IMR letters
(1.6 million since 2013, 130-190k a year). ``--compare-letters`` also times parse + draft + decide
(the ``letters_with_dask.py --compare`` work), from text and from PDF, on that many letters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imr_rules.letters import read_letter  # noqa: E402

CORPUS = Path(os.environ.get("IMR_RULES_CORPUS", ROOT.parent / "shared" / "corpus")) / "raw" / "talhaabacus-IMRCrawler"
HISTORY = 1_600_000
TARGET_RATIO = 5.0
KINDS = ("text", "pdfium", "pdfminer")


def load() -> str:
    return "%.1f" % os.getloadavg()[0]


def _cpu() -> float:
    """Processor seconds of this process and its collected children (microsecond resolution)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function, paths) -> tuple[float, float, list]:
    """(clock seconds, processor seconds, results) of ``function`` over ``paths``."""
    from imr_rules.letters import pdfworker

    wall, cpu = time.perf_counter(), _cpu()
    results = [function(path) for path in paths]
    wall = time.perf_counter() - wall
    pdfworker.close_all()  # the PDF child is collected, so that its processor time is counted
    return wall, _cpu() - cpu, results


def _items(letter) -> list[tuple[str, str]]:
    return [(" ".join(item.description.split()), item.outcome) for item in letter.items]


def cli_rounds(stems: list[str], rounds: int, pdfminer_rounds: int) -> dict[str, dict[str, list[float]]]:
    """``imr-rules parse`` over a folder of the letters, one process per run, as a user runs it."""
    import subprocess
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="imr-pdf-speed-"))
    for suffix in ("txt", "pdf"):
        (work / suffix).mkdir()
        for stem in stems:
            (work / suffix / f"{stem}.{suffix}").symlink_to(CORPUS / suffix / f"{stem}.{suffix}")
    args = {"text": ["txt"], "pdfium": ["pdf", "--pdf-engine", "pdfium"], "pdfminer": ["pdf", "--pdf-engine", "pdfminer"]}
    figures = {kind: {"wall": [], "cpu": [], "load": []} for kind in KINDS}
    for number in range(rounds):
        order = KINDS[number % 3:] + KINDS[:number % 3]
        for kind in order:
            if kind == "pdfminer" and number >= pdfminer_rounds:
                continue
            folder, *options = args[kind]
            command = [sys.executable, "-m", "imr_rules.cli", "parse", str(work / folder), "--format", "jsonl",
                       "-o", str(work / f"{kind}.jsonl"), *options]
            before, cpu, wall = load(), _cpu(), time.perf_counter()
            subprocess.run(command, check=False, stderr=subprocess.DEVNULL, cwd=ROOT)
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            for name, value in (("wall", wall), ("cpu", cpu), ("load", f"{before}-{load()}")):
                figures[kind][name].append(value)
            print(f"  round {number + 1} imr-rules parse {kind:9} {wall:7.2f} s clock {cpu:7.2f} s processor"
                  f"  (load {before} -> {load()})", flush=True)
    return figures


def parse_rounds(stems: list[str], rounds: int, pdfminer_rounds: int) -> dict[str, dict[str, list[float]]]:
    runs = {
        "text": lambda stem: read_letter(CORPUS / "txt" / f"{stem}.txt"),
        "pdfium": lambda stem: read_letter(CORPUS / "pdf" / f"{stem}.pdf", "pdfium"),
        "pdfminer": lambda stem: read_letter(CORPUS / "pdf" / f"{stem}.pdf", "pdfminer"),
    }
    figures = {kind: {"wall": [], "cpu": [], "load": []} for kind in KINDS}
    items = {}
    for number in range(rounds):
        order = KINDS[number % 3:] + KINDS[:number % 3]
        for kind in order:
            if kind == "pdfminer" and number >= pdfminer_rounds:
                continue
            before = load()
            wall, cpu, letters = timed(runs[kind], stems)
            figures[kind]["wall"].append(wall)
            figures[kind]["cpu"].append(cpu)
            figures[kind]["load"].append(f"{before}-{load()}")
            items[kind] = [_items(letter) for letter in letters]
            print(f"  round {number + 1} {kind:9} {wall:7.2f} s clock {cpu:7.2f} s processor  (load {before} -> {load()})",
                  flush=True)
    counts = {kind: sum(map(len, found)) for kind, found in items.items()}
    same = all(found == items["text"] for found in items.values())
    print(f"  items: {counts}; the same items and outcomes from {', '.join(items)}: {same}")
    return figures


def compare_rounds(stems: list[str], rounds: int) -> dict[str, dict[str, list[float]]]:
    from imr_rules.drafting.letters_compare import decide_letter, read_for_comparison
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset()

    def compare(path: Path):
        letter, text = read_for_comparison(path)
        return decide_letter(letter, text, ruleset)

    compare(CORPUS / "txt" / f"{stems[0]}.txt")  # loads medspaCy and the extraction rules once
    figures = {kind: {"wall": [], "cpu": [], "load": []} for kind in ("text", "pdfium")}
    for number in range(rounds):
        for kind in (("text", "pdfium") if number % 2 == 0 else ("pdfium", "text")):
            suffix = "txt" if kind == "text" else "pdf"
            before = load()
            wall, cpu, _ = timed(compare, [CORPUS / suffix / f"{stem}.{suffix}" for stem in stems])
            figures[kind]["wall"].append(wall)
            figures[kind]["cpu"].append(cpu)
            figures[kind]["load"].append(f"{before}-{load()}")
            print(f"  round {number + 1} compare {kind:7} {wall:7.2f} s clock {cpu:7.2f} s processor  (load {before} -> {load()})",
                  flush=True)
    return figures


def report_parse(figures, count: int, title: str) -> dict[str, float]:
    kinds = [kind for kind in KINDS if figures[kind]["wall"]]  # pdfminer is left out with --pdfminer-rounds 0
    median = {kind: {k: statistics.median(v) for k, v in figures[kind].items() if k != "load"} for kind in kinds}
    print(f"\n{title}, {count} letters, medians of {len(figures['text']['wall'])} rounds "
          f"(pdfminer: {len(figures['pdfminer']['wall'])}):")
    print(f"  {'':10} {'clock s':>9} {'cpu s':>9} {'letters/s (cpu)':>16} {'x text (clock)':>15} {'x text (cpu)':>13}")
    for kind in kinds:
        m = median[kind]
        print(f"  {kind:10} {m['wall']:9.2f} {m['cpu']:9.2f} {count / m['cpu']:16.1f} "
              f"{m['wall'] / median['text']['wall']:15.2f} {m['cpu'] / median['text']['cpu']:13.2f}")
    for measure in ("wall", "cpu"):
        ratios = [p / t for p, t in zip(figures["pdfium"][measure], figures["text"][measure])]
        ratio = statistics.median(ratios)
        print(f"  PDFium / text by {'clock' if measure == 'wall' else 'processor'} time, per round "
              f"{[round(r, 2) for r in ratios]}: median {ratio:.2f}x "
              f"(target <= {TARGET_RATIO:g}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    if "pdfminer" in kinds:
        baseline = statistics.median(m / t for m, t in zip(figures["pdfminer"]["wall"], figures["text"]["wall"]))
        speedup = statistics.median(m / p for m, p in zip(figures["pdfminer"]["wall"], figures["pdfium"]["wall"]))
        print(f"  baseline pdfminer / text: {baseline:.1f}x; PDFium is {speedup:.1f}x faster than pdfminer")
    return {kind: median[kind]["cpu"] / count for kind in kinds}


def report_compare(figures, count: int) -> dict[str, float]:
    print(f"\nparse + draft + decide, {count} letters, medians of {len(figures['text']['wall'])} rounds:")
    per_letter = {}
    for kind, found in figures.items():
        wall, cpu = statistics.median(found["wall"]), statistics.median(found["cpu"])
        per_letter[f"{kind} + compare"] = cpu / count
        print(f"  {kind:10} {wall:9.2f} s clock {cpu:9.2f} s processor {count / cpu:9.1f} letters/s (cpu)")
    return per_letter


def estimate(per_letter: dict[str, float]) -> None:
    """The whole history at the measured processor time per letter, spread over cores."""
    cores = (1, 2, 8, 32, 128)
    print(f"\n{HISTORY:,} letters at the measured processor time per letter (hours; cores fully used, I/O not counted):")
    print(f"  {'':22} {'ms/letter':>9} " + " ".join(f"{c:>8} core" + ("s" if c > 1 else " ") for c in cores))
    for kind, seconds in per_letter.items():
        hours = [HISTORY * seconds / c / 3600 for c in cores]
        print(f"  {kind:22} {seconds * 1000:9.1f} " + " ".join(f"{h:13.2f}" for h in hours))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pdfminer-rounds", type=int, default=1, help="rounds that include pdfminer (minutes each; 0: none)")
    parser.add_argument("--letters", type=int, default=0, help="first N letters only (default: all 194)")
    parser.add_argument("--compare-letters", type=int, default=40, help="letters for parse + draft + decide (0: skip)")
    args = parser.parse_args()
    if not (CORPUS / "pdf").is_dir():
        sys.exit(f"corpus not found at {CORPUS} (set IMR_RULES_CORPUS to the shared/corpus directory)")
    stems = sorted(p.stem for p in (CORPUS / "pdf").glob("*.pdf"))
    stems = stems[:args.letters] if args.letters else stems
    print(f"load average at start: {load()} on {os.cpu_count()} cores", flush=True)
    read_letter(CORPUS / "txt" / f"{stems[0]}.txt")  # warm: imports, the reader's data, pypdfium2 in the parent
    for kind in KINDS[1:]:
        read_letter(CORPUS / "pdf" / f"{stems[0]}.pdf", kind)
    report_parse(cli_rounds(stems, args.rounds, args.pdfminer_rounds), len(stems), "imr-rules parse DIR --format jsonl")
    per_letter = report_parse(parse_rounds(stems, args.rounds, args.pdfminer_rounds), len(stems), "read_letter, in one process")
    if args.compare_letters:
        try:
            import medspacy  # noqa: F401
        except ImportError:
            print("\nparse + draft + decide: skipped (pip install 'imr-rules[draft]')")
        else:
            chosen = stems[:args.compare_letters]
            per_letter.update(report_compare(compare_rounds(chosen, args.rounds), len(chosen)))
    estimate(per_letter)
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
