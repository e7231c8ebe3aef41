"""Drafting requests from clinical documents (``imr-rules draft``): the optional ``draft`` extra.

Nothing here is imported by ``check``: the medspaCy pipeline costs seconds to import. The public
names are :func:`draft_request` (documents in, a :class:`~imr_rules.drafting.draft.Draft` out) and
:func:`load_extraction_rules` (the data in ``reference/data/extraction``); both load lazily.
"""

__all__ = ["draft_request", "load_extraction_rules"]


def __getattr__(name: str):
    if name == "draft_request":
        from imr_rules.drafting.draft import draft_request
        return draft_request
    if name == "load_extraction_rules":
        from imr_rules.drafting.rules import load_extraction_rules
        return load_extraction_rules
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
