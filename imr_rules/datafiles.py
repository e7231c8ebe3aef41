"""Reading the package's YAML data tables (drug lexicon, diagnosis groups, ...) fast and once.

libyaml's safe loader parses these tables about ten times faster than the pure-Python one, which
matters because a one-request check must start in a fraction of a second.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load, with libyaml where it is installed."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader class
