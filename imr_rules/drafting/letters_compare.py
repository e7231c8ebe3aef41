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
    # One line per letter left out ("path: why"), so the count can be traced to its files.
    left_out: list[str] = field(default_factory=list)


def compare_letters(paths: Iterable[str | Path], threshold: float = DEFAULT_THRESHOLD, ruleset=None,
                    pdf_engine: str | None = None) -> LetterComparison:
    """Every letter in ``paths`` (files or folders) drafted and decided beside its outcomes."""
    from imr_rules.errors import ImrRulesError
    from imr_rules.letters import letter_paths
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = ruleset or load_ruleset()
    result = LetterComparison()
    for path in letter_paths(paths):
        try:
            letter, text = read_for_comparison(path, pdf_engine)
        except ImrRulesError as error:  # a file that is not a letter, or cannot be read: counted, not fatal
            result.unreadable += 1
            result.left_out.append(error.one_line())
            continue
        if not letter.items:
            result.unreadable += 1
            result.left_out.append(f"{path}: no disputed item was found in the letter (is this an IMR determination letter?)")
            continue
        result.letters += 1
        result.decided.extend(decide_letter(letter, text, ruleset, threshold))
    return result


def read_for_comparison(path: str | Path, pdf_engine: str | None = None):
    """(letter, its text): one reading serves both the parse and the draft (a PDF is extracted once).
    Raises :class:`~imr_rules.errors.LetterError`."""
    from imr_rules.letters import letter_text, parse_letter_text

    text = letter_text(path, pdf_engine)
    return parse_letter_text(text, source=str(path)), text


def decide_letter(letter, text: str, ruleset, threshold: float = DEFAULT_THRESHOLD) -> list[Decided]:
    """The letter drafted from its own text, each item with an outcome decided beside that outcome."""
    import yaml

    from imr_rules.engine import evaluate_item
    from imr_rules.evaluation.compare import AS_IMR_OUTCOME
    from imr_rules.requests.loading import request_from_data

    source = letter.source or ""
    specs = [item_from_line(i.description) for i in letter.items]
    draft = draft_from_documents([SourceDocument(source, text)], specs, None, ruleset=ruleset)
    request = request_from_data(yaml.safe_load(draft_to_yaml(draft, threshold)), source)
    decided = []
    for disputed, item in zip(letter.items, request.items):
        if disputed.outcome not in ("upheld", "overturned"):
            continue
        determination = evaluate_item(request, item, ruleset)
        decided.append(Decided(letter.case_number or Path(source).stem, disputed.index, item.category,
                               disputed.outcome, AS_IMR_OUTCOME.get(determination.outcome)))
    return decided


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
