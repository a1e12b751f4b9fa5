"""The one bridge from bundling to validation: check the source, get its config.

Everything in `skrun_build.bundle` that needs the validator or the agent.yaml
model goes through `check_source()`, so the rest of the package stays
independent of how validation is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from skrun_build.errors import BundleError, ValidationFailed
from skrun_build.issues import Issue

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
    """Validate `source` like `skrun validate`; raise `ValidationFailed` on errors.

    Only the bundle's own files are checked (SKILL.md, plus agent.yaml and
    artifact.json for an agent), as `skrun validate DIR/SKILL.md DIR/agent.yaml`
    would: a nested folder that happens to hold another SKILL.md is just content.
    Returns the warnings, and for an agent the config snapshot (defaults applied)
    with its name and version; for a skill, the frontmatter name.
    """
    from skrun_build.checks.run import check_paths

    if fmt == "agent" and not (source / "agent.yaml").is_file():
        raise BundleError(
            "no agent.yaml here",
            path=source,
            hint="run `skrun init --from-skill` first, or pack a plain skill with --format skill",
        )
    names = ["SKILL.md"] if fmt == "skill" else ["SKILL.md", "agent.yaml", "artifact.json"]
    targets: list[Path] = [source / n for n in names if (source / n).exists()]
    if not (source / "SKILL.md").exists():
        targets = [source]  # the validator reports the missing SKILL.md for a directory
    issues = check_paths(targets, strict=strict, select=select, ignore=ignore).issues
    if any(i.level == "error" for i in issues):
        raise ValidationFailed(issues)
    if fmt == "skill":
        from skrun_build.formats.skillmd import load_skill

        name = load_skill(source).name
        assert name is not None  # validation passed, so SKILL.md has a string name
        return SourceInfo(issues, {}, name, "")
    from skrun_build.checks.agent import load_agent_config

    snapshot = load_agent_config(source).snapshot()
    return SourceInfo(issues, snapshot, str(snapshot["name"]), str(snapshot["version"]))
