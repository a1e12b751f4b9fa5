"""The output folder of `skrun build`: inside the agent, holding sources, shared by two builds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import SKRUN, one_line_error


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "scripts",
            "scripts/ holds source files that would be left out of the bundle (scripts/run.py)",
        ),
        (
            "out",
            "out/ holds source files that would be left out of the bundle (out/a.md and 1 more)",
        ),
    ],
)
def test_output_folder_holding_sources_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str, message: str
) -> None:
    # `-o scripts` silently built a bundle without the agent's scripts.
    root = agent_tree(
        tmp_path, {"scripts": {"run.py": "print(1)\n"}, "out": {"a.md": "a", "b.md": "b"}}
    )
    assert run(["build", str(root), "-o", str(root / output)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {root}: the output folder {message} (write the bundle outside the "
        "agent, or into a folder of its own such as dist/)"
    )
    assert sorted(p.name for p in (root / output).iterdir()) == sorted(
        {"scripts": ["run.py"], "out": ["a.md", "b.md"]}[output]
    )


@pytest.mark.parametrize("output", ["dist", "fresh/nested", "."])
def test_output_folder_inside_the_agent_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    root = agent_tree(tmp_path, {"notes.md": "hi\n"})
    for _ in range(2):
        assert run(["build", str(root), "-o", str(root / output)]) == 0
    bundle = root / output / "demo-0.1.0.agent"
    assert run(["verify", str(bundle), "--source", str(root)]) == 0
    assert run(["inspect", "--json", str(bundle)]) == 0
    capsys.readouterr()


def test_two_builds_into_one_folder_at_once_in_real_subprocesses(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"notes.md": "hello\n" * 100_000})
    procs = [
        subprocess.Popen(
            [str(SKRUN), "build", str(root), "-o", str(tmp_path / "dist"), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert [err for _, err in results] == ["", ""]
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["demo-0.1.0.agent"]
    bundle = tmp_path / "dist" / "demo-0.1.0.agent"
    assert run(["verify", str(bundle), "--source", str(root)]) == 0
