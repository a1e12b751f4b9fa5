"""Load JSON with positions: located syntax errors, duplicate keys refused, a `YamlDoc` back.

`json` gives no positions for valid documents, so after a strict parse (which
catches syntax errors with line/col and duplicate keys) a small walker records
where each key and value starts; checks then locate a field path the same way
for JSON as for YAML.

What the reference runtime (lhwzds/skrun, Rust `serde_json::from_str`) refuses is
refused here too, on every Python version: nesting of 128 levels or more (its
recursion limit; measured before parsing, since how deep Python's own scanner may
recurse differs between 3.11 and 3.13), NaN/Infinity, and strings holding a lone
UTF-16 surrogate (`"\\ud800"`), which are no Unicode text and cannot be printed or
written as UTF-8.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from skrun_build.errors import InputError
from skrun_build.formats.yaml import PathKey, Position, YamlDoc, line_col

_WS = " \t\n\r"
# serde_json's default recursion limit is 128: 127 nested arrays/objects parse, 128 fail.
MAX_DEPTH = 127
# A string (consumed whole, so brackets inside it do not count) or one bracket.
_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.S)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JsonError(InputError, ValueError):
    """The text is not JSON we accept; `line`/`col` are 1-based.

    Also a ValueError, as `json.loads`'s own errors are, so a caller that reads JSON
    (cache metadata, installed artifacts, a skill's output) catches both in one place.
    """

    line: int

    def __init__(self, message: str, line: int, col: int, hint: str | None = None) -> None:
        super().__init__(message, line=line, hint=hint)
        self.line = line
        self.col = col


class _Found(Exception):
    """Stops the walk at the duplicate key being looked for."""


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _NotJson(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _refuse_constant(constant: str) -> Any:
    raise _NotJson(constant)


def load_json(text: str, *, file: str, max_depth: int = MAX_DEPTH) -> YamlDoc:
    """Parse `text`; raise `JsonError` with the place of the first problem."""
    check_depth(text, max_depth)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _NotJson as e:
        # Python's json takes NaN/Infinity; JSON (and the runtime's serde) does not.
        line, col = line_col(text, max(text.find(e.constant), 0))
        raise JsonError(f"invalid JSON: {e.constant} is not a JSON number", line, col) from e
    except json.JSONDecodeError as e:
        comma = _trailing_comma(text, e.pos)
        if comma is not None:
            # Python 3.13 says so itself, at the comma; 3.11 and 3.12 point after it.
            line, col = line_col(text, comma)
            closing = text[_skip_ws(text, comma + 1)]
            message = f"invalid JSON: trailing comma before '{closing}'"
            raise JsonError(message, line, col, "remove the comma") from e
        raise JsonError(f"invalid JSON: {e.msg}", e.lineno, e.colno) from e
    except _Duplicate as e:
        line, col = _find_duplicate(text, e.key)
        raise JsonError(f'duplicate key "{e.key}"', line, col, "keep one of them") from e
    except ValueError as e:
        # Python refuses integers of more than 4300 digits (CVE-2020-10735); find the number.
        import re

        long = re.search(r"\d{4301,}", text)
        line, col = line_col(text, long.start() if long else 0)
        raise JsonError(
            "invalid JSON: a number has more than 4300 digits", line, col, "write it as a string"
        ) from e
    doc = YamlDoc(data, file)
    _Walker(text, doc, surrogates=_SURROGATE_ESCAPE.search(text) is not None).run()
    return doc


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise `JsonError` at the bracket that nests deeper than `max_depth`, if any.

    Call it before `json.loads` on untrusted text: brackets inside strings do not count,
    and the answer is the same on every Python version.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                line, col = line_col(text, match.start())
                raise JsonError(
                    f"JSON nesting is deeper than {max_depth} levels",
                    line,
                    col,
                    "flatten the structure: the skrun runtime's JSON reader stops at 128 levels",
                )
        elif token in ("]", "}"):
            depth -= 1


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _trailing_comma(text: str, pos: int) -> int | None:
    """The index of a comma right before `}` or `]` at or next to `pos`, else None."""
    if pos < len(text) and text[pos] in "}]":
        pos = len(text[:pos].rstrip(_WS)) - 1  # the last character before it
    if not 0 <= pos < len(text) or text[pos] != ",":
        return None
    after = _skip_ws(text, pos + 1)
    before = text[:pos].rstrip(_WS)
    if after < len(text) and text[after] in "}]" and before and before[-1] not in "[{,":
        return pos
    return None


def _find_duplicate(text: str, key: str) -> tuple[int, int]:
    # Walk without the hook: the second occurrence of `key` in one object is the place.
    walker = _Walker(text, YamlDoc(None, "")).run(stop_at_duplicate=key)
    return walker or (1, 1)


class _Walker:
    """Records the positions of every key and value of a valid JSON text."""

    def __init__(self, text: str, doc: YamlDoc, *, surrogates: bool = False) -> None:
        self.text = text
        self.doc = doc
        self.surrogates = surrogates  # whether the text has a `\ud800`-like escape at all
        self.lines = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        decoder: Any = json.JSONDecoder()  # scan_once is missing from the type stubs
        self.scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once
        self.dup: str | None = None
        self.found: tuple[int, int] | None = None

    def run(self, stop_at_duplicate: str | None = None) -> tuple[int, int] | None:
        self.dup = stop_at_duplicate
        i = self._skip(0)
        if i < len(self.text):
            self.doc.start = self._lc(i)
            with contextlib.suppress(_Found):
                self._value(i, ())
        return self.found

    def _lc(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.lines, index)
        return line, index - self.lines[line - 1] + 1

    def _skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in _WS:
            i += 1
        return i

    def _value(self, i: int, path: PathKey) -> int:
        ch = self.text[i]
        if ch == "{":
            return self._object(i + 1, path)
        if ch == "[":
            return self._array(i + 1, path)
        value, end = self.scan(self.text, i)
        if self.surrogates and isinstance(value, str):
            self._refuse_surrogate(value, i)
        return int(end)

    def _refuse_surrogate(self, value: str, i: int) -> None:
        found = _SURROGATE.search(value)
        if found is not None:
            line, col = self._lc(i)
            raise JsonError(
                f"invalid JSON: the string holds a lone surrogate \\u{ord(found.group()):04x},"
                " which is no Unicode character",
                line,
                col,
                "write the character itself, or a whole surrogate pair such as \\ud83d\\ude00",
            )

    def _object(self, i: int, path: PathKey) -> int:
        seen: set[str] = set()
        i = self._skip(i)
        if self.text[i] == "}":
            return i + 1
        while True:
            i = self._skip(i)
            key_at = self._lc(i)
            if self.surrogates:
                self._refuse_surrogate(self.scan(self.text, i)[0], i)
            key, i = self.scan(self.text, i)
            if self.dup is not None and key == self.dup and key in seen:
                self.found = key_at
                raise _Found
            seen.add(key)
            i = self._skip(self._skip(i) + 1)  # past ':'
            line, col = self._lc(i)
            self.doc.positions[(*path, key)] = Position(key_at[0], key_at[1], line, col)
            i = self._skip(self._value(i, (*path, key)))
            if self.text[i] == "}":
                return i + 1
            i += 1  # ','

    def _array(self, i: int, path: PathKey) -> int:
        i = self._skip(i)
        if self.text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = self._skip(i)
            line, col = self._lc(i)
            self.doc.positions[(*path, index)] = Position(line, col, line, col)
            i = self._skip(self._value(i, (*path, index)))
            index += 1
            if self.text[i] == "]":
                return i + 1
            i += 1  # ','
