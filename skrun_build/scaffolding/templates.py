"""Render a template into a new skill or agent directory.

Templates live in the top-level `templates/` folder (shipped in the wheel as
`skrun_build/templates`). Every text file is rendered with `{{key}}`
placeholders, in file names too (`scripts/{{tool}}.py`). Rendering goes to a
temp dir beside the target, which then moves into place, so a failed init never
leaves a half-made project behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.checks import skill
from skrun_build.errors import ScaffoldError, UsageError, os_hint
from skrun_build.scaffolding import values as names
from skrun_build.scaffolding.place import place_tree
from skrun_build.suggest import hint_or_list

TEMPLATES = ("agent", "agent-python", "agent-node", "skill")
DEFAULT_TEMPLATE = "agent"
DEFAULT_MODEL = "anthropic/claude-sonnet-4-5"
DEFAULT_NAMESPACE = "local"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# Files whose exec bit matters: the runtime runs them, and the shebang lets users too.
_EXECUTABLE_DIRS = ("scripts/",)


@dataclass
class RenderedFile:
    """One file of a rendered template: relative POSIX path, bytes and mode."""

    path: str
    data: bytes
    mode: int


@dataclass
class ScaffoldResult:
    """What `scaffold` wrote (or would write with `dry_run`)."""

    template: str
    target: Path
    files: list[str]
    values: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def templates_root() -> Path:
    """The folder holding every template: packaged data, else the source checkout's."""
    # A plain path beside the package, not importlib.resources: its files() pulls in
    # importlib.readers and zipfile (~4 ms of `skrun init`) for a folder on disk.
    packaged = Path(__file__).parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    # Editable/dev install: the package data is the repository's top-level folder.
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise ScaffoldError(
        "the templates folder is missing from this installation",
        hint="reinstall skrun-build",
    )


def default_description(name: str, template: str) -> str:
    """The placeholder description used when none is given."""
    kind = "skill" if template == "skill" else "agent"
    return (
        f"Describe what the {name} {kind} does and when to use it. "
        "Replace this text before publishing."
    )


def scaffold(
    template: str,
    target: str | os.PathLike[str],
    *,
    name: str | None = None,
    description: str | None = None,
    model: str | None = None,
    namespace: str | None = None,
    tool: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> ScaffoldResult:
    """Render `template` into the directory `target`; return what was written."""
    if template not in TEMPLATES:
        raise UsageError(
            f"unknown template {template!r}",
            hint=hint_or_list(template, TEMPLATES, "choose one of"),
        )
    target_path = Path(os.path.abspath(target))
    values, warnings = template_values(
        template,
        name=skill_name_for(target_path, name),
        description=description,
        model=model,
        namespace=namespace,
        tool=tool,
    )
    check_target(target_path, force=force)
    rendered = render_template(template, values)
    result = ScaffoldResult(
        template=template,
        target=target_path,
        files=[f.path for f in rendered],
        values=values,
        warnings=warnings,
        dry_run=dry_run,
    )
    if template == "agent-python":
        result.notes.append("dependencies: pyproject.toml + uv.lock (edit, then run `uv lock`)")
    elif template == "agent-node":
        result.notes.append(
            "dependencies: package.json + package-lock.json (edit, then run `npm install`)"
        )
    if target_path.exists() and any(target_path.iterdir()):
        overwritten = [f.path for f in rendered if (target_path / f.path).exists()]
        if overwritten:
            result.warnings.append("--force overwrites: " + ", ".join(overwritten))
    if not dry_run:
        place_tree(target_path, _writer(rendered), force=force)
    return result


def skill_name_for(target: Path, name: str | None) -> str:
    """The skill name for `target`: its directory's name, which SKILL.md requires (SK016).

    Raises UsageError when the directory name is no valid name, or `name` differs from it.
    """
    dir_name = target.name
    if name is not None:
        names.check_skill_name(name)
        if name != dir_name:
            raise UsageError(
                f'--name: SK016 name "{name}" must equal the skill directory\'s name "{dir_name}"',
                hint=f'drop --name, or create the directory "{name}" instead',
            )
        return name
    problems = skill.name_problems(dir_name) if dir_name else []
    if dir_name and not problems:
        return dir_name
    code, message, _ = problems[0] if problems else ("SK011", "name is empty", None)
    fixed = names.normalize_name(dir_name)
    raise UsageError(
        f"DIR: {code} {message}; a skill's name is its directory's name",
        hint=f'create the directory "{fixed}" instead'
        if fixed
        else "use a directory named with lowercase a-z, 0-9 and -",
    )


def template_values(
    template: str,
    *,
    name: str,
    description: str | None,
    model: str | None,
    namespace: str | None,
    tool: str | None,
) -> tuple[dict[str, str], list[str]]:
    """Check every value (UsageError on the first bad one) and build the placeholder map."""
    name = names.check_skill_name(name)
    warnings: list[str] = []
    if description is None:
        description = default_description(name, template)
    description = names.check_description(description, warnings)
    provider, model_name = names.parse_model(model or DEFAULT_MODEL)
    namespace = names.check_namespace(namespace or DEFAULT_NAMESPACE)
    tool = names.check_tool_name(tool or names.default_tool_name(name))
    values = {
        "name": name,
        "name_yaml": names.yaml_scalar(name),  # `name: 1e3` would be a number
        "title": " ".join(part.capitalize() for part in name.split("-")),
        "description_yaml": names.yaml_quote(description),
        "description_md": description.strip(),
        "agent_name": f"{namespace}/{name}",
        "namespace": namespace,
        "provider": provider,
        "model": model_name,
        "model_yaml": names.yaml_scalar(model_name),
        "tool": tool,
        "tool_yaml": names.yaml_scalar(tool),  # `name: null` would be null
    }
    return values, warnings


def check_target(target: Path, *, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty directory without `force`."""
    if target.is_symlink() and not target.exists():
        raise UsageError(f"{target} is a dangling symlink", hint="remove it or pick another DIR")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory", hint="pick another DIR")
    if target.is_dir() and not force:
        try:
            entries = sorted(p.name for p in target.iterdir())
        except OSError as e:
            raise ScaffoldError(f"cannot read {target}: {e.strerror}", hint=os_hint(e)) from e
        if entries:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise ScaffoldError(
                f"{target} is not empty ({shown})",
                hint="pick an empty or new directory, or pass --force to add the files to it",
            )


def render_template(template: str, values: dict[str, str]) -> list[RenderedFile]:
    """Render every file of `template` with `values`, sorted by path."""
    root = templates_root() / template
    if not root.is_dir():
        raise ScaffoldError(
            f"template {template!r} is missing from this installation",
            hint="reinstall skrun-build: pip install --force-reinstall skrun-build",
        )
    out: list[RenderedFile] = []
    for rel, node in _walk(root, ""):
        path = _substitute(rel, values, where=f"templates/{template}/{rel}")
        text = node.read_bytes().decode("utf-8")
        data = _substitute(text, values, where=f"templates/{template}/{rel}").encode("utf-8")
        mode = 0o755 if path.startswith(_EXECUTABLE_DIRS) and data.startswith(b"#!") else 0o644
        out.append(RenderedFile(path, data, mode))
    out.sort(key=lambda f: f.path)
    return out


def _walk(node: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name in ("__pycache__", ".DS_Store"):
            continue
        rel = prefix + child.name
        if child.is_dir():
            yield from _walk(child, rel + "/")
        else:
            yield rel, child


def _substitute(text: str, values: dict[str, str], *, where: str) -> str:
    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ScaffoldError(f"{where}: unknown placeholder {{{{{key}}}}} (a template bug)")
        return values[key]

    return _PLACEHOLDER.sub(repl, text)


def _writer(files: list[RenderedFile]) -> Callable[[Path], None]:
    def write(root: Path) -> None:
        for f in files:
            dest = root / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "xb") as fh:
                fh.write(f.data)
            os.chmod(dest, f.mode)

    return write
