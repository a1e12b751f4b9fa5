"""`skrun skill new|build|run|install-local|list|show`: executable skills (artifact.json).

Thin commands over `skrun_build.skills`; see docs/skills.md. Every failure is a
`SkrunError` that `cli.main` turns into one message and exit 1 (2 for usage).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from skrun_build.cli._output import (
    echo,
    echo_issues,
    echo_warning,
    json_text,
    relpath,
    stdin_is_tty,
)
from skrun_build.errors import InputError, UsageError, ValidationFailed

_CTX = {"help_option_names": ["-h", "--help"]}
_KINDS = ("python_uv", "rust_binary", "markdown")


@click.group("skill", context_settings=_CTX)
def skill() -> None:
    """Executable skills (artifact.json): new, build, run, install-local, list, show.

    \b
    Installed skills live in --root, else $SKRUN_SKILLS_DIR, else ~/.skrun/skills.
    Exit codes: 0 ok, 1 the skill is invalid or its run failed (timeout, non-zero
    exit, output not a JSON object, schema mismatch, not built), 2 usage error.
    """


@contextmanager
def _issues_shown() -> Iterator[None]:
    # A bad artifact.json: the same lines `skrun validate` prints, then the one-line error.
    try:
        yield
    except ValidationFailed as exc:
        echo_issues(exc.issues, err=True)
        raise


# Every subcommand that looks up installed skills takes the same --root.
_ROOT = click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where installed skills live.",
)


@skill.command("new", context_settings=_CTX)
@click.option("--kind", type=click.Choice(_KINDS), required=True, help="What the skill is.")
@click.option("--id", "skill_id", required=True, help="Skill id: ASCII letters, digits, - and _.")
@click.option("--name", help="Display name (default: from --id, `rust-echo` -> `Rust Echo`).")
@click.option("--version", "version", default="0.1.0", show_default=True, help="Skill version.")
@click.option("--description", help="What the skill does and when to use it.")
@click.option("--force", is_flag=True, help="Write into a non-empty DIR.")
@click.option("--dry-run", is_flag=True, help="Print the files that would be written; write none.")
@click.argument("directory", type=click.Path(path_type=Path))
def new(
    kind: str,
    skill_id: str,
    name: str | None,
    version: str,
    description: str | None,
    force: bool,
    dry_run: bool,
    directory: Path,
) -> int:
    """Create a skill in DIR from a template; never prompts."""
    from skrun_build.cli.init_cmd import format_tree
    from skrun_build.skills.template import new_skill

    result = new_skill(
        directory,
        kind=kind,
        skill_id=skill_id,
        name=name,
        version=version,
        description=description,
        force=force,
        dry_run=dry_run,
    )
    for warning in result.warnings:
        echo_warning(warning)
    shown = relpath(str(result.target), os.getcwd())
    verb = "Would create" if dry_run else "Created"
    echo(f"{verb} {kind} skill {skill_id} in {shown}:")
    for line in format_tree(shown, result.files):
        echo(line)
    for note in result.notes:
        echo(f"note: {note}")
    return 0


@skill.command("build", context_settings=_CTX)
@click.option(
    "--target-dir",
    type=click.Path(path_type=Path),
    help="cargo's target dir (default: $SKRUN_SKILL_TARGET_DIR/<id> or ~/.cache/skrun/skill-targets/<id>).",
)
@click.argument("directory", type=click.Path(path_type=Path))
def build(target_dir: Path | None, directory: Path) -> int:
    """Build DIR: uv lock + uv sync --locked, or cargo build --release."""
    from skrun_build.skills.build import build_skill

    with _issues_shown():
        result = build_skill(directory, target_dir=target_dir)
    for issue in result.info.warnings:
        if issue.code == "AR010":
            continue  # "not built yet": read before the build that just made it
        echo_warning(f"{issue.location()}: {issue.code} {issue.message}")
    if result.nothing_to_build:
        echo(f"{result.info.id}: guidance-only skill (markdown), nothing to build")
        return 0
    for argv in result.commands:
        echo(f"ran: {' '.join([Path(argv[0]).name, *argv[1:]])}")
    entry = relpath(str(result.entry), os.getcwd()) if result.entry else ""
    echo(f"Built skill {result.info.id} ({result.info.kind}): {entry}")
    return 0


@skill.command("run", context_settings=_CTX)
@click.option("--input", "input_text", metavar="JSON", help="The input value (default: stdin).")
@click.option(
    "--input-file",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Read the input from this file ('-': stdin).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds before the skill's whole process group is killed.",
)
@_ROOT
@click.argument("target", metavar="DIR|ID")
def run(
    input_text: str | None,
    input_file: Path | None,
    timeout: float,
    root: Path | None,
    target: str,
) -> int:
    """Run a skill with one JSON input; print its JSON output.

    \b
    The input comes from --input, --input-file, or stdin (an empty stdin or a
    terminal means {}). It is checked against schema/input.json before the run;
    the output against schema/output.json after. The skill's stderr passes through.
    """
    from skrun_build.skills.locate import load_info, quick_spec, resolve
    from skrun_build.skills.run import call, prepare, prepare_spec

    value, what = _read_input(input_text, input_file)
    path = resolve(target, root)
    # A plainly valid artifact.json needs no pydantic (most of a small skill's run time);
    # anything doubtful goes through the full check, which locates the problem.
    spec = quick_spec(path)
    if spec is not None:
        prepared = prepare_spec(path, spec)
    else:
        with _issues_shown():
            prepared = prepare(load_info(path))

    def pass_through(chunk: bytes) -> None:
        # The skill's own diagnostics, as they come: bytes, not re-encoded.
        stream = sys.stderr
        buffer = getattr(stream, "buffer", None)
        stream.flush()
        if buffer is not None:
            buffer.write(chunk)
            buffer.flush()
        else:
            stream.write(chunk.decode("utf-8", "replace"))
            stream.flush()

    output = call(prepared, value, timeout=timeout, what=what, on_stderr=pass_through)

    echo(json_text(output, indent=2))
    return 0


def _read_input(text: str | None, file: Path | None) -> tuple[Any, str]:
    from skrun_build.skills.schema import parse_json

    if text is not None and file is not None:
        raise UsageError("--input and --input-file cannot be combined", hint="give one of them")
    if text is not None:
        what = "--input"
    elif file is not None and str(file) != "-":
        what = str(file)
        try:
            text = file.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except FileNotFoundError as e:  # a bad flag value: usage, as a missing argument is
            raise UsageError(
                f"--input-file {file}: no such file", hint="give an existing file, or - for stdin"
            ) from e
        except OSError as e:
            from skrun_build.errors import os_hint

            raise InputError(f"cannot read: {e.strerror}", path=file, hint=os_hint(e)) from e
        except UnicodeDecodeError as e:
            raise InputError("not UTF-8", path=file, hint="save it as UTF-8") from e
    else:
        what = "stdin"
        text = "" if (file is None and stdin_is_tty()) else sys.stdin.read()
    assert text is not None
    if not text.strip():
        return {}, what
    try:
        return parse_json(text), what
    except ValueError:
        pass  # the located loader says where
    from skrun_build.formats.jsonloc import JsonError, load_json

    try:
        return load_json(text, file=what).data, what
    except JsonError as e:
        raise InputError(
            f"{what}:{e.line}:{e.col}: {e.message}", hint=e.hint or "give one JSON value"
        ) from e


@skill.command("install-local", context_settings=_CTX)
@_ROOT
@click.option("--id", "skill_id", help="Install under this id (default: the skill's own).")
@click.option("--overwrite", is_flag=True, help="Replace an installed skill of the same id.")
@click.argument("directory", type=click.Path(path_type=Path))
def install_local(root: Path | None, skill_id: str | None, overwrite: bool, directory: Path) -> int:
    """Validate DIR and copy it into the skills root, replacing atomically."""
    from skrun_build.skills.install import install_local as install

    with _issues_shown():
        result = install(directory, root=root, skill_id=skill_id, overwrite=overwrite)
    for issue in result.warnings:
        echo_warning(f"{issue.location()}: {issue.code} {issue.message}")
    verb = "Replaced" if result.replaced else "Installed"
    echo(
        f"{verb} skill {result.target.name} ({result.info.kind}) in {result.target}"
        f" ({len(result.files)} files)"
    )
    return 0


_FORMAT = click.Choice(("text", "json"))


@skill.command("list", context_settings=_CTX)
@_ROOT
@click.option("--format", "fmt", type=_FORMAT, default="text", show_default=True)
def list_(root: Path | None, fmt: str) -> int:
    """List installed skills; a broken one is shown with the reason."""
    from skrun_build.skills.locate import list_skills

    found = list_skills(root)
    if fmt == "json":
        rows: list[dict[str, Any]] = []
        for item in found:
            row: dict[str, Any] = (
                item.info.as_json() if item.info else {"id": item.dir_name, "path": str(item.path)}
            )
            row["problem"] = item.problem
            rows.append(row)
        echo(json_text(rows, indent=2))
        return 0
    for item in found:
        if item.info is not None and item.problem is None:
            i = item.info
            echo(f"{i.id}\t{i.kind}\t{i.version}\t{i.name}")
        else:
            echo(f"{item.dir_name}\tbroken\t-\t{item.problem}")
    return 0


@skill.command("show", context_settings=_CTX)
@_ROOT
@click.option("--format", "fmt", type=_FORMAT, default="text", show_default=True)
@click.argument("target", metavar="ID|DIR")
def show(root: Path | None, fmt: str, target: str) -> int:
    """Show one skill: id, kind, version, name, entry, schemas, path."""
    from skrun_build.skills.locate import load_info, resolve

    with _issues_shown():
        info = load_info(resolve(target, root))
    data = info.as_json()
    if fmt == "json":
        echo(json_text(data, indent=2))
        return 0
    for key in ("id", "kind", "version", "name", "description", "entry", "path"):
        if data.get(key) is not None:
            echo(f"{key}: {data[key]}")
    schema = data.get("schema") or {}
    for side in ("input", "output"):
        if schema.get(side):
            echo(f"schema.{side}: {schema[side]}")
    return 0
