"""Fact-level agreement between the first annotation (examples/cases) and the second,
independent one (examples/cases/second-annotation), on the items both annotated (issue 12 §1).

Run:  python benchmarks/annotation_agreement.py [--details] [FIRST_DIR SECOND_DIR]

The figures are computed by imr_rules.evaluation.annotation_agreement; see its docstring for
what each column means. Only the top level of FIRST_DIR is read (its subfolders hold other
annotations).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imr_rules.evaluation.annotation_agreement import compare_annotations, format_agreement, read_annotation  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", nargs="?", default=str(ROOT / "examples" / "cases"))
    parser.add_argument("second", nargs="?", default=str(ROOT / "examples" / "cases" / "second-annotation"))
    parser.add_argument("--details", action="store_true", help="list every fact where the two differ")
    args = parser.parse_args(argv)
    result = compare_annotations(read_annotation(args.first), read_annotation(args.second))
    print(format_agreement(result, "first", "second", details=args.details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
