"""What `skrun validate PATH` checks: the units (skill, agent and artifact folders) under PATH.

A unit is a folder holding SKILL.md, agent.yaml or artifact.json. The search:

- stops at each unit: a skill's folder holds its resources, and a SKILL.md nested in it
  is one of them, not a skill (no client loads it as one);
- skips `.git`, `node_modules`, `__pycache__`, `site-packages`, virtualenvs,
  dot-folders and `/proc`, `/sys`, `/dev`, by design;
- never leaves the tree: a folder symlink whose target lies outside PATH is reported
  once (TR002) and not followed, so a link to `/` never walks `/proc`; one that stays
  inside is followed only if its target was not searched already (loops end there);
- skips nothing it cannot read silently: each folder it cannot list or enter is TR001;
- says so when PATH holds nothing to check (SK001 on PATH itself).

Iterative, so a very deep tree cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.checks.codes import level, summaries, table
from skrun_build.errors import UsageError, os_hint
from skrun_build.formats.skillmd import SKILL_MD
from skrun_build.issues import Issue, Level

AGENT_YAML = "agent.yaml"
ARTIFACT_JSON = "artifact.json"
TARGET_NAMES = frozenset({SKILL_MD, AGENT_YAML, ARTIFACT_JSON})
SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env"})
# Kernel file systems: endless, never hold skills; reachable only when PATH is `/`.
_PSEUDO_DIRS = frozenset({"/proc", "/sys", "/dev"})

# code -> (level, summary) and code -> summary: views of the registry (checks/codes/tr.py).
TREE_RULES: dict[str, tuple[Level, str]] = table("TR")
TREE_CODES: dict[str, str] = summaries("TR")

_NOTHING_HINT = (
    "a skill is a folder with a SKILL.md at its top: pass one, or create one with "
    "`skrun init -t skill DIR`; dot-folders, node_modules and virtualenvs are not searched"
)


@dataclass(slots=True)
class Unit:
    """One directory to check, and which of its files to check."""

    dir: Path
    skill_md: bool = False
    agent: bool = False
    artifact: bool = False


@dataclass(slots=True)
class Discovery:
    """The units under a path, and what kept the search from seeing everything."""

    units: list[Unit] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def discover(path: str | os.PathLike[str]) -> Discovery:
    """The units a user-given path stands for; `UsageError` when it does not exist."""
    p = Path(path)
    try:
        is_dir = stat.S_ISDIR(os.stat(p).st_mode)
    except PermissionError as e:
        if p.name not in TARGET_NAMES:
            return Discovery(issues=[_unreadable(p, e, "this path")])
        is_dir = False  # in a directory that can be listed but not entered: reading says so
    except OSError:
        if not os.path.islink(p):  # a dangling link is a file that the checks report
            raise UsageError(
                f"{p}: no such file or directory", hint="pass a skill directory or file"
            ) from None
        is_dir = False
    if p.name in TARGET_NAMES and not (is_dir and p.name != SKILL_MD):
        unit = Unit(
            p.parent,
            skill_md=p.name == SKILL_MD,
            agent=p.name == AGENT_YAML,
            artifact=p.name == ARTIFACT_JSON,
        )
        return Discovery([unit])
    if not is_dir:
        raise UsageError(
            f"{p}: not a skill directory, SKILL.md, agent.yaml or artifact.json",
            hint="pass a directory to search it for skills",
        )
    found = _Search(p).run()
    if not found.units and not any(i.code == "TR001" for i in found.issues):
        message = "nothing to validate: no SKILL.md, agent.yaml or artifact.json in this folder"
        message += " or below" if found.searched > 1 else ""
        found.issues.append(Issue(str(p), 0, 0, "SK001", level("SK001"), message, _NOTHING_HINT))
    return Discovery(found.units, found.issues)


@dataclass(slots=True)
class _Found:
    units: list[Unit] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    searched: int = 0  # folders listed


class _Search:
    """One depth-first, name-sorted search of the tree at `top`."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.root = os.path.realpath(top)
        self.visited: set[tuple[int, int]] = set()
        self.found = _Found()

    def run(self) -> _Found:
        # In-tree folder links wait until the tree itself is searched, so a skill is
        # found under its real path (its name rule sees the real folder name) and a
        # link is followed only to what the search would not see otherwise.
        links = self._tree(self.top, self.root, top=True)
        while links:
            link, real = links.pop(0)
            links += self._tree(link, real)
        return self.found

    def _tree(self, start: Path, real: str, *, top: bool = False) -> list[tuple[Path, str]]:
        """Search `start` (real path `real`) and below; returns the in-tree links met."""
        links: list[tuple[Path, str]] = []
        stack = [(start, real, top)]
        while stack:
            d, real, is_top = stack.pop()
            entries = self._list(d)
            if entries is None:
                continue
            names = {e.name for e in entries}
            if not is_top and "pyvenv.cfg" in names:
                continue  # a virtualenv, whatever its name (one given as PATH is still searched)
            if not names.isdisjoint(TARGET_NAMES):
                self.found.units.append(
                    Unit(
                        d,
                        skill_md=SKILL_MD in names or AGENT_YAML in names,
                        agent=AGENT_YAML in names,
                        artifact=ARTIFACT_JSON in names,
                    )
                )
                continue  # a unit's sub-folders are its resources, never units themselves
            children: list[tuple[Path, str, bool]] = []
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name in SKIP_DIRS:
                    continue
                try:
                    if entry.is_symlink():
                        target = self._folder_link(Path(entry.path))
                        if target is not None and not _pseudo(target):
                            links.append((Path(entry.path), target))
                    elif entry.is_dir(follow_symlinks=False):
                        child_real = os.path.join(real, name)
                        if not _pseudo(child_real):
                            children.append((Path(entry.path), child_real, False))
                except OSError as e:  # the type is unknown and lstat failed
                    self.found.issues.append(_unreadable(Path(entry.path), e, "this entry"))
            stack.extend(reversed(children))
        return links

    def _list(self, d: Path) -> list[os.DirEntry[str]] | None:
        """The entries of `d` sorted by name; None if already searched or unreadable."""
        try:
            st = os.stat(d)
            key = (st.st_dev, st.st_ino)
            if key in self.visited:
                return None  # reached again through a link: searched once already
            self.visited.add(key)
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.found.issues.append(_unreadable(d, e))
            return None
        self.found.searched += 1
        return entries

    def _folder_link(self, link: Path) -> str | None:
        """The real target of a folder symlink to follow; one leading out is reported."""
        try:
            mode = os.stat(link).st_mode
        except PermissionError as e:
            self.found.issues.append(_unreadable(link, e, "this symlink's target"))
            return None
        except OSError:
            return None  # dangling, or a loop of links: nothing behind it to check
        if not stat.S_ISDIR(mode):
            return None
        target = os.path.realpath(link)
        if os.path.commonpath([self.root, target]) == self.root:
            return target
        self.found.issues.append(
            Issue(
                str(link),
                0,
                0,
                "TR002",
                level("TR002"),
                f"symlink to a folder outside the searched tree ({target}); not followed",
                f"validate the target on its own: skrun validate {target}",
            )
        )
        return None


def _pseudo(real: str) -> bool:
    """Whether `real` is in a kernel file system (`/proc`, `/sys`, `/dev`)."""
    return any(real == p or real.startswith(p + "/") for p in _PSEUDO_DIRS)


def _unreadable(path: Path, e: OSError, what: str = "this folder") -> Issue:
    """TR001: what could not be read, why, and that nothing in it was checked."""
    return Issue(
        str(path),
        0,
        0,
        "TR001",
        level("TR001"),
        f"cannot read {what}: {e.strerror or e}; nothing in it was checked",
        os_hint(e) or "make it readable, or pass a PATH that leaves it out",
    )
