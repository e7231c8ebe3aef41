"""One formatter per output format behind one interface; adding a format never touches the engine.

``report_to_dict`` is the JSON contract that every machine-readable format shares. The terminal
formatter lives in ``render.terminal`` and is the only module that imports rich.
"""

from __future__ import annotations

from imr_rules.render.data import report_to_dict, ruleset_to_dict

FORMATS = ("text", "json", "jsonl", "markdown", "html")

__all__ = ["FORMATS", "report_to_dict", "ruleset_to_dict"]
