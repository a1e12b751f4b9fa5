"""Load JSON with positions: located syntax errors, duplicate keys refused, a `YamlDoc` back.

`json` gives no positions for valid documents, so after a strict parse (which
catches syntax errors with line/col and duplicate keys) a small walker records
where each key and value starts; checks then locate a field path the same way
for JSON as for YAML.
"""

from __future__ import annotations

import bisect
import contextlib
import json
from collections.abc import Callable
from typing import Any

from skrun_build.yaml import PathKey, Position, YamlDoc, line_col

_WS = " \t\n\r"


class JsonError(ValueError):
    """The text is not JSON we accept; `line`/`col` are 1-based."""

    def __init__(self, message: str, line: int, col: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.hint = hint


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


def load_json(text: str, *, file: str) -> YamlDoc:
    """Parse `text`; raise `JsonError` with the place of the first problem."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _NotJson as e:
        # Python's json takes NaN/Infinity; JSON (and the runtime's serde) does not.
        line, col = line_col(text, max(text.find(e.constant), 0))
        raise JsonError(f"invalid JSON: {e.constant} is not a JSON number", line, col) from e
    except json.JSONDecodeError as e:
        raise JsonError(f"invalid JSON: {e.msg}", e.lineno, e.colno) from e
    except _Duplicate as e:
        line, col = _find_duplicate(text, e.key)
        raise JsonError(f'duplicate key "{e.key}"', line, col, "keep one of them") from e
    except RecursionError as e:
        raise JsonError("JSON nesting is too deep", 1, 1) from e
    except ValueError as e:
        # Python refuses integers of more than 4300 digits (CVE-2020-10735); find the number.
        import re

        long = re.search(r"\d{4301,}", text)
        line, col = line_col(text, long.start() if long else 0)
        raise JsonError(
            "invalid JSON: a number has more than 4300 digits", line, col, "write it as a string"
        ) from e
    doc = YamlDoc(data, file)
    _Walker(text, doc).run()
    return doc


def _find_duplicate(text: str, key: str) -> tuple[int, int]:
    # Walk without the hook: the second occurrence of `key` in one object is the place.
    walker = _Walker(text, YamlDoc(None, "")).run(stop_at_duplicate=key)
    return walker or (1, 1)


class _Walker:
    """Records the positions of every key and value of a valid JSON text."""

    def __init__(self, text: str, doc: YamlDoc) -> None:
        self.text = text
        self.doc = doc
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
        _, end = self.scan(self.text, i)
        return int(end)

    def _object(self, i: int, path: PathKey) -> int:
        seen: set[str] = set()
        i = self._skip(i)
        if self.text[i] == "}":
            return i + 1
        while True:
            i = self._skip(i)
            key_at = self._lc(i)
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
