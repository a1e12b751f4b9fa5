"""Skill names: the spec's pattern and normalisation of free text; and how a message names
the YAML/JSON type of a value.

Shared by the SK rules, `skrun init` and the importer, so a name that one accepts
the others accept too.
"""

from __future__ import annotations

import re

# Agent Skills spec: 1-64 characters; ASCII a-z, 0-9 and single inner dashes is skrun-dev's rule.
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = 64

__all__ = ["MAX_NAME", "NAME_RE", "normalize_name", "type_name"]


def normalize_name(text: str) -> str:
    """A valid skill name made from free text: ASCII, lowercase, single inner dashes."""
    import unicodedata

    # Drop accents rather than whole letters: "Über" -> "uber", not "ber".
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_NAME].rstrip("-")


def type_name(value: object, *, show: bool = False) -> str:
    """How YAML/JSON calls the type of `value` ("a list"); `show` adds a scalar's value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})" if show else "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})" if show else "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value})" if show else f"a {type(value).__name__}"
