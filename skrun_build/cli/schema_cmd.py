"""`skrun schema skill|agent|artifact`: print (or write) a JSON Schema for editors."""

from __future__ import annotations

from pathlib import Path

import click

from skrun_build.cli._output import echo
from skrun_build.formats.schemas import KINDS


@click.command("schema", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to FILE (atomically) instead of printing it.",
)
def schema(kind: str, output: Path | None) -> int:
    """Print the JSON Schema (draft 2020-12) of SKILL.md frontmatter, agent.yaml or artifact.json.

    \b
    Point an editor at it, e.g. as the first line of agent.yaml:
      # yaml-language-server: $schema=./agent.schema.json
    """
    from skrun_build.formats.schemas import render_schema, write_schema

    if output is None:
        echo(render_schema(kind), nl=False)
    else:
        write_schema(kind, output)
        echo(f"wrote {output}", err=True)
    return 0
