"""Signs that a letter's text is cut short, so that a partial parse is never silent.

A letter does not state how many items it decides, so the signs are its layout: text extracted
from a PDF ends every page with a form feed, so text that has page breaks but does not end with
one stops in the middle of a page; text without page breaks (Markdown, a copy) is cut short when
its last decision rationale does not end a sentence. All 194 corpus letters end cleanly.
"""

from __future__ import annotations

import re
from typing import Sequence

_FORM_FEED = "\x0c"
_ENDS_SENTENCE = re.compile(r"[.!?:\"')\]”’]\s*$")

CUT_SHORT = "the letter's text {reason}: it may be cut short, and disputed items may be missing"


def truncation_warnings(text: str, rationales: Sequence[str]) -> list[str]:
    """One warning if the text looks cut short, else none."""
    if _FORM_FEED in text:
        if not text.rstrip(" \t\n").endswith(_FORM_FEED):
            return [CUT_SHORT.format(reason="stops in the middle of a page")]
        return []
    if rationales and not _ENDS_SENTENCE.search(rationales[-1]):
        return [CUT_SHORT.format(reason="ends in the middle of the last decision rationale")]
    return []
