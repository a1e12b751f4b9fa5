"""`skrun init`: scaffold from a template, or write agent.yaml for an existing skill."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from skrun_build.cli._output import (
    echo,
    echo_issues,
    echo_warning,
    plural,
    relpath,
    stdin_is_tty,
)
from skrun_build.errors import UsageError
from skrun_build.scaffolding.templates import TEMPLATES


@click.command("init", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "-t",
    "--template",
    type=click.Choice(TEMPLATES),
    default=None,
    help="Template to render (default: agent).",
)
@click.option("--name", help="Skill name; must equal DIR's name (SKILL.md requires it).")
@click.option("--description", help="What the skill does and when to use it.")
@click.option("--model", help="provider/name (default: anthropic/claude-sonnet-4-5).")
@click.option("--namespace", help="Agent namespace, ^[a-z0-9-]+$ (default: local).")
@click.option("--tool", help="Tool name of agent-python/agent-node/skill (default: from --name).")
@click.option(
    "--from-skill",
    "from_skill",
    type=click.Path(path_type=Path),
    help="Write agent.yaml for this existing Agent Skill folder.",
)
@click.option(
    "--into",
    type=click.Path(path_type=Path),
    help="With --from-skill: copy the skill here and write agent.yaml into the copy.",
)
@click.option("--input", "inputs", multiple=True, metavar="NAME:TYPE", help="Agent input.")
@click.option("--output", "outputs", multiple=True, metavar="NAME:TYPE", help="Agent output.")
@click.option("--allowed-host", "hosts", multiple=True, metavar="HOST", help="Network host.")
@click.option("--force", is_flag=True, help="Write into a non-empty DIR / replace agent.yaml.")
@click.option("--dry-run", is_flag=True, help="Print the files that would be written; write none.")
def init(
    directory: Path | None,
    template: str | None,
    name: str | None,
    description: str | None,
    model: str | None,
    namespace: str | None,
    tool: str | None,
    from_skill: Path | None,
    into: Path | None,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    hosts: tuple[str, ...],
    force: bool,
    dry_run: bool,
) -> int:
    """Scaffold a skill or agent in DIR (default: the current directory).

    \b
    Templates: agent, agent-python, agent-node, skill.
    With --from-skill PATH, write agent.yaml for an existing Agent Skill,
    in place or into a copy (--into DIR); SKILL.md is never modified.
    Prompts only when stdin is a terminal; otherwise uses the defaults.
    --force: write into a non-empty DIR (files of the same name are
    replaced, others kept), or replace an existing agent.yaml.
    """
    if from_skill is not None:
        clash = [
            flag
            for flag, value in (
                ("DIR", directory),
                ("--template", template),
                ("--name", name),
                ("--description", description),
                ("--tool", tool),
            )
            if value is not None
        ]
        if clash:
            raise UsageError(
                f"--from-skill cannot be combined with {', '.join(clash)}",
                hint="the skill's SKILL.md gives its name and description; use --into for a copy",
            )
        return _from_skill(
            from_skill, into, namespace, model, inputs, outputs, hosts, force, dry_run
        )
    stray = [
        flag
        for flag, value in (
            ("--into", into),
            ("--input", inputs),
            ("--output", outputs),
            ("--allowed-host", hosts),
        )
        if value
    ]
    if stray:
        raise UsageError(
            f"{', '.join(stray)} only work with --from-skill",
            hint="add --from-skill PATH, or drop them to scaffold from a template",
        )
    return _from_template(
        directory, template, name, description, model, namespace, tool, force, dry_run
    )


def _from_template(
    directory: Path | None,
    template: str | None,
    name: str | None,
    description: str | None,
    model: str | None,
    namespace: str | None,
    tool: str | None,
    force: bool,
    dry_run: bool,
) -> int:
    from skrun_build.scaffolding import templates as tpl
    from skrun_build.scaffolding import values as checks

    target = Path(os.path.abspath(directory if directory is not None else "."))
    template = template or tpl.DEFAULT_TEMPLATE
    # The name is the directory's (SKILL.md requires it): checked before any prompt.
    name = tpl.skill_name_for(target, name)
    if stdin_is_tty():
        description = description or _ask(
            "Description", tpl.default_description(name, template), _check_description
        )
        if template != "skill":
            model = model or _ask("Model (provider/name)", tpl.DEFAULT_MODEL, checks.parse_model)
            namespace = namespace or _ask(
                "Namespace", tpl.DEFAULT_NAMESPACE, checks.check_namespace
            )
    result = tpl.scaffold(
        template,
        target,
        name=name,
        description=description,
        model=model,
        namespace=namespace,
        tool=tool,
        force=force,
        dry_run=dry_run,
    )
    for warning in result.warnings:
        echo_warning(warning)
    what = "skill" if template == "skill" else f"agent {result.values['agent_name']}"
    verb = "Would create" if dry_run else "Created"
    shown = relpath(str(target), os.getcwd())
    echo(f"{verb} {what} in {shown} (template {template}):")
    for line in format_tree(shown, result.files):
        echo(line)
    for note in result.notes:
        echo(f"note: {note}")
    if not dry_run:
        # A plain skill has no agent.yaml: it packs as a .skill zip, not an .agent bundle.
        build = "skrun build --format skill" if template == "skill" else "skrun build"
        echo(f"Next: skrun validate --strict {shown} && {build} {shown}")
    return 0


def _from_skill(
    source: Path,
    into: Path | None,
    namespace: str | None,
    model: str | None,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    hosts: tuple[str, ...],
    force: bool,
    dry_run: bool,
) -> int:
    from skrun_build.errors import ValidationFailed
    from skrun_build.scaffolding import templates as tpl
    from skrun_build.scaffolding import values as checks
    from skrun_build.scaffolding.importer import import_skill

    if stdin_is_tty():
        namespace = namespace or _ask("Namespace", tpl.DEFAULT_NAMESPACE, checks.check_namespace)
        model = model or _ask("Model (provider/name)", tpl.DEFAULT_MODEL, checks.parse_model)
    try:
        result = import_skill(
            source,
            into=into,
            namespace=namespace,
            model=model,
            inputs=inputs,
            outputs=outputs,
            allowed_hosts=hosts,
            force=force,
            dry_run=dry_run,
        )
    except ValidationFailed as exc:
        # Exactly the lines `skrun validate` prints for the same skill.
        echo_issues(exc.issues, err=True)
        raise
    cwd = os.getcwd()
    where = relpath(str(result.target), cwd)
    report = None
    if dry_run:
        echo_issues(result.issues, err=True)
    else:
        # The written agent as `skrun validate WHERE` sees it (config included), so every
        # warning the Next line's commands would meet is shown here first.
        from skrun_build.cli.validate_cmd import run_validate

        report = run_validate([where], strict=None, select=(), ignore=(), use_config=True)
        echo_issues(report.issues, err=True)
    for warning in result.warnings:
        echo_warning(warning)
    if into is None:
        verb = "Would write" if dry_run else "Wrote"
        echo(f"{verb} {where}/agent.yaml for agent {result.agent_name}")
    else:
        verb = "Would create" if dry_run else "Created"
        original = relpath(str(result.source), cwd)
        echo(f"{verb} agent {result.agent_name} in {where} (a copy of {original}):")
        for line in format_tree(where, result.files):
            echo(line)
    echo(f"tools: {', '.join(result.tools) if result.tools else '(none)'}")
    for note in result.notes:
        echo(f"note: {note}")
    if report is None:
        echo("--- agent.yaml")
        echo(result.agent_yaml.rstrip("\n"))
    elif report.errors:
        echo(
            f"Next: fix the {plural(report.errors, 'error')} above, then run:"
            f" skrun validate {where} && skrun build {where}"
        )
    elif report.warnings:
        echo(
            f"note: {plural(report.warnings, 'warning')} above: `skrun validate --strict` fails"
            " until they are fixed"
        )
        echo(f"Next: skrun validate {where} && skrun build {where}")
    else:
        echo(f"Next: skrun validate --strict {where} && skrun build {where}")
    return 0


def format_tree(root: str, files: list[str]) -> list[str]:
    """Indented file tree of `files` (relative POSIX paths) under `root`."""
    lines = [root.rstrip("/") + "/"]
    shown: set[str] = set()
    for rel in sorted(files):
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in shown:
                shown.add(folder)
                lines.append("  " * depth + parts[depth - 1] + "/")
        lines.append("  " * len(parts) + parts[-1])
    return lines


def _check_description(text: str) -> str:
    from skrun_build.scaffolding import values as checks

    return checks.check_description(text, [])


def _ask(label: str, default: str, check: Callable[[str], Any]) -> str:
    def proc(value: str) -> str:
        try:
            check(value)
        except UsageError as exc:
            # click re-prompts on BadParameter and shows its message.
            raise click.BadParameter(str(exc)) from exc
        return value

    answer: str = click.prompt(label, default=default, value_proc=proc)
    return answer
