"""The cache key the Skrun runtime computes: hex sha256 of the parts joined by newlines."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from skrun_build.deps.detect import Manifest


def key_of_parts(parts: Sequence[str]) -> str:
    """Hex sha256 of the UTF-8 text `"\\n".join(parts)`."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def cache_key(manifest: Manifest) -> str:
    """The key of the cache entry the runtime looks up for `manifest`."""
    return key_of_parts(manifest.key_parts())


def is_key(name: str) -> bool:
    """Whether `name` looks like a cache key (64 lowercase hex digits)."""
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)
