"""sha256 without loading OpenSSL's bindings.

``import hashlib`` loads ``_hashlib`` (OpenSSL) first, about 3-4 ms of every start here; the rule
set's hash is computed on every start. CPython's built-in sha256 module gives the same digests
(``_sha256`` up to 3.11, ``_sha2`` from 3.12); hashlib is the fallback where neither exists.
"""

from __future__ import annotations

try:
    from _sha256 import sha256
except ImportError:  # pragma: no cover - Python 3.12+
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

__all__ = ["sha256"]
