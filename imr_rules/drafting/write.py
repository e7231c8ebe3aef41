"""A draft as request YAML that ``check`` accepts as it is.

Every drafted fact carries its evidence (the verbatim sentence) and its provenance (document,
span, section, extraction rule, context, confidence, ``confirmed: false``). Facts below the
confidence threshold are written as YAML comments: a reviewer confirms one by removing the ``#``s
(and setting ``confirmed: true``).
"""

from __future__ import annotations

from typing import Any

import yaml

from imr_rules.drafting.draft import DEFAULT_THRESHOLD, Draft, DraftedFact

HEADER = """\
# Drafted by imr-rules draft from: {documents}
# Every fact below is a draft: check its evidence against the records, then set confirmed: true
# (or delete the fact). Facts commented out fell below the confidence threshold ({threshold});
# remove their '#' to keep them. A fact the records do not mention is left out: not documented.
"""


def fact_mapping(fact: DraftedFact) -> dict[str, Any]:
    mention = fact.mention
    data: dict[str, Any] = {"value": fact.value, "evidence": mention.evidence, "source": mention.source,
                            "span": _Span([mention.start, mention.end]), "section": mention.section, "rule": mention.rule}
    if mention.context:
        data["context"] = list(mention.context)
    data["confidence"] = fact.confidence
    data["confirmed"] = False
    return data


class _Span(list):
    """A span, written on one line: [start, end]."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Span, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _facts_block(facts: dict[str, DraftedFact], indent: str, threshold: float) -> list[str]:
    kept = {n: fact_mapping(f) for n, f in sorted(facts.items()) if f.confidence >= threshold}
    low = {n: fact_mapping(f) for n, f in sorted(facts.items()) if f.confidence < threshold}
    lines = [f"{indent}facts:" if kept else f"{indent}facts: {{}}"]
    lines += [indent + "  " + line for line in _dump(kept).splitlines()] if kept else []
    for name, mapping in low.items():
        lines.append(f"{indent}  # below the threshold ({mapping['confidence']}): confirm or delete")
        lines += [f"{indent}  # {line}" for line in _dump({name: mapping}).splitlines()]
    return lines


def draft_to_yaml(draft: Draft, threshold: float = DEFAULT_THRESHOLD) -> str:
    out = [HEADER.format(documents=", ".join(draft.documents), threshold=threshold).rstrip("\n")]
    head: dict[str, Any] = {"request_id": draft.request_id}
    if draft.request_date:
        head["request_date"] = draft.request_date
    if draft.patient:
        head["patient"] = draft.patient
    out += _dump(head).splitlines()
    out += _facts_block(draft.facts, "", threshold)
    out.append("items:")
    for number, item in enumerate(draft.items, 1):
        spec = dict(item.spec)
        spec.setdefault("id", number)
        spec.pop("facts", None)
        body = _dump(spec).splitlines()
        out.append("  - " + body[0])
        out += ["    " + line for line in body[1:]]
        out += _facts_block(item.facts, "    ", threshold)
    return "\n".join(out) + "\n"
