"""The one YAML loader of skrun-build: typed, located, and guarded against hostile input.

PyYAML's own loaders either trust the document (aliases can expand exponentially,
deep nesting recurses) or lose positions once the data is built. This loader
builds the data itself from the parser's event stream, in one pass:

- it rejects anchors/aliases, custom tags, nesting deeper than `max_depth`, more
  than one document and text over `max_bytes` *before* building anything big;
- it reports duplicate mapping keys (YAML forbids them; PyYAML keeps the last);
- it records where every key and value starts, so a check can point at
  `file:line:col` for any field path.

Scalars are typed with the YAML 1.2 core schema, as Skrun v0.7.0 and the
JavaScript clients read them (`skrun_build.formats.yaml_schema`): `name: 12345` is an int,
`enabled: true` a bool, but `description: yes` and `date: 2024-01-02` are strings;
callers decide what a wrong type means. The libyaml C parser is used when PyYAML
was built with it (only its event stream: typing is ours).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from skrun_build.errors import InputError
from skrun_build.formats.yaml_schema import CORE, TagMismatch, plain_value, tagged_value

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

YamlErrorKind = Literal["syntax", "duplicate-key", "alias", "tag", "depth", "size", "value"]

# Explicit tags that only restate a JSON type are harmless; anything else (`!foo`,
# `!!python/object`, `!!binary`, `!!set`) is refused.
_PLAIN_TAGS = frozenset(f"{CORE}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_SEQ_TAG, _MAP_TAG = CORE + "seq", CORE + "map"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]


class YamlError(InputError):
    """The text is not YAML we accept; `kind` says why, `line`/`col` say where (1-based)."""

    def __init__(
        self,
        kind: YamlErrorKind,
        message: str,
        *,
        file: str,
        line: int,
        col: int,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, path=file, line=line, hint=hint)
        self.kind: YamlErrorKind = kind
        self.col = col

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.message}"
        return text + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class Position:
    """Where a mapping entry's key (or a sequence item) and its value start, 1-based."""

    key_line: int
    key_col: int
    line: int
    col: int


@dataclass(slots=True)
class YamlDoc:
    """A loaded document: plain Python `data` plus the position of every field path."""

    data: Any
    file: str
    start: tuple[int, int] = (1, 1)
    positions: dict[PathKey, Position] = field(default_factory=dict)

    def find(self, path: Sequence[str | int]) -> tuple[Position | None, int]:
        """The position of the longest prefix of `path` that exists, and that prefix's length."""
        key: PathKey = tuple(path)
        while key:
            pos = self.positions.get(key)
            if pos is None and any(isinstance(p, int) for p in key):
                # A mapping with key "0" is addressed by the string, never by an index.
                pos = self.positions.get(tuple(str(p) for p in key))
            if pos is not None:
                return pos, len(key)
            key = key[:-1]
        return None, 0

    def locate(self, path: Sequence[str | int]) -> tuple[int, int]:
        """(line, col) of the value at `path`; for a missing field, its parent's key."""
        pos, found = self.find(path)
        if pos is None:
            return self.start
        if found == len(path):
            return pos.line, pos.col
        return pos.key_line, pos.key_col

    def locate_key(self, path: Sequence[str | int]) -> tuple[int, int]:
        """(line, col) of the key at `path` (or of the nearest existing parent)."""
        pos, _ = self.find(path)
        return (pos.key_line, pos.key_col) if pos is not None else self.start


def load_yaml(
    text: str,
    *,
    file: str,
    first_line: int = 1,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> YamlDoc:
    """Parse one YAML document; `first_line` is the file line where `text` starts.

    Raises `YamlError` (an `InputError`) with a located message for anything refused.
    """
    if len(text) > max_bytes:  # characters >= bytes/4: a cheap bound before encoding
        size = len(text.encode("utf-8"))
        if size > max_bytes:
            raise YamlError(
                "size",
                f"YAML is {size} bytes; the limit is {max_bytes}",
                file=file,
                line=first_line,
                col=1,
                hint="move large data into a referenced file",
            )
    try:
        return _load(_LOADER, text, file, first_line, max_depth)
    except yaml.MarkedYAMLError as e:
        if _LOADER is yaml.SafeLoader or "nesting depth" not in str(e.problem):
            raise
        index = getattr(e.problem_mark, "index", None)
    # libyaml >= 0.2.5 (PyYAML 6.0.4 wheels) stops at its own nesting limit (1000) while
    # scanning ahead, before our depth guard sees the events. The text before that point
    # already nests deeper than our bound: parsing only it lets the guard report the exact
    # place, fast (the pure-Python scanner takes quadratic time on deep flow nesting).
    if isinstance(index, int) and index > 0:
        try:
            _load(_LOADER, text[:index], file, first_line, max_depth)
        except YamlError as err:
            if err.kind == "depth":
                raise
        except yaml.MarkedYAMLError:
            pass
    return _load(yaml.SafeLoader, text, file, first_line, max_depth)


def _load(loader_cls: Any, text: str, file: str, first_line: int, max_depth: int) -> YamlDoc:
    parsed, restore = _hide_breaks(text)
    loader = loader_cls(parsed)
    try:
        doc = YamlDoc(None, file, (first_line, 1))
        _Composer(loader, doc, first_line, max_depth, restore).run()
        return doc
    except yaml.MarkedYAMLError as e:
        if loader_cls is not yaml.SafeLoader and "nesting depth" in str(e.problem):
            raise  # load_yaml retries with the pure-Python loader
        mark = e.problem_mark or e.context_mark
        line = mark.line + first_line if mark is not None else first_line
        col = mark.column + 1 if mark is not None else 1
        problem = (e.problem or e.context or "invalid YAML").strip()
        index = getattr(mark, "index", None)
        at = text[index : index + 1] if isinstance(index, int) else ""
        raise YamlError(
            "syntax",
            f"invalid YAML: {problem}",
            file=file,
            line=line,
            col=col,
            hint=_hint(problem, at),
        ) from e
    except yaml.reader.ReaderError as e:
        # A NUL or other control character: PyYAML's text is two lines and names
        # "<unicode string>"; point at the character instead.
        line, col = line_col(text, min(max(e.position, 0), len(text)), first_line)
        raise YamlError(
            "syntax",
            f"invalid character U+{e.character:04X}: control characters are not allowed"
            if isinstance(e.character, int)
            else f"invalid YAML: {e.reason}",
            file=file,
            line=line,
            col=col,
            hint="remove it, or write it as an escape (\\x00) in a double-quoted string",
        ) from e
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as e:
        # e.g. `date: 2024-13-40` in a `%YAML 1.1` document is no date.
        message, line, col = f"invalid YAML value: {e}", first_line, 1
        long = re.search(r"[0-9_]{4301,}", text) if "4300 digits" in str(e) else None
        if long is not None:
            # Python's int digit limit: its text names sys.set_int_max_str_digits().
            message = "invalid YAML value: a number has more than 4300 digits"
            line, col = line_col(text, long.start(), first_line)
        raise YamlError(
            "value",
            message,
            file=file,
            line=line,
            col=col,
            hint="quote the value to keep it a string",
        ) from e
    finally:
        loader.dispose()


# YAML 1.1 (PyYAML and libyaml) also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH
# SEPARATOR; YAML 1.2 (Skrun's `yaml` package) reads them as ordinary characters, so a
# description pasted with U+2028 in it is one value there, and the line numbers count
# only real line ends. They stand in for unused private-use characters while parsing.
_BREAKS_11 = "\x85\u2028\u2029"


def _hide_breaks(text: str) -> tuple[str, dict[int, str] | None]:
    """`text` without YAML 1.1-only line breaks, and the table that puts them back."""
    found = [c for c in _BREAKS_11 if c in text]
    if not found:
        return text, None
    spare = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    pairs = list(zip(found, spare, strict=False))
    hidden = text.translate({ord(brk): sub for brk, sub in pairs})
    return hidden, {ord(sub): brk for brk, sub in pairs}


def line_col(text: str, index: int, first_line: int = 1) -> tuple[int, int]:
    """1-based (line, col) of `index` in `text`, whose first line is file line `first_line`."""
    return first_line + text.count("\n", 0, index), index - text.rfind("\n", 0, index)


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPE_HINT = "write the character itself, or escape it as \\U0001F600 (8 hex digits)"


def _hint(problem: str, at: str) -> str | None:
    if "invalid Unicode character escape" in problem:
        return _ESCAPE_HINT
    if at == "\t" or "\\t" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': '"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation, and quote values that contain ': ' or start with a symbol"
    if "found character" in problem or "found undefined" in problem:
        return "quote values that start with @, ` or %"
    return None


class _Frame:
    """A collection being built: its value, its path, and (for mappings) the pending key."""

    __slots__ = ("container", "key", "key_col", "key_line", "key_text", "lines", "path", "values")

    def __init__(self, container: dict[Any, Any] | list[Any], path: PathKey) -> None:
        self.container = container
        self.path = path
        self.key: Any = _NO_KEY
        self.key_text = ""
        self.key_line = self.key_col = 0
        # Where each key was first defined, by its text and by its value: `1` and `1.0`
        # are one Python key, and one of them would be lost.
        self.lines: dict[str, int] = {}
        self.values: dict[Any, int] = {}


_NO_KEY = object()


class _Composer:
    """Builds the data from the parser's events, recording positions and enforcing the guards.

    No PyYAML node tree and no PyYAML constructor: scalars are typed here, with the
    YAML 1.2 core schema (`skrun_build.formats.yaml_schema`), or PyYAML's 1.1 resolver and
    constructor for a document that declares `%YAML 1.1`.
    """

    def __init__(
        self,
        loader: Any,
        doc: YamlDoc,
        first_line: int,
        max_depth: int,
        restore: dict[int, str] | None = None,
    ) -> None:
        self.loader = loader
        self.doc = doc
        self.first_line = first_line
        self.max_depth = max_depth
        self.restore = restore  # see _hide_breaks
        self.yaml11 = False

    def fail(self, kind: YamlErrorKind, message: str, mark: Any, hint: str | None) -> YamlError:
        return YamlError(
            kind,
            message,
            file=self.doc.file,
            line=mark.line + self.first_line,
            col=mark.column + 1,
            hint=hint,
        )

    def run(self) -> None:
        loader, doc = self.loader, self.doc
        stack: list[_Frame] = []
        documents = 0
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail(
                        "syntax",
                        "expected a single YAML document, found another",
                        event.start_mark,
                        "remove the second '---' or '...' block",
                    )
                self.yaml11 = event.version == (1, 1)
                continue
            if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
                continue
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise self.fail(
                    "alias",
                    "YAML anchors and aliases (&name, *name) are not allowed",
                    event.start_mark,
                    "write the value out in full",
                )
            if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                stack.pop()
                continue
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
                raise self.fail(
                    "tag",
                    f"YAML tag {tag!r} is not allowed",
                    event.start_mark,
                    "remove the tag; plain strings, numbers, lists and maps only",
                )
            start = event.start_mark
            value: Any
            if isinstance(event, yaml.ScalarEvent):
                value = self.scalar(event, tag)
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                if len(stack) >= self.max_depth:
                    raise self.fail(
                        "depth",
                        f"YAML nesting is deeper than {self.max_depth} levels",
                        start,
                        "flatten the structure",
                    )
                is_seq = isinstance(event, yaml.SequenceStartEvent)
                if tag not in (None, "!", _SEQ_TAG if is_seq else _MAP_TAG):
                    raise self.fail(
                        "tag",
                        f"YAML tag {tag!r} does not fit a {'list' if is_seq else 'mapping'}",
                        start,
                        "remove the tag",
                    )
                value = [] if is_seq else {}
            else:  # pragma: no cover - PyYAML emits no other event types
                continue
            line, col = start.line + self.first_line, start.column + 1
            if not stack:
                doc.start = (line, col)
                doc.data = value
            else:
                self.attach(stack[-1], event, value, line, col)
            if not isinstance(event, yaml.ScalarEvent):
                stack.append(_Frame(value, self.child_path(stack[-1]) if stack else ()))

    def scalar(self, event: Any, tag: str | None) -> Any:
        text: str = event.value
        if self.restore is not None:
            text = text.translate(self.restore)
        if self.yaml11 and tag != "!":
            # `%YAML 1.1`: the `yaml` package switches to its 1.1 schema; PyYAML's is that.
            if tag is None:
                tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
            if tag == CORE + "value":
                return text  # `=`: PyYAML has no constructor for it; a string everywhere
            if tag == CORE + "merge":
                raise self.fail(
                    "value",
                    "YAML merge keys (<<) are not allowed",
                    event.start_mark,
                    "write the keys out in full",
                )
            node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark)
            try:
                return self.loader.construct_object(node)
            except (ValueError, OverflowError) as e:
                if "digits" in str(e):
                    raise  # Python's int digit limit: `_load` names the number
                # e.g. `2024-13-40`: the timestamp pattern, but no date; Python's words stay out.
                name = "!!" + str(tag).removeprefix(CORE)
                raise self.fail(
                    "value",
                    f"{show_text(text)} is not a valid {name} value",
                    event.start_mark,
                    "quote the value to keep it a string",
                ) from e
        lone = _SURROGATE.search(text) if event.style == '"' else None
        if lone is not None:
            # `"\\ud800"`: PyYAML's Python scanner takes it (libyaml refuses it), but a
            # lone surrogate is no Unicode text: it cannot be printed or written as UTF-8.
            raise self.fail(
                "value",
                f"invalid YAML: the escape \\u{ord(lone.group()):04x}"
                " is a lone surrogate, no Unicode character",
                event.start_mark,
                _ESCAPE_HINT,
            )
        if tag is None:
            return plain_value(text) if event.implicit[0] else text
        if tag == "!":
            return text  # the non-specific tag: a string, whatever the text looks like
        try:
            return tagged_value(tag, text)
        except TagMismatch:
            name = "!!" + tag.removeprefix(CORE)
            raise self.fail(
                "value",
                f"{show_text(text)} is not a valid {name} value",
                event.start_mark,
                f"remove the tag {name}, or write a value of that type",
            ) from None

    def child_path(self, parent: _Frame) -> PathKey:
        # Called after `attach` recorded the child: the child's path is the last one added.
        if isinstance(parent.container, list):
            return (*parent.path, len(parent.container) - 1)
        return (*parent.path, parent.key_text)

    def attach(self, parent: _Frame, event: Any, value: Any, line: int, col: int) -> None:
        """Add `value` to the collection being built, recording its position."""
        container = parent.container
        if isinstance(container, list):
            self.doc.positions[(*parent.path, len(container))] = Position(line, col, line, col)
            container.append(value)
            return
        if parent.key is _NO_KEY:
            if not isinstance(event, yaml.ScalarEvent):
                raise self.fail(
                    "syntax",
                    "a list or mapping cannot be a mapping key",
                    event.start_mark,
                    "use a plain key such as `name:`",
                )
            text = str(event.value)
            first = parent.lines.get(text) or parent.values.get(value)
            if first is not None:
                raise self.fail(
                    "duplicate-key",
                    f"duplicate key {text!r} (first defined on line {first})",
                    event.start_mark,
                    "keep one of them",
                )
            parent.lines[text] = parent.values[value] = line
            parent.key, parent.key_text = value, text
            parent.key_line, parent.key_col = line, col
            return
        container[parent.key] = value
        self.doc.positions[(*parent.path, parent.key_text)] = Position(
            parent.key_line, parent.key_col, line, col
        )
        parent.key = _NO_KEY


def show_text(text: str) -> str:
    """`text` quoted for a message, shortened."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
