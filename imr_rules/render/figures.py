"""The agreement figures as every comparison view prints them (text, Markdown): one wording."""

from __future__ import annotations

FIGURE_HEADERS = ["covered", "accuracy", "balanced acc.", "overturn recall", "overturn precision", "kappa"]


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def figures_row(metrics) -> list[str]:
    """A category's (or the whole comparison's) figures, in FIGURE_HEADERS order; "-" where undefined."""
    return [
        str(metrics.n),
        percent(metrics.accuracy),
        percent(metrics.balanced_accuracy),
        percent(metrics.overturn_recall),
        percent(metrics.overturn_precision),
        number(metrics.kappa),
    ]
