"""Read a SKILL.md and check its frontmatter by the Agent Skills spec, for the importer.

Stop-gap until the project-wide `skrun_build.skillmd`/`skrun_build.validate`
land: the importer then switches to them. Rules follow SPEC-NOTES §1 "Our rule":
errors for what the spec forbids, warnings for portability problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skrun_build.scaffold.values import MAX_DESCRIPTION, MAX_NAME, SKILL_NAME_RE, normalize_name
from skrun_build.spec.issues import Issue

SPEC_KEYS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
MAX_FRONTMATTER = 64 * 1024
MAX_COMPATIBILITY = 500


@dataclass
class SkillFile:
    """A parsed SKILL.md: frontmatter (keys in file order), their line numbers, and issues."""

    path: Path
    frontmatter: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def error(self, line: int, code: str, message: str, hint: str | None = None) -> None:
        """Record an error at `line` of SKILL.md."""
        self.issues.append(Issue(str(self.path), line, 0, code, "error", message, hint))

    def warning(self, line: int, code: str, message: str, hint: str | None = None) -> None:
        """Record a warning at `line` of SKILL.md."""
        self.issues.append(Issue(str(self.path), line, 0, code, "warning", message, hint))


def check_skill(skill_dir: Path) -> SkillFile:
    """Parse `skill_dir/SKILL.md` and check its frontmatter; never raises on bad content."""
    skill = SkillFile(skill_dir / "SKILL.md")
    try:
        raw = skill.path.read_bytes()
    except OSError as e:
        skill.error(0, "SKILL_READ", f"cannot read SKILL.md: {e.strerror}")
        return skill
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        skill.error(0, "SKILL_ENCODING", f"SKILL.md is not UTF-8 (byte {e.start})", "save as UTF-8")
        return skill
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].rstrip() != "---":
        skill.error(
            1,
            "SKILL_NO_FRONTMATTER",
            "SKILL.md must start with YAML frontmatter between '---' lines",
            "add ---, name: and description: at the top",
        )
        return skill
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        skill.error(1, "SKILL_FRONTMATTER_OPEN", "the frontmatter has no closing '---' line")
        return skill
    source = "\n".join(lines[1:end]) + "\n"
    if len(source) > MAX_FRONTMATTER:
        skill.error(2, "SKILL_FRONTMATTER_SIZE", f"frontmatter over {MAX_FRONTMATTER} bytes")
        return skill
    _parse(skill, source)
    if skill.issues:
        return skill
    _check_fields(skill, skill_dir)
    return skill


def _parse(skill: SkillFile, source: str) -> None:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(source)
    try:
        node = loader.get_single_node()
        if node is None:
            skill.error(2, "SKILL_FRONTMATTER_EMPTY", "the frontmatter is empty")
            return
        if not isinstance(node, yaml.MappingNode):
            skill.error(2, "SKILL_FRONTMATTER_TYPE", "the frontmatter must be a mapping of keys")
            return
        for key_node, _ in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 2
            if key in skill.key_lines:
                skill.error(line, "SKILL_DUPLICATE_KEY", f"duplicate key {key!r}")
            skill.key_lines.setdefault(key, line)
        if _has_alias(node, set()):
            skill.error(2, "SKILL_YAML_ALIAS", "YAML anchors/aliases are not allowed here")
            return
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 2 if mark is not None else 2
        skill.error(
            line,
            "SKILL_YAML",
            f"invalid YAML: {e.problem or e}",
            "quote values that contain ': ' or start with [ { * & ! | > ' \" % @ `",
        )
        return
    except (yaml.YAMLError, RecursionError) as e:
        skill.error(2, "SKILL_YAML", f"invalid YAML: {e}")
        return
    finally:
        loader.dispose()
    if not skill.issues:
        skill.frontmatter = {str(k): v for k, v in data.items()}


def _has_alias(node: Any, seen: set[int]) -> bool:
    import yaml

    if id(node) in seen:
        return True
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        return any(_has_alias(k, seen) or _has_alias(v, seen) for k, v in node.value)
    if isinstance(node, yaml.SequenceNode):
        return any(_has_alias(v, seen) for v in node.value)
    return False


def _check_fields(skill: SkillFile, skill_dir: Path) -> None:
    fm = skill.frontmatter
    line = skill.key_lines.get
    name = fm.get("name")
    if name is None:
        skill.error(2, "SKILL_NAME_MISSING", "'name' is required")
    elif not isinstance(name, str):
        skill.error(
            line("name", 2),
            "SKILL_NAME_TYPE",
            f"name must be a string, got {name!r}",
            'quote it: name: "..."',
        )
    elif len(name) > MAX_NAME or not SKILL_NAME_RE.match(name):
        fixed = normalize_name(name)
        skill.error(
            line("name", 2),
            "SKILL_NAME",
            f"name must be 1-{MAX_NAME} lowercase a-z, 0-9 and single inner dashes: {name!r}",
            f'try "{fixed}"' if fixed else None,
        )
    elif name != skill_dir.name:
        skill.error(
            line("name", 2),
            "SKILL_NAME_DIR",
            f"name {name!r} must equal the folder name {skill_dir.name!r}",
            "rename the folder or the name",
        )
    desc = fm.get("description")
    if desc is None:
        skill.error(2, "SKILL_DESCRIPTION_MISSING", "'description' is required")
    elif not isinstance(desc, str):
        skill.error(
            line("description", 2),
            "SKILL_DESCRIPTION_TYPE",
            "description must be a string",
            'quote it: description: "..."',
        )
    elif not desc.strip():
        skill.error(line("description", 2), "SKILL_DESCRIPTION_EMPTY", "description is empty")
    elif len(desc) > MAX_DESCRIPTION:
        skill.error(
            line("description", 2),
            "SKILL_DESCRIPTION_LENGTH",
            f"description is {len(desc)} characters; the limit is {MAX_DESCRIPTION}",
            "shorten it and move details into the body",
        )
    compat = fm.get("compatibility")
    if compat is not None and (
        not isinstance(compat, str) or not 1 <= len(compat) <= MAX_COMPATIBILITY
    ):
        skill.error(
            line("compatibility", 2),
            "SKILL_COMPATIBILITY",
            f"compatibility must be a string of 1-{MAX_COMPATIBILITY} characters",
        )
    license_ = fm.get("license")
    if license_ is not None and not isinstance(license_, str):
        skill.error(line("license", 2), "SKILL_LICENSE", "license must be a string")
    metadata = fm.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            skill.error(line("metadata", 2), "SKILL_METADATA", "metadata must be a mapping")
        elif any(not isinstance(v, str) for v in metadata.values()):
            skill.warning(
                line("metadata", 2), "SKILL_METADATA_VALUE", "metadata values should be strings"
            )
    tools = fm.get("allowed-tools")
    if isinstance(tools, list):
        skill.warning(
            line("allowed-tools", 2),
            "SKILL_ALLOWED_TOOLS_LIST",
            "allowed-tools is a list; the spec uses a space-separated string",
        )
    elif isinstance(tools, str) and "," in tools.split("(")[0]:
        skill.warning(
            line("allowed-tools", 2),
            "SKILL_ALLOWED_TOOLS_COMMA",
            "allowed-tools is comma-separated; the spec separates with spaces",
        )
    for key in fm:
        if key not in SPEC_KEYS:
            skill.warning(
                line(key, 2),
                "SKILL_UNKNOWN_KEY",
                f"unknown frontmatter key {key!r} (kept; some hosts reject it)",
            )
