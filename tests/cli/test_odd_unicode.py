"""Odd Unicode in every text input: located errors, exit 1, output that can always be printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml as pyyaml

from skrun_build.checks.run import validate
from skrun_build.cli import run
from skrun_build.cli._output import json_text, printable
from skrun_build.formats import yaml as ours

from helpers.bundle import agent_tree
from helpers.trees import make_tree

SURROGATE_HINT = "write the character itself, or a whole surrogate pair such as \\ud83d\\ude00"


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_lone_surrogate_in_artifact_json_every_format(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    # A valid JSON string, but no Unicode: printing it crashed all three formats (exit 3).
    agent_tree(tmp_path, {"artifact.json": '{\n  "id": "x\\ud800"\n}\n'})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AR", "--format", fmt]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err
    message = (
        "invalid JSON: the string holds a lone surrogate \\ud800, which is no Unicode character"
    )
    if fmt == "text":
        assert out.out.splitlines()[0] == (
            f"demo/artifact.json:2:9: AR002 error {message} ({SURROGATE_HINT})"
        )
    elif fmt == "json":
        [issue] = json.loads(out.out)["issues"]
        assert (issue["file"], issue["line"], issue["col"], issue["code"]) == (
            "demo/artifact.json",
            2,
            9,
            "AR002",
        )
        assert issue["message"] == message
    else:
        assert out.out.startswith("::error file=demo/artifact.json,line=2,col=9,title=AR002::")


def test_printable_escapes_what_a_stream_cannot_write() -> None:
    assert printable("plain é", "utf-8") == "plain é"
    # os.fsdecode keeps an undecodable byte as a surrogate escape: shown as that byte.
    assert printable("bad\udcffname", "utf-8") == "bad\\xffname"
    assert printable("lone \ud800", "utf-8") == "lone \\ud800"
    assert printable("é \udcff", "ascii") == "\\xe9 \\xff"
    assert printable("€", "latin-1") == "\\u20ac"


def test_json_text_is_valid_utf8_json() -> None:
    text = json_text({"file": "bad\udcffname/SKILL.md", "note": "é"})
    text.encode("utf-8")
    assert json.loads(text) == {"file": "bad\\xffname/SKILL.md", "note": "é"}


def _skill_in_undecodable_dir(tmp_path: Path) -> Path:
    root = tmp_path / "w"
    folder = os.fsencode(root) + b"/bad\xffname"
    os.makedirs(folder)
    with open(folder + b"/SKILL.md", "w", encoding="utf-8") as f:
        f.write("---\nname: bad\ndescription: Does x.\n---\nbody\n")
    return root


@pytest.mark.parametrize("encoding", [None, "utf-8", "latin-1"])
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_undecodable_file_name_prints_in_every_format(
    tmp_path: Path, encoding: str | None, fmt: str
) -> None:
    # With PYTHONIOENCODING=utf-8 (strict) or a non-UTF-8 stream, writing the name crashed.
    root = _skill_in_undecodable_dir(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    if encoding is not None:
        env["PYTHONIOENCODING"] = encoding
    proc = subprocess.run(
        [sys.executable, "-m", "skrun_build", "validate", "--format", fmt, "."],
        cwd=root,
        capture_output=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert b"internal error" not in proc.stderr
    out = proc.stdout.decode("utf-8")  # valid UTF-8 whatever the stream's handler
    if fmt == "json":
        [issue] = json.loads(out)["issues"]
        assert issue["file"] == "bad\\xffname/SKILL.md"
        assert issue["code"] == "SK016"
    else:
        assert "bad\\xffname/SKILL.md" in out
        assert 'directory\'s name "bad\\xffname"' in out


@pytest.mark.parametrize("loader", sorted({ours._LOADER, pyyaml.SafeLoader}, key=str))
def test_yaml_lone_surrogate_escape_is_located(loader: object) -> None:
    # PyYAML's Python scanner returns the surrogate, libyaml refuses the escape: both are
    # a located error with one hint.
    with pytest.raises(ours.YamlError) as info:
        ours._load(loader, 'a: 1\nname: "x\\ud800"\n', "SKILL.md", 2, ours.MAX_DEPTH)
    err = info.value
    assert (err.path, err.line) == ("SKILL.md", 3)
    assert err.hint == "write the character itself, or escape it as \\U0001F600 (8 hex digits)"


@pytest.mark.parametrize("loader", sorted({ours._LOADER, pyyaml.SafeLoader}, key=str))
@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85"])
def test_yaml11_only_line_breaks_are_ordinary_characters(loader: object, brk: str) -> None:
    # YAML 1.2 (Skrun) breaks lines at LF and CR only; PyYAML and libyaml also at NEL, LS
    # and PS, which split a pasted description and shifted every line number after it.
    text = f"description: one{brk}two\nlicense: MIT\nbad: &a 1\n"
    with pytest.raises(ours.YamlError) as info:
        ours._load(loader, text, "f", 1, ours.MAX_DEPTH)
    assert (info.value.kind, info.value.line, info.value.col) == ("alias", 3, 6)
    doc = ours._load(loader, text.replace("&a ", ""), "f", 1, ours.MAX_DEPTH)
    assert doc.data == {"description": f"one{brk}two", "license": "MIT", "bad": 1}
    assert doc.locate(["license"]) == (2, 10)


def test_skill_md_with_odd_unicode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "---\nname: odd\ndescription: Emoji 😀, LS \u2028 and a ZWJ \u200d here.\n---\nbody\n"
    make_tree(Path("odd"), {"SKILL.md": text})
    assert validate("odd") == []
    make_tree(Path("sur"), {"SKILL.md": '---\nname: sur\ndescription: "\\udc00"\n---\n'})
    [issue] = validate("sur")
    assert (issue.file, issue.line, issue.code) == ("sur/SKILL.md", 3, "SK007")


def test_agent_yaml_with_a_lone_surrogate_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path)
    text = (root / "agent.yaml").read_text(encoding="utf-8")
    (root / "agent.yaml").write_text(text + 'x-note: "\\ud800"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--format", "json"]) == 1
    issues = json.loads(capsys.readouterr().out)["issues"]
    assert [(i["file"], i["code"]) for i in issues] == [("demo/agent.yaml", "AG003")]
    assert issues[0]["line"] == text.count("\n") + 1


def test_pydantic_unicode_wording_never_reaches_the_user() -> None:
    # The loaders refuse lone surrogates first; should one still reach the model, the
    # message is ours, not pydantic's "unable to parse raw data as a unicode string".
    from pydantic import ValidationError

    from skrun_build.checks.schema_issues import Codes, convert
    from skrun_build.formats.artifact_json import Artifact
    from skrun_build.formats.yaml import YamlDoc

    data = {"schema_version": 1, "kind": "markdown", "id": "a\ud800", "name": "n"}
    with pytest.raises(ValidationError) as info:
        Artifact.model_validate({**data, "version": "0.1.0", "entry": "x"})
    codes = Codes("AR004", "AR005", "AR006", "AR007", {})
    issues = convert(info.value.errors(include_url=False), YamlDoc(data, "artifact.json"), codes)
    assert [(i.code, i.message, i.hint) for i in issues if i.message.startswith("id")] == [
        (
            "AR005",
            "id must be Unicode text; it holds a lone surrogate",
            "write the character itself (a whole surrogate pair, not half of one)",
        )
    ]
