"""The one YAML loader of skrun-build: typed, located, and guarded against hostile input.

PyYAML's own loaders either trust the document (aliases can expand exponentially,
deep nesting recurses) or lose positions once the data is built. This loader
composes the node tree itself from the parser's event stream, in one pass:

- it rejects anchors/aliases, custom tags, nesting deeper than `max_depth`, more
  than one document and text over `max_bytes` *before* building anything big;
- it reports duplicate mapping keys (YAML forbids them; PyYAML keeps the last);
- it records where every key and value starts, so a check can point at
  `file:line:col` for any field path.

Scalars are typed the YAML 1.1 way, exactly as `yaml.safe_load` types them
(`name: 12345` is an int, `description: yes` a bool); callers decide what a
wrong type means. The libyaml C parser is used when PyYAML was built with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from skrun_build.errors import InputError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

YamlErrorKind = Literal["syntax", "duplicate-key", "alias", "tag", "depth", "size", "value"]

# Explicit tags that only restate a JSON type are harmless; anything else (`!foo`,
# `!!python/object`, `!!binary`, `!!set`) is refused.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")
)
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
    # libyaml >= 0.2.5 (PyYAML 6.0.4 wheels) stops at its own nesting limit while scanning
    # ahead, before our depth guard sees the events: the pure-Python scanner lets the guard
    # report the exact place.
    return _load(yaml.SafeLoader, text, file, first_line, max_depth)


def _load(loader_cls: Any, text: str, file: str, first_line: int, max_depth: int) -> YamlDoc:
    loader = loader_cls(text)
    try:
        doc = YamlDoc(None, file, (first_line, 1))
        root = _compose(loader, doc, first_line, max_depth)
        if root is not None:
            doc.data = loader.construct_document(root)
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
        # e.g. `date: 2024-13-40` matches the timestamp pattern but is no date.
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


def line_col(text: str, index: int, first_line: int = 1) -> tuple[int, int]:
    """1-based (line, col) of `index` in `text`, whose first line is file line `first_line`."""
    return first_line + text.count("\n", 0, index), index - text.rfind("\n", 0, index)


def _hint(problem: str, at: str) -> str | None:
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
    """A collection being composed: its node, its path, and (for mappings) the pending key."""

    __slots__ = ("index", "key", "keys", "node", "path")

    def __init__(self, node: yaml.Node, path: PathKey) -> None:
        self.node = node
        self.path = path
        self.key: yaml.Node | None = None
        self.keys: dict[str, int] = {}
        self.index = 0


def _compose(loader: Any, doc: YamlDoc, first_line: int, max_depth: int) -> yaml.Node | None:
    """Build the node tree from events, recording positions and enforcing the guards."""

    def fail(kind: YamlErrorKind, message: str, mark: Any, hint: str | None = None) -> YamlError:
        return YamlError(
            kind,
            message,
            file=doc.file,
            line=mark.line + first_line,
            col=mark.column + 1,
            hint=hint,
        )

    root: yaml.Node | None = None
    stack: list[_Frame] = []
    documents = 0
    while True:
        event = loader.get_event()
        if isinstance(event, yaml.StreamEndEvent):
            return root
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise fail(
                    "syntax",
                    "expected a single YAML document, found another",
                    event.start_mark,
                    "remove the second '---' or '...' block",
                )
            continue
        if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
            continue
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise fail(
                "alias",
                "YAML anchors and aliases (&name, *name) are not allowed",
                event.start_mark,
                "write the value out in full",
            )
        if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            frame = stack.pop()
            frame.node.end_mark = event.end_mark
            if not stack:
                root = frame.node
            continue
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
            raise fail(
                "tag",
                f"YAML tag {tag!r} is not allowed",
                event.start_mark,
                "remove the tag; plain strings, numbers, lists and maps only",
            )
        node: yaml.Node
        # libyaml's marks are another class than PyYAML's; the nodes only keep them.
        start: Any = event.start_mark
        end: Any = event.end_mark
        if isinstance(event, yaml.ScalarEvent):
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            if len(stack) >= max_depth:
                raise fail(
                    "depth",
                    f"YAML nesting is deeper than {max_depth} levels",
                    event.start_mark,
                    "flatten the structure",
                )
            is_seq = isinstance(event, yaml.SequenceStartEvent)
            kind = yaml.SequenceNode if is_seq else yaml.MappingNode
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            node = kind(tag, [], start, None, flow_style=event.flow_style)
        else:  # pragma: no cover - PyYAML emits no other event types
            continue
        if not stack:
            doc.start = (event.start_mark.line + first_line, event.start_mark.column + 1)
        else:
            _attach(stack[-1], node, doc, first_line, fail)
        if isinstance(node, yaml.ScalarNode):
            if not stack:
                root = node
        else:
            path = _child_path(stack[-1]) if stack else ()
            stack.append(_Frame(node, path))


def _child_path(parent: _Frame) -> PathKey:
    # Called after `_attach` recorded the child: the child's path is the last one added.
    if isinstance(parent.node, yaml.SequenceNode):
        return (*parent.path, parent.index - 1)
    if parent.key is not None:
        # A collection used as a key (`? [a, b]`); the constructor refuses it later.
        return (*parent.path, "?")
    last_key = parent.node.value[-1][0]
    return (*parent.path, str(last_key.value))


def _attach(parent: _Frame, node: yaml.Node, doc: YamlDoc, first_line: int, fail: Any) -> None:
    """Add `node` to the collection being composed, recording its position."""
    mark = node.start_mark
    line, col = mark.line + first_line, mark.column + 1
    if isinstance(parent.node, yaml.SequenceNode):
        parent.node.value.append(node)
        doc.positions[(*parent.path, parent.index)] = Position(line, col, line, col)
        parent.index += 1
        return
    if parent.key is None:
        parent.key = node
        if isinstance(node, yaml.ScalarNode):
            name = str(node.value)
            first = parent.keys.get(name)
            if first is not None:
                raise fail(
                    "duplicate-key",
                    f"duplicate key {name!r} (first defined on line {first})",
                    mark,
                    "keep one of them",
                )
            parent.keys[name] = line
        return
    key, parent.key = parent.key, None
    parent.node.value.append((key, node))
    key_mark = key.start_mark
    doc.positions[(*parent.path, str(key.value))] = Position(
        key_mark.line + first_line, key_mark.column + 1, line, col
    )
