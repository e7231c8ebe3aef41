"""Mentions of facts in one document: concept matches, with their sentence, section and context.

A mention's value comes from its concept (or the number its pattern captures), turned to the
negated value by a negating context, dropped by a dropping one (hypothetical, quoted guideline
text, plans) unless the fact accepts it, and dropped outside the fact's sections. The evidence is
the mention's sentence, verbatim: ``text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from typing import Any

from imr_rules.drafting.pipeline import SPAN_GROUP, build_pipeline
from imr_rules.drafting.rules import ALWAYS_SKIPPED, DROP, NO_SECTION, Concept, ExtractionRules, load_extraction_rules

RATIONALE = "rationale"
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12}


@dataclass(frozen=True)
class Mention:
    """One fact read from one sentence of one document."""

    fact: str
    value: Any
    source: str
    start: int          # the evidence sentence's character span in the document text
    end: int
    evidence: str
    section: str
    rationale_index: int | None   # the n-th "Decision rationale" of a letter (its n-th item), else None
    rule: str
    context: tuple[str, ...]
    confidence: float
    matched: str        # the words that matched the concept
    match_start: int = 0
    match_end: int = 0


def extract(text: str, source: str, rules: ExtractionRules | None = None) -> list[Mention]:
    """Every mention in ``text`` that survives its context and section."""
    rules = rules or load_extraction_rules()
    nlp = build_pipeline(rules)
    with warnings.catch_warnings():
        # medspaCy's matchers wrap a spaCy token matcher that our regular-expression rules leave
        # empty; spaCy warns (W036) about that on each document.
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        doc = nlp(text)
    concepts = {c.name: c for c in rules.concepts}
    rationale_starts = [s.section_span[0] for s in doc._.sections if s.category == RATIONALE]
    mentions = []
    for span in doc.spans[SPAN_GROUP]:
        mention = _mention(span, concepts[span.label_], rules, source, text, rationale_starts)
        if mention is not None:
            mentions.append(mention)
    return mentions


def _mention(span, concept: Concept, rules: ExtractionRules, source: str, text: str, rationale_starts: list[int]):
    policy = rules.facts[concept.fact]
    section = span[0]._.section_category or NO_SECTION
    if section in ALWAYS_SKIPPED or section not in (concept.sections or policy.sections):
        return None
    labels, value, confidence = [], _value(concept, span.text), concept.confidence
    if value is None:
        return None
    for modifier in span._.modifiers:
        category = rules.context.get(modifier.category)
        if category is None:
            continue
        labels.append(category.label)
        if category.effect == "drop" and category.name not in concept.accept:
            return None
        if category.effect == "negate":
            if concept.negated == DROP:
                return None
            value = concept.negated
        confidence *= category.factor if category.effect != "drop" else 1.0
    sentence = span.sent
    index = None
    if section == RATIONALE:
        index = sum(1 for start in rationale_starts if start <= span.start) - 1
    return Mention(concept.fact, value, source, sentence.start_char, sentence.end_char,
                   text[sentence.start_char:sentence.end_char], section, index, concept.name,
                   tuple(dict.fromkeys(labels)), round(confidence, 3), span.text, span.start_char, span.end_char)


def _value(concept: Concept, matched: str) -> Any:
    if concept.value is not None:
        return concept.value
    found = re.search(concept.pattern, matched, re.IGNORECASE)
    raw = found.group("value") if found else None
    if raw is None:
        return None
    if raw.lower() in _NUMBERS:
        return _NUMBERS[raw.lower()]
    if raw.isdigit():
        return int(raw)
    return _date(raw)


def _date(raw: str) -> str | None:
    parts = re.split(r"[-/]", raw)
    if len(parts) != 3:
        return None
    month, day, year = (int(p) for p in parts)
    year += 2000 if year < 100 else 0
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
