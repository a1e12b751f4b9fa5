"""`skrun skill new`: a new executable (or markdown) skill from `templates/skill-<kind>/`.

Same rules as `skrun init` (it is the same machinery, `scaffold.templates` and
`scaffold.place`): values are checked before anything is written, a non-empty
DIR is refused without `force`, the tree is rendered into a temp dir beside DIR
and moved into place, and nothing ever prompts. SKILL.md's `name` is DIR's name
(the Agent Skills rule SK016), so the written SKILL.md passes `skrun validate --strict`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from skrun_build.errors import UsageError
from skrun_build.scaffolding.templates import ScaffoldResult
from skrun_build.suggest import hint_or_list

KINDS = ("python_uv", "rust_binary", "markdown")
DEFAULT_VERSION = "0.1.0"
# Cargo's package version is SemVer; refusing it here beats a cargo error at build time.
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def title_from_id(skill_id: str) -> str:
    """`rust-echo` -> `Rust Echo`: the runtime's default display name."""
    return " ".join(p[:1].upper() + p[1:] for p in re.split(r"[-_]", skill_id) if p)


def new_skill(
    target: str | os.PathLike[str],
    *,
    kind: str,
    skill_id: str,
    name: str | None = None,
    version: str = DEFAULT_VERSION,
    description: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> ScaffoldResult:
    """Render the `kind` template into `target`; UsageError for a bad value, nothing written."""
    from skrun_build.scaffolding import values as checks
    from skrun_build.scaffolding.place import place_tree
    from skrun_build.scaffolding.templates import check_target, render_template, skill_name_for
    from skrun_build.skills.locate import is_skill_id

    if kind not in KINDS:
        raise UsageError(
            f"--kind: unknown kind {kind!r}",
            hint=hint_or_list(kind, KINDS, "choose one of"),
        )
    if not is_skill_id(skill_id):
        raise UsageError(
            f"--id: {skill_id!r} is no valid skill id",
            hint="use ASCII letters, digits, - and _, starting with a letter or digit",
        )
    target_path = Path(os.path.abspath(target))
    skill_name = skill_name_for(target_path, None)
    if kind == "markdown" and skill_id != skill_name:
        raise UsageError(
            f"--id: a markdown skill's id is its folder's name ({skill_name!r}), not {skill_id!r}",
            hint=f'drop --id, or create the folder "{skill_id}" instead',
        )
    if kind == "rust_binary":
        if skill_id[0].isdigit():
            raise UsageError(
                f"--id: cargo refuses a package name starting with a digit: {skill_id!r}",
                hint="start it with a letter",
            )
        if not _SEMVER.fullmatch(version):
            raise UsageError(
                f"--version: cargo needs a SemVer version like 0.1.0, not {version!r}",
                hint="use MAJOR.MINOR.PATCH",
            )
    if not version.strip():
        raise UsageError("--version: empty", hint="e.g. 0.1.0")
    display = name if name is not None else title_from_id(skill_id)
    if not display.strip():
        raise UsageError("--name: empty", hint="drop --name to use one made from --id")
    warnings: list[str] = []
    if description is None:
        description = (
            f"Describe what {display} does and when to use it. Replace this text before publishing."
        )
    description = checks.check_description(description, warnings)
    values = {
        "id": skill_id,
        "id_yaml": checks.yaml_quote(skill_id),
        "skill_name": skill_name,
        "skill_name_yaml": checks.yaml_scalar(skill_name),
        "name_json": json.dumps(display, ensure_ascii=False),
        "name_md": display.replace("\n", " ").strip(),
        "version_json": json.dumps(version, ensure_ascii=False),
        "version_yaml": checks.yaml_quote(version),
        "version_toml": json.dumps(version),  # a TOML basic string is a JSON string here
        "description_yaml": checks.yaml_quote(description),
        "description_md": description.strip(),
    }
    check_target(target_path, force=force)
    template = f"skill-{kind}"
    rendered = render_template(template, values)
    result = ScaffoldResult(
        template=template,
        target=target_path,
        files=[f.path for f in rendered],
        values=values,
        warnings=warnings,
        dry_run=dry_run,
    )
    if skill_id != skill_name and kind != "markdown":
        result.warnings.append(
            f"the id {skill_id!r} differs from the folder's name {skill_name!r}:"
            f" installed, it lives in <root>/{skill_id}"
        )
    if kind == "python_uv":
        result.notes.append("next: `skrun skill build DIR` (uv lock + uv sync --locked)")
    elif kind == "rust_binary":
        result.notes.append("next: `skrun skill build DIR` (cargo build --release)")
    if not dry_run:

        def write(root: Path) -> None:
            for f in rendered:
                dest = root / f.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "xb") as fh:
                    fh.write(f.data)
                os.chmod(dest, f.mode)

        place_tree(target_path, write, force=force)
    return result
