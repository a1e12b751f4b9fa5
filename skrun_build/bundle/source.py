"""The one bridge from bundling to validation: check the source, get its config.

Everything in `skrun_build.bundle` that needs the validator or the agent.yaml
model goes through `check_source()`, so the rest of the package stays
independent of how validation is done. agent.yaml is parsed once: the check
that reports its issues also hands back the config the bundle snapshots.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.bundle.format import Format
from skrun_build.errors import BundleError, ValidationFailed
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.budget import Limits
    from skrun_build.checks.suppress import Suppressions
    from skrun_build.formats.agent_yaml import AgentConfig

__all__ = ["Format", "SourceInfo", "check_source"]


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
    suppress: Suppressions | None = None,
    target: str = "generic",
    limits: Limits | None = None,
) -> SourceInfo:
    """Validate `source` like `skrun validate`; raise `ValidationFailed` on errors.

    `target` and `limits` are the validator's (`--target`, `max-body-lines`, ...).

    Only the bundle's own files are checked (SKILL.md, plus agent.yaml and
    artifact.json for an agent), as `skrun validate DIR/SKILL.md DIR/agent.yaml`
    would: a nested folder that happens to hold another SKILL.md is just content.
    Returns the warnings, and for an agent the config snapshot (defaults applied)
    with its name and version; for a skill, the frontmatter name.
    """
    if fmt == "agent" and not (source / "agent.yaml").is_file():
        raise BundleError(
            "no agent.yaml here",
            path=source,
            hint="run `skrun init --from-skill` first, or pack a plain skill with --format skill",
        )
    names = ["SKILL.md"] if fmt == "skill" else ["SKILL.md", "agent.yaml", "artifact.json"]
    targets: list[Path] = [source / n for n in names if (source / n).exists()]
    if not all(_regular(t) for t in targets) or source / "SKILL.md" not in targets:
        # A missing SKILL.md, or a target that is not a regular file: the validator's
        # search reports it for the directory (it may still pass when select/ignore
        # hide the error).
        from skrun_build.checks.run import check_paths

        report = check_paths(
            targets if source / "SKILL.md" in targets else [source],
            strict=strict,
            select=select,
            ignore=ignore,
            suppress=suppress,
            target=target,
            limits=limits,
        )
        return _searched(source, fmt, report.issues)
    from skrun_build.checks.run import check_skill_dir
    from skrun_build.checks.select import Selection
    from skrun_build.checks.suppress import Suppressions, apply

    # What `check_paths(targets)` does for this one folder, with the agent check that
    # also returns the config.
    selection = Selection.parse(select, ignore)
    skill, found = check_skill_dir(source, target=target, limits=limits)
    config: AgentConfig | None = None
    if fmt == "agent":
        from skrun_build.checks.agent import check_agent_config
        from skrun_build.checks.artifact import check_artifact_dir

        agent_issues, config = check_agent_config(source, skill)
        found += agent_issues
        if source / "artifact.json" in targets:
            found += check_artifact_dir(source)
    found = apply([str(t) for t in targets], found, suppress or Suppressions())
    kept = (i for i in found if selection.keeps(i.code))
    if strict:
        kept = (dataclasses.replace(i, level="error") if i.level == "warning" else i for i in kept)
    issues = list(dict.fromkeys(kept))  # each once, in order
    if any(i.level == "error" for i in issues):
        raise ValidationFailed(issues)
    if fmt == "skill":
        if skill is None:  # SKILL.md cannot be read, and select/ignore hid that
            from skrun_build.formats.skillmd import load_skill

            skill = load_skill(source)  # raises, naming it
        from skrun_build.formats.names import MAX_NAME, NAME_RE

        # The zip's folder and file are named after it: select/ignore may have hidden
        # SK011/SK012, but a missing or unsafe name can never become a path.
        name = skill.name
        if not (isinstance(name, str) and len(name) <= MAX_NAME and NAME_RE.match(name)):
            raise BundleError(
                f"SKILL.md has no usable name ({'none' if name is None else repr(name)});"
                " the .skill zip and its folder are named after it",
                path=source / "SKILL.md",
                hint="write name: <lowercase-words-with-hyphens> in the frontmatter, and stop"
                " ignoring SK011/SK012 for this build",
            )
        return SourceInfo(issues, {}, name, "")
    if config is None:  # agent.yaml has an error that select/ignore hid
        from skrun_build.checks.agent import load_agent_config

        load_agent_config(source)  # raises ValidationFailed, naming it
    assert config is not None
    snapshot = config.snapshot()
    return SourceInfo(issues, snapshot, str(snapshot["name"]), str(snapshot["version"]))


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _searched(source: Path, fmt: Format, issues: list[Issue]) -> SourceInfo:
    """What `check_source` returns after the validator's search found `issues`."""
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
