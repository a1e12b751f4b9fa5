"""Where executable skills live and what a skill folder says about itself.

A skill folder holds `artifact.json` (an executable skill: python_uv, rust_binary)
or only a SKILL.md (a markdown, guidance-only skill), as the lhwzds/skrun runtime
reads them: its id is artifact.json's `id`, else the folder's name. Installed
skills live in `<root>/<id>`, the root being `$SKRUN_SKILLS_DIR`, else
`~/.skrun/skills` (the runtime's default). This module reads; it never writes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.errors import SkillError, SkillNotFound, SkrunError, ValidationFailed, os_hint

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.artifact_json import Artifact
    from skrun_build.issues import Issue

ARTIFACT_FILE = "artifact.json"
SKILL_FILE = "SKILL.md"
SKILLS_DIR_ENV = "SKRUN_SKILLS_DIR"
# The same rule as spec.artifact.ID_PATTERN, kept here so that resolving an id needs no pydantic.
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class SkillInfo:
    """One skill folder as the runtime sees it; `artifact` is None for a markdown skill."""

    path: Path
    id: str
    kind: str
    name: str
    version: str
    description: str | None = None
    artifact: Artifact | None = None
    warnings: list[Issue] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary (used by `skill list --format json` and `skill show`)."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "path": str(self.path),
        }
        if self.artifact is not None:
            data["entry"] = self.artifact.entry
            schema = self.artifact.schema_
            data["schema"] = {
                "input": schema.input if schema else None,
                "output": schema.output if schema else None,
            }
        return data


@dataclass(frozen=True)
class RunSpec:
    """The few fields of artifact.json a run needs."""

    id: str
    kind: str
    entry: str
    schema_input: str | None = None
    schema_output: str | None = None


@dataclass(frozen=True)
class ListedSkill:
    """One folder under the skills root: its info, or why it cannot be used."""

    dir_name: str
    path: Path
    info: SkillInfo | None = None
    problem: str | None = None


def skills_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The install root: `root`, else `$SKRUN_SKILLS_DIR`, else `~/.skrun/skills`."""
    if root is not None:
        return Path(root)
    env = os.environ.get(SKILLS_DIR_ENV)
    if env:
        return Path(env)
    return Path.home() / ".skrun" / "skills"


def is_skill_id(text: str) -> bool:
    """Whether `text` is a valid skill id (ASCII letters, digits, - and _)."""
    return _ID_RE.fullmatch(text) is not None


def resolve(id_or_path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of a skill given by id or path.

    A path-like object, or text with a separator (or "." / ".."), or text that is no valid
    id is a folder. A bare id is the installed `<root>/<id>` first, then a folder of that
    name in the current directory. Raises SkillNotFound.
    """
    text = os.fspath(id_or_path)
    base = skills_root(root)
    if not (
        isinstance(id_or_path, os.PathLike)
        or "/" in text
        or os.sep in text
        or text in (".", "..")
        or not is_skill_id(text)
    ):
        installed = base / text
        if not installed.is_dir() and base.is_dir():
            from skrun_build.skills.leftovers import recover

            recover(base)  # an install killed mid-swap may have left it aside
        if installed.is_dir():
            return installed
        if not Path(text).is_dir():
            raise SkillNotFound(
                f"no skill {text!r} is installed in {base}",
                hint="install it with `skrun skill install-local DIR`, or see `skrun skill list`",
            )
    path = Path(text)
    if not path.is_dir():
        raise SkillNotFound(
            "no such skill folder" if not path.exists() else "is not a folder",
            path=path,
            hint="give a skill folder (with artifact.json or SKILL.md) or an installed id",
        )
    return path


def load_info(path: Path) -> SkillInfo:
    """Read a skill folder; raises SkillNotFound, or ValidationFailed for a bad artifact.json."""
    artifact_path = path / ARTIFACT_FILE
    if artifact_path.is_file():
        return _executable(path)
    if (path / SKILL_FILE).is_file():
        return _markdown(path)
    raise SkillNotFound(
        f"holds neither {ARTIFACT_FILE} nor {SKILL_FILE}",
        path=path,
        hint="create one with `skrun skill new`",
    )


def _executable(path: Path) -> SkillInfo:
    from skrun_build.checks.artifact import check_artifact_dir
    from skrun_build.formats.artifact_json import Artifact
    from skrun_build.formats.jsonloc import load_json

    issues = check_artifact_dir(path)
    errors = [i for i in issues if i.level == "error"]
    if errors:
        first = errors[0]
        raise ValidationFailed(
            issues,
            f"{first.file}:{first.line}:{first.col}: {first.code} {first.message}"
            + (f" ({first.hint})" if first.hint else ""),
        )
    # check_artifact_dir read and validated it just now: this cannot fail but on a race.
    try:
        text = (path / ARTIFACT_FILE).read_text(encoding="utf-8-sig")
        artifact = Artifact.model_validate(load_json(text, file=str(path / ARTIFACT_FILE)).data)
    except Exception as e:
        raise SkillError(f"changed while being read: {e}", path=path / ARTIFACT_FILE) from e
    meta = _frontmatter(path)
    description = artifact.description or _str(meta.get("description"))
    return SkillInfo(
        path=path,
        id=artifact.id,
        kind=artifact.kind,
        name=artifact.name,
        version=artifact.version,
        description=description,
        artifact=artifact,
        warnings=[i for i in issues if i.level != "error"],
    )


def _markdown(path: Path) -> SkillInfo:
    """A SKILL.md-only skill: id from the folder, name/version from the frontmatter."""
    dir_name = Path(os.path.abspath(path)).name
    if not is_skill_id(dir_name):
        raise SkillError(
            f"folder name {dir_name!r} is no valid skill id",
            path=path,
            hint="rename it to ASCII letters, digits, - and _",
        )
    meta = _frontmatter(path)
    metadata = meta.get("metadata")
    version = _str(meta.get("version"))
    if version is None and isinstance(metadata, dict):
        version = _str(metadata.get("version"))
    return SkillInfo(
        path=path,
        id=dir_name,
        kind="markdown",
        name=_str(meta.get("name")) or dir_name,
        version=version or "0.1.0",
        description=_str(meta.get("description")),
    )


def _frontmatter(path: Path) -> dict[str, Any]:
    """SKILL.md's frontmatter as a dict; {} when there is none or it cannot be read."""
    file = path / SKILL_FILE
    if not file.is_file():
        return {}
    from skrun_build.formats.skillmd import load_skill

    try:
        skill = load_skill(file)
    except SkrunError:
        return {}  # the runtime reads SKILL.md leniently; `skrun validate` says what is wrong
    data = getattr(skill, "frontmatter", None)
    return data if isinstance(data, dict) else {}


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def quick_spec(path: Path) -> RunSpec | None:
    """The run fields of a plainly valid artifact.json without pydantic; None means "ask
    `load_info`", which reports any problem located (AR codes).

    `skrun skill run` is one process per call: importing pydantic and building the model
    costs more than the whole run of a small skill. This accepts only what the full check
    accepts too (same id, kind, version and path rules; entry and schemas inside the folder
    once symlinks are resolved) and leaves every doubtful case to it.
    """
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise ValueError("duplicate key")
        return out

    try:
        raw = (path / ARTIFACT_FILE).read_bytes()
        text = raw.decode("utf-8").removeprefix("\ufeff")
        if text.count("[") + text.count("{") > 127:
            # Refused at serde_json's depth on every Python (a JsonError is a ValueError);
            # imported only then: jsonloc pulls in PyYAML, which `skrun skill run` avoids.
            from skrun_build.formats.jsonloc import check_depth

            check_depth(text)
        data = json.loads(text, object_pairs_hook=pairs)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or type(data.get("schema_version")) is not int:
        return None
    if data["schema_version"] != 1 or data.get("kind") not in ("rust_binary", "python_uv"):
        return None
    fields = [data.get(k) for k in ("id", "name", "version", "entry")]
    if not all(isinstance(v, str) and v for v in fields) or not is_skill_id(data["id"]):
        return None
    protocol = data.get("protocol", {})
    wanted = {
        "transport": "stdio-json",
        "input": "single-json-value",
        "output": "single-json-value",
    }
    if not isinstance(protocol, dict) or any(protocol.get(k, v) != v for k, v in wanted.items()):
        return None
    for key in ("description",):
        if data.get(key) is not None and not isinstance(data[key], str):
            return None
    tags, source = data.get("tags"), data.get("source")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        return None
    if source is not None and not (isinstance(source, dict) and _plain_source(source)):
        return None
    schema = data.get("schema")
    if schema is not None and not isinstance(schema, dict):
        return None
    sides = [schema.get(s) if schema else None for s in ("input", "output")]
    if any(s is not None and not (isinstance(s, str) and s) for s in sides):
        return None
    base = os.path.realpath(path)
    for rel in [data["entry"], *(s for s in sides if s is not None)]:
        if not _plain_relative(rel):
            return None
        real = os.path.realpath(os.path.join(base, rel))
        if not real.startswith(base + os.sep):
            return None
    return RunSpec(data["id"], data["kind"], data["entry"], sides[0], sides[1])


def _plain_source(source: dict[str, Any]) -> bool:
    ref = source.get("ref")
    return (
        isinstance(source.get("type"), str)
        and bool(source["type"])
        and (ref is None or isinstance(ref, str))
    )


def _plain_relative(rel: str) -> bool:
    """The spec's path rule (relative, no `..`), for POSIX and Windows spellings alike."""
    text = rel.replace("\\", "/")
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        return False
    return ".." not in text.split("/")


def list_skills(root: str | os.PathLike[str] | None = None) -> list[ListedSkill]:
    """Every folder under the root, sorted by name; a broken one carries its problem."""
    from skrun_build.skills.leftovers import recover

    base = skills_root(root)
    recover(base)  # an install killed mid-swap may have left the old one aside
    try:
        names = sorted(os.listdir(base))
    except FileNotFoundError:
        return []
    except OSError as e:
        raise SkillError(f"cannot read: {e.strerror}", path=base, hint=os_hint(e)) from e
    out: list[ListedSkill] = []
    for name in names:
        if name.startswith("."):
            continue  # our install temp dirs, editor files
        path = base / name
        if not path.is_dir():
            continue
        try:
            info = load_info(path)
        except (SkillError, ValidationFailed) as e:
            out.append(ListedSkill(name, path, problem=_problem(e)))
            continue
        if info.id != name:
            # The runtime finds a skill by its folder name: say so instead of hiding it.
            out.append(ListedSkill(name, path, info, f"folder {name!r} holds skill id {info.id!r}"))
            continue
        out.append(ListedSkill(name, path, info))
    return out


def _problem(e: Exception) -> str:
    text = str(e)
    if isinstance(e, SkillError) and e.path is not None:
        text = text.removeprefix(e.path + ": ")
    return text
