"""README.md's commands and argument lists match what the CLI does."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from skrun_build import cli

from helpers.paths import REPO


def test_the_readme_commands_build_the_example_and_ci_runs_the_test_command(
    tmp_path: Path,
) -> None:
    import re
    import subprocess

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert blocks == [
        "bash scripts/setup && .venv/bin/skrun build examples/csv-summary --output dist",
        "bash scripts/test",
    ]
    # The build half of the first command, as written, in a checkout-like directory.
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    build = blocks[0].split(" && ", 1)[1]
    done = subprocess.run(shlex.split(build), cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Built dist/csv-summary-1.0.0.agent"
    assert (tmp_path / "dist" / "csv-summary-1.0.0.agent").is_file()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == f"exec {blocks[1]} -q"


def test_the_readme_shows_every_argument_of_inspect_verify_and_unpack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (REPO / "README.md").read_text().splitlines()
    for command in ("inspect", "verify", "unpack"):
        (line,) = [x for x in readme if re.match(rf"skrun (\S+\|)?{command}\b", x)]
        shown = line.split("#", 1)[0].split()[2:]
        assert cli.run([command, "--help"]) == 0
        usage = capsys.readouterr().out.splitlines()[0].split()
        assert usage[:3] == ["Usage:", "skrun", command]
        arguments = [a for a in usage[3:] if a != "[OPTIONS]"]
        assert len(shown) == len(arguments), (line, usage)
