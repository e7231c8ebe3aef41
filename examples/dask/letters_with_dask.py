"""Parse (and compare) a whole history of IMR letters with Dask (pip install "imr-rules[dask]";
``--compare`` also needs "imr-rules[draft]").

The letters are files (.txt, .md, .pdf). Their sorted list is cut into partitions of
``--partition-size`` letters; each partition is one Dask task that reads each of its letters once
(a PDF through the library's bounded reader, PDFium by default), parses it and, with ``--compare``,
drafts a request from the letter's own text and decides its items with the rules (the rule set is
loaded once per worker process, from the on-disk cache). Each partition writes one JSON Lines
file, ``OUT/part-00000.jsonl`` ..., a line per letter in file order:

    {"source": ..., "letter": {...imr-rules parse --format jsonl...} or null, "error": null or "one line",
     "decisions": [{"index", "category", "actual", "ours"}, ...]}     # decisions: with --compare only

A letter that cannot be read is a line with its error; the partition goes on. The same files give
byte-identical output. The run ends with one summary line on stderr.

    python examples/dask/letters_with_dask.py 'letters/**/*.pdf' out/                    # every core here
    python examples/dask/letters_with_dask.py --files-from paths.list out/ --compare --partition-size 2000
    python examples/dask/letters_with_dask.py 'letters/**/*.pdf' out/ --scheduler tcp://scheduler:8786

The letters are glob patterns (recursive ``**`` allowed) and/or ``--files-from`` a file listing one
path a line. On a cluster (``pip install "dask[distributed]"``; ``dask scheduler`` and ``dask worker`` on
the machines), every worker must see the letters at the same paths (a shared file system) and
``OUT`` must be shared too. JSON Lines needs nothing beyond Dask; where pyarrow is installed,
``dask.dataframe.read_json("out/*.jsonl", lines=True).to_parquet(...)`` turns it into Parquet.
"""

from __future__ import annotations

import argparse
import functools
import glob
import json
import sys
from pathlib import Path
from typing import Iterable

import dask
import dask.bag as db

from imr_rules.errors import ImrRulesError
from imr_rules.letters import LETTER_SUFFIXES, parse_letter_text
from imr_rules.render.data import letter_to_dict

DEFAULT_PARTITION_SIZE = 1000


def letter_files(patterns: Iterable[str] = (), files_from: str | None = None) -> list[str]:
    """The letter files matching glob patterns, plus those listed in ``files_from`` (one path a
    line), sorted, once each: the same files always make the same partitions."""
    found: set[str] = set()
    for pattern in patterns:
        found.update(p for p in glob.glob(pattern, recursive=True) if Path(p).suffix.lower() in LETTER_SUFFIXES)
    if files_from:
        lines = Path(files_from).read_text(encoding="utf-8").splitlines()
        found.update(line.strip() for line in lines if line.strip())
    return sorted(found)


@functools.lru_cache(maxsize=1)
def _ruleset():
    """Loaded once per worker process (threads share it; it is read-only)."""
    from imr_rules.ruleset.loading import load_ruleset

    return load_ruleset()


def process_partition(paths: Iterable[str], compare: bool = False, pdf_engine: str | None = None) -> list[dict]:
    """One row per letter of the partition, in order (a list: it is pickled back to the client)."""
    return [process_letter(path, compare, pdf_engine) for path in paths]


def process_letter(path: str, compare: bool = False, pdf_engine: str | None = None) -> dict:
    from imr_rules.letters import letter_text

    row: dict = {"source": path, "letter": None, "error": None}
    try:
        text = letter_text(path, pdf_engine)
        letter = parse_letter_text(text, source=path)
        row["letter"] = letter_to_dict(letter)
        if compare:
            from imr_rules.drafting.letters_compare import decide_letter

            row["decisions"] = [{"index": d.index, "category": d.category, "actual": d.actual, "ours": d.ours}
                                for d in decide_letter(letter, text, _ruleset())]
    except ImrRulesError as error:
        row["error"] = error.one_line()
    except Exception as error:  # noqa: BLE001 - one letter's bug must not lose the partition's other letters
        row["error"] = f"{path}: internal error ({type(error).__name__})"
    return row


def summarize(rows: list[dict]) -> dict:
    decided = [d for row in rows for d in row.get("decisions", ())]
    return {
        "letters": len(rows),
        "unreadable": sum(row["error"] is not None for row in rows),
        "items": sum(len(row["letter"]["items"]) for row in rows if row["letter"]),
        "decided": len(decided),
        "covered": sum(d["ours"] is not None for d in decided),
        "agree": sum(d["ours"] == d["actual"] for d in decided),
    }


def _add(a: dict, b: dict) -> dict:
    return {key: a.get(key, 0) + b.get(key, 0) for key in b}


def run(files: list[str], out_dir: str | Path, partition_size: int = DEFAULT_PARTITION_SIZE,
        compare: bool = False, pdf_engine: str | None = None, scheduler: str = "processes") -> dict:
    """Write OUT/part-NNNNN.jsonl for every partition of ``files``; return the summary counts."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    rows = db.from_sequence(files, partition_size=partition_size).map_partitions(
        process_partition, compare=compare, pdf_engine=pdf_engine)
    writes = rows.map(functools.partial(json.dumps, ensure_ascii=False)).to_textfiles(
        str(Path(out_dir) / "part-*.jsonl"), name_function=lambda i: f"{i:05d}", compute=False, last_endline=True)
    totals = rows.reduction(summarize, lambda parts: functools.reduce(_add, parts, {}))
    # One compute: each partition is read, parsed and decided once, for its file and for the totals.
    with _scheduler(scheduler):
        _, summary = dask.compute(writes, totals)
    return summary


def _scheduler(name: str):
    """A local scheduler by name, or a dask.distributed cluster by address (tcp://host:8786)."""
    if "://" in name:
        from dask.distributed import Client  # pip install "dask[distributed]"

        return Client(name)
    return dask.config.set(scheduler=name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="*", help="glob patterns of letter files (quote them)")
    parser.add_argument("out", help="folder for part-NNNNN.jsonl")
    parser.add_argument("--files-from", help="a file listing one letter path a line")
    parser.add_argument("--partition-size", type=int, default=DEFAULT_PARTITION_SIZE, help="letters per task")
    parser.add_argument("--compare", action="store_true", help="draft each letter and decide its items (needs the draft extra)")
    parser.add_argument("--pdf-engine", choices=("pdfium", "pdfminer"), default=None, help="default: pdfium where installed")
    parser.add_argument("--scheduler", default="processes", help="processes, threads, synchronous, or a cluster address")
    args = parser.parse_args(argv)
    files = letter_files(args.patterns, args.files_from)
    if not files:
        parser.error("no letter files found: give glob patterns of .txt/.md/.pdf files, or --files-from")
    summary = run(files, args.out, args.partition_size, args.compare, args.pdf_engine, args.scheduler)
    sys.stderr.write(" ".join(f"{key}={value}" for key, value in summary.items()) + "\n")


if __name__ == "__main__":
    main()
