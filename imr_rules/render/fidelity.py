"""compare's fidelity section: every figure beside its baselines, and the reasons figures.

Plain text lines, shared by compare's text and Markdown formats (the text format prints them as
they are), so that the two cannot drift apart. No rich import here.
"""

from __future__ import annotations

FIGURES = (
    ("kappa", lambda m: m.kappa, "number"),
    ("balanced accuracy", lambda m: m.balanced_accuracy, "percent"),
    ("overturn recall", lambda m: m.overturn_recall, "percent"),
    ("overturn precision", lambda m: m.overturn_precision, "percent"),
    ("accuracy", lambda m: m.accuracy, "percent"),
)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _show(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if kind == "number" else _percent(value)


def _share(count: int, total: int, share: float | None) -> str:
    return f"{_percent(share)} ({count} of {total})" if total else "-"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# The reasons figures, one row each: label, and how a run's ReasonFigures shows it.
REASON_ROWS = (
    ("right for the right reason (of items both say not necessary)",
     lambda f: _share(f.right_reason, f.both_upheld, f.right_reason_share)),
    ("right for the right reason (deciding failures)",
     lambda f: _share(f.right_reason_deciding, f.both_upheld, f.right_reason_deciding_share)),
    ("agreeing items with a spurious failure (every failure)",
     lambda f: _share(f.agreeing_with_spurious, f.agreeing, f.spurious_share)),
    ("agreeing items with a spurious failure (deciding failures)",
     lambda f: _share(f.agreeing_with_deciding_spurious, f.agreeing, f.deciding_spurious_share)),
    ("... of which only not documented beside a named reason", lambda f: str(f.only_undocumented_beside_named)),
)


def fidelity_lines(comparison) -> list[str]:
    """Markdown lines: baselines, reasons (with their baselines), spurious failures, missed reasons,
    and the items decided with a surgery (not counted)."""
    runs = (("ours", comparison.metrics), *comparison.baselines)
    lines = [
        "## Against the baselines",
        "",
        f"Over the {len(comparison.independent)} independent items. \"always upheld\" denies every "
        "covered item; \"no facts\" decides the same items with every clinical fact removed (the RFA alone).",
        "",
        "| figure | " + " | ".join(name for name, _ in runs) + " |",
        "|---|" + "---:|" * len(runs),
        "| items decided | " + " | ".join(str(m.n) for _, m in runs) + " |",
    ]
    for label, read, kind in FIGURES:
        lines.append(f"| {label} | " + " | ".join(_show(read(m), kind) for _, m in runs) + " |")
    reasons = comparison.reasons
    if reasons:
        lines += [
            "",
            "## Reasons",
            "",
            f"Reviewer's reasons recorded for {comparison.with_reasons} of {len(comparison.independent)} independent items.",
            "",
            "| figure | " + " | ".join(name for name, _ in reasons) + " |",
            "|---|" + "---:|" * len(reasons),
        ]
        lines += [f"| {label} | " + " | ".join(read(f) for _, f in reasons) + " |" for label, read in REASON_ROWS]
        ours = reasons[0][1]
        if ours.spurious:
            lines += ["", "Spurious failures (criteria we fail that the reviewer did not name; agreeing items):", ""]
            lines += [f"- `{criterion}`: {count}" for criterion, count in ours.spurious]
        if ours.deciding_spurious:
            lines += ["", "Deciding spurious failures (unnamed members of each failing rule's best-matching deciding set):", ""]
            lines += [f"- `{criterion}`: {count}" for criterion, count in ours.deciding_spurious]
        if ours.missed:
            lines += ["", "Missed reasons (reviewer reasons no criterion checks; upheld items):", ""]
            lines += [f"- {_cell(text)}: {count}" for text, count in ours.missed]
    dependent = comparison.dependent
    if dependent:
        lines += [
            "",
            f"## Decided with the surgery ({len(dependent)}, not counted)",
            "",
            "IMR decides these with a surgery disputed in the same letter; they are no independent test of the rules.",
            "",
        ]
        for item in dependent:
            lines.append(
                f"- {item.case_number} #{item.item_index} (with #{item.depends_on}) {_cell(item.description)}: "
                f"IMR {item.actual}, ours {item.ours.replace('_', ' ')}"
            )
    return lines
