"""`skrun rules` (every rule code, level and summary) and `skrun explain CODE` (one rule whole)."""

from __future__ import annotations

import textwrap

import click

from skrun_build.cli._output import echo, json_text

_CONTEXT = {"help_option_names": ["-h", "--help"]}
_WIDTH = 88  # explain's prose is wrapped for a terminal; examples keep their own lines


@click.command("rules", context_settings=_CONTEXT)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one rule per line; json: one document for tools.",
)
def rules(output_format: str) -> int:
    """List every rule `skrun validate` reports: code, level and summary.

    \b
    SK: SKILL.md   TR: the searched tree   AG: agent.yaml   AR: artifact.json
    SU: skrun-ignore comments
    `skrun explain CODE` shows why a rule exists, examples and the fix.
    """
    from skrun_build.checks.codes import RULES

    if output_format == "json":
        entries = [{"code": r.code, "level": r.level, "summary": r.summary} for r in RULES.values()]
        echo(json_text({"version": 1, "rules": entries}))
        return 0
    for rule in RULES.values():
        echo(f"{rule.code}  {rule.level:<7}  {rule.summary}")
    return 0


@click.command("explain", context_settings=_CONTEXT)
@click.argument("code")
def explain(code: str) -> int:
    """Explain a rule: what it checks, why, a failing and a passing example, the fix, its source.

    CODE is a rule code such as SK012 (any case); `skrun rules` lists them.
    """
    from skrun_build.checks.codes import RULES
    from skrun_build.checks.select import UNKNOWN_CODE_HINT
    from skrun_build.errors import UsageError
    from skrun_build.suggest import did_you_mean

    rule = RULES.get(code.strip().upper())
    if rule is None:
        close = did_you_mean(code.strip().upper(), RULES, cutoff=0.5)
        hint = f"did you mean {close!r}?" if close else UNKNOWN_CODE_HINT
        raise UsageError(f"unknown rule code {code!r}", hint=hint)
    lines = [f"{rule.code} {rule.level}: {rule.summary}", ""]
    if rule.why:
        lines += [textwrap.fill(rule.why, _WIDTH), ""]
    for example in rule.fails:
        lines += _field("fails", example)
    lines += _field("passes", rule.passes)
    lines += _field("fix", rule.fix)
    lines += _field("source", rule.source)
    echo("\n".join(lines))
    return 0


def _field(label: str, text: str) -> list[str]:
    if "\n" not in text:
        return textwrap.wrap(f"{label}: {text}", _WIDTH, subsequent_indent="  ")
    # A multi-line example (a code block) starts on its own line, indented under the label.
    first, *rest = text.split("\n")
    head = f"{label}: {first}" if first else f"{label}:"
    return [head, *(f"  {line}" if line else "" for line in rest)]
