"""Token counts: a deterministic estimate, or tiktoken's exact count when it can load.

The estimate classifies each byte of the UTF-8 text (ASCII letter, digit, punctuation, space,
newline, non-ASCII) with `bytes.translate` and counts what BPE tokenizers make of the runs: one
token per word (plus one per 9 letters after its first: `description` -> 2), per group of three
digits, per punctuation run (plus one per 2 marks after its first: `----` -> 2; a single mark
before a word joins it, as in `(see`), per line break (a blank line's two count once), per
indentation, and one per non-ASCII character. Runs are split by C code, so 10 KB count in
well under a millisecond. On
the vendored corpus (fixtures/corpus: 381 Markdown files) it is 1.8% above tiktoken's
`cl100k_base` in total (median file 3.7% above), with 90% of the Markdown files between 6.6%
below and 13% above (code: 10% above in total): the spec's budgets are round numbers, and a
close, stable estimate is what they need. It never exceeds the text's UTF-8 size
(`may_exceed`), so a short text needs no counting.

The exact count needs the `tiktoken` package AND its `cl100k_base` encoding, which tiktoken
downloads on first use: offline, or without the package, `counter()` falls back to the
estimate and says why. Claude's own tokenizer is not public, so even "exact" is OpenAI's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

ENCODING = "cl100k_base"
ESTIMATE = "estimate"

_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGITS = b"0123456789"
_MARKS = bytes(b for b in range(33, 127) if b not in _LETTERS and b not in _DIGITS)
_HIGH = bytes(range(128, 256))


def _table(*classes: tuple[bytes, bytes]) -> bytes:
    """A `bytes.translate` table: each byte of a class becomes its mark, the rest a space."""
    table = bytearray(b" " * 256)
    for members, mark in classes:
        for byte in members:
            table[byte] = mark[0]
    return bytes(table)


_ONLY_LETTERS = _table((_LETTERS, b"a"))
_ONLY_DIGITS = _table((_DIGITS, b"0"))
_ONLY_MARKS = _table((_MARKS, b"."))
_CLASSES = _table((_LETTERS, b"a"), (_DIGITS, b"0"), (_MARKS, b"."), (b"\n\r", b"n"), (_HIGH, b"u"))
_WORD_LETTERS = 9
_RUN_MARKS = 2


def estimate_tokens(text: str) -> int:
    """The deterministic estimate of `text`'s token count (see the module docstring)."""
    data = text.encode("utf-8", "surrogatepass")
    count = 0
    for word in data.translate(_ONLY_LETTERS).split():
        count += 1 + (len(word) - 1) // _WORD_LETTERS
    for number in data.translate(_ONLY_DIGITS).split():
        count += (len(number) + 2) // 3
    for marks in data.translate(_ONLY_MARKS).split():
        count += 1 + (len(marks) - 1) // _RUN_MARKS
    classes = data.translate(_CLASSES)
    count -= classes.count(b".a") - classes.count(b"..a")  # `(see` is one piece
    count += classes.count(b"n") - classes.count(b"nn")  # a blank line's two count once
    count += classes.count(b"  ") - classes.count(b"    ")  # so is an indentation
    if not text.isascii():
        count += len(text) - len(data.translate(None, _HIGH))
    return count


def may_exceed(text: str, limit: int) -> bool:
    """False when `text` surely estimates at or under `limit` (its UTF-8 size bounds it)."""
    return len(text) > limit and len(text.encode("utf-8", "surrogatepass")) > limit


class Counter(NamedTuple):
    """How texts are counted: `name` for reports, `exact`, and `note` saying why not exact."""

    name: str
    exact: bool
    count: Callable[[str], int]
    note: str = ""


def estimate_counter(note: str = "") -> Counter:
    """The estimate as a `Counter`."""
    return Counter(ESTIMATE, False, estimate_tokens, note)


def counter(*, exact: bool = True) -> Counter:
    """tiktoken's `cl100k_base` when it is installed and its encoding loads, else the estimate.

    `exact=False` always gives the estimate (what `skrun validate` uses, so a check never
    depends on what is installed). The fallback's `note` names the reason.
    """
    if not exact:
        return estimate_counter()
    import importlib

    try:  # never a dependency: used when the user has it
        tiktoken = importlib.import_module("tiktoken")
    except ImportError:
        return estimate_counter("tiktoken is not installed")
    try:
        encoding = tiktoken.get_encoding(ENCODING)
    except Exception as e:  # foreign code: offline it raises requests' or urllib's errors
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return estimate_counter(
            f"tiktoken cannot load {ENCODING} ({type(e).__name__}: {reason[:160]})"
        )

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return Counter(f"tiktoken {ENCODING}", True, count)
