"""Pathological YAML and JSON text (control characters, 5000-digit numbers): a located
error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (
            "SKILL.md",
            b"---\nname: demo\ndescription: x\x01y\n---\n",
            "demo/SKILL.md:3:15: SK007 error invalid character U+0001",
        ),
        (
            "agent.yaml",
            b"name: tests/demo\nversion: 0.1.0\x00\n",
            "demo/agent.yaml:2:15: AG003 error invalid character U+0000",
        ),
    ],
)
def test_control_character_in_yaml_points_at_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes,
    line: str,
) -> None:
    # PyYAML's ReaderError text spans two lines and names "<unicode string>".
    agent_tree(tmp_path, {name: content})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", line.split()[1]]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{line}: control characters are not allowed (remove it, or write it as an escape "
        "(\\x00) in a double-quoted string)"
    )


def test_artifact_json_with_a_5000_digit_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.loads raised ValueError (Python's int digit limit): a traceback, exit 3.
    agent_tree(tmp_path, {"artifact.json": b'{\n  "version": 1' + b"0" * 5000 + b"\n}\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AR"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "internal error" not in out.err
    assert out.out.splitlines()[0] == (
        "demo/artifact.json:2:14: AR002 error invalid JSON: a number has more than 4300 "
        "digits (write it as a string)"
    )


def test_yaml_with_a_5000_digit_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The message named sys.set_int_max_str_digits() at line 1 instead of the number.
    agent_tree(tmp_path, {"agent.yaml": "name: tests/demo\nversion: 1" + "0" * 5000 + "\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AG003"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "demo/agent.yaml:2:10: AG003 error invalid YAML value: a number has more than 4300 "
        "digits (quote the value to keep it a string)"
    )
