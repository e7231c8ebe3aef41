"""imr-rules draft: how many letters a second one core drafts, after start-up.

Run:  python benchmarks/draft_speed.py [FOLDER ...] [--repeat N]

Drafts every letter (.txt) in the folders (default: the annotated letters in examples/cases/letters
and, where present, the corpus text in ../shared/corpus), the letter's items in dispute and the
facts their rules read, as ``imr-rules draft`` does. Prints start-up (importing spaCy and medspaCy,
building the pipeline) and the drafting rate in CPU time of this process, the median of the
repeats, beside the target (>= 30 letters a second per core), and the load average: the machine is
shared, and CPU time is inflated when it is busy. Needs the ``draft`` extra. Speed is measured
here, never by timed tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 30.0


def default_folders() -> list[Path]:
    folders = [ROOT / "examples" / "cases" / "letters"]
    corpus = ROOT.parent / "shared" / "corpus" / "raw" / "talhaabacus-IMRCrawler" / "txt"
    if corpus.is_dir():
        folders.append(corpus)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=r"\[W036\]")

    started = time.process_time()
    from imr_rules.drafting.draft import draft_from_documents
    from imr_rules.drafting.pipeline import build_pipeline
    from imr_rules.drafting.rules import load_extraction_rules
    from imr_rules.drafting.sources import read_document
    from imr_rules.errors import ImrRulesError
    from imr_rules.ruleset.loading import load_ruleset

    rules, ruleset = load_extraction_rules(), load_ruleset()
    build_pipeline(rules)
    startup = time.process_time() - started
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"start-up (imports, rules, pipeline): {startup:.2f} s CPU")
    for folder in args.folders or default_folders():
        documents = [read_document(p) for p in sorted(folder.glob("*.txt"))]
        rates, drafted = [], 0
        for _ in range(max(1, args.repeat)):
            drafted = 0
            started = time.process_time()
            for document in documents:
                try:
                    draft_from_documents([document], rules=rules, ruleset=ruleset)
                    drafted += 1
                except ImrRulesError:   # a letter whose items the parser cannot read
                    pass
            rates.append(len(documents) / (time.process_time() - started))
        rate = statistics.median(rates)
        verdict = "meets" if rate >= TARGET else "below"
        print(f"{folder}: {len(documents)} letters ({drafted} drafted): {rate:.1f} letters/s per core "
              f"(target >= {TARGET:.0f}: {verdict})")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
