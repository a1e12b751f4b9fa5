"""Which files of an agent (or skill) directory go into a bundle, and why.

Rules are applied in layers; within the layers the last matching pattern wins,
exactly like git (see docs/bundle-format.md, "Exclusions"). Each pattern is read
and matched as git does it (`skrun_build.bundle.gitignore`); a pattern git never matches
becomes a warning in `Rules.warnings`, never an error:

1. Skrun defaults, at any depth: `node_modules .git dist .env .DS_Store
   __pycache__ .pytest_cache venv .venv`, every name starting with `.`, every
   name ending `.secret`.
2. `.gitignore` files: the root one, then nested ones (a deeper file overrides a
   shallower one; patterns are relative to the file's directory).
3. `.skrunignore` files (gitignore syntax), root then nested; `!pattern`
   re-includes, even a default exclusion.
4. Never overridable: every `*.agent` and `*.skill` (our own outputs) and the
   output directory when it lies inside the source directory.

As in git, a directory that ends up excluded is not entered, so a file inside
it cannot be re-included without re-including the directory first.

`walk()` lists what survives, sorted by the UTF-8 bytes of the relative path;
`Rules.explain()` names the rule that decides a path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from skrun_build.bundle.gitignore import Pattern, parse
from skrun_build.errors import BundleError, InputError, os_hint

DEFAULT_NAMES = (
    "node_modules",
    ".git",
    "dist",
    ".env",
    ".DS_Store",
    "__pycache__",
    ".pytest_cache",
    "venv",
    ".venv",
)
# `.*` comes first so that the specific names above win when explaining a path.
DEFAULT_PATTERNS = (".*", *DEFAULT_NAMES, "*.secret")
HARD_PATTERNS = ("*.agent", "*.skill")
IGNORE_FILES = (".gitignore", ".skrunignore")
EXCLUDE_SOURCE = "[tool.skrun.build] exclude"  # how a verdict names the config's patterns

EntryKind = Literal["file", "dir", "symlink", "special"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether `path` is packed, and the rule that decided it (`source` "" = no rule)."""

    path: str
    included: bool
    source: str = ""
    line: int = 0
    pattern: str = ""
    parent: str = ""  # set when an excluded parent directory decided it
    exists: bool = True  # False: nothing is there; the verdict is for a file put there
    required: str = ""  # why the bundle needs this file ("" = it does not)

    def describe(self) -> str:
        """One line for `skrun build --explain`."""
        return f"{self.path}: {self.reason()}"

    def reason(self) -> str:
        """The verdict without the path: `excluded by .gitignore:3 "*.log"`."""
        if self.parent:
            return f"excluded (its directory {self.parent}/ is excluded: {self._rule()})"
        if not self.source:
            return "included (no rule matches)"
        word = "included" if self.included else "excluded"
        return f"{word} by {self._rule()}"

    def _rule(self) -> str:
        where = self.source + (f":{self.line}" if self.line else "")
        return f'{where} "{self.pattern}"'


@dataclass(frozen=True, slots=True)
class WalkEntry:
    """One path the walk yields: `rel` is POSIX and relative to the walk's root."""

    rel: str
    path: Path
    kind: EntryKind


class _PatternFile:
    """The patterns of one ignore file (or of a built-in layer), with their line numbers."""

    def __init__(self, source: str, lines: list[str], numbered: bool) -> None:
        self._setup(source, parse("\n".join(lines).encode("utf-8", "surrogateescape")), numbered)

    @classmethod
    def read(cls, source: str, data: bytes) -> _PatternFile:
        """The patterns of an ignore file's bytes (any encoding: git matches bytes)."""
        self = cls.__new__(cls)
        self._setup(source, parse(data), True)
        return self

    def _setup(self, source: str, patterns: list[Pattern], numbered: bool) -> None:
        self.source = source
        self.numbered = numbered
        self.patterns = patterns
        # index (line - 1) -> the pattern's text, for Verdict
        self.lines = [""] * (patterns[-1].line if patterns else 0)
        for p in patterns:
            self.lines[p.line - 1] = p.text
        self.notes = [f"{source}:{p.line}: {p.note}" for p in patterns if p.note]
        # Last pattern first (the last match wins); patterns that never match dropped.
        self._checks = [
            (p.matcher, p.basename, p.dir_only, not p.negated, p.line - 1)
            for p in reversed(patterns)
            if p.matcher is not None
        ]
        # Most paths match no pattern: one regex per (is_dir, basename) says so at once.
        self._any: dict[tuple[bool, bool], Callable[[bytes], object]] | None = None
        if all(p.regex is not None for p in patterns if p.matcher is not None):
            import re

            self._any = {}
            for is_dir in (False, True):
                for basename in (False, True):
                    alts = [
                        b"(?:" + p.regex + b")"
                        for p in patterns
                        if p.regex is not None
                        and p.basename == basename
                        and (is_dir or not p.dir_only)
                    ]
                    joined = b"|".join(alts) if alts else b"(?!)"
                    self._any[is_dir, basename] = re.compile(joined, re.DOTALL).fullmatch

    def check(self, rel: str) -> tuple[bool, int] | None:
        """(excluded?, 0-based line index) of the last matching pattern, or None.

        `rel` ends with `/` for a directory.
        """
        is_dir = rel.endswith("/")
        path = rel.rstrip("/").encode("utf-8", "surrogateescape")
        base = path.rsplit(b"/", 1)[-1]
        quick = self._any
        if quick is not None and not (quick[is_dir, True](base) or quick[is_dir, False](path)):
            return None
        # Pattern.matches() inlined: every walked path goes through every pattern.
        for matcher, basename, dir_only, excluded, index in self._checks:
            if (is_dir or not dir_only) and matcher(base if basename else path):
                return excluded, index
        return None


class _BuiltinPatterns(_PatternFile):
    """The built-in layers: name-only patterns (plus one anchored folder), matched
    without regexes because every walked path goes through them."""

    def __init__(self, source: str, lines: list[str]) -> None:
        self.source = source
        self.numbered = False
        self.lines = lines
        self._names = {p: i for i, p in enumerate(lines) if "*" not in p and "/" not in p}
        self._suffixes = [(p[1:], i) for i, p in enumerate(lines) if p.startswith("*.")]
        self._dot = lines.index(".*") if ".*" in lines else -1
        self._folders = [(p.strip("/"), i) for i, p in enumerate(lines) if p.startswith("/")]

    def check(self, rel: str) -> tuple[bool, int] | None:
        """Same answer as the gitignore matcher would give for these simple patterns."""
        path = rel.rstrip("/")
        base = path.rsplit("/", 1)[-1]
        hits = [self._names.get(base, -1)]
        if self._dot >= 0 and base.startswith("."):
            hits.append(self._dot)
        hits += [i for suffix, i in self._suffixes if base.endswith(suffix)]
        # As in git, a folder pattern matches the folder itself; what is inside it is
        # excluded because the folder is never entered.
        hits += [i for folder, i in self._folders if path == folder and rel.endswith("/")]
        best = max(hits)
        return None if best < 0 else (True, best)


class Rules:
    """The exclusion rules of one source directory; ignore files are read on demand."""

    def __init__(
        self, root: Path, *, output: Path | None = None, exclude: Sequence[str] = ()
    ) -> None:
        self.root = root
        self._defaults: _PatternFile = _BuiltinPatterns("Skrun default", list(DEFAULT_PATTERNS))
        # [tool.skrun.build] exclude: gitignore patterns relative to the agent root, a
        # layer right after the defaults (so .gitignore and .skrunignore can re-include).
        self._extra: _PatternFile | None = None
        hard = list(HARD_PATTERNS)
        if output is not None:
            inside = relative_inside(output, root)
            if inside:
                hard.append("/" + inside + "/")
        self._hard: _PatternFile = _BuiltinPatterns("never packed", hard)
        # rel dir ("" = root) -> its (.gitignore, .skrunignore) pattern files, or None
        self._files: dict[str, tuple[_PatternFile | None, _PatternFile | None]] = {}
        # "file:line: why" for each pattern that never matches or is odd, as files are read
        self.warnings: list[str] = []
        if exclude:
            data = "\n".join(exclude).encode("utf-8")
            self._extra = _PatternFile.read(EXCLUDE_SOURCE, data)
            self.warnings += self._extra.notes

    def load_dir(self, rel_dir: str, fs_dir: Path) -> None:
        """Read the ignore files of one directory (the walk calls this as it enters it)."""
        if rel_dir in self._files:
            return
        found: list[_PatternFile | None] = []
        for name in IGNORE_FILES:
            source = f"{rel_dir}/{name}" if rel_dir else name
            file = fs_dir / name
            try:
                if not file.is_file():
                    found.append(None)
                    continue
                data = file.read_bytes()
            except OSError as e:
                raise InputError(f"cannot read: {e.strerror}", path=file, hint=os_hint(e)) from e
            patterns = _PatternFile.read(source, data)
            self.warnings += patterns.notes
            found.append(patterns)
        self._files[rel_dir] = (found[0], found[1])

    def verdict(self, rel: str, *, is_dir: bool = False) -> Verdict:
        """The rule that decides `rel` itself (its parent directories are not checked)."""
        key = rel + "/" if is_dir else rel
        decided: tuple[_PatternFile, bool, int] | None = None
        hard = self._hard.check(key)
        if hard is not None and hard[0]:
            return self._make(rel, self._hard, True, hard[1])
        layers: list[tuple[_PatternFile, str]] = [(self._defaults, "")]
        if self._extra is not None:
            layers.append((self._extra, ""))
        dirs = _ancestors(rel)
        for which in (0, 1):  # every .gitignore, then every .skrunignore
            for d in dirs:
                pair = self._files.get(d)
                if pair is not None and pair[which] is not None:
                    layers.append((pair[which], d))  # type: ignore[arg-type]
        for patterns, base in layers:
            sub = key[len(base) + 1 :] if base else key
            hit = patterns.check(sub)
            if hit is not None:
                decided = (patterns, hit[0], hit[1])
        if decided is None:
            return Verdict(rel, True)
        return self._make(rel, decided[0], decided[1], decided[2])

    def explain(self, rel: str, *, is_dir: bool | None = None) -> Verdict:
        """Name the rule that includes or excludes `rel`, parent directories first."""
        rel = normalize_rel(rel)
        if not rel:
            raise InputError(
                "name a file or folder inside the source directory, not the directory itself"
            )
        parts = rel.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            self.load_dir("/".join(parts[: i - 1]), self.root.joinpath(*parts[: i - 1]))
            v = self.verdict(parent, is_dir=True)
            if not v.included:
                return Verdict(rel, False, v.source, v.line, v.pattern, parent=parent)
        self.load_dir("/".join(parts[:-1]), self.root.joinpath(*parts[:-1]))
        if is_dir is None:
            is_dir = path_kind(self.root / rel) == "dir"
        return self.verdict(rel, is_dir=is_dir)

    @staticmethod
    def _make(rel: str, patterns: _PatternFile, excluded: bool, index: int) -> Verdict:
        pattern = patterns.lines[index]
        line = index + 1 if patterns.numbered else 0
        return Verdict(rel, not excluded, patterns.source, line, pattern)


def path_kind(path: Path) -> Literal["dir", "other", "missing"]:
    """What is at `path` (symlinks followed); a BundleError when it cannot be told."""
    import errno
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return "missing" if not os.path.islink(path) else "other"
        raise BundleError(f"cannot stat: {e.strerror}", path=path, hint=os_hint(e)) from e
    return "dir" if stat.S_ISDIR(mode) else "other"


def normalize_rel(rel: str) -> str:
    """`./a//b/` -> `a/b`; rejects absolute paths and `..`."""
    p = PurePosixPath(rel.replace(os.sep, "/"))
    if p.is_absolute() or ".." in p.parts:
        raise InputError(
            f"{rel!r} must be a path relative to the source directory",
            hint="name a file or folder inside the agent directory",
        )
    text = str(p)
    return "" if text == "." else text


def walk(root: Path, rules: Rules, *, prefix: str = "") -> Iterator[WalkEntry]:
    """Yield every non-excluded file, symlink and special file under `root`, sorted.

    Real directories are entered (when not excluded) and not yielded; symlinks and
    special files are yielded as they are, for the caller to judge. `prefix` is
    the relative path of `root` inside the source tree (for symlinked dirs).
    """
    # An explicit stack of listings, not recursion: a tree deeper than the interpreter's
    # recursion limit (~1,000 folders) is walked like any other, on every Python.
    stack = [iter(_scan(root, rules, prefix))]
    while stack:
        for rel, path, kind in stack[-1]:
            if kind == "dir":
                stack.append(iter(_scan(path, rules, rel)))
                break
            yield WalkEntry(rel, path, kind)
        else:
            stack.pop()


def _scan(fs_dir: Path, rules: Rules, prefix: str) -> list[tuple[str, Path, EntryKind]]:
    rules.load_dir(prefix, fs_dir)
    try:
        with os.scandir(fs_dir) as it:
            raw = [(e.name, e) for e in it]
    except OSError as e:
        raise BundleError(
            f"cannot read directory: {e.strerror}", path=fs_dir, hint=os_hint(e)
        ) from e
    out: list[tuple[bytes, str, Path, EntryKind]] = []
    for name, entry in raw:
        try:
            encoded = name.encode("utf-8")
        except UnicodeEncodeError as e:
            shown = os.fsencode(name).decode("utf-8", "backslashreplace")
            where = f"{prefix}/{shown}" if prefix else shown
            raise BundleError(
                "file name is not valid UTF-8",
                path=where,
                hint="rename it; bundle member names must be UTF-8",
            ) from e
        rel = f"{prefix}/{name}" if prefix else name
        # The type comes from the directory listing (d_type): no stat per entry here;
        # the caller stats each file it keeps, once.
        kind: EntryKind
        try:
            if entry.is_symlink():
                kind = "symlink"
            elif entry.is_dir(follow_symlinks=False):
                kind = "dir"
            elif entry.is_file(follow_symlinks=False):
                kind = "file"
            else:
                kind = "special"
        except OSError as e:
            raise BundleError(f"cannot stat: {e.strerror}", path=entry.path, hint=os_hint(e)) from e
        # A symlink to a directory is judged as the directory it will become.
        is_dir = kind == "dir" or (kind == "symlink" and os.path.isdir(entry.path))
        if not rules.verdict(rel, is_dir=is_dir).included:
            continue
        out.append((encoded, rel, Path(entry.path), kind))
    out.sort(key=lambda t: t[0])
    return [(rel, path, kind) for _, rel, path, kind in out]


def _ancestors(rel: str) -> list[str]:
    """`a/b/c` -> ["", "a", "a/b"]: the directories whose ignore files apply."""
    parts = rel.split("/")[:-1]
    return [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def relative_inside(path: Path, root: Path) -> str:
    """`path` relative to `root` as POSIX text if strictly inside it, else ""."""
    try:
        rel = Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return ""
    text = rel.as_posix()
    return "" if text == "." else text
