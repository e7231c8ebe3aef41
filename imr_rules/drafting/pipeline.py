"""The medspaCy pipeline built from the extraction rules: a blank spaCy English pipeline (no model
weights, nothing downloaded) with spaCy's sentencizer and medspaCy's ConText (our modifiers only,
no default rules), and the concepts' patterns compiled once.

Concepts are matched with Python's ``re`` over the raw text of each section, and only the
sentences they match in are tokenised and given to ConText (``extract``). medspaCy's TargetMatcher
and Sectionizer would tokenise the whole document and re-render its text once per regular
expression, which cost four-fifths of the time for the same matches (benchmarks/draft_speed.py).

Mentions are kept in a span group, not in ``doc.ents``, so that overlapping concepts of different
facts ("positive Tinel's": a nerve compromise and a peripheral neuropathy) all survive.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Pipeline:
    nlp: object                                            # spaCy Language: sentencizer, ConText
    by_section: dict[str, tuple[tuple[object, re.Pattern], ...]]   # section -> (concept, compiled pattern)


# Built pipelines by rule set, most recent last. Bounded: a long-lived process drafting with many
# rule sets (tests, a service reloading its rules) must not keep every medspaCy pipeline alive. The
# rules object is kept beside its pipeline so that its id cannot be reused while the entry lives.
_BUILT: "OrderedDict[int, tuple[ExtractionRules, Pipeline]]" = OrderedDict()
_BUILT_MAX = 4
_BUILT_LOCK = threading.Lock()  # threads drafting at once build one pipeline, not one each


def build_pipeline(rules: ExtractionRules | None = None) -> Pipeline:
    """The pipeline for these rules (built once per process and rule set)."""
    rules = rules or load_extraction_rules()
    key = id(rules)
    with _BUILT_LOCK:
        if key not in _BUILT:
            _BUILT[key] = (rules, Pipeline(_build(rules), _compiled(rules)))
            while len(_BUILT) > _BUILT_MAX:
                _BUILT.popitem(last=False)
        _BUILT.move_to_end(key)
        return _BUILT[key][1]


def _compiled(rules: ExtractionRules) -> dict[str, tuple]:
    """For each section category, the concepts that may give a fact there: a concept is never
    searched where its section policy would drop it."""
    compiled = {c.name: re.compile(c.pattern, re.IGNORECASE) for c in rules.concepts}
    return {section: tuple((c, compiled[c.name]) for c in rules.concepts
                           if section in (c.sections or rules.facts[c.fact].sections))
            for section in rules.section_categories}


def _build(rules: ExtractionRules):
    require_medspacy()
    import spacy
    from medspacy.context import ConTextRule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    context = nlp.add_pipe("medspacy_context", config={
        "rules": None, "span_attrs": None, "input_span_type": "group", "span_group_name": SPAN_GROUP,
        "prune_on_target_overlap": False,   # extract ignores a modifier inside its target
    })
    context.add([ConTextRule(m.pattern, m.category, pattern=m.pattern, direction=m.direction, max_scope=m.max_scope,
                             terminated_by=set(m.terminated_by) or None)
                 for m in rules.modifiers])
    return nlp
