"""Precision and recall of drafted facts against the hand-annotated cases (examples/cases).

For each annotated item the letter is drafted twice: (a) from its clinical case summary alone and
(b) from the whole letter. A drafted fact (at or above the threshold) is correct when the
annotation has the same fact with the same value. Recall counts only the annotated facts that the
item's rules read and whose evidence quote is in the text read (whitespace and case aside): a fact
the text cannot show is not the extractor's to find.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_rules.drafting.draft import DEFAULT_THRESHOLD, draft_from_documents, item_effective_facts
from imr_rules.drafting.rules import ExtractionRules, load_extraction_rules
from imr_rules.drafting.sources import SourceDocument, item_from_line, read_document

SUMMARY_SECTIONS = ("history",)
SCOPES = {"summary": SUMMARY_SECTIONS, "letter": None}


@dataclass
class Tally:
    drafted: Counter = field(default_factory=Counter)
    correct: Counter = field(default_factory=Counter)
    silent: Counter = field(default_factory=Counter)    # drafted facts the annotation does not state
    gold: Counter = field(default_factory=Counter)      # annotated facts whose evidence is in the text read
    found: Counter = field(default_factory=Counter)     # ... drafted with the same value
    errors: list = field(default_factory=list)
    misses: list = field(default_factory=list)

    def precision(self, name: str | None = None) -> float | None:
        drafted = self.drafted[name] if name else sum(self.drafted.values())
        correct = self.correct[name] if name else sum(self.correct.values())
        return correct / drafted if drafted else None

    def recall(self, name: str | None = None) -> float | None:
        gold = self.gold[name] if name else sum(self.gold.values())
        found = self.found[name] if name else sum(self.found.values())
        return found / gold if gold else None


@dataclass
class Evaluation:
    tallies: dict[str, Tally]
    letters: int
    items: int
    seconds: dict[str, float]


def _norm(text: str) -> str:
    return " ".join(str(text).split()).lower()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def evaluate_cases(directory: str | Path, threshold: float = DEFAULT_THRESHOLD, rules: ExtractionRules | None = None) -> Evaluation:
    from imr_rules.evaluation.cases import iter_cases
    from imr_rules.letters import parse_letter_text

    from imr_rules.drafting.pipeline import build_pipeline
    from imr_rules.ruleset.loading import load_ruleset

    rules = rules or load_extraction_rules()
    ruleset = load_ruleset()
    build_pipeline(rules)  # start-up, not counted in the speed
    tallies = {scope: Tally() for scope in SCOPES}
    seconds = {scope: 0.0 for scope in SCOPES}
    letters = items = 0
    for _, case in iter_cases([directory]):
        if isinstance(case, Exception) or case.letter is None or not Path(case.letter).exists():
            continue
        document = read_document(case.letter)
        letter = parse_letter_text(document.text, document.name)
        specs = [item_from_line(i.description) for i in letter.items]
        positions = {i.index: n for n, i in enumerate(letter.items)}
        letters += 1
        texts = {"summary": _norm(letter.case_summary), "letter": _norm(document.text)}
        for scope, sections in SCOPES.items():
            started = time.process_time()
            draft = draft_from_documents([document], specs, None, rules, ruleset, only_sections=sections)
            seconds[scope] += time.process_time() - started
            for case_item in case.items:
                if case_item.index not in positions:
                    continue
                position = positions[case_item.index]
                wanted = draft.items[position].wanted
                drafted = {n: f for n, f in item_effective_facts(draft, position).items()
                           if f.confidence >= threshold and n in wanted}
                _tally(tallies[scope], case.case_number, case_item, drafted, texts[scope], wanted)
        items += len(case.items)
    return Evaluation(tallies, letters, items, seconds)


def _gold(case_item) -> dict:
    request = case_item.request
    facts = dict(request.facts)
    for item in request.items:
        facts.update(item.facts)
    return facts


def _tally(tally: Tally, case_number: str, case_item, drafted: dict, text: str, wanted: frozenset) -> None:
    gold = _gold(case_item)
    for name, fact in drafted.items():
        tally.drafted[name] += 1
        expected = gold.get(name)
        if expected is not None and _plain(expected.value) == _plain(fact.value):
            tally.correct[name] += 1
        else:
            if expected is None:
                tally.silent[name] += 1
            tally.errors.append((case_number, case_item.index, name, fact.value,
                                 None if expected is None else _plain(expected.value), fact.mention.evidence))
    for name, fact in gold.items():
        if name not in wanted or not fact.evidence or _norm(fact.evidence) not in text:
            continue
        tally.gold[name] += 1
        if name in drafted and _plain(drafted[name].value) == _plain(fact.value):
            tally.found[name] += 1
        else:
            tally.misses.append((case_number, case_item.index, name, _plain(fact.value), fact.evidence))


def format_evaluation(evaluation: Evaluation, details: bool = False) -> str:
    lines = [f"Drafted facts against the hand annotations: {evaluation.letters} letters, {evaluation.items} annotated items."]
    lines.append("Recall counts the annotated facts that each item's rules read and whose evidence is in the text read;")
    lines.append("precision counts every drafted fact at or above the threshold (a fact the annotation leaves out counts as wrong).")
    for scope, tally in evaluation.tallies.items():
        title = {"summary": "(a) clinical case summary alone", "letter": "(b) whole letter"}[scope]
        rate = evaluation.letters / evaluation.seconds[scope] if evaluation.seconds[scope] else 0.0
        lines += ["", f"{title}: {rate:.1f} letters/s per core (CPU time, after start-up)", f"{'fact':40} {'drafted':>7} {'correct':>7} {'prec.':>6} {'gold':>5} {'found':>5} {'recall':>6}"]
        for name in sorted(set(tally.drafted) | set(tally.gold)):
            lines.append(_row(name, tally, name))
        lines.append(_row("overall", tally, None))
        drafted, correct, silent = (sum(c.values()) for c in (tally.drafted, tally.correct, tally.silent))
        stated = drafted - silent
        lines.append(f"precision on the facts the annotation states (not counting the {silent} drafted facts it is silent on): "
                     f"{correct / stated if stated else 0:.2f} ({correct} of {stated})")
        if details:
            lines += [f"  wrong: {c} #{i} {n} = {v!r} (annotated {g!r}): {' '.join(e.split())[:160]}" for c, i, n, v, g, e in tally.errors]
            lines += [f"  missed: {c} #{i} {n} = {v!r}: {' '.join(e.split())[:160]}" for c, i, n, v, e in tally.misses]
    return "\n".join(lines)


def _row(label: str, tally: Tally, name: str | None) -> str:
    def fmt(x):
        return "-" if x is None else f"{x:.2f}"
    drafted = tally.drafted[name] if name else sum(tally.drafted.values())
    correct = tally.correct[name] if name else sum(tally.correct.values())
    gold = tally.gold[name] if name else sum(tally.gold.values())
    found = tally.found[name] if name else sum(tally.found.values())
    return f"{label:40} {drafted:7d} {correct:7d} {fmt(tally.precision(name)):>6} {gold:5d} {found:5d} {fmt(tally.recall(name)):>6}"
