"""gitignore patterns, read and matched the way git itself does (checked against git 2.39).

What git does, and so what this module does (facts from git's documentation and
its behaviour, `git check-ignore`; the code is ours):

- A file is split on `\\n`; a `\\r` before it is dropped; a UTF-8 BOM at the start
  is skipped; an empty line or one starting with `#` is no pattern. Trailing
  spaces are trimmed unless escaped with a backslash (`a\\ ` keeps its space).
- `!` negates; a trailing `/` restricts the pattern to directories; a pattern
  with no other `/` matches the last path component at any depth, otherwise it
  is matched against the path relative to the ignore file's folder (a leading
  `/` only anchors it).
- Matching is done on the UTF-8 bytes of the path, as git's wildmatch does:
  `?` and each bracket expression match one byte, never `/`; `*` matches any run
  of bytes without `/`; `**` matches across `/` only when it is a whole
  component (`**/x`, `x/**`, `a/**/b`). Brackets take `!` or `^` to negate,
  ranges, `\\` escapes and the ASCII classes `[:alpha:]` etc.
- git splits a pattern with a `/` into its literal head (up to the first of
  `*?[\\`) and matches the rest as a pattern of its own, so in `foo**/bar` the
  `**` counts as a whole component (it matches `foox/y/bar`). We do the same.
- Patterns that can never match are kept, never an error: an empty pattern (a
  line of spaces, `!`, `/`), a trailing lone `\\`, an unclosed `[`, an unknown
  `[:class:]`. Each gets a warning, as does a reversed range (`[z-a]` matches
  only `z`), so the user learns why a line does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_SPECIAL = b"*?[\\"
_SLASH = 0x2F

_PRINT = set(range(0x20, 0x7F))
_SPACE = set(b" \t\n\r")  # git's isspace(): no \v or \f
_ALPHA = set(range(0x41, 0x5B)) | set(range(0x61, 0x7B))
_DIGIT = set(range(0x30, 0x3A))
_CLASSES: dict[bytes, set[int]] = {
    b"alnum": _ALPHA | _DIGIT,
    b"alpha": _ALPHA,
    b"blank": set(b" \t"),
    b"cntrl": set(range(0x20)) | {0x7F},
    b"digit": _DIGIT,
    b"graph": _PRINT - _SPACE,
    b"lower": set(range(0x61, 0x7B)),
    b"print": _PRINT,
    b"punct": _PRINT - _SPACE - _ALPHA - _DIGIT,
    b"space": _SPACE,
    b"upper": set(range(0x41, 0x5B)),
    b"xdigit": _DIGIT | set(b"abcdefABCDEF"),
}


class _Never(Exception):
    """The pattern can never match; the message says why."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern line: what it is, where it is, and how it matches."""

    text: str  # the pattern as written (trailing spaces trimmed), printable
    line: int  # 1-based line in its file
    negated: bool
    dir_only: bool
    basename: bool  # no `/` inside: matched against the last component
    matcher: Callable[[bytes], bool] | None  # None: never matches
    note: str = ""  # why it never matches, or what is odd about it ("" = nothing)
    regex: bytes | None = None  # the regex source when `matcher` is a regex's fullmatch

    def matches(self, rel: bytes, is_dir: bool) -> bool:
        """Whether the pattern matches `rel` (relative to the ignore file's folder)."""
        if self.matcher is None or (self.dir_only and not is_dir):
            return False
        return bool(self.matcher(rel.rsplit(b"/", 1)[-1] if self.basename else rel))


def parse(data: bytes) -> list[Pattern]:
    """Every pattern of an ignore file's content, in order, with its line number."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[Pattern] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw or raw.startswith(b"#"):
            continue
        out.append(compile_pattern(_trim(raw), number))
    return out


def compile_pattern(raw: bytes, line: int = 0) -> Pattern:
    """One pattern (already trimmed), compiled to a matcher of UTF-8 path bytes."""
    text = raw.decode("utf-8", "backslashreplace")
    body = raw
    negated = body.startswith(b"!")
    if negated:
        body = body[1:]
    dir_only = body.endswith(b"/")
    if dir_only:
        body = body[:-1]
    basename = b"/" not in body
    if not body:
        note = "empty pattern: git ignores it"
        return Pattern(text, line, negated, dir_only, basename, None, note)
    notes: list[str] = []
    try:
        if basename:
            tokens = _tokens(body, notes)
        else:
            if body.startswith(b"/"):
                body = body[1:]
            # The literal head is compared as it is; the rest is a pattern of its own.
            head = len(body)
            for i, byte in enumerate(body):
                if byte in _SPECIAL:
                    head = i
                    break
            tokens = [("lit", body[:head]), *_tokens(body[head:], notes)]
    except _Never as e:
        return Pattern(text, line, negated, dir_only, basename, None, f"{e}: it never matches")
    matcher, regex = _matcher(tokens)
    return Pattern(text, line, negated, dir_only, basename, matcher, "; ".join(notes), regex)


# A compiled pattern: ("lit", bytes), ("set", bytes allowed), ("star",) = `*` (no `/`),
# ("any",) = a whole-component `**` (anything), ("dirs",) = `**/` (zero or more folders).
Token = tuple[str, bytes]

_STARS = ("star", "any", "dirs")


def _matcher(tokens: list[Token]) -> tuple[Callable[[bytes], bool], bytes | None]:
    """(match function, regex source or None): a regex when it cannot backtrack
    badly, else a linear-time automaton.

    Inside one path component, a `*` followed by stars-free text and another `*`
    may take the earliest place where that text matches (the classic glob
    argument: an earlier place only leaves more room to what follows, and no `/`
    can be in between), so it becomes an atomic group that never backtracks; a `*`
    before a `/` or at the end has one way to match and never backtracks. Any
    other star is a backtracking point; with more than two of them (`**/a/**/a/**/b`)
    the automaton runs instead of a regex that could take exponential time.
    """
    pieces: list[bytes] = []
    backtracking = 0
    i = 0
    while i < len(tokens):
        kind = tokens[i][0]
        if kind == "star":
            j = i + 1
            while (
                j < len(tokens)
                and tokens[j][0] in ("lit", "set")
                and not (tokens[j][0] == "lit" and b"/" in tokens[j][1])
            ):
                j += 1
            if j > i + 1 and j < len(tokens) and tokens[j][0] == "star":
                pieces.append(b"(?>[^/]*?" + b"".join(_regex(t) for t in tokens[i + 1 : j]) + b")")
                i = j
                continue
            if i + 1 == len(tokens) or tokens[i + 1][1].startswith(b"/"):
                # It must run to the next `/` or the end: there is one way to match.
                pieces.append(b"[^/]*+")
                i += 1
                continue
        if kind in _STARS:
            backtracking += 1
        pieces.append(_regex(tokens[i]))
        i += 1
    if backtracking > 2:
        return _Automaton(tokens).matches, None
    source = b"".join(pieces)
    return re.compile(source, re.DOTALL).fullmatch, source  # type: ignore[return-value]


def _regex(token: Token) -> bytes:
    kind, arg = token
    if kind == "lit":
        return re.escape(arg)
    if kind == "set":
        return _regex_set(arg)
    return {"star": b"[^/]*", "any": b".*", "dirs": b"(?:.*/)?"}[kind]


def _regex_set(allowed: bytes) -> bytes:
    if not allowed:
        return b"(?!)"
    return b"[" + b"".join(b"\\x%02x" % b for b in allowed) + b"]"


class _Automaton:
    """The pattern as a set of positions advanced byte by byte (no backtracking)."""

    def __init__(self, tokens: list[Token]) -> None:
        # States: ("set", allowed) consumes one byte; ("star"|"any",) loops on a byte
        # (not `/` for star) or moves on; ("skip", target) moves on or jumps to target.
        states: list[tuple[str, frozenset[int], int]] = []
        for kind, arg in tokens:
            if kind == "lit":
                states += [("set", frozenset((b,)), 0) for b in arg]
            elif kind == "set":
                states.append(("set", frozenset(arg), 0))
            elif kind == "dirs":  # empty, or anything ending with `/`
                states.append(("skip", frozenset(), len(states) + 3))
                states += [("any", frozenset(), 0), ("set", frozenset(b"/"), 0)]
            else:
                states.append((kind, frozenset(), 0))
        self.states = states

    def _close(self, positions: set[int]) -> set[int]:
        todo = list(positions)
        while todo:
            i = todo.pop()
            if i >= len(self.states):
                continue
            kind, _, target = self.states[i]
            nexts = [i + 1] if kind in ("star", "any", "skip") else []
            if kind == "skip":
                nexts.append(target)
            for j in nexts:
                if j not in positions:
                    positions.add(j)
                    todo.append(j)
        return positions

    def matches(self, text: bytes) -> bool:
        """Whether the whole of `text` matches."""
        current = self._close({0})
        for byte in text:
            moved: set[int] = set()
            for i in current:
                if i >= len(self.states):
                    continue
                kind, allowed, _ = self.states[i]
                if kind == "set":
                    if byte in allowed:
                        moved.add(i + 1)
                elif kind == "any" or (kind == "star" and byte != _SLASH):
                    moved.add(i)
            if not moved:
                return False
            current = self._close(moved)
        return len(self.states) in current


def _trim(raw: bytes) -> bytes:
    """Drop trailing spaces that are not escaped, as git does."""
    last_space = -1
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x20:
            if last_space < 0:
                last_space = i
        elif byte == 0x5C:
            i += 1
            if i >= len(raw):
                return raw
            last_space = -1
        else:
            last_space = -1
        i += 1
    return raw if last_space < 0 else raw[:last_space]


def _tokens(pat: bytes, notes: list[str]) -> list[Token]:
    """The tokens of a wildmatch pattern with `/` as a separator."""
    out: list[Token] = []
    i, n = 0, len(pat)
    while i < n:
        byte = pat[i]
        if byte == 0x5C:  # backslash
            if i + 1 >= n:
                raise _Never("it ends with a lone backslash")
            out.append(("lit", pat[i + 1 : i + 2]))
            i += 2
        elif byte == 0x3F:  # ?
            out.append(("set", bytes(b for b in range(256) if b != _SLASH)))
            i += 1
        elif byte == 0x2A:  # *
            j = i
            while j < n and pat[j] == 0x2A:
                j += 1
            whole = (
                j - i >= 2
                and (i == 0 or pat[i - 1] == _SLASH)
                and (j == n or pat[j] == _SLASH or pat[j : j + 2] == b"\\/")
            )
            if not whole:
                out.append(("star", b""))
            elif j < n and pat[j] == _SLASH:
                out.append(("dirs", b""))  # `**/`: zero or more whole folders
                j += 1
            else:
                out.append(("any", b""))
            i = j
        elif byte == 0x5B:  # [
            allowed, i = _bracket(pat, i + 1, notes)
            allowed.discard(_SLASH)
            out.append(("set", bytes(sorted(allowed))))
        else:
            out.append(("lit", pat[i : i + 1]))
            i += 1
    return out


def _bracket(pat: bytes, i: int, notes: list[str]) -> tuple[set[int], int]:
    """The bytes a bracket expression starting at `pat[i]` (after `[`) matches, and
    the index after its closing `]`."""
    n = len(pat)
    unclosed = _Never("'[' is never closed")
    if i >= n:
        raise unclosed
    negated = pat[i] in b"!^"
    if negated:
        i += 1
    chosen: set[int] = set()
    prev = 0
    while True:
        if i >= n:
            raise unclosed
        byte = pat[i]
        if byte == 0x5C:
            i += 1
            if i >= n:
                raise unclosed
            byte = pat[i]
            chosen.add(byte)
        elif byte == 0x2D and prev and i + 1 < n and pat[i + 1] != 0x5D:  # a range
            i += 1
            end = pat[i]
            if end == 0x5C:
                i += 1
                if i >= n:
                    raise unclosed
                end = pat[i]
            if end < prev:
                notes.append(
                    f"range {chr(prev)}-{chr(end)} is reversed (it matches only {chr(prev)!r})"
                )
            chosen.update(range(prev, end + 1))
            byte = 0
        elif byte == 0x5B and i + 1 < n and pat[i + 1] == 0x3A:  # [:class:]
            k = pat.find(b"]", i + 2)
            if k < 0:
                raise unclosed
            if k - (i + 2) - 1 < 0 or pat[k - 1] != 0x3A:
                chosen.add(byte)  # no `:]`: the `[` is an ordinary member
            else:
                name = pat[i + 2 : k - 1]
                if name not in _CLASSES:
                    shown = name.decode("utf-8", "backslashreplace")
                    raise _Never(f"[:{shown}:] is not a character class")
                chosen |= _CLASSES[name]
                i, byte = k, 0
        else:
            chosen.add(byte)
        prev = byte
        i += 1
        if i >= n:
            raise unclosed
        if pat[i] == 0x5D:
            break
    if negated:
        chosen = set(range(256)) - chosen
    return chosen, i + 1
