"""`skrun build`, `inspect`, `verify`, `unpack`: thin commands over `skrun_build.bundle`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from skrun_build.cli._output import (
    echo,
    echo_issues,
    echo_warning,
    one_line,
    plural,
    relpath,
    style,
)
from skrun_build.errors import ValidationFailed
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.bundle.reader import Limits

_CTX = {"help_option_names": ["-h", "--help"]}
_PATH = click.Path(path_type=Path)


def _limit_options(command: Callable[..., int]) -> Callable[..., int]:
    """`--max-unpacked-size` and `--max-members`: how much a bundle may hold when read."""
    command = click.option(
        "--max-members",
        type=click.IntRange(min=1),
        default=100_000,
        show_default=True,
        metavar="N",
        help="Refuse a bundle of more members (decided from the headers).",
    )(command)
    return click.option(
        "--max-unpacked-size",
        default="1GiB",
        show_default=True,
        metavar="SIZE",
        help="Refuse a bundle whose members add up to more (e.g. 2GiB), before reading them.",
    )(command)


def _limits(max_unpacked_size: str, max_members: int) -> Limits:
    from skrun_build.bundle.format import parse_size
    from skrun_build.bundle.reader import Limits

    return Limits(parse_size(max_unpacked_size), max_members)


@click.command("build", context_settings=_CTX)
@click.argument("directory", required=False, type=_PATH, default=Path("."))
@click.option("-o", "--output", type=_PATH, help="Write the bundle here (created if missing).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["agent", "skill"]),
    default="agent",
    show_default=True,
    help="agent: <slug>-<version>.agent; skill: <name>.skill zip for claude.ai upload.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Print the source files that would be packed (no build, no validation).",
)
@click.option(
    "--explain",
    metavar="PATH",
    help="Name the rule that includes or excludes PATH (relative to the current directory).",
)
@click.option(
    "--max-size",
    default="50MiB",
    show_default=True,
    metavar="SIZE",
    help="Fail when the bundle would be larger (e.g. 20MiB, 500KiB).",
)
@click.option(
    "--allow-secret",
    "allow",
    multiple=True,
    metavar="PATTERN",
    help="Pack files matching PATTERN (gitignore syntax) even if they look like credentials.",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Treat validation warnings as errors (default: from [tool.skrun], else off).",
)
@click.option(
    "--no-config", is_flag=True, help="Ignore [tool.skrun] in pyproject.toml and .skrun.toml."
)
def build(
    directory: Path,
    output: Path | None,
    fmt: str,
    as_json: bool,
    list_only: bool,
    explain: str | None,
    max_size: str,
    allow: tuple[str, ...],
    strict: bool | None,
    no_config: bool,
) -> int:
    """Validate DIR (default: .) and build a reproducible bundle from it.

    \b
    \b
    Writes <slug>-<version>.agent into DIR, or into --output. Excluded: the
    Skrun defaults (node_modules, .git, dist, .env, __pycache__, venv, ...),
    every dot-name, *.secret, *.agent, .gitignore and .skrunignore rules.
    Format, rules and secret guard: docs/bundle-format.md.
    Exit codes: 0 built, 1 invalid agent or refused build (or --explain PATH
    does not exist), 2 usage error. With --json, a failed build prints
    {"ok": false, "error": {...}, "issues": [...]} on stdout too.
    """
    try:
        return _build(
            directory, output, fmt, as_json, list_only, explain, max_size, allow, strict, no_config
        )
    except Exception as e:
        if as_json and not (explain is not None or list_only):
            # A script reading stdout gets a document on failure too; the error line
            # and the exit code stay those of the failure.
            echo(json.dumps(_failure(e), ensure_ascii=False, sort_keys=True))
        raise


def _build(
    directory: Path,
    output: Path | None,
    fmt: str,
    as_json: bool,
    list_only: bool,
    explain: str | None,
    max_size: str,
    allow: tuple[str, ...],
    strict: bool | None,
    no_config: bool,
) -> int:
    from skrun_build.bundle.build import build_bundle, list_files
    from skrun_build.bundle.build import explain as explain_path
    from skrun_build.bundle.format import Format, parse_size

    fmt_: Format = "skill" if fmt == "skill" else "agent"
    if explain is not None:
        # PATH is relative to the current directory, like every path argument.
        verdict = explain_path(
            directory, explain, output, format=fmt_, base=Path.cwd(), warn=echo_warning
        )
        if as_json:
            import dataclasses

            echo(json.dumps(dataclasses.asdict(verdict), ensure_ascii=False))
            return 0 if verdict.exists else 1
        line = verdict.describe()
        if not verdict.exists:
            line = f"{verdict.path}: does not exist; a file there would be {verdict.reason()}"
        elif verdict.required and not verdict.included:
            line += f"; a build refuses this: the bundle needs it ({verdict.required})"
        echo(one_line(line))
        return 0 if verdict.exists else 1
    if list_only:
        files = list_files(directory, output, format=fmt_, warn=echo_warning)
        if as_json:
            echo(json.dumps([f.rel for f in files], ensure_ascii=False))
        else:
            for f in files:
                echo(one_line(f.rel))
        return 0
    limit = parse_size(max_size)
    # The validator's settings come from [tool.skrun] as for `skrun validate`.
    from skrun_build.cli.validate_cmd import find_checked_config, suppressions
    from skrun_build.config import Config

    config = Config() if no_config else find_checked_config(directory)
    try:
        result = build_bundle(
            directory,
            output,
            format=fmt_,
            max_size=limit,
            allow_secrets=allow,
            strict=config.strict if strict is None else strict,
            select=config.select,
            ignore=config.ignore,
            suppress=suppressions(config),
        )
    except ValidationFailed as e:
        _print_issues(e.issues)
        raise
    _print_issues(result.issues)
    for warning in result.warnings:
        echo_warning(_relative(warning))
    if as_json:
        echo(json.dumps({"ok": True, **result.to_dict()}, ensure_ascii=False, sort_keys=True))
        return 0
    from skrun_build.fsutil import human_size

    echo(f"{style('Built', fg='green', bold=True)} {_shown(result.path)}")
    echo(f"  files   {result.files}")
    size = human_size(result.size)
    exact = "" if size.endswith(" B") else f" ({result.size} bytes)"
    echo(f"  size    {size}{exact}")
    echo(f"  sha256  {result.sha256}")
    return 0


def _failure(e: Exception) -> dict[str, object]:
    """The `build --json` document of a failed build: the error and any issues."""
    from skrun_build.errors import SkrunError, exit_code_for

    if isinstance(e, SkrunError):
        error: dict[str, object] = {
            "message": e.message,
            "path": e.path,
            "line": e.line,
            "hint": e.hint,
        }
    else:
        error = {"message": f"internal error: {type(e).__name__}: {e}", "path": None}
        error.update(line=None, hint="this is a bug in skrun-build; please report it")
    error["exit_code"] = exit_code_for(e)
    issues = e.issues if isinstance(e, ValidationFailed) else []
    return {"ok": False, "error": error, "issues": [i.to_dict() for i in issues]}


@click.command("inspect", context_settings=_CTX)
@click.argument("bundle", type=_PATH)
@click.option("--json", "as_json", is_flag=True, help="Print everything as one JSON document.")
@_limit_options
def inspect(bundle: Path, as_json: bool, max_unpacked_size: str, max_members: int) -> int:
    """List BUNDLE's members (mode, size, sha256), config snapshot and dependency manifest."""
    from skrun_build.bundle.verify import inspect_bundle

    result = inspect_bundle(bundle, _limits(max_unpacked_size, max_members))
    if as_json:
        echo(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True, indent=2))
        return 0
    width = max((len(str(m.size)) for m in result.members), default=1)
    for m in result.members:
        # A member name is the bundle author's text: a newline or an ANSI escape in it
        # must not forge output lines or drive the terminal.
        echo(f"{m.mode:04o}  {m.size:>{width}}  {m.sha256}  {one_line(m.name)}")
    total = sum(m.size for m in result.members)
    echo(f"{plural(len(result.members), 'member')}, {plural(total, 'byte')}")
    if result.manifest is None:
        echo("dependencies: none")
    else:
        lock = f" + {result.lockfile}" if result.lockfile else " (no lockfile)"
        echo(f"dependencies: {result.manifest}{lock}")
    if result.format == "skill":
        echo("config: none (a .skill zip holds no config snapshot)")
        return 0
    if result.snapshot is None:
        echo("config: none (no .skrun/config.json)")
        return 0
    echo("config (.skrun/config.json):")
    text = json.dumps(result.snapshot, sort_keys=True, indent=2, ensure_ascii=False)
    for line in text.splitlines():
        echo("  " + line)
    return 0


@click.command("verify", context_settings=_CTX)
@click.argument("bundle", type=_PATH)
@click.option("--source", type=_PATH, help="Also rebuild this source directory and compare.")
@_limit_options
def verify(bundle: Path, source: Path | None, max_unpacked_size: str, max_members: int) -> int:
    """Check every member of BUNDLE against its record (and against --source).

    Exit codes: 0 everything matches, 1 a member differs (each is listed).
    """
    from skrun_build.bundle.verify import verify_bundle

    try:
        result = verify_bundle(bundle, source, _limits(max_unpacked_size, max_members))
    except ValidationFailed as e:
        # --source rebuilds: say which lines of the source fail, as `skrun build` does.
        _print_issues(e.issues)
        raise
    if result.ok:
        members = plural(result.checked, "member")
        matches = "matches" if result.checked == 1 else "match"
        if result.format == "skill":
            what = (
                f"{matches} the source"
                if source is not None
                else "read back intact (a .skill has no record: --source DIR compares it)"
            )
        else:
            what = f"{matches} the record" + (" and the source" if source is not None else "")
        echo(f"OK {_shown(bundle)}: {members} {what}")
        return 0
    for problem in result.problems:
        echo(one_line(problem))
    echo(f"FAILED {_shown(bundle)}: {len(result.problems)} member(s) differ", err=True)
    return 1


@click.command("unpack", context_settings=_CTX)
@click.argument("bundle", type=_PATH)
@click.argument("directory", type=_PATH)
@_limit_options
def unpack(bundle: Path, directory: Path, max_unpacked_size: str, max_members: int) -> int:
    """Extract BUNDLE into DIRECTORY (absent or empty) after checking every member."""
    from skrun_build.bundle.verify import unpack_bundle

    names = unpack_bundle(bundle, directory, _limits(max_unpacked_size, max_members))
    echo(f"Unpacked {plural(len(names), 'file')} into {_shown(directory)}")
    return 0


def _shown(path: Path) -> str:
    return relpath(str(path), os.getcwd())


def _print_issues(issues: Sequence[Issue]) -> None:
    """Validation issues on stderr, each line exactly as `skrun validate` prints it."""
    echo_issues(issues, err=True)


def _relative(line: str) -> str:
    # Issues carry absolute paths when the user gave one; show them like `skrun validate`.
    cwd = os.getcwd().rstrip(os.sep) + os.sep
    return line[len(cwd) :] if line.startswith(cwd) else line
