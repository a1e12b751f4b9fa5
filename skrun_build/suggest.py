"""The one "did you mean" of skrun-build: the closest known word to a near miss.

Used for frontmatter and agent.yaml keys, choices (providers, types, templates), rule codes
and anything else a user types from a known list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def _norm(text: str) -> str:
    # `Name`, `allowed_tools` and `ALLOWED-TOOLS` all mean `allowed-tools`/`name`.
    return text.lower().replace("_", "-")


def did_you_mean(value: str, choices: Iterable[str], *, cutoff: float = 0.75) -> str | None:
    """The choice `value` most likely misspells, or None.

    Case and `_`/`-` do not count: a choice equal to `value` up to those wins; otherwise the
    closest choice by `difflib` ratio at least `cutoff` (0.75 for words; rule codes, which
    are short, use 0.5).
    """
    options = list(choices)
    by_norm: dict[str, str] = {}
    for choice in options:
        by_norm.setdefault(_norm(choice), choice)
    wanted = _norm(value)
    if wanted in by_norm:
        return by_norm[wanted]
    import difflib

    close = difflib.get_close_matches(wanted, list(by_norm), n=1, cutoff=cutoff)
    return by_norm[close[0]] if close else None


def hint(value: str, choices: Iterable[str], *, quote: str = "'") -> str | None:
    """`did you mean 'x'?` (or with `quote='"'`: `did you mean "x"?`), or None."""
    close = did_you_mean(value, choices)
    return f"did you mean {quote}{close}{quote}?" if close else None


def hint_or_list(value: str, choices: Sequence[str], lead: str, *, quote: str = "'") -> str:
    """`hint(value, choices)`, else every choice after `lead`: `known keys: a, b, c`."""
    return hint(value, choices, quote=quote) or f"{lead} " + ", ".join(choices)
