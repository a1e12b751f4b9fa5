"""`skrun validate` takes the path of an artifact.json itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build import cli


def test_validate_takes_an_artifact_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build import validate

    monkeypatch.chdir(tmp_path)
    skill = tmp_path / "my-art"
    skill.mkdir()
    (skill / "SKILL.md").write_text("---\nname: my-art\ndescription: Does.\n---\nbody\n")
    (skill / "artifact.json").write_text('{"schema_version": 1, "entry": "../x"}')
    expected = [
        'my-art/artifact.json:1:1: AR004 error missing required field "kind"',
        'my-art/artifact.json:1:1: AR004 error missing required field "id"',
        'my-art/artifact.json:1:1: AR004 error missing required field "name"',
        'my-art/artifact.json:1:1: AR004 error missing required field "version"',
        "my-art/artifact.json:1:32: AR008 error entry must not contain .. "
        "(give a path inside the skill directory)",
    ]
    assert cli.run(["validate", "my-art/artifact.json"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        *expected,
        "1 file checked: 5 errors, 0 warnings.",
    ]
    assert cli.run(["validate", "my-art"]) == 1  # the skill dir checks its artifact.json too
    assert capsys.readouterr().out.splitlines() == [
        *expected,
        "2 files checked: 5 errors, 0 warnings.",
    ]
    assert [i.code for i in validate(skill / "artifact.json")] == ["AR004"] * 4 + ["AR008"]
