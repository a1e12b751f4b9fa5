"""`skrun build`, `inspect`, `verify`, `unpack`: thin commands over `skrun_build.bundle`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from skrun_build.cli._output import (
    echo,
    echo_issues,
    echo_warning,
    json_text,
    one_line,
    plural,
    relpath,
    style,
)
from skrun_build.config import TARGETS
from skrun_build.errors import UsageError, ValidationFailed
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.bundle.format import Format
    from skrun_build.bundle.reader import Limits
    from skrun_build.config import Config

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
    from skrun_build.bundle.reader import Limits
    from skrun_build.fsutil import parse_size

    return Limits(parse_size(max_unpacked_size), max_members)


@click.command("build", context_settings=_CTX)
@click.argument("paths", nargs=-1, type=_PATH, metavar="[PATH]...")
@click.option("-o", "--output", type=_PATH, help="Write the bundle here (created if missing).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["agent", "skill"]),
    default=None,
    help="agent (default): <slug>-<version>.agent; skill: <name>.skill zip for claude.ai upload.",
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
    default=None,
    metavar="SIZE",
    help="Fail when the bundle would be larger (e.g. 20MiB, 500KiB; default 50MiB).",
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
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 1024),
    default=None,
    help="Targets built at once in a tree build, or threads compressing one bundle "
    "(default: the CPUs available).",
)
@click.option(
    "--manifest",
    type=_PATH,
    metavar="FILE",
    help="Write a JSON manifest of every target (and FILE's .sha256 checksums); "
    "targets it lists unchanged are not rebuilt.",
)
@click.option("--force", is_flag=True, help="Rebuild targets the manifest says are up to date.")
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Whose rules the validation applies, as for `skrun validate` (default: from the "
    "config, else generic).",
)
def build(
    paths: tuple[Path, ...],
    output: Path | None,
    fmt: str,
    as_json: bool,
    list_only: bool,
    explain: str | None,
    max_size: str | None,
    allow: tuple[str, ...],
    strict: bool | None,
    no_config: bool,
    jobs: int | None,
    manifest: Path | None,
    force: bool,
    target: str | None,
) -> int:
    """Validate DIR (default: .) and build a reproducible bundle from it.

    \b
    \b
    Writes <slug>-<version>.agent into DIR, or into --output. Excluded: the
    Skrun defaults (node_modules, .git, dist, .env, __pycache__, venv, ...),
    every dot-name, *.secret, *.agent, .gitignore and .skrunignore rules.
    Format, rules and secret guard: docs/bundle-format.md.
    Exit codes: 0 built, 1 invalid agent or refused build (or --explain PATH
    does not exist), 2 usage error. With --json, a failed build or --list prints
    {"ok": false, "error": {...}, "issues": [...]} on stdout too.

    \b
    Several PATHs, or one folder holding several agents: a tree build, each
    target in parallel (-j), a line per target and a total, exit 1 if any
    failed; --manifest FILE records them and skips unchanged ones next time
    (docs/ci.md). Defaults come from [tool.skrun.build]; flags override them.
    """
    from skrun_build.cli._tree import TreeSettings, build_tree_cli, merge_settings, target_search
    from skrun_build.cli.validate_cmd import find_checked_config
    from skrun_build.config import Config

    tree = False
    try:
        config = Config() if no_config else find_checked_config(paths[0] if paths else Path("."))
        if not paths and config.build.targets:
            from skrun_build.cli._tree import expand_targets

            paths, tree = tuple(expand_targets(config)), True
        fmt_, output, limit, allow = merge_settings(
            config.build, fmt=fmt, output=output, max_size=max_size, allow=allow
        )
        paths = paths or (Path("."),)
        found = None
        if tree or manifest is not None or len(paths) > 1:
            tree = True
        else:
            found = target_search(paths, fmt_)
            tree = found is not None
        if tree:
            if explain is not None or list_only:
                raise UsageError(
                    "--list and --explain take one agent folder, not a tree",
                    hint="pass the agent's own folder",
                )
            settings = TreeSettings(
                fmt_,
                output,
                limit,
                allow,
                config.build.exclude,
                strict,
                no_config,
                jobs or config.build.jobs,
                manifest,
                force,
                as_json,
                target,
            )
            return build_tree_cli(paths, found, settings)
        return _build(
            paths[0],
            output,
            fmt_,
            as_json,
            list_only,
            explain,
            limit,
            allow,
            strict,
            config,
            jobs or config.build.jobs or 0,
            target,
        )
    except Exception as e:
        if as_json and explain is None:
            # A script reading stdout gets a document on failure too; the error line
            # and the exit code stay those of the failure.
            echo(json_text(_failure(e), sort_keys=True))
        raise


def _build(
    directory: Path,
    output: Path | None,
    fmt_: Format,
    as_json: bool,
    list_only: bool,
    explain: str | None,
    limit: int,
    allow: tuple[str, ...],
    strict: bool | None,
    config: Config,
    workers: int,
    target: str | None,
) -> int:
    from skrun_build.bundle.build import build_bundle, list_files
    from skrun_build.bundle.build import explain as explain_path

    exclude = config.build.exclude
    if explain is not None:
        # PATH is relative to the current directory, like every path argument.
        verdict = explain_path(
            directory,
            explain,
            output,
            format=fmt_,
            base=Path.cwd(),
            warn=echo_warning,
            exclude=exclude,
        )
        if as_json:
            import dataclasses

            echo(json_text(dataclasses.asdict(verdict)))
            return 0 if verdict.exists else 1
        line = verdict.describe()
        if not verdict.exists:
            line = f"{verdict.path}: does not exist; a file there would be {verdict.reason()}"
        elif verdict.required and not verdict.included:
            line += f"; a build refuses this: the bundle needs it ({verdict.required})"
        echo(one_line(line))
        return 0 if verdict.exists else 1
    if list_only:
        files = list_files(directory, output, format=fmt_, warn=echo_warning, exclude=exclude)
        if as_json:
            echo(json_text([f.rel for f in files]))
        else:
            for f in files:
                echo(one_line(f.rel))
        return 0
    # The validator's settings come from [tool.skrun] as for `skrun validate`.
    from skrun_build.checks.budget import Limits
    from skrun_build.cli.validate_cmd import suppressions

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
            exclude=exclude,
            workers=workers,
            suppress=suppressions(config),
            target=target or config.target or "generic",
            limits=Limits(config.max_body_lines, config.max_body_tokens),
        )
    except ValidationFailed as e:
        _print_issues(e.issues)
        raise
    _print_issues(result.issues)
    for warning in result.warnings:
        echo_warning(_relative(warning))
    if as_json:
        echo(json_text({"ok": True, **result.to_dict()}, sort_keys=True))
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
        echo(json_text(result.to_dict(), sort_keys=True, indent=2))
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
    text = json_text(result.snapshot, sort_keys=True, indent=2)
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
    n = len(result.problems)
    differ = "differs" if n == 1 else "differ"
    echo(f"FAILED {_shown(bundle)}: {plural(n, 'member')} {differ}", err=True)
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
