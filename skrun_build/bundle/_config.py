"""The one bridge from bundling to validation: check the source, get its config.

Everything in `skrun_build.bundle` that needs the validator or the agent.yaml
model goes through `check_source()`, so the rest of the package stays
independent of how validation is done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from skrun_build.errors import ValidationFailed
from skrun_build.spec.issues import Issue

Format = Literal["agent", "skill"]


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the build needs from validation: warnings, the config snapshot and names."""

    issues: list[Issue] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # agent: "namespace/slug"; skill: the frontmatter name
    version: str = ""

    @property
    def stem(self) -> str:
        """`<slug>-<version>` for an agent, `<name>` for a skill."""
        if self.version:
            return f"{self.name.rsplit('/', 1)[-1]}-{self.version}"
        return self.name


def check_source(
    source: Path,
    fmt: Format,
    *,
    strict: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> SourceInfo:
    """Validate `source`; raise `ValidationFailed` on errors, else return its config."""
    issues = _validate(source, fmt, strict=strict, select=select, ignore=ignore)
    if any(i.level == "error" for i in issues):
        raise ValidationFailed(issues)
    if fmt == "skill":
        name = _skill_name(source)
        return SourceInfo(issues, {}, name, "")
    snapshot = _agent_snapshot(source)
    return SourceInfo(issues, snapshot, str(snapshot["name"]), str(snapshot["version"]))


# --- interim minimal reading, until the validator (issue 2) lands on main --------------
# Only name and version are checked here; the snapshot is agent.yaml as loaded.

_AGENT_NAME = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_SKILL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _validate(
    source: Path, fmt: Format, *, strict: bool, select: Sequence[str], ignore: Sequence[str]
) -> list[Issue]:
    if not source.is_dir():
        return [Issue(str(source), code="AG000", message="is not a directory")]
    if fmt == "skill":
        data, file = _skill_frontmatter(source)
        if data is None:
            return [Issue(file, 1, 1, "SK000", "error", "no YAML frontmatter between --- lines")]
        name = data.get("name")
        if not isinstance(name, str) or not _SKILL_NAME.match(name) or len(name) > 64:
            return [Issue(file, 1, 1, "SK000", "error", f"invalid skill name {name!r}")]
        if name != source.resolve().name:
            return [
                Issue(
                    file,
                    1,
                    1,
                    "SK000",
                    "error",
                    f'name "{name}" must equal the directory name "{source.resolve().name}"',
                )
            ]
        return []
    yaml_file = source / "agent.yaml"
    where = str(yaml_file)
    if not yaml_file.is_file():
        return [Issue(where, code="AG000", message="agent.yaml not found")]
    config = _load(yaml_file)
    if not isinstance(config, dict):
        return [Issue(where, 1, 1, "AG000", "error", "agent.yaml must be a mapping")]
    issues = []
    if not isinstance(config.get("name"), str) or not _AGENT_NAME.match(config["name"]):
        issues.append(Issue(where, 1, 1, "AG000", "error", "name must be namespace/slug"))
    if not isinstance(config.get("version"), str) or not _VERSION.match(config["version"]):
        issues.append(Issue(where, 1, 1, "AG000", "error", "version must be MAJOR.MINOR.PATCH"))
    return issues


def _agent_snapshot(source: Path) -> dict[str, Any]:
    data = _load(source / "agent.yaml")
    assert isinstance(data, dict)
    return data


def _skill_name(source: Path) -> str:
    data, _ = _skill_frontmatter(source)
    assert data is not None
    return str(data["name"])


def _load(file: Path) -> Any:
    from skrun_build.errors import InputError
    from skrun_build.yaml import load_yaml

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read: {e}", path=file) from e
    return load_yaml(text, file=str(file)).data


def _skill_frontmatter(source: Path) -> tuple[dict[str, Any] | None, str]:
    from skrun_build.errors import InputError
    from skrun_build.yaml import load_yaml

    file = source / "SKILL.md"
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, str(file)
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read: {e}", path=file) from e
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, str(file)
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            data = load_yaml("\n".join(lines[1:i]), file=str(file), first_line=2).data
            return (data if isinstance(data, dict) else None), str(file)
    return None, str(file)
