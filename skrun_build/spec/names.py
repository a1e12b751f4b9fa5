"""Skill names: the spec's pattern, normalisation of free text, and did-you-mean.

Shared by the SK rules, `skrun init` and the importer, so a name that one accepts
the others accept too.
"""

from __future__ import annotations

import re

# SPEC-NOTES §1: 1-64 ASCII a-z, 0-9 and single inner dashes (skrun-dev's rule).
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = 64

__all__ = ["MAX_NAME", "NAME_RE", "did_you_mean", "normalize_name"]


def normalize_name(text: str) -> str:
    """A valid skill name made from free text: ASCII, lowercase, single inner dashes."""
    import unicodedata

    # Drop accents rather than whole letters: "Über" -> "uber", not "ber".
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_NAME].rstrip("-")


def did_you_mean(
    value: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.75
) -> str | None:
    """The choice `value` most likely misspells (case-insensitive), or None."""
    lowered = value.lower().replace("_", "-")
    for choice in choices:
        if choice == lowered:
            return choice
    import difflib

    close = difflib.get_close_matches(lowered, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None
