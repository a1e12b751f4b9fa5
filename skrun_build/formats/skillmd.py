"""Read a SKILL.md: split it into YAML frontmatter and Markdown body, with line numbers.

No validation happens here (that is `skrun_build.checks.skill`); this module only
answers "what does the file say, and where". The rules of the split:

- fences are whole lines: `---` alone on its line, trailing spaces/tabs and a CR
  allowed. A `---` glued to the end of a line, or inside a value, is text, so a
  value can never truncate the frontmatter;
- a leading UTF-8 BOM and CRLF line ends are accepted;
- the body is kept exactly as in the file (CRLF included), and frontmatter keys
  stay in file order, unknown ones too, so a reader can write the file back;
- the YAML goes through `skrun_build.formats.yaml` (typed, located, guarded).

Symlinks: a `SKILL.md` that is a symlink is followed when its target stays inside
the skill directory (e.g. `SKILL.md -> docs/skill.md`); a link that leaves the
directory or dangles is refused, because an upload or bundle of the skill would
not carry its target.

Everything that stops the split raises `SkillMdError` (an `InputError`) carrying a
`kind`, the 1-based `line`/`col` and a hint; YAML problems raise `YamlError`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from skrun_build.errors import InputError
from skrun_build.formats.names import type_name
from skrun_build.formats.yaml import YamlDoc, load_yaml

SKILL_MD = "SKILL.md"
BOM = "\ufeff"

SkillMdErrorKind = Literal[
    "missing",  # no SKILL.md where one is needed
    "not-file",  # a directory, device, fifo...
    "unreadable",  # permission denied, I/O error
    "symlink",  # a link leaving the skill dir, or dangling
    "encoding",  # not UTF-8
    "no-frontmatter",  # the first line is not a `---` fence
    "unclosed",  # no closing `---` line
    "not-mapping",  # the frontmatter is a list or a scalar
]

# A fence: `---` alone on a line; trailing blanks and a CR (CRLF files) allowed.
_FENCE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
# How far to look for a `---` glued to a line end when the closing fence is missing.
_GLUED_SCAN = 1024 * 1024


class SkillMdError(InputError):
    """SKILL.md cannot be split into frontmatter and body; `kind` says why."""

    def __init__(
        self,
        kind: SkillMdErrorKind,
        message: str,
        *,
        file: str,
        line: int = 0,
        col: int = 0,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, path=file, line=line or None, hint=hint)
        self.kind: SkillMdErrorKind = kind
        self.file = file
        self.col = col

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}" + (f":{self.col}" if self.col else "")
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass(slots=True)
class Skill:
    """A split SKILL.md: typed frontmatter (file order), located fields, exact body."""

    file: str
    """The path as given by the caller (used in every issue)."""
    frontmatter: dict[str, Any]
    doc: YamlDoc
    yaml_text: str
    """The frontmatter's YAML source, between the fences."""
    head: str
    """Everything before the body: BOM, opening fence, YAML text, closing fence line."""
    body: str
    """The Markdown after the closing fence line, exactly as in the file."""
    body_line: int
    """1-based line where the body starts."""
    bom: bool = False
    dir: Path | None = field(default=None)

    @property
    def name(self) -> str | None:
        """The `name` field if it is a string."""
        value = self.frontmatter.get("name")
        return value if isinstance(value, str) else None

    @property
    def description(self) -> str | None:
        """The `description` field if it is a string."""
        value = self.frontmatter.get("description")
        return value if isinstance(value, str) else None

    def text(self) -> str:
        """The whole file text again, byte-exact after UTF-8 encoding."""
        return self.head + self.body

    def body_lines(self) -> int:
        """Number of lines in the body (a final line without newline counts)."""
        if not self.body:
            return 0
        return self.body.count("\n") + (0 if self.body.endswith("\n") else 1)


def split_skill_md(text: str, file: str) -> tuple[str, str, str, int]:
    """Split decoded SKILL.md text into (head, yaml_text, body, body_line); no YAML yet.

    Raises `SkillMdError` when the first line is no fence or no closing fence exists.
    """
    start = 1 if text.startswith(BOM) else 0
    first_end = text.find("\n", start)
    first = text[start:] if first_end < 0 else text[start:first_end]
    if not _FENCE.fullmatch(first):
        raise _no_frontmatter(first, text[start:], file)
    if first_end < 0:
        raise _unclosed(text, file)
    yaml_start = first_end + 1
    close = _FENCE.search(text, yaml_start)
    if close is None:
        raise _unclosed(text, file)
    line_end = text.find("\n", close.end())
    body_start = len(text) if line_end < 0 else line_end + 1
    yaml_text = text[yaml_start : close.start()]
    closing_line = 2 + yaml_text.count("\n")
    return text[:body_start], yaml_text, text[body_start:], closing_line + 1


def parse_skill_md(raw: bytes, file: str, *, dir: Path | None = None) -> Skill:
    """Decode and split SKILL.md bytes, loading the frontmatter YAML (no rule checks).

    Raises `SkillMdError` for encoding and fence problems, `YamlError` for YAML.
    """
    text = decode(raw, file)
    head, yaml_text, body, body_line = split_skill_md(text, file)
    doc = load_yaml(yaml_text, file=file, first_line=2)
    data = doc.data
    if data is None:
        data = {}  # an empty frontmatter: the rules report the missing fields
    if not isinstance(data, dict):
        line, col = doc.start
        raise SkillMdError(
            "not-mapping",
            f"the frontmatter must be a mapping of keys, not {type_name(data)}",
            file=file,
            line=line,
            col=col,
            hint="write `key: value` lines such as `name: my-skill`",
        )
    return Skill(
        file=file,
        frontmatter=data,
        doc=doc,
        yaml_text=yaml_text,
        head=head,
        body=body,
        body_line=body_line,
        bom=text.startswith(BOM),
        dir=dir,
    )


def decode(raw: bytes, file: str) -> str:
    """UTF-8 text of `raw`, or a `SkillMdError` pointing at the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        # Columns count characters, as the YAML locations do; the prefix is valid UTF-8.
        line_start = raw.rfind(b"\n", 0, e.start) + 1
        col = len(raw[line_start : e.start].decode("utf-8")) + 1
        raise SkillMdError(
            "encoding",
            f"SKILL.md is not valid UTF-8: byte 0x{raw[e.start]:02x} at offset {e.start}",
            file=file,
            line=line,
            col=col,
            hint="save the file as UTF-8",
        ) from e


def skill_md_path(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(skill dir, SKILL.md path) for a skill dir or a SKILL.md path, as given (not resolved)."""
    p = Path(path)
    if p.name == SKILL_MD:
        return p.parent, p  # even when it is a directory: reading it says so
    return p, p / SKILL_MD


def read_skill_md(md: Path, skill_dir: Path, file: str | None = None) -> bytes:
    """The bytes of `md`, refusing directories, escaping symlinks and unreadable files."""
    file = file if file is not None else str(md)
    try:
        st = md.lstat()
    except FileNotFoundError as e:
        raise SkillMdError(
            "missing",
            f"{SKILL_MD} not found in {_show_dir(skill_dir)}",
            file=file,
            hint="a skill is a directory with a SKILL.md at its top",
        ) from e
    except OSError as e:
        raise _unreadable(e, file) from e
    if stat.S_ISLNK(st.st_mode):
        _check_link(md, skill_dir, file)
        try:
            st = md.stat()
        except OSError as e:
            raise _unreadable(e, file) from e
    if stat.S_ISDIR(st.st_mode):
        raise SkillMdError(
            "not-file",
            f"{SKILL_MD} is a directory, not a file",
            file=file,
            hint=f"move its contents out and write the skill's {SKILL_MD} file there",
        )
    if not stat.S_ISREG(st.st_mode):
        raise SkillMdError(
            "not-file",
            f"{SKILL_MD} is not a regular file",
            file=file,
            hint=f"replace it with a plain {SKILL_MD} file",
        )
    try:
        return md.read_bytes()
    except OSError as e:
        raise _unreadable(e, file) from e


def load_skill(path: str | os.PathLike[str]) -> Skill:
    """Read and split the SKILL.md of a skill dir (or a SKILL.md path); no rule checks.

    Raises `SkillMdError` or `YamlError` (both `InputError`) with a located message.
    """
    skill_dir, md = skill_md_path(path)
    raw = read_skill_md(md, skill_dir)
    return parse_skill_md(raw, str(md), dir=skill_dir)


def _check_link(md: Path, skill_dir: Path, file: str) -> None:
    target = os.readlink(md)
    try:
        resolved = md.resolve(strict=True)
    except (OSError, RuntimeError) as e:
        raise SkillMdError(
            "symlink",
            f"{SKILL_MD} is a symlink to {target!r}, which does not exist",
            file=file,
            hint="point the link at a file inside the skill directory, or replace it by the file",
        ) from e
    root = skill_dir.resolve()
    if not resolved.is_relative_to(root):
        raise SkillMdError(
            "symlink",
            f"{SKILL_MD} is a symlink to {target!r}, outside the skill directory",
            file=file,
            hint="copy the file into the skill directory; uploads and bundles do not follow it",
        )


def _unreadable(e: OSError, file: str) -> SkillMdError:
    reason = e.strerror or type(e).__name__
    return SkillMdError(
        "unreadable",
        f"cannot read {SKILL_MD}: {reason}",
        file=file,
        hint="check the file's permissions",
    )


def _show_dir(d: Path) -> str:
    text = str(d)
    return "the current directory" if text in ("", ".") else text


def _no_frontmatter(first: str, text: str, file: str) -> SkillMdError:
    """`text` is the whole file after any BOM; `first` its first line."""
    message = "SKILL.md must start with YAML frontmatter: a '---' line"
    hint = "start the file with a '---' line, then name: and description:, then '---'"
    if not text.strip():
        # An empty (or BOM-only, or blank) file has no blank lines *before* anything.
        message = "SKILL.md is empty; it must start with YAML frontmatter: a '---' line"
        hint = "write a '---' line, then name: and description:, then '---'"
    elif first.startswith("---"):
        hint = (
            "the opening '---' must be alone on the first line; put the first key on the next line"
        )
    elif not first.strip() and _FENCE.fullmatch(text.lstrip().split("\n", 1)[0]):
        hint = "remove the blank line(s) before the opening '---'"
    return SkillMdError(
        "no-frontmatter",
        message,
        file=file,
        line=1,
        col=1,
        hint=hint,
    )


def _unclosed(text: str, file: str) -> SkillMdError:
    hint = "add a line with only '---' after the last frontmatter key"
    for number, line in enumerate(text[:_GLUED_SCAN].split("\n")[1:], start=2):
        if line.rstrip().endswith("---"):
            hint = f"line {number} ends with '---', but a closing fence must be alone on its line"
            break
    return SkillMdError(
        "unclosed",
        "the frontmatter has no closing '---' line",
        file=file,
        line=1,
        col=1,
        hint=hint,
    )
