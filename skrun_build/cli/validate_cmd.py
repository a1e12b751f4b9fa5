"""`skrun validate`: check skills and agents, print every issue, exit 0 clean / 1 errors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from skrun_build.checks.run import Report, check_paths
from skrun_build.cli._output import (
    echo,
    issue_text,
    json_text,
    plural,
    relative_issue,
    relpath,
)
from skrun_build.config import TARGETS
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.suppress import Suppressions
    from skrun_build.config import Config

FORMATS = ("text", "json", "github", "sarif")


@click.command("validate", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help=(
        "text: file:line:col lines; json: one document; github: Actions annotations; "
        "sarif: SARIF 2.1.0 for code scanning."
    ),
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Turn warnings into errors (default: from the config, else off).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Report only these codes or prefixes (SK012, SK0, AG); repeat or comma-separate.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Never report these codes or prefixes; the more specific of select/ignore wins.",
)
@click.option(
    "--no-config",
    is_flag=True,
    help="Ignore [tool.skrun] in pyproject.toml and .skrun.toml.",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Whose rules apply: generic (the Agent Skills spec; default, else from the config), "
    "claude-code (its own keys recognised and checked) or codex.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Rewrite SKILL.md files with the safe fixes (quoting, allowed-tools, metadata, "
    "final newline), then report what is left.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the safe fixes as a unified diff and write nothing; exit 1 if there are any.",
)
@click.option(
    "--no-inline-ignores",
    is_flag=True,
    help="Disregard skrun-ignore comments in the files (CI); per-file-ignores still apply.",
)
@click.option("-q", "--quiet", is_flag=True, help="Text format: no summary line.")
def validate(
    paths: tuple[str, ...],
    output_format: str,
    strict: bool | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_config: bool,
    target: str | None,
    fix: bool,
    diff: bool,
    no_inline_ignores: bool,
    quiet: bool,
) -> int:
    """Check the SKILL.md, agent.yaml and artifact.json files at PATH (default: .).

    \b
    PATH is a skill or agent directory, one of those files, or a tree to
    search (.git, node_modules, virtualenvs and dot-directories are skipped;
    the search stops at each skill folder and never follows a link out of PATH).
    Settings come from [tool.skrun] in the nearest pyproject.toml or
    .skrun.toml above each PATH (keys: select, ignore, strict, target,
    per-file-ignores, max-body-lines, max-body-tokens); flags given here replace
    them. A `skrun-ignore CODES` comment silences those codes on its line (alone
    on a line: the next one). Notes (level "note") are informational: they never
    fail a run, not even with --strict.
    --fix rewrites only what keeps the meaning, atomically, keeping line endings
    and a BOM; --diff shows the same changes and writes nothing.
    Exit codes: 0 no errors, 1 errors found (an unreadable folder, or nothing
    to check, is one; with --diff: changes to make), 2 usage error.
    """
    if fix or diff:
        from skrun_build.cli.fix_output import apply_fixes

        changed = apply_fixes(paths or (".",), diff=diff)
        if diff:
            return 1 if changed else 0
    report = run_validate(
        paths or (".",),
        strict=strict,
        select=select,
        ignore=ignore,
        use_config=not no_config,
        target=target,
        inline_ignores=not no_inline_ignores,
    )
    if output_format == "sarif":
        from skrun_build.cli.sarif import sarif_document

        echo(json_text(sarif_document(report.issues, os.getcwd()), indent=2))
        return 1 if report.errors else 0
    cwd = os.getcwd()
    issues = [_printable_issue(relative_issue(i, cwd)) for i in report.issues]
    files = [printable(relpath(f, cwd)) for f in report.files]
    if output_format == "json":
        _print_json(issues, files, report)
    elif output_format == "github":
        for issue in issues:
            echo(_github(issue))
        echo(_summary(report), err=True)
    else:
        for issue in issues:
            echo(issue_text(issue))
        if not quiet:
            echo(_summary(report))
    return 1 if report.errors else 0


def run_validate(
    paths: Sequence[str],
    *,
    strict: bool | None,
    select: Sequence[str],
    ignore: Sequence[str],
    use_config: bool,
    target: str | None = None,
    inline_ignores: bool = True,
) -> Report:
    """Validate each path with the config found above it, flags overriding; one report."""
    from skrun_build.checks.budget import Limits
    from skrun_build.config import Config

    total = Report()
    for path in paths:
        config = find_checked_config(path) if use_config else Config()
        report = check_paths(
            [path],
            strict=config.strict if strict is None else strict,
            select=select or config.select,
            ignore=ignore or config.ignore,
            target=target or config.target or "generic",
            suppress=suppressions(config, inline=inline_ignores),
            limits=Limits(config.max_body_lines, config.max_body_tokens),
        )
        total.files += report.files
        total.issues += report.issues
    # Paths may overlap (`skrun validate . SKILL.md`): keep each file and issue once, in order.
    total.files = list(dict.fromkeys(total.files))
    total.issues = list(dict.fromkeys(total.issues))
    return total


def find_checked_config(path: str | os.PathLike[str]) -> Config:
    """`find_config(path)` with its rule codes checked, as soon as the file is read.

    An unknown code in the file must name the file (`ConfigError`, exit 1), never pass
    for a bad --select/--ignore flag (exit 2).
    """
    from skrun_build.checks.select import Selection
    from skrun_build.config import find_config
    from skrun_build.errors import ConfigError, UsageError

    config = find_config(path)
    labels = (config.key("select"), config.key("ignore"))
    try:
        Selection.parse(config.select, config.ignore, labels=labels)
    except UsageError as e:
        raise ConfigError(e.message, path=config.path, hint=e.hint) from e
    from skrun_build.config import PER_FILE, key_line

    for pattern, codes in config.per_file_ignores:
        label = f"{config.key(PER_FILE)}.{pattern!r}"
        try:
            Selection.parse(codes, (), labels=(label, label))
        except UsageError as e:
            assert config.path is not None  # per-file ignores come from a file
            line = key_line(config.path, PER_FILE, pattern)
            raise ConfigError(e.message, path=config.path, line=line, hint=e.hint) from e
    return config


def suppressions(config: Config, *, inline: bool = True) -> Suppressions:
    """What may silence an issue under `config`: comments (if `inline`), per-file ignores."""
    from skrun_build.checks.suppress import Suppressions

    root = None if config.path is None else os.path.dirname(os.path.abspath(config.path))
    return Suppressions(inline=inline, per_file=config.per_file_ignores, root=root)


def printable(text: str) -> str:
    """`text` encodable as UTF-8: a file name's undecodable bytes shown as `\\xff`.

    os.fsdecode keeps bytes that are not UTF-8 as lone surrogates, which a strict
    UTF-8 stream (and JSON readers) refuse.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that no undecodable byte stands for
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
    return text


def _printable_issue(issue: Issue) -> Issue:
    fields = (issue.file, issue.message, issue.hint or "")
    if all(printable(f) is f for f in fields):
        return issue
    import dataclasses

    hint = None if issue.hint is None else printable(issue.hint)
    return dataclasses.replace(
        issue, file=printable(issue.file), message=printable(issue.message), hint=hint
    )


def _summary(report: Report) -> str:
    checked = plural(len(report.files), "file") + " checked"
    if not report.issues:
        return f"{checked}: no issues."
    text = f"{checked}: {plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}"
    if report.notes:  # informational: named only when there are some
        text += f", {plural(report.notes, 'note')}"
    return text + "."


def _print_json(issues: list[Issue], files: list[str], report: Report) -> None:
    document = {
        "version": 1,
        "files": files,
        "issues": [i.to_dict() for i in issues],
        "summary": {
            "files": len(files),
            "errors": report.errors,
            "warnings": report.warnings,
            "notes": report.notes,
        },
    }
    echo(json_text(document, indent=2))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(issue: Issue) -> str:
    """One GitHub Actions workflow command (`::error file=...,line=...::message`)."""
    props = [f"file={_escape_property(issue.file)}"]
    if issue.line:
        props.append(f"line={issue.line}")
        if issue.col:
            props.append(f"col={issue.col}")
    props.append(f"title={_escape_property(issue.code)}")
    message = issue.message + (f" ({issue.hint})" if issue.hint else "")
    command = "notice" if issue.level == "note" else issue.level  # GitHub's name for a note
    return f"::{command} {','.join(props)}::{_escape_data(message)}"
