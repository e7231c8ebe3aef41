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
from imr_rules.drafting.rules import ALWAYS_SKIPPED, DROP, Concept, ExtractionRules, load_extraction_rules
from imr_rules.drafting.segment import sentence_at, sentence_bounds, sections

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
    pipeline = build_pipeline(rules)
    found = _matches(text, rules, pipeline)
    if not found:
        return []
    by_sentence: dict[tuple[int, int], list[_Match]] = {}
    for match in found:
        by_sentence.setdefault(match.sentence, []).append(match)
    mentions = []
    with warnings.catch_warnings():
        # medspaCy's ConText wraps a spaCy token matcher that our regular-expression rules leave
        # empty; spaCy warns (W036) about that on each document.
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        for (start, end), matches in by_sentence.items():
            mentions += _sentence_mentions(text, start, end, matches, rules, pipeline, source)
    return mentions


@dataclass(frozen=True)
class _Match:
    concept: Concept
    value: Any
    start: int
    end: int
    section: str
    rationale_index: int | None
    sentence: tuple[int, int]


def _matches(text: str, rules: ExtractionRules, pipeline) -> list[_Match]:
    """Concept matches over the raw text of each section a concept may give its fact in."""
    found, rationales = [], -1
    for section in sections(text, rules):
        if section.category == RATIONALE:
            rationales += 1
        if section.category in ALWAYS_SKIPPED:
            continue
        index = rationales if section.category == RATIONALE else None
        bounds = None
        for concept, pattern in pipeline.by_section.get(section.category, ()):
            for match in pattern.finditer(text, section.start, section.end):
                value = _value(concept, match)
                if value is None:
                    continue
                if bounds is None:
                    bounds = sentence_bounds(text, section.start, section.end)
                first = sentence_at(text, bounds, section.end, match.start())
                last = sentence_at(text, bounds, section.end, max(match.start(), match.end() - 1))
                found.append(_Match(concept, value, match.start(), match.end(), section.category, index, (first[0], last[1])))
    return found


def _sentence_mentions(text: str, start: int, end: int, matches: list[_Match], rules: ExtractionRules,
                       pipeline, source: str) -> list[Mention]:
    """ConText over one sentence, once per fact: that fact's matches as the targets, so another
    fact's words ("a trial ... was approved") never bear on this one's mention ("6 sessions")."""
    nlp = pipeline.nlp
    doc = None
    by_fact: dict[str, list[_Match]] = {}
    for match in matches:
        by_fact.setdefault(match.concept.fact, []).append(match)
    mentions = []
    for group in by_fact.values():
        doc = nlp.make_doc(text[start:end]) if doc is None else doc
        doc.spans[SPAN_GROUP] = [doc.char_span(m.start - start, m.end - start, label=m.concept.name, alignment_mode="expand")
                                 for m in group]
        for _, component in nlp.pipeline:
            doc = component(doc)
        for span, match in zip(doc.spans[SPAN_GROUP], group):
            mention = _mention(span, match, rules, source, text, start, end)
            if mention is not None:
                mentions.append(mention)
    return mentions


def _mention(span, match: _Match, rules: ExtractionRules, source: str, text: str, start: int, end: int):
    concept = match.concept
    labels, value, confidence = [], match.value, concept.confidence
    for modifier in span._.modifiers:
        category = rules.context.get(modifier.category)
        if category is None or _inside(modifier.modifier_span, span):
            continue
        labels.append(category.label)
        if category.effect == "drop" and category.name not in concept.accept:
            return None
        if category.effect == "negate":
            if concept.negated == DROP:
                return None
            value = concept.negated
        confidence *= category.factor if category.effect != "drop" else 1.0
    return Mention(concept.fact, value, source, start, end, text[start:end], match.section, match.rationale_index,
                   concept.name, tuple(dict.fromkeys(labels)), round(confidence, 3), text[match.start:match.end],
                   match.start, match.end)


def _inside(modifier_span: tuple[int, int], target) -> bool:
    """The modifier's words are the concept's own ("not helping", "sensation intact"); one that
    reaches beyond the target ("no discussion" of "discussion of surgery") still applies."""
    return target.start <= modifier_span[0] and modifier_span[1] <= target.end


def _value(concept: Concept, match: re.Match) -> Any:
    if concept.value is not None:
        return concept.value
    raw = match.groupdict().get("value")
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
