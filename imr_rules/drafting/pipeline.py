"""The medspaCy pipeline built from the extraction rules: a blank spaCy English pipeline (no model
weights, nothing downloaded) with spaCy's sentencizer, medspaCy's TargetMatcher (one target rule
per concept), ConText (our modifiers only, no default rules) and Sectionizer (our headings).

Mentions are kept in a span group, not in ``doc.ents``, so that overlapping concepts of different
facts ("positive Tinel's": a nerve compromise and a peripheral neuropathy) all survive.
"""

from __future__ import annotations

from imr_rules.drafting.rules import ExtractionRules, load_extraction_rules

SPAN_GROUP = "imr_mentions"


class DraftExtraUnavailable(ImportError):
    """medspaCy (the ``draft`` extra) is not installed."""


def require_medspacy() -> None:
    try:
        import medspacy  # noqa: F401
        import spacy  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise DraftExtraUnavailable(
            "imr-rules draft needs the optional 'draft' extra: pip install 'imr-rules[draft]'"
        ) from error


_BUILT: dict[int, tuple[ExtractionRules, object]] = {}


def build_pipeline(rules: ExtractionRules | None = None):
    """The spaCy ``Language`` for these rules (built once per process and rule set)."""
    rules = rules or load_extraction_rules()
    if id(rules) not in _BUILT:
        _BUILT[id(rules)] = (rules, _build(rules))
    return _BUILT[id(rules)][1]


def _build(rules: ExtractionRules):
    require_medspacy()
    import spacy
    from medspacy.context import ConTextRule
    from medspacy.section_detection import SectionRule
    from medspacy.target_matcher import TargetRule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = nlp.add_pipe("medspacy_target_matcher",
                           config={"result_type": "group", "span_group_name": SPAN_GROUP, "prune": False})
    matcher.add([TargetRule(c.name, c.name, pattern=c.pattern) for c in rules.concepts])
    context = nlp.add_pipe("medspacy_context", config={
        "rules": None, "span_attrs": None, "input_span_type": "group", "span_group_name": SPAN_GROUP,
        "prune_on_target_overlap": True,
    })
    context.add([ConTextRule(m.pattern, m.category, pattern=m.pattern, direction=m.direction, max_scope=m.max_scope)
                 for m in rules.modifiers])
    sectionizer = nlp.add_pipe("medspacy_sectionizer", config={
        "rules": None, "input_span_type": "group", "span_group_name": SPAN_GROUP, "span_attrs": None,
    })
    sectionizer.add([SectionRule(s.literal, s.category, pattern=s.pattern) for s in rules.sections])
    return nlp
