"""`skrun stats`: what each skill costs in tokens, by disclosure layer."""

from __future__ import annotations

import os

import click

from skrun_build.cli._output import echo, echo_error, json_text, plural, relpath


@click.command("stats", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.option(
    "--estimate",
    is_flag=True,
    help="Use the estimate even when tiktoken is installed (what skrun validate uses).",
)
def stats(paths: tuple[str, ...], as_json: bool, estimate: bool) -> int:
    """Show each skill's token cost at PATH (default: .), by disclosure layer.

    \b
    catalogue  name + description: in the context on every turn
    body       SKILL.md after the frontmatter: loaded when the skill activates
               (total, then per ## section)
    resources  text files in references/, scripts/, assets/: read on demand
    The counter is named: tiktoken's cl100k_base when tiktoken is installed and
    its encoding loads, else a deterministic estimate (the reason is printed).
    Exit codes: 0 ok, 1 a SKILL.md could not be read, 2 usage error.
    """
    from skrun_build.checks.budget import skill_budget
    from skrun_build.checks.discovery import discover
    from skrun_build.errors import InputError
    from skrun_build.tokens import counter

    count = counter(exact=not estimate)
    cwd = os.getcwd()
    dirs: list[str] = []
    for path in paths or (".",):
        for unit in discover(path).units:
            if unit.skill_md and str(unit.dir) not in dirs:
                dirs.append(str(unit.dir))
    budgets = []
    failed = 0
    for d in dirs:
        try:
            budget = skill_budget(d, count)
        except InputError as e:
            echo_error(str(e))
            failed += 1
            continue
        budget.dir = relpath(budget.dir, cwd)
        budgets.append(budget)
    if as_json:
        document = {
            "version": 1,
            "counter": {"name": count.name, "exact": count.exact, "note": count.note},
            "skills": [b.to_dict() for b in budgets],
        }
        echo(json_text(document, indent=2))
    else:
        note = f" ({count.note})" if count.note else ""
        echo(f"tokens counted with: {count.name}{note}")
        for budget in budgets:
            echo()
            for line in _text(budget):
                echo(line)
        if not budgets and not failed:
            echo("no SKILL.md found")
    return 1 if failed or not budgets else 0


def _text(budget: object) -> list[str]:
    from skrun_build.checks.budget import SkillBudget

    assert isinstance(budget, SkillBudget)
    lines = [
        f"{budget.name or '(no name)'}  {budget.dir}",
        f"  catalogue  {budget.catalogue:>7}  every turn (name + description)",
        f"  body       {budget.body:>7}  on activation ({plural(budget.body_lines, 'line')})",
    ]
    for section in budget.sections:
        lines.append(f"    {section.tokens:>7}  line {section.line:<5} {section.heading}")
    counted = [r for r in budget.resources if r.tokens is not None]
    lines.append(
        f"  resources  {budget.resources_total:>7}  on demand ({plural(len(counted), 'file')})"
    )
    for resource in budget.resources:
        shown = f"{resource.tokens:>7}" if resource.tokens is not None else "      -"
        why = f"  ({resource.skipped}, not counted)" if resource.skipped else ""
        lines.append(f"    {shown}  {resource.path}{why}")
    return lines
