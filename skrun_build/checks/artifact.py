"""Checks of artifact.json (executable skills): JSON, schema, and the files it names.

Codes `AR001`...; every issue is located at `file:line:col`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from skrun_build.checks.codes import level, summaries
from skrun_build.errors import os_hint
from skrun_build.issues import Issue
from skrun_build.suggest import hint_or_list

AR_CODES: dict[str, str] = summaries("AR")  # a view of the registry (checks/codes/ar.py)


def check_artifact_dir(dir: Path) -> list[Issue]:
    """Every issue of `dir/artifact.json` and of the files it points to."""
    from pydantic import ValidationError

    from skrun_build.checks.schema_issues import Codes, convert, show
    from skrun_build.formats.artifact_json import Artifact, unknown_artifact_keys
    from skrun_build.formats.jsonloc import JsonError, load_json

    path = dir / "artifact.json"
    file = str(path)
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            # a FIFO or device would block or never end
            return [
                Issue(file, 0, 0, "AR001", level("AR001"), "artifact.json is not a regular file")
            ]
        raw = path.read_bytes()
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        return [Issue(file, 0, 0, "AR001", level("AR001"), "artifact.json is missing")]
    except IsADirectoryError:
        return [
            Issue(file, 0, 0, "AR001", level("AR001"), "artifact.json is a directory, not a file")
        ]
    except OSError as e:
        return [
            Issue(
                file, 0, 0, "AR001", level("AR001"), f"cannot read artifact.json: {e.strerror or e}"
            )
        ]
    except UnicodeDecodeError as e:
        msg = f"artifact.json is not UTF-8 (byte {e.start})"
        return [Issue(file, 0, 0, "AR001", level("AR001"), msg, "save it as UTF-8")]
    try:
        doc = load_json(text, file=file)
    except JsonError as e:
        return [Issue(file, e.line, e.col, "AR002", level("AR002"), e.message, e.hint)]
    data = doc.data
    if not isinstance(data, dict):
        return [
            Issue(
                file,
                doc.start[0],
                doc.start[1],
                "AR003",
                level("AR003"),
                f"artifact.json must be a JSON object, not {show(data)}",
            )
        ]
    issues: list[Issue] = []
    try:
        Artifact.model_validate(data)
    except ValidationError as e:
        codes = Codes(
            "AR004", "AR005", "AR006", "AR007", {"path_absolute": "AR008", "path_escape": "AR008"}
        )

        def custom(kind: str, loc: tuple[str | int, ...], ctx: Any) -> tuple[str, str | None]:
            from skrun_build.checks.schema_issues import field_path

            what = "must be a relative path" if kind == "path_absolute" else "must not contain .."
            return f"{field_path(loc)} {what}", "give a path inside the skill directory"

        issues += convert(
            e.errors(include_url=False),
            doc,
            codes,
            custom_message=custom,
            pattern_message=_pattern_message,
        )
    for key_path, key, known in unknown_artifact_keys(data):
        line, col = doc.locate_key(key_path)
        where = ".".join(key_path[:-1]) or "artifact.json"
        issues.append(
            Issue(
                file,
                line,
                col,
                "AR007",
                level("AR007"),
                f'unknown key "{key}" in {where}; the runtime ignores it',
                hint_or_list(key, known, "known keys:", quote='"'),
            )
        )
    issues += _files(dir, doc, data)
    return sorted(issues, key=lambda i: (i.line, i.col, i.code))


def _pattern_message(path: str, value: Any) -> tuple[str, str | None]:
    from skrun_build.checks.schema_issues import show

    return (
        f"{path} must hold only ASCII letters, digits, - and _, starting with a letter or digit,"
        f" not {show(value)}",
        None,
    )


def _inside(root: Path, rel: str) -> tuple[Path, bool]:
    """The resolved path of `rel` and whether it stays inside `root` (symlinks followed)."""
    target = (root / rel).resolve()
    base = root.resolve()
    return target, target == base or base in target.parents


def _files(dir: Path, doc: Any, data: dict[str, Any]) -> list[Issue]:
    """entry and schema files: present, and inside the skill dir once symlinks are resolved."""
    from skrun_build.formats.artifact_json import path_problem

    file = doc.file
    issues: list[Issue] = []
    targets: list[tuple[tuple[str, ...], str]] = []
    if isinstance(data.get("entry"), str) and data["entry"]:
        targets.append((("entry",), data["entry"]))
    schema = data.get("schema")
    if isinstance(schema, dict):
        for side in ("input", "output"):
            if isinstance(schema.get(side), str) and schema[side]:
                targets.append((("schema", side), schema[side]))
    for loc, rel in targets:
        name = ".".join(loc)
        if path_problem(rel) is not None:
            continue  # the schema check already reported it (AR008)
        line, col = doc.locate(loc)
        try:
            target, inside = _inside(dir, rel)
        except (OSError, RuntimeError) as e:  # a symlink loop
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    "AR008",
                    level("AR008"),
                    f"{name} {rel!r} cannot be resolved: {e}",
                )
            )
            continue
        if not inside:
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    "AR008",
                    level("AR008"),
                    f"{name} {rel!r} leaves the skill directory (through a symlink to {target})",
                    "keep the file inside the skill directory",
                )
            )
            continue
        # One stat: pathlib's is_file()/is_dir() raise on EACCES in Python 3.11.
        code = "AR009" if loc == ("entry",) else "AR011"
        try:
            mode: int | None = os.stat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):
            mode = None
        except OSError as e:
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    code,
                    level(code),
                    f"{name} {rel!r} cannot be read: {e.strerror}",
                    os_hint(e) or "make it readable",
                )
            )
            continue
        if mode is not None and stat.S_ISREG(mode):
            continue
        if (
            loc == ("entry",)
            and data.get("kind") == "rust_binary"
            and (dir / "Cargo.toml").is_file()
        ):
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    "AR010",
                    level("AR010"),
                    f"entry {rel!r} is not built yet",
                    "build it with `skrun build` of the skrun runtime (cargo build --release)",
                )
            )
        elif loc == ("entry",):
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    "AR009",
                    level("AR009"),
                    f"entry {rel!r} does not exist"
                    + (" (it is a directory)" if mode is not None and stat.S_ISDIR(mode) else ""),
                    "fix the path or add the file",
                )
            )
        else:
            issues.append(
                Issue(
                    file,
                    line,
                    col,
                    "AR011",
                    level("AR011"),
                    f"{name} {rel!r} does not exist",
                    "fix the path or add the JSON Schema",
                )
            )
    return issues
