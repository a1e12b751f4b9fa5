"""The files SKILL.md refers to: SK080 (missing), SK081 (never mentioned), SK082 (chains).

What counts as a reference is decided conservatively, so an example never raises a false
alarm: link targets (`[t](x.md)`, `![i](a.png)`, `[id]: x.md`) are checked whatever their
shape; a path in backticks or prose only when its first folder is a conventional one
(`references/`, `scripts/`, `assets/`) or a folder the skill has, and its last part has an
extension. URLs, anchors, absolute or home paths, `../`, globs, placeholders, fenced and
indented code and HTML comments are never references. `{baseDir}/`, `${CLAUDE_SKILL_DIR}/`
and `$CLAUDE_SKILL_DIR/` stand for the skill root and are dropped from the front of a path.

The body already read for the other rules is scanned once; the skill folder is listed once,
and resource files are read only when the skill has `references/`, `scripts/` or `assets/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from skrun_build.checks.codes import level
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.skillmd import Skill

CONVENTIONAL = ("references", "scripts", "assets")
# Text a model reads: a reference from one of these is a step of a chain (SK082).
DOC_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".txt", ".rst"})
# Never reported as unmentioned: package markers and dependency manifests.
_NEVER_UNUSED = frozenset(
    {"__init__.py", "requirements.txt", "package.json", "package-lock.json", "pyproject.toml"}
    | {"uv.lock", "poetry.lock", "yarn.lock", "pnpm-lock.yaml", "tsconfig.json"}
)
# A folder holding one of these is a nested skill, agent or executable skill (its resources).
_UNITS = frozenset({"SKILL.md", "agent.yaml", "artifact.json"})
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", ".venv", "site-packages"})
# Never searched for mentions (binary).
_BINARY = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".zip", ".gz", ".tgz", ".woff"}
    | {".woff2", ".ttf", ".otf", ".mp3", ".mp4", ".wav", ".bin", ".so", ".dylib", ".dll"}
)
# Client metadata that names resources too (Codex's `agents/openai.yaml` names icons).
_ROOT_FILES = ("agent.yaml", "agents/openai.yaml")
_MAX_READ = 1024 * 1024  # a resource file is searched for mentions up to this many bytes
_MAX_FILES = 2000  # resource files looked at per skill

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>\n]*>|[^\s)]+)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_TOKEN = re.compile(r"[^\s`\"'()\[\]<>|,;*]+|\S+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
# Paths in backticks or prose on such a line, or in a paragraph opened so, are examples.
_EXAMPLE_LINE = re.compile(r"\b(?:e\.g\.|for example|for instance|examples?[*_]*:)", re.I)
_EXAMPLE_START = re.compile(r"^[*_]*(?:e\.g\.|for example|for instance|examples?\b)", re.I)
_ROOTS = ("{baseDir}/", "${CLAUDE_SKILL_DIR}/", "$CLAUDE_SKILL_DIR/", "{skillDir}/")


class Ref(NamedTuple):
    """A reference found in a text: the skill-relative path, where it is, how it was written."""

    path: str
    line: int
    col: int
    written: str


def reference_issues(skill_dir: Path, skill: Skill) -> list[Issue]:
    """SK080 for each missing file SKILL.md refers to; SK081/SK082 notes on its resources."""
    try:
        with os.scandir(skill_dir) as entries:
            top = {e.name: _is_dir(e) for e in entries}
    except OSError:
        return []  # the folder itself is reported by discovery and the SK read rules
    folders = {name for name, is_dir in top.items() if is_dir and not name.startswith(".")}
    issues: list[Issue] = []
    refs = list(find_refs(skill.body, skill.body_line, folders, ""))
    root = str(skill_dir)
    for ref in refs:
        if not os.path.exists(os.path.join(root, ref.path)):
            issues.append(_missing(skill.file, skill_dir, ref))
    if any(top.get(name) for name in CONVENTIONAL):
        issues += _resource_notes(skill_dir, skill, top, refs)
    return issues


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: not a folder of the skill
        return False


def find_refs(body: str, first_line: int, folders: set[str], base: str) -> Iterator[Ref]:
    """Every reference of a Markdown `body` (starting at line `first_line`), outside code.

    `folders`: the skill's top-level folders; `base`: the skill-relative folder of the file
    holding `body` (links resolve against it, conventional paths against the skill root).
    """
    if "/" not in body and "](" not in body and "]:" not in body:
        return  # no link and no path: nothing to find (most short skills)
    fence: str | None = None
    blank_before = True
    in_list = False
    in_comment = False
    example = False  # inside a paragraph (and its list) that starts "Example:" or "e.g."
    for number, raw in enumerate(body.split("\n"), first_line):
        line = raw.rstrip("\r")
        stripped = line.lstrip()
        opener = _FENCE.match(line) if stripped[:1] in ("`", "~") else None
        if fence is not None:
            if _closes(opener, fence, line):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if not stripped:
            blank_before = True
            continue
        item = stripped[:1] in "-*+0123456789" and _LIST_ITEM.match(line) is not None
        if stripped[:1] == "#":
            example = False
        elif blank_before and not item:
            example = _EXAMPLE_START.match(stripped) is not None
        indent = 0
        if len(stripped) != len(line):
            expanded = line.expandtabs(4)
            indent = len(expanded) - len(expanded.lstrip(" "))
        if item:
            in_list = True
        elif indent == 0:
            in_list = False
        if indent >= 4 and blank_before and not in_list and not item:
            continue  # an indented code block (blank_before stays set for the next line)
        blank_before = False
        if in_comment or "<!--" in line:
            line, in_comment = _drop_comments(line, in_comment)
        if "/" not in line and "](" not in line and "]:" not in line:
            continue
        yield from _line_refs(line, number, folders, base, example)


def _closes(opener: re.Match[str] | None, fence: str, line: str) -> bool:
    """Whether `line` (matched by `_FENCE` as `opener`) closes a block opened by `fence`."""
    if opener is None:
        return False
    mark = opener.group(1)
    return mark[0] == fence[0] and len(mark) >= len(fence) and not line[opener.end() :].strip()


def _drop_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    out = []
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("-->", i)
            if end < 0:
                out.append(" " * (len(line) - i))
                return "".join(out), True
            out.append(" " * (end + 3 - i))
            i = end + 3
            in_comment = False
        else:
            start = line.find("<!--", i)
            if start < 0:
                out.append(line[i:])
                break
            out.append(line[i:start])
            i = start
            in_comment = True
    return "".join(out), in_comment


def _line_refs(
    line: str, number: int, folders: set[str], base: str, example: bool
) -> Iterator[Ref]:
    found: list[Ref] = []
    # Code spans bind tighter than links (`[t](url)` in backticks is no link).
    spans = [*_CODE_SPAN.finditer(line)]
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group()), line) if spans else line
    blanked = list(text)
    matches = [*_LINK.finditer(text)]
    definition = _REF_DEF.match(text)
    if definition:
        matches.append(definition)
    for m in matches:
        target = m.group(1)
        start = m.start(1)
        if target.startswith("<"):
            target, start = target[1:-1], start + 1
        path = _link_path(target, base)
        if path is not None:
            found.append(Ref(path, number, start + 1, target))
        blanked[m.start() : m.end()] = " " * (m.end() - m.start())
    # A path in backticks or prose is a reference unless the line gives an example.
    if not example and not _EXAMPLE_LINE.search(line):
        for span in spans:
            for token in _TOKEN.finditer(span.group(2)):
                path = _bare_path(token.group(), folders)
                if path is not None:
                    col = span.start(2) + token.start() + 1
                    found.append(Ref(path, number, col, token.group()))
        text = "".join(blanked)
        if "/" in text:
            for token in _TOKEN.finditer(text):
                path = _bare_path(token.group(), folders)
                if path is not None:
                    found.append(Ref(path, number, token.start() + 1, token.group()))
    yield from sorted(found, key=lambda r: r.col)


def _strip_root(text: str) -> str:
    for root in _ROOTS:
        if text.startswith(root):
            return text[len(root) :]
    return text


def _unsafe(path: str) -> bool:
    """Not a path of the skill: a URL, absolute, a placeholder, a glob, or leaving the skill."""
    return (
        not path
        or path.startswith(("/", "~", "\\", "#"))
        or bool(_SCHEME.match(path))
        or any(c in path for c in "{}$<>%*?[]")
        or ".." in path.split("/")
    )


def _link_path(target: str, base: str) -> str | None:
    target = target.split("#", 1)[0].split("?", 1)[0]
    from urllib.parse import unquote

    path = _strip_root(unquote(target))
    if _unsafe(path):
        return None
    joined = os.path.normpath(os.path.join(base, path)) if base else os.path.normpath(path)
    if joined.startswith(".."):
        return None
    return joined.replace(os.sep, "/")


def _bare_path(token: str, folders: set[str]) -> str | None:
    token = token.strip(".,:;!?\"'").lstrip("(")
    path = _strip_root(token)
    if path.startswith("./"):
        path = path[2:]
    if "/" not in path or path.endswith("/") or _unsafe(path) or "=" in path:
        return None
    first = path.split("/", 1)[0]
    if first not in CONVENTIONAL and first not in folders:
        return None
    if not _EXTENSION.search(path.rsplit("/", 1)[1]):
        return None
    return os.path.normpath(path).replace(os.sep, "/")


def _missing(file: str, skill_dir: Path, ref: Ref) -> Issue:
    hint = "create it, or fix the path, relative to the skill folder"
    parent, _, name = ref.path.rpartition("/")
    try:
        names = os.listdir(skill_dir / parent) if parent else os.listdir(skill_dir)
    except OSError:
        names = []
    same = [n for n in names if n.lower() == name.lower()]
    if same:
        shown = f"{parent}/{same[0]}" if parent else same[0]
        hint = f"the file is {shown}: the case differs, which works on macOS but not on Linux"
    else:
        from skrun_build.suggest import did_you_mean

        guess = did_you_mean(name, names)
        if guess:
            hint = f"did you mean {(parent + '/' if parent else '') + guess!r}?"
    message = f"{ref.path} does not exist in the skill"
    if ref.written != ref.path:
        message = f"{ref.written} ({ref.path}) does not exist in the skill"
    return Issue(file, ref.line, ref.col, "SK080", level("SK080"), message, hint)


# -- resources: SK081 and SK082 ---------------------------------------------------------


def _resources(skill_dir: Path, top: dict[str, bool]) -> list[str]:
    """Skill-relative paths of the files under references/, scripts/ and assets/, sorted."""
    out: list[str] = []
    start = len(str(skill_dir)) + 1
    for folder in CONVENTIONAL:
        if not top.get(folder):
            continue
        for root, dirs, files in os.walk(os.path.join(skill_dir, folder)):
            if _UNITS.intersection(files):
                dirs[:] = []  # a nested skill or agent: its files are its own
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
            rel = root[start:].replace(os.sep, "/")
            out += [f"{rel}/{f}" for f in sorted(files) if not f.startswith(".")]
            if len(out) >= _MAX_FILES:
                return out[:_MAX_FILES]
    return out


def _mentions(text: str, path: str) -> bool:
    """Whether `text` names the skill-relative `path`: its path, file name or folder."""
    if path in text:
        return True
    parent, _, name = path.rpartition("/")
    # Substring tests first: a regex built per file name would miss re's cache on big trees.
    if name in text and re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", text):
        return True
    if parent.count("/") >= 1 and parent + "/" in text:
        return True  # `assets/templates/` names the files of that folder
    stem, dot, _ = name.rpartition(".")
    if not (dot and len(stem) >= 3):
        return False
    # A file is also named by its stem: a script by its module (`python -m scripts.run`,
    # `from scripts.utils import x`, `require("./utils")`) or as a tool (agent.yaml's
    # `name: analyze_csv`), a document by its title word (`the vendor-api reference`).
    module = path.rpartition(".")[0].replace("/", ".")
    if module in text:
        return True
    return (
        stem in text and re.search(r"(?<![\w-])" + re.escape(stem) + r"(?![\w-])", text) is not None
    )


def _read(path: str) -> str:
    if os.path.splitext(path)[1].lower() in _BINARY:
        return ""
    try:
        with open(path, "rb") as f:
            return f.read(_MAX_READ).decode("utf-8", "replace")
    except OSError:
        return ""


def _resource_notes(
    skill_dir: Path, skill: Skill, top: dict[str, bool], refs: list[Ref]
) -> list[Issue]:
    folders = {name for name, is_dir in top.items() if is_dir and not name.startswith(".")}
    resources = _resources(skill_dir, top)
    if not resources:
        return []
    root = str(skill_dir)
    present = [f for f in _ROOT_FILES if f.split("/", 1)[0] in top]
    root_text = "\n".join([skill.text(), *(_read(os.path.join(root, f)) for f in present)])
    # Depth 1: what SKILL.md (or the client metadata) names: resources, files it links, and
    # files at the top of the skill named by their file name (`see visual-companion.md`).
    first = {r.path for r in refs if os.path.isfile(os.path.join(root, r.path))}
    first |= {p for p in resources if _mentions(root_text, p)}
    first |= {
        n for n, is_dir in top.items() if not is_dir and n != "SKILL.md" and _mentions(root_text, n)
    }
    reached = set(first)
    issues: list[Issue] = []
    base_dir = Path(skill.file).parent
    # SK082: a file SKILL.md does not name, referred to by a document it names.
    for doc in sorted(first):
        if os.path.splitext(doc)[1].lower() not in DOC_SUFFIXES or doc == "SKILL.md":
            continue
        text = _read(os.path.join(root, doc))
        base = doc.rpartition("/")[0]
        noted: set[str] = set()
        for ref in find_refs(text, 1, folders, base):
            target = ref.path
            if target in first or target in noted or target == doc or target == "SKILL.md":
                continue
            if not os.path.isfile(os.path.join(root, target)):
                continue
            noted.add(target)
            reached.add(target)
            message = (
                f"{target} is reached only through {doc} (SKILL.md -> {doc} -> {target}); "
                "the spec keeps references one level deep"
            )
            issues.append(
                Issue(
                    str(base_dir / doc),
                    ref.line,
                    ref.col,
                    "SK082",
                    level("SK082"),
                    message,
                    f"link {target} from SKILL.md, or merge it into {doc}",
                )
            )
    # SK081: never reached from SKILL.md, through any number of files that mention it.
    frontier = sorted(reached)
    while frontier and not reached.issuperset(resources):
        texts = [_read(os.path.join(root, p)) for p in frontier]
        frontier = []
        for p in resources:
            if p not in reached and any(_mentions(t, p) for t in texts):
                reached.add(p)
                frontier.append(p)
    for p in resources:
        if p in reached or p.rpartition("/")[2] in _NEVER_UNUSED:
            continue
        issues.append(
            Issue(
                str(base_dir / p),
                0,
                0,
                "SK081",
                level("SK081"),
                f"{p} is never mentioned in SKILL.md, nor in a file it mentions",
                "say in SKILL.md when to read or run it, or delete it",
            )
        )
    return issues
