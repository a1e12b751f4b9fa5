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
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.config import Config

FORMATS = ("text", "json", "github")


@click.command("validate", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: file:line:col lines; json: one document; github: Actions annotations.",
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
@click.option("-q", "--quiet", is_flag=True, help="Text format: no summary line.")
def validate(
    paths: tuple[str, ...],
    output_format: str,
    strict: bool | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_config: bool,
    quiet: bool,
) -> int:
    """Check the SKILL.md, agent.yaml and artifact.json files at PATH (default: .).

    \b
    PATH is a skill or agent directory, one of those files, or a tree to
    search (.git, node_modules, virtualenvs and dot-directories are skipped;
    the search stops at each skill folder and never follows a link out of PATH).
    Settings come from [tool.skrun] in the nearest pyproject.toml or
    .skrun.toml above each PATH (keys: select, ignore, strict, max-body-lines,
    max-body-tokens); flags given here replace them. Notes (level "note")
    are informational: they never fail a run, not even with --strict.
    Exit codes: 0 no errors, 1 errors found (an unreadable folder, or nothing
    to check, is one), 2 usage error.
    """
    report = run_validate(
        paths or (".",),
        strict=strict,
        select=select,
        ignore=ignore,
        use_config=not no_config,
    )
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
    return config


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
