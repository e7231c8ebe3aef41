"""The check report as one HTML page: what a reviewer attaches to a file.

Built from the JSON-ready reports (``render.data.report_to_dict``), so it shows exactly what
``--format json`` carries: per request a header (request, date, rule set and any criteria packs
with their hashes), then per item the guideline in force, the decision, every criterion with its
status, the values it used and the evidence quoted from the records, the certifiable portion, what
would meet the guideline, and the rationale in determination style. One page per run, one section
per request (each starting a printed page); inputs that could not be checked are listed at the end.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from imr_rules import __version__
from imr_rules.render.page import esc, meta_list, page, ruleset_rows
from imr_rules.render.wording import DECISION_LABEL, NOT_WEIGHED, guideline_lines, not_weighed_note

DECISION_CLASS = {"medically_necessary": "green", "not_medically_necessary": "red", "no_applicable_rule": "violet"}
STATUS = {
    "met": ("met", "green"),
    "not_met": ("not met", "red"),
    "not_documented": ("not documented", "amber"),
    "not_applicable": ("not applicable", "grey"),
}
DISCLAIMER = "A pre-check against guideline criteria, not a utilization review determination."

STYLE = """
.decision { font-size: 11.5pt; margin: 0.3em 0 0.5em; }
table.criteria col.c-id { width: 37%; } table.criteria col.c-status { width: 16%; }
table.criteria col.c-finding { width: 47%; }
td.status { overflow-wrap: normal; }
table.criteria tr { break-inside: avoid; }
tr.not-applicable td { color: #5f6368; }
.values { font-size: 9.5pt; color: #3c4043; margin-top: 0.2em; }
.rationale { border-left: 3px solid #202124; padding-left: 0.6em; }
article.item { margin-bottom: 1.2em; }
"""


def render_check_html(reports: Iterable[Mapping[str, Any]], errors: Iterable[str] = ()) -> str:
    """The page for one run: ``reports`` as ``report_to_dict`` gives them, ``errors`` the one-line
    messages of the inputs that could not be checked."""
    reports = list(reports)
    errors = list(errors)
    title = (f"imr-rules check: request {reports[0]['request']['id']}" if len(reports) == 1
             else f"imr-rules check: {len(reports)} requests")
    body = [f"<h1>{esc(title)}</h1>\n", f"<p class=\"muted\">{esc(DISCLAIMER)}</p>\n"]
    body += [_request(report) for report in reports]
    if errors:
        body.append("<section class=\"errors\"><h2>Inputs not checked</h2><ul>"
                    + "".join(f"<li><code>{esc(line)}</code></li>" for line in errors) + "</ul></section>\n")
    body.append(f"<footer>Written by imr-rules {esc(__version__)}. {esc(DISCLAIMER)}</footer>\n")
    return page(title, body, STYLE)


def _request(report: Mapping[str, Any]) -> str:
    request = report["request"]
    rows = [
        ("Request", f"<strong>{esc(request['id'])}</strong>"),
        ("Source", f"<code>{esc(request['source'])}</code>"),
        ("Request date", esc(request["request_date"] or "not given")),
        *ruleset_rows(report["ruleset"], report["ruleset"].get("packs") or ()),
    ]
    parts = [f"<section class=\"request\">\n<h2>Request {esc(request['id'])}</h2>\n", meta_list(rows)]
    parts += [f"<p class=\"note\">Note: {esc(note)}</p>\n" for note in report["notes"]]
    parts += [_item(item) for item in report["items"]]
    parts.append("</section>\n")
    return "".join(parts)


def _item(item: Mapping[str, Any]) -> str:
    decision = item["decision"]
    parts = [
        f"<article class=\"item\">\n<h3>Item {esc(item['id'])}: {esc(item['service'])}</h3>\n",
        f"<p class=\"decision\">Decision: <span class=\"badge {DECISION_CLASS.get(decision, 'grey')}\">"
        f"{esc(DECISION_LABEL.get(decision, decision))}</span></p>\n",
        meta_list(_item_rows(item)),
    ]
    parts += [f"<p>{esc(line)}</p>\n" for line in guideline_lines(item)]
    if item["rules"]:
        parts.append("<p>Rules applied:</p><ul>" + "".join(
            f"<li>{esc(r['title'])} <span class=\"muted\">({esc(r['role'])}; "
            f"{esc(r['outcome'].replace('_', ' '))})</span><br>{esc(r['citation']['text'])} "
            f"[{esc(r['citation']['tier'])}]</li>" for r in item["rules"]) + "</ul>\n")
        parts.append(_criteria(item))
    if item["certifiable_quantity"]:
        parts.append(f"<p><strong>Certifiable portion: {esc(item['certifiable_quantity'])} of "
                     f"{esc(item['quantity'])}.</strong></p>\n")
    if item["to_meet_guideline"]:
        parts.append("<p>To meet the guideline:</p><ul>"
                     + "".join(f"<li>{esc(r)}</li>" for r in item["to_meet_guideline"]) + "</ul>\n")
    parts.append(f"<p class=\"rationale\"><strong>Rationale.</strong> {esc(item['rationale'])}</p>\n")
    parts += [f"<p class=\"note\">Note: {esc(note)}</p>\n" for note in item["notes"]]
    parts.append("</article>\n")
    return "".join(parts)


def _item_rows(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What was requested, as the request gives it (only the fields it gives)."""
    rows = []
    if item["category"]:
        rows.append(("Category", esc(item["category"])))
    if item["codes"]:
        rows.append(("Codes", esc(", ".join(item["codes"]))))
    if item["body_region"]:
        rows.append(("Body region", esc(item["body_region"])))
    schedule = _schedule(item)
    if schedule:
        rows.append(("Requested", esc(schedule)))
    drug = item["drug"]
    if drug:
        rows.append(("Drug", esc(_drug_line(drug))))
    return rows


def _drug_line(drug: Mapping[str, Any]) -> str:
    """'Percocet 10/325 mg, #90, 1 po tid', as an RFA writes a drug line."""
    name = " ".join(str(drug[key]) for key in ("name", "strength") if drug[key])
    quantity = f"#{drug['quantity']}" if drug["quantity"] else ""
    return ", ".join(part for part in (name, quantity, drug["directions"] or "") if part)


def _schedule(item: Mapping[str, Any]) -> str:
    """'12 (2 per week for 6 weeks)', from the parts the request gives."""
    per_week, weeks = item["frequency_per_week"], item["duration_weeks"]
    timing = " for ".join(part for part in (f"{per_week} per week" if per_week is not None else "",
                                            f"{weeks} weeks" if weeks is not None else "") if part)
    quantity = "" if item["quantity"] is None else str(item["quantity"])
    return f"{quantity} ({timing})" if quantity and timing else quantity or timing


def _criteria(item: Mapping[str, Any]) -> str:
    """A row per criterion: id and requirement (with its own citation where it has one beyond its
    rule's, which "Rules applied" gives), status, then the finding with its values and evidence."""
    rows = []
    for criterion in item["criteria"]:
        label, colour = STATUS[criterion["status"]]
        status = f"<span class=\"{colour}\"><strong>{esc(label)}</strong></span>"
        if criterion["conditional"]:
            status += "<br><span class=\"muted\">(if it applies)</span>"
        if not criterion.get("decisive", True):
            status += "<br><span class=\"muted\">(advisory, not deciding)</span>"
        if not criterion.get("weighed", True):
            status += f"<br><span class=\"muted\">({NOT_WEIGHED})</span>"
        cited = f"<div class=\"values\">{esc(criterion['citation']['text'])}</div>" if criterion["citation"] else ""
        row_class = " class=\"not-applicable\"" if criterion["status"] == "not_applicable" else ""
        rows.append(
            f"<tr{row_class}><td><strong>{esc(criterion['id'])}</strong> <span class=\"muted\">"
            f"{esc(criterion['rule_id'])}</span><br>{esc(criterion['requirement'])}{cited}</td><td class=\"status\">{status}</td>"
            f"<td>{_finding(criterion)}</td></tr>\n")
    return ("<table class=\"criteria\"><colgroup><col class=\"c-id\"><col class=\"c-status\">"
            "<col class=\"c-finding\"></colgroup>\n<thead><tr><th>Criterion</th>"
            "<th>Status</th><th>Finding, values used and evidence</th></tr></thead>\n<tbody>\n"
            + "".join(rows) + "</tbody></table>\n")


def _finding(criterion: Mapping[str, Any]) -> str:
    parts = [esc(criterion["statement"])]
    if not criterion.get("decisive", True) and criterion.get("why"):
        parts.append(f"<div class=\"values\">Advisory only: {esc(criterion['why'])}</div>")
    outweighed = not_weighed_note(criterion)
    if outweighed:
        parts.append(f"<div class=\"values\">Not weighed: {esc(outweighed)}.</div>")
    if criterion.get("decides"):
        parts.append(f"<div class=\"values\">Decides: {esc(', '.join(criterion['decides']))}</div>")
    if criterion["values"]:
        shown = "; ".join(f"{name} = {show_value(value)}" for name, value in criterion["values"].items())
        parts.append(f"<div class=\"values\">Values used: {esc(shown)}</div>")
    for fact, quote in criterion["evidence"].items():
        parts.append(f"<blockquote>“{esc(quote)}” <span class=\"muted\">({esc(fact)})</span></blockquote>")
    return "".join(parts)


def show_value(value: Any) -> str:
    """A fact's value as a reader says it: missing is 'not documented', a list is comma-separated."""
    if value is None:
        return "not documented"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {show_value(v)}" for k, v in value.items())
    return str(value)
