"""Run every rule on what a path stands for and collect every issue.

A path may be a skill or agent directory, a `SKILL.md` / `agent.yaml` /
`artifact.json` file, or a tree to search; `skrun_build.checks.discovery` finds the units
(folders holding one of the three files) and reports what it could not search.
Each unit gets every rule, and a broken file never stops the others. The agent.yaml /
artifact.json rules live in `skrun_build.checks.agent` (pydantic): they are imported only
when such a file is checked, so validating a plain skill stays cheap. Which codes are
reported is `skrun_build.checks.select`'s business.

The library never prints and raises only for usage problems (a missing path, an
unknown rule code): bad content is reported as `Issue`s.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from skrun_build.checks.discovery import (
    AGENT_YAML,
    ARTIFACT_JSON,
    Unit,
    discover,
)
from skrun_build.checks.select import Selection
from skrun_build.checks.skill import body_issues, check_skill, read_error_issue
from skrun_build.checks.suppress import Suppressions, apply
from skrun_build.errors import InputError
from skrun_build.formats.skillmd import (
    SKILL_MD,
    Skill,
    SkillMdError,
    parse_skill_md,
    read_skill_md,
    split_skill_md,
)
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.budget import Limits


@dataclass(slots=True)
class Report:
    """Every issue found, and the files that were checked."""

    issues: list[Issue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Number of error-level issues."""
        return sum(1 for i in self.issues if i.level == "error")

    @property
    def warnings(self) -> int:
        """Number of warning-level issues."""
        return sum(1 for i in self.issues if i.level == "warning")

    @property
    def notes(self) -> int:
        """Number of note-level issues (informational: never a failure, --strict or not)."""
        return sum(1 for i in self.issues if i.level == "note")


def validate(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    target: str = "generic",
    suppress: Suppressions | None = None,
    limits: Limits | None = None,
) -> list[Issue]:
    """Every issue of every skill/agent at `path`; raises `UsageError` only for usage problems.

    `suppress`: what may silence an issue (default: the files' `skrun-ignore` comments).
    """
    return check_paths(
        [path],
        strict=strict,
        select=select,
        ignore=ignore,
        target=target,
        suppress=suppress,
        limits=limits,
    ).issues


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    strict: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    target: str = "generic",
    suppress: Suppressions | None = None,
    limits: Limits | None = None,
) -> Report:
    """Validate several paths into one `Report` (issues deduplicated, in discovery order).

    `limits`: the body limits of SK060/SK061 (`max-body-lines`, `max-body-tokens`).
    `target`: `generic`, `claude-code` or `codex` (`skrun_build.checks.clients`).
    """
    selection = Selection.parse(select, ignore)
    settings = Suppressions() if suppress is None else suppress
    found = [discover(p) for p in paths]
    report = Report()
    seen_issues: set[Issue] = set()
    seen_files: set[str] = set()
    checked: list[tuple[list[str], list[Issue]]] = [([], d.issues) for d in found]
    units = _merge([u for d in found for u in d.units])
    checked += [check_unit(unit, target=target, limits=limits) for unit in units]
    checked = [(files, apply(files, issues, settings)) for files, issues in checked]
    for files, issues in checked:
        for f in files:
            if f not in seen_files:
                seen_files.add(f)
                report.files.append(f)
        for issue in issues:
            if not selection.keeps(issue.code):
                continue
            if strict and issue.level == "warning":
                issue = dataclasses.replace(issue, level="error")
            if issue not in seen_issues:
                seen_issues.add(issue)
                report.issues.append(issue)
    return report


def find_units(path: str | os.PathLike[str]) -> list[Unit]:
    """The units a user-given path stands for (see `skrun_build.checks.discovery`)."""
    return discover(path).units


def _merge(units: list[Unit]) -> list[Unit]:
    """One unit per directory, so SKILL.md and agent.yaml given apart share one check."""
    merged: dict[str, Unit] = {}
    for unit in units:
        key = os.path.normpath(os.path.abspath(unit.dir))
        have = merged.get(key)
        if have is None:
            merged[key] = Unit(unit.dir, unit.skill_md, unit.agent, unit.artifact)
        else:
            have.skill_md |= unit.skill_md
            have.agent |= unit.agent
            have.artifact |= unit.artifact
    return list(merged.values())


def check_skill_dir(
    skill_dir: str | os.PathLike[str],
    dir_name: str | None = None,
    *,
    agent: bool | None = None,
    target: str = "generic",
    limits: Limits | None = None,
) -> tuple[Skill | None, list[Issue]]:
    """The parsed SKILL.md of `skill_dir` (None if unreadable) and its SK issues.

    `dir_name` defaults to the directory's real name (so "." works from inside a skill).
    `agent`: check it as an agent's SKILL.md (no folder-name rule, Skrun push's rules as
    errors); None means "when agent.yaml is there", as Skrun v0.7.0 treats such a folder.
    For callers that need the skill itself too (the importer, the bundle builder).
    """
    d = Path(skill_dir)
    md = d / SKILL_MD
    file = str(md)
    if dir_name is None:
        dir_name = Path(os.path.abspath(d)).name or None
    try:
        raw = read_skill_md(md, d, file)
        skill = parse_skill_md(raw, file, dir=d)
    except InputError as e:
        issues = [read_error_issue(e, file)]
        if not isinstance(e, SkillMdError) or e.kind == "not-mapping":
            issues.extend(_body_issues(raw, file, limits))
        return None, issues
    if agent is None:
        agent = os.path.lexists(d / AGENT_YAML)
    from skrun_build.checks.references import reference_issues

    issues = check_skill(skill, dir_name, agent=agent, target=target, limits=limits)
    issues += reference_issues(d, skill)
    return skill, issues


def check_unit(
    unit: Unit, *, target: str = "generic", limits: Limits | None = None
) -> tuple[list[str], list[Issue]]:
    """(files checked, issues) of one directory; `target` as in `check_paths`."""
    files: list[str] = []
    issues: list[Issue] = []
    skill = None
    if unit.skill_md or unit.agent:
        skill, skill_issues = check_skill_dir(unit.dir, target=target, limits=limits)
        if unit.skill_md:
            files.append(str(unit.dir / SKILL_MD))
            issues.extend(skill_issues)
    if unit.agent:
        from skrun_build.checks.agent import check_agent_dir

        files.append(str(unit.dir / AGENT_YAML))
        issues.extend(check_agent_dir(unit.dir, skill))
    if unit.artifact:
        from skrun_build.checks.agent import check_artifact_dir

        files.append(str(unit.dir / ARTIFACT_JSON))
        issues.extend(check_artifact_dir(unit.dir))
    return files, issues


def _body_issues(raw: bytes, file: str, limits: Limits | None) -> list[Issue]:
    """The body rules of a SKILL.md whose frontmatter could not be read."""
    _head, _yaml, body, body_line = split_skill_md(raw.decode("utf-8"), file)
    return body_issues(file, body, body_line, limits)
