"""Compare rule decisions on drafted facts with IMR's outcomes over any folder of letters.

Each letter is drafted (its items in dispute, facts from the whole letter), the draft is read back
as ``check`` reads it, every item is decided, and the decision is set beside the outcome the
letter parser reads: medically necessary ~ overturned, not medically necessary ~ upheld. No hand
annotation is needed. Given the annotated cases too, the same items are also decided on the hand
annotations' facts, so the two agreements can be read side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from imr_rules.drafting.draft import DEFAULT_THRESHOLD, draft_from_documents
from imr_rules.drafting.sources import SourceDocument, item_from_line
from imr_rules.drafting.write import draft_to_yaml

LETTER_SUFFIXES = (".txt", ".md", ".pdf")


@dataclass
class Decided:
    case_number: str
    index: int
    category: str | None
    actual: str
    ours: str | None           # upheld / overturned, None when no rule applies


@dataclass
class LetterComparison:
    decided: list[Decided] = field(default_factory=list)
    letters: int = 0
    unreadable: int = 0


def compare_letters(paths: Iterable[str | Path], threshold: float = DEFAULT_THRESHOLD, ruleset=None) -> LetterComparison:
    import yaml

    from imr_rules.engine import evaluate_item
    from imr_rules.evaluation.compare import AS_IMR_OUTCOME
    from imr_rules.letters import iter_letters
    from imr_rules.requests.loading import request_from_data
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = ruleset or load_ruleset()
    result = LetterComparison()
    for path, letter in iter_letters(paths):
        if isinstance(letter, Exception) or not letter.items:
            result.unreadable += 1
            continue
        result.letters += 1
        from imr_rules.drafting.sources import read_document

        document = read_document(path)
        specs = [item_from_line(i.description) for i in letter.items]
        draft = draft_from_documents([SourceDocument(document.name, document.text)], specs, None, ruleset=ruleset)
        request = request_from_data(yaml.safe_load(draft_to_yaml(draft, threshold)), str(path))
        for disputed, item in zip(letter.items, request.items):
            if disputed.outcome not in ("upheld", "overturned"):
                continue
            determination = evaluate_item(request, item, ruleset)
            result.decided.append(Decided(letter.case_number or Path(path).stem, disputed.index, item.category,
                                          disputed.outcome, AS_IMR_OUTCOME.get(determination.outcome)))
    return result


def metrics(decided: Iterable[Decided]):
    from imr_rules.evaluation.compare import OVERTURNED, UPHELD, Metrics

    counts = {(a, o): 0 for a in (OVERTURNED, UPHELD) for o in (OVERTURNED, UPHELD)}
    for d in decided:
        if d.ours is not None:
            counts[(d.actual, d.ours)] += 1
    return Metrics(counts[(OVERTURNED, OVERTURNED)], counts[(UPHELD, OVERTURNED)],
                   counts[(OVERTURNED, UPHELD)], counts[(UPHELD, UPHELD)])


def hand_annotated(cases_dir: str | Path, ruleset=None) -> dict[tuple[str, int], str | None]:
    """Our decision (in IMR terms) on each annotated item, from the hand annotation's facts."""
    from imr_rules.engine import evaluate_item
    from imr_rules.evaluation.cases import iter_cases
    from imr_rules.evaluation.compare import AS_IMR_OUTCOME
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = ruleset or load_ruleset()
    decisions = {}
    for _, case in iter_cases([cases_dir]):
        if isinstance(case, Exception):
            continue
        for item in case.items:
            determination = evaluate_item(item.request, item.request.items[0], ruleset)
            decisions[(case.case_number, item.index)] = AS_IMR_OUTCOME.get(determination.outcome)
    return decisions


def format_letter_comparison(result: LetterComparison, annotated: dict | None = None) -> str:
    covered = [d for d in result.decided if d.ours is not None]
    lines = [f"{result.letters} letters ({result.unreadable} unreadable), {len(result.decided)} items with an outcome; "
             f"{len(covered)} covered by a rule.", "", _header()]
    lines.append(_line("drafted facts, every item", metrics(result.decided)))
    if annotated:
        same = [d for d in result.decided if (d.case_number, d.index) in annotated]
        hand = [Decided(d.case_number, d.index, d.category, d.actual, annotated[(d.case_number, d.index)]) for d in same]
        lines.append(_line(f"drafted facts, the {len(same)} annotated items", metrics(same)))
        lines.append(_line(f"hand-annotated facts, the same {len(hand)} items", metrics(hand)))
        changed = sum(1 for d, h in zip(same, hand) if d.ours != h.ours)
        lines.append(f"\nOn the annotated items the drafted facts change our decision on {changed} of {len(same)}.")
    return "\n".join(lines)


def _header() -> str:
    return f"{'facts':48} {'covered':>7} {'accuracy':>8} {'bal.acc.':>8} {'kappa':>6}"


def _line(label: str, m) -> str:
    def fmt(x, pct=True):
        return "-" if x is None else (f"{x:.1%}" if pct else f"{x:.3f}")
    return f"{label:48} {m.n:7d} {fmt(m.accuracy):>8} {fmt(m.balanced_accuracy):>8} {fmt(m.kappa, False):>6}"
