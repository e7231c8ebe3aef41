"""The comparison with real IMR decisions as one HTML page: the analyst's dashboard.

The confusion matrix as a heat map; the agreement figures beside their baselines ("always
upheld", "no facts"); per-category bars (agreement, overturn recall, coverage); the criteria that
fail most often; the failures the reviewers never named (spurious) and the reasons no criterion
checks (missed); then every disagreement, the letter's own words beside our failing criteria.
Charts are inline SVG (render.svg); the figures are the ones compare computes for every format.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from imr_rules.render.fidelity import REASON_ROWS
from imr_rules.render.figures import FIGURE_HEADERS, figures_row, number, percent
from imr_rules.render.data import comparison_ruleset
from imr_rules.render.page import esc, meta_list, page, ruleset_rows
from imr_rules.render.wording import ruleset_line
from imr_rules.render.svg import Bar, bar_chart, heat_map

# How many criteria the "most often" charts show (the JSON output has them all).
TOP = 15
FIGURES = (
    ("balanced accuracy", lambda m: m.balanced_accuracy),
    ("overturn recall", lambda m: m.overturn_recall),
    ("overturn precision", lambda m: m.overturn_precision),
    ("accuracy", lambda m: m.accuracy),
)

STYLE = """
.disagreement { break-inside: avoid; margin: 0.8em 0; }
.disagreement table col { width: 50%; }
table.figures { table-layout: auto; font-size: 9pt; }
table.figures th { overflow-wrap: normal; }
.figure-caption { font-size: 9.5pt; color: #5f6368; margin-top: 0.1em; }
"""


def render_comparison_html(comparison) -> str:
    title = "Comparison with real IMR decisions"
    body = [f"<h1>{esc(title)}</h1>\n", _header(comparison), _matrix(comparison), _baselines(comparison),
            _categories(comparison), _failing_most(comparison), _reasons(comparison),
            _disagreements(comparison), _apart(comparison),
            f"<footer>Rule set {esc(ruleset_line(comparison_ruleset(comparison)))}. Figures over the independent items; "
            "a disagreement is a covered item where our decision and IMR's differ.</footer>\n"]
    return page(title, body, STYLE)


def _header(comparison) -> str:
    independent = comparison.independent
    overturned = sum(1 for i in independent if i.actual == "overturned")
    ruleset = comparison_ruleset(comparison)
    return meta_list([
        *ruleset_rows(ruleset, ruleset["packs"]),
        ("Items", esc(f"{len(comparison.items)}; {len(comparison.dependent)} decided with a disputed surgery "
                      f"(apart); {len(independent)} independent, {overturned} of them overturned")),
        ("Coverage", esc(f"{percent(comparison.coverage)}: {comparison.covered} covered by a rule, "
                         f"{comparison.not_covered} not covered")),
        ("Disagreements", esc(str(len(comparison.disagreements)))),
    ])


def _matrix(comparison) -> str:
    m = comparison.metrics
    chart = heat_map(["IMR overturned", "IMR upheld"], ["medically necessary", "not medically necessary"],
                     [[m.true_overturned, m.missed_overturned], [m.false_overturned, m.true_upheld]],
                     "Confusion matrix", row_title="", column_title="ours")
    return ("<h2>Confusion matrix (covered items)</h2>\n" + chart
            + f"<p class=\"figure-caption\">{m.n} covered independent items. The diagonal (top left, bottom right) "
              "is agreement; top right: overturned by IMR, denied by us.</p>\n")


def _baselines(comparison) -> str:
    runs = (("ours", comparison.metrics), *comparison.baselines)
    names = [name for name, _ in runs]
    header = "<tr><th>figure</th>" + "".join(f"<th class=\"num\">{esc(n)}</th>" for n in names) + "</tr>"
    rows = ["<tr><td>items decided</td>" + "".join(f"<td class=\"num\">{m.n}</td>" for _, m in runs) + "</tr>",
            "<tr><td>kappa</td>" + "".join(f"<td class=\"num\">{number(m.kappa)}</td>" for _, m in runs) + "</tr>"]
    rows += [f"<tr><td>{esc(label)}</td>" + "".join(f"<td class=\"num\">{percent(read(m))}</td>" for _, m in runs) + "</tr>"
             for label, read in FIGURES]
    chart = bar_chart([(label, [Bar(read(m), percent(read(m))) for _, m in runs]) for label, read in FIGURES],
                      names, "Agreement figures beside the baselines")
    return ("<h2>Agreement beside the baselines</h2>\n"
            "<p>\"always upheld\" denies every covered item; \"no facts\" decides the same items with every clinical "
            "fact removed (the RFA alone).</p>\n" + chart
            + f"<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>\n")


def _categories(comparison) -> str:
    rows = [(c.category, [Bar(c.metrics.accuracy, percent(c.metrics.accuracy)),
                          Bar(c.metrics.overturn_recall, percent(c.metrics.overturn_recall)),
                          Bar(c.covered / c.items if c.items else None, f"{c.covered}/{c.items}")])
            for c in comparison.by_category]
    chart = bar_chart(rows, ["agreement", "overturn recall", "coverage"], "Figures by category")
    head = "".join(f"<th class=\"num\">{esc(h)}</th>" for h in ["items", "overturned", *FIGURE_HEADERS])
    body = "".join(f"<tr><td>{esc(c.category)}</td><td class=\"num\">{c.items}</td><td class=\"num\">{c.actual_overturned}</td>"
                   + "".join(f"<td class=\"num\">{esc(v)}</td>" for v in figures_row(c.metrics)) + "</tr>"
                   for c in comparison.by_category)
    return ("<h2>By category</h2>\n<p>Agreement is the share of covered items decided as IMR did; overturn recall, "
            "the share of IMR's overturned items we found medically necessary; \"-\" where undefined.</p>\n" + chart
            + f"<table class=\"figures\"><thead><tr><th>category</th>{head}</tr></thead>"
              f"<tbody>{body}</tbody></table>\n")


def _failing_most(comparison) -> str:
    """Per criterion, the independent items it fails, split by IMR's outcome."""
    by_outcome = {"upheld": Counter(), "overturned": Counter()}
    for item in comparison.independent:
        labels = {f.label for f in item.failing_criteria}
        by_outcome.setdefault(item.actual, Counter()).update(labels)
    total = by_outcome["upheld"] + by_outcome["overturned"]
    top = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    if not top:
        return "<h2>Criteria that fail most often</h2>\n<p>No criterion fails.</p>\n"
    most = top[0][1]
    rows = [(label, [Bar(by_outcome["upheld"][label] / most, str(by_outcome["upheld"][label])),
                     Bar(by_outcome["overturned"][label] / most, str(by_outcome["overturned"][label]))])
            for label, _ in top]
    return (f"<h2>Criteria that fail most often</h2>\n<p>Independent items on which each criterion fails (not met "
            f"or not documented), by IMR's outcome; the {len(top)} most frequent of {len(total)}.</p>\n"
            + bar_chart(rows, ["IMR upheld", "IMR overturned"], "Criteria that fail most often"))


def _reasons(comparison) -> str:
    if not comparison.reasons:
        return ""
    runs = comparison.reasons
    header = "<tr><th style=\"width:40%\">figure</th>" + "".join(f"<th class=\"num\">{esc(n)}</th>" for n, _ in runs) + "</tr>"
    rows = "".join(f"<tr><td>{esc(label)}</td>" + "".join(f"<td class=\"num\">{esc(read(f))}</td>" for _, f in runs) + "</tr>"
                   for label, read in REASON_ROWS)
    parts = [f"<h2>Reasons</h2>\n<p>Reviewer's reasons recorded for {comparison.with_reasons} of "
             f"{len(comparison.independent)} independent items.</p>\n<table><thead>{header}</thead><tbody>{rows}</tbody></table>\n"]
    ours = runs[0][1]
    parts.append(_spurious(ours))
    if ours.missed:
        parts.append("<h3>Missed reasons</h3>\n<p>Reasons the reviewers gave that no criterion of ours checks (upheld items):</p>\n<ul>"
                     + "".join(f"<li>{esc(text)}: {count}</li>" for text, count in ours.missed) + "</ul>\n")
    return "".join(parts)


def _spurious(ours) -> str:
    """Criteria we fail on agreeing items that the reviewer never named: deciding, and every failure."""
    every, deciding = dict(ours.spurious), dict(ours.deciding_spurious)
    labels = sorted(set(every) | set(deciding), key=lambda k: (-deciding.get(k, 0), -every.get(k, 0), k))[:TOP]
    if not labels:
        return "<h3>Spurious failures</h3>\n<p>None: every criterion we fail on an agreeing item, the reviewer named.</p>\n"
    most = max(max(every.values(), default=0), max(deciding.values(), default=0))
    rows = [(label, [Bar(deciding.get(label, 0) / most, str(deciding.get(label, 0))),
                     Bar(every.get(label, 0) / most, str(every.get(label, 0)))]) for label in labels]
    return ("<h3>Spurious failures</h3>\n<p>Criteria we fail that the reviewer never named, on items where we agree "
            f"with IMR: counted among the deciding failures and among every failure ({len(labels)} most frequent of "
            f"{len(set(every) | set(deciding))}).</p>\n"
            + bar_chart(rows, ["deciding", "every failure"], "Spurious failures"))


def _disagreements(comparison) -> str:
    items = comparison.disagreements
    parts = [f"<h2>Disagreements ({len(items)})</h2>\n"]
    parts += [_disagreement(item) for item in items]
    return "".join(parts)


def _disagreement(item) -> str:
    head = (f"<h3>{esc(item.case_number)} #{esc(item.item_index)}: {esc(item.description)}</h3>\n"
            f"<p><span class=\"muted\">[{esc(item.category)}]</span> IMR <strong>{esc(item.actual)}</strong>; ours "
            f"<strong>{esc(item.ours.replace('_', ' '))}</strong> ({esc(', '.join(item.rule_ids))})</p>\n")
    theirs = []
    if item.reviewer_citation:
        theirs.append(f"<p class=\"muted\">Cited: {esc(item.reviewer_citation)}</p>")
    for reason in item.reasons or ():
        named = f"<code>{esc(reason.criterion)}</code>" if reason.criterion else esc(reason.text or "")
        theirs.append(f"<p>{named}</p><blockquote>“{esc(reason.quote)}”</blockquote>")
    if item.reasons is None:
        theirs.append("<p class=\"muted\">Reasons not recorded.</p>")
    ours = [f"<p><code>{esc(f.label)}</code> <span class=\"{'red' if f.status == 'not_met' else 'amber'}\">"
            f"{esc(f.status_text)}</span>: {esc(f.statement)}</p>" for f in item.failing_criteria]
    if not ours:
        ours.append("<p class=\"green\">Every criterion met.</p>")
    return (f"<div class=\"disagreement\">{head}<table><colgroup><col><col></colgroup><thead><tr><th>The letter's own words</th>"
            f"<th>Our failing criteria</th></tr></thead><tbody><tr><td>{''.join(theirs)}</td><td>{''.join(ours)}</td></tr>"
            "</tbody></table></div>\n")


def _apart(comparison) -> str:
    """The items the figures leave out: not covered, and decided with a disputed surgery."""
    parts = []
    uncovered = [i for i in comparison.independent if not i.covered]
    if uncovered:
        parts.append(f"<h2>Not covered ({len(uncovered)})</h2>\n" + _item_list(
            f"{i.case_number} #{i.item_index} [{i.category}] {i.description} (IMR {i.actual})" for i in uncovered))
    if comparison.dependent:
        parts.append(f"<h2>Decided with the surgery ({len(comparison.dependent)}, not counted)</h2>\n"
                     "<p>IMR decides these with a surgery disputed in the same letter; they are no independent test of the rules.</p>\n"
                     + _item_list(f"{i.case_number} #{i.item_index} (with #{i.depends_on}) {i.description}: IMR {i.actual}, "
                                  f"ours {i.ours.replace('_', ' ')}" for i in comparison.dependent))
    return "".join(parts)


def _item_list(lines: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>\n"
