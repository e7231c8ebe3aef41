"""What the HTML pages share: escaping, the page shell and its stylesheet, the rule-set header.

A page is one self-contained file: the stylesheet is inline, charts are inline SVG, there is no
script, no external font or image, nothing fetched. It is laid out for US-letter paper (8.5 in):
the content is at most 7.5 in wide, inside the 0.5 in margins ``@page`` asks for, and long tokens
(hashes, paths, rule ids) wrap rather than push the page wider. No timestamp is written: the same
input gives the same bytes.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Mapping

# Colours as text and as fills; the pages ask the printer to keep them (print-color-adjust).
COLOURS = {
    "green": "#1b7a3d",
    "red": "#b3261e",
    "amber": "#8a5a00",
    "violet": "#6a3d9a",
    "grey": "#5f6368",
}

STYLE = """
@page { size: letter; margin: 0.5in; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #202124;
       max-width: 7.5in; margin: 0 auto; padding: 0.25in 0; overflow-wrap: anywhere; }
h1 { font-size: 15pt; margin: 0 0 0.3em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 0.4em; border-bottom: 1px solid #dadce0; padding-bottom: 0.15em; }
h3 { font-size: 11pt; margin: 1em 0 0.3em; }
p, ul, dl { margin: 0.35em 0; }
ul { padding-left: 1.3em; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 0.4em 0; }
th, td { border: 1px solid #dadce0; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
td.num, th.num { text-align: right; }
.meta { display: grid; grid-template-columns: 9em 1fr; gap: 0.1em 0.8em; margin: 0.4em 0; }
.meta dt { color: #5f6368; }
.meta dd { margin: 0; }
.note { color: #8a5a00; }
.muted { color: #5f6368; }
.badge { display: inline-block; font-weight: 700; padding: 0.05em 0.5em; border: 1.5px solid currentColor;
         border-radius: 3px; }
.green { color: #1b7a3d; } .red { color: #b3261e; } .amber { color: #8a5a00; }
.violet { color: #6a3d9a; } .grey { color: #5f6368; }
blockquote { margin: 0.2em 0 0.2em 0.3em; padding-left: 0.6em; border-left: 3px solid #dadce0; font-style: italic; }
section.request + section.request { break-before: page; }
.keep { break-inside: avoid; }
svg { display: block; max-width: 100%; height: auto; }
footer { margin-top: 1.5em; font-size: 9pt; color: #5f6368; }
"""


def esc(value: Any) -> str:
    """Any value as HTML text: every value a page shows passes through here (quotes too, so it
    is safe inside an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: Iterable[str], style: str = "") -> str:
    """The whole document: doctype, inline stylesheet (shared + the page's own), the body parts."""
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<title>{esc(title)}</title>\n<style>{STYLE}{style}</style>\n</head>\n<body>\n",
        *body,
        "</body>\n</html>\n",
    ])


def meta_list(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column list of label / value; the values are HTML already (callers escape)."""
    cells = "".join(f"<dt>{esc(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return f"<dl class=\"meta\">{cells}</dl>\n"


def ruleset_rows(ruleset: Mapping[str, Any], packs: Iterable[Mapping[str, Any]] = ()) -> list[tuple[str, str]]:
    """'Rule set' with its version and full hash, then one row per criteria pack the report names
    (whatever fields a pack carries, in their order: name, version and hash first when present)."""
    rows = [("Rule set", f"{esc(ruleset.get('name'))} {esc(ruleset.get('version'))}"
                         f"<br><code>{esc(ruleset.get('hash'))}</code>")]
    for pack in packs or ():
        if not isinstance(pack, Mapping):
            rows.append(("Pack", esc(pack)))
            continue
        named = " ".join(esc(pack[k]) for k in ("name", "version") if pack.get(k) is not None)
        digest = f"<br><code>{esc(pack['hash'])}</code>" if pack.get("hash") is not None else ""
        rest = "; ".join(f"{esc(k)}: {esc(v)}" for k, v in pack.items()
                         if k not in ("name", "version", "hash") and v not in (None, "", [], {}))
        rows.append(("Pack", named + digest + (f"<br><span class=\"muted\">{rest}</span>" if rest else "")))
    return rows
