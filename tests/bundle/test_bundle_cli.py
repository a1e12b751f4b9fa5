"""`skrun build/inspect/verify/unpack` through the CLI: output, JSON and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.paths import BIN

REPO = Path(__file__).resolve().parents[2]
SKRUN = BIN / "skrun"


def test_build_prints_path_count_size_and_sha(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path, {"notes.md": "hi\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo", "--output", "dist/nested"]) == 0
    out = capsys.readouterr().out.splitlines()
    bundle = tmp_path / "dist" / "nested" / "demo-0.1.0.agent"
    import hashlib

    sha = hashlib.sha256(bundle.read_bytes()).hexdigest()
    size = bundle.stat().st_size
    assert out == [
        "Built dist/nested/demo-0.1.0.agent",
        "  files   3",
        f"  size    {size / 1024:.1f} KiB ({size} bytes)"
        if size >= 1024
        else f"  size    {size} B",
        f"  sha256  {sha}",
    ]
    assert run(["build", str(root), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {
        "ok": True,
        "files": 3,
        "path": str(root / "demo-0.1.0.agent"),
        "sha256": sha,
        "size": size,
        "warnings": [],
        "issues": [],
    }


def test_validation_errors_stop_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path)
    (root / "agent.yaml").write_text((root / "agent.yaml").read_text().replace("0.1.0", "'1.0'"))
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0].startswith("demo/agent.yaml:")
    assert " error " in lines[0] and "version" in lines[0]
    assert lines[-1] == "skrun: error: validation failed with 1 error(s)"
    assert [p.name for p in root.iterdir() if p.suffix == ".agent"] == []


def test_validation_lines_are_exactly_those_of_skrun_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (AG017 is an error now, so the two warnings are AG009 and AG020.)
    root = agent_tree(tmp_path, {"scripts": {"lookup.py": "print(1)\n"}})
    text = (root / "agent.yaml").read_text()
    tool = (
        "tools:\n  - name: lookup\n    description: Look it up.\n    colour: red\n"
        "    input_schema:\n      type: object\n"
    )
    (root / "agent.yaml").write_text(text + tool)
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo"]) == 0
    validate_lines = [ln for ln in capsys.readouterr().out.splitlines() if " warning " in ln]
    assert len(validate_lines) == 2 and "AG009" in validate_lines[1]
    assert run(["build", "demo", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == validate_lines
    assert [i["code"] for i in json.loads(captured.out)["issues"]] == ["AG020", "AG009"]
    (root / "agent.yaml").write_text(text.replace("0.1.0", "'1.0'") + tool)
    assert run(["validate", "demo"]) == 1
    validate_lines = capsys.readouterr().out.splitlines()[:-1]  # without the summary
    assert run(["build", "demo"]) == 1
    assert capsys.readouterr().err.splitlines()[:-1] == validate_lines


def test_build_reads_tool_skrun_like_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (AG017 is an error now: AG009 is the warning that strict turns into an error.)
    root = agent_tree(tmp_path, {"scripts": {"lookup.py": "print(1)\n"}})
    tool = (
        "tools:\n  - name: lookup\n    description: Look it up.\n    colour: red\n"
        "    input_schema:\n      type: object\n"
    )
    (root / "agent.yaml").write_text((root / "agent.yaml").read_text() + tool)
    (tmp_path / ".skrun.toml").write_text('ignore = ["AG020"]\n')
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 0
    assert "AG009" in capsys.readouterr().err
    (tmp_path / ".skrun.toml").write_text('ignore = ["AG020"]\nstrict = true\n')
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "AG009 error" in err and "AG020" not in err
    assert run(["build", str(root), "-o", str(tmp_path / "out"), "--no-strict"]) == 0
    assert run(["build", str(root), "-o", str(tmp_path / "out"), "--no-config"]) == 0
    assert "AG020 warning" in capsys.readouterr().err


def test_usage_and_refusal_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path, {"id_rsa": "x"})
    assert run(["build", str(root), "--max-size", "lots"]) == 2
    assert "invalid size 'lots'" in capsys.readouterr().err
    assert run(["build", str(tmp_path / "missing")]) == 2
    assert "missing: no such directory" in capsys.readouterr().err
    assert run(["build", str(root)]) == 1
    assert "id_rsa: SSH private key file name (id_rsa*)" in capsys.readouterr().err
    assert run(["build", str(root), "--allow-secret", "id_rsa", "--max-size", "100"]) == 1
    assert "bundle exceeds the size limit of 100 B; nothing was written" in capsys.readouterr().err
    assert run(["build", str(root), "--allow-secret", "id_rsa"]) == 0
    assert run(["inspect", str(tmp_path / "nope.agent")]) == 2
    assert "nope.agent: no such file (pass a .agent bundle)" in capsys.readouterr().err


def test_unpack_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert run(["unpack", str(tmp_path / "out" / "demo-0.1.0.agent"), str(tmp_path / "x")]) == 0
    assert capsys.readouterr().out.startswith("Unpacked 4 files into ")
    assert (tmp_path / "x" / "SKILL.md").read_bytes() == (root / "SKILL.md").read_bytes()


def test_real_subprocess_build_inspect_verify(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"run.sh": "#!/bin/sh\n"})
    (root / "run.sh").chmod(0o755)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_COLOR": "1"}
    first = subprocess.run(
        [str(SKRUN), "build", str(root), "--json"], capture_output=True, text=True, env=env
    )
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    again = subprocess.run(
        [str(SKRUN), "build", str(root), "--json"], capture_output=True, text=True, env=env
    )
    assert json.loads(again.stdout)["sha256"] == result["sha256"]
    check = subprocess.run(
        [str(SKRUN), "verify", result["path"], "--source", str(root)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (check.returncode, check.stderr) == (0, "")
    assert check.stdout.endswith("4 members match the record and the source\n")
    listing = subprocess.run(
        [str(SKRUN), "inspect", result["path"]], capture_output=True, text=True, env=env
    )
    assert listing.returncode == 0
    assert any(
        line.startswith("0755") and line.endswith("  run.sh")
        for line in listing.stdout.splitlines()
    )
