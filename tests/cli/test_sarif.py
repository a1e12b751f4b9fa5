"""`skrun validate --format sarif`: SARIF 2.1.0 checked against the vendored OASIS schema."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from skrun_build.checks.codes import RULES
from skrun_build.cli import run
from skrun_build.cli.sarif import rule_name, sarif_level, source_root

from helpers.paths import FIXTURES, REPO
from helpers.trees import make_tree

SCHEMA_FILE = FIXTURES / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
BAD = "---\nname: My-Skill\ndescription: a <b> c\nversion: 1\n---\nbody\n"
GOOD = "---\nname: good\ndescription: Does things.\n---\nbody\n"


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data


def sarif(capsys: pytest.CaptureFixture[str], *args: str, code: int | None = None) -> Any:
    rc = run(["validate", "--format", "sarif", *args])
    if code is not None:
        assert rc == code
    out = capsys.readouterr().out
    doc = json.loads(out)
    jsonschema.Draft4Validator(schema()).validate(doc)  # raises with the path of the problem
    _github_rules(doc)
    return doc


def _github_rules(doc: Any) -> None:
    """What GitHub code scanning needs beyond the schema (its upload checks)."""
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for result in run_["results"]:
        assert result["message"]["text"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert ".." not in artifact["uri"].split("/") and "\\" not in artifact["uri"]
        region = location["physicalLocation"].get("region", {"startLine": 1})
        assert region["startLine"] >= 1 and region.get("startColumn", 1) >= 1


def test_the_vendored_schema_is_the_oasis_file() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    jsonschema.Draft4Validator.check_schema(schema())
    assert (FIXTURES / "sarif" / "LICENSE-OASIS.md").is_file()
    # The schema rejects what it should: the check in `sarif()` is not vacuous.
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema()).validate(bad)


def test_rule_table_is_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"good": {"SKILL.md": GOOD}})
    monkeypatch.chdir(tmp_path)
    doc = sarif(capsys, "good", code=0)
    driver = doc["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("skrun", "0.1.0")
    assert doc["runs"][0]["results"] == []
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    sk012 = rules[list(RULES).index("SK012")]
    assert sk012["name"] == "NameMustBeLowercase"
    assert sk012["shortDescription"] == {"text": "name must be lowercase"}
    assert sk012["defaultConfiguration"] == {"level": "error"}
    assert sk012["properties"]["docs"] == "docs/rules.md#sk012-error-name-must-be-lowercase"
    assert "fails: `name: My-Skill`" in sk012["help"]["markdown"]
    assert sk012["help"]["text"].startswith("name must be lowercase. Fix: ")
    assert "helpUri" not in sk012  # the project has no web address yet
    ag = rules[list(RULES).index("AG006")]
    assert ag["properties"]["docs"].startswith("docs/rules-agent.md#ag006-")
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules} == {
        c: r.level for c, r in RULES.items()
    }


def test_docs_anchors_exist_in_the_generated_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path, {"good": {"SKILL.md": GOOD}})
    rules = sarif(capsys, "good")["runs"][0]["tool"]["driver"]["rules"]
    anchors: dict[str, set[str]] = {}
    for doc in ("docs/rules.md", "docs/rules-agent.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        heads = re.findall(r"^#+ (.+)$", text, flags=re.M)
        anchors[doc] = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}
    for rule in rules:
        doc, anchor = rule["properties"]["docs"].split("#")
        assert anchor in anchors[doc], rule["id"]


def test_results_locations_levels_and_regions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(
        tmp_path,
        {
            "my-skill": {"SKILL.md": BAD},
            "empty": {"notes.md": "x\n"},
            "demo": {"agent.yaml": b"name: acme/x\nversion: \xff\n", "SKILL.md": GOOD},
        },
    )
    monkeypatch.chdir(tmp_path)
    doc = sarif(capsys, "my-skill", "empty", "demo", code=1)
    got = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"],
            r["locations"][0]["physicalLocation"].get("region"),
        )
        for r in doc["runs"][0]["results"]
    ]
    skill_md = {"uri": "my-skill/SKILL.md", "uriBaseId": "%SRCROOT%"}
    assert got == [
        ("SK012", "error", skill_md, {"startLine": 2, "startColumn": 7}),
        ("SK024", "warning", skill_md, {"startLine": 3, "startColumn": 14}),
        ("SK050", "warning", skill_md, {"startLine": 4, "startColumn": 1}),
        ("SK001", "error", {"uri": "empty", "uriBaseId": "%SRCROOT%"}, None),  # file-level
        ("AG002", "error", {"uri": "demo/agent.yaml", "uriBaseId": "%SRCROOT%"}, {"startLine": 2}),
    ]
    first = doc["runs"][0]["results"][0]
    assert first["message"]["text"] == 'name must be lowercase: "My-Skill" (try "my-skill")'
    assert first["ruleIndex"] == list(RULES).index("SK012")
    assert doc["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_strict_reports_warnings_as_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"my-skill": {"SKILL.md": BAD.replace("My-Skill", "my-skill")}})
    monkeypatch.chdir(tmp_path)
    assert [r["level"] for r in sarif(capsys, "my-skill", code=0)["runs"][0]["results"]] == [
        "warning",
        "warning",
    ]
    results = sarif(capsys, "--strict", "my-skill", code=1)["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error"]


def test_locations_are_relative_to_the_git_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_tree(tmp_path / "repo", {"skills": {"my-skill": {"SKILL.md": BAD}}})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo / "skills")
    assert source_root(os.getcwd()) == str(repo)
    results = sarif(capsys, "my-skill")["runs"][0]["results"]
    where = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "skills/my-skill/SKILL.md", "uriBaseId": "%SRCROOT%"}
    # A linked worktree has a `.git` file, not a folder: still its root.
    (repo / ".git").rename(tmp_path / "gitdir")
    (repo / ".git").write_text(f"gitdir: {tmp_path / 'gitdir'}\n")
    assert source_root(str(repo / "skills" / "my-skill")) == str(repo)


def test_outside_git_relative_to_cwd_and_absolute_outside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"work": {}, "elsewhere": {"my-skill": {"SKILL.md": BAD}}})
    monkeypatch.chdir(tmp_path / "work")
    assert source_root(os.getcwd()) == str(tmp_path / "work")  # tmp is in no git tree
    results = sarif(capsys, str(tmp_path / "elsewhere" / "my-skill"))["runs"][0]["results"]
    where = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": (tmp_path / "elsewhere" / "my-skill" / "SKILL.md").as_uri()}


def test_odd_file_names_are_percent_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "work"
    root.mkdir()
    odd = os.fsencode(root) + b"/my skill \xff%"
    os.mkdir(odd)
    with open(odd + b"/SKILL.md", "wb") as f:
        f.write(BAD.encode())
    monkeypatch.chdir(root)
    results = sarif(capsys, ".")["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"my%20skill%20%FF%25/SKILL.md"}


def test_same_tree_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path, {"my-skill": {"SKILL.md": BAD}})
    monkeypatch.chdir(tmp_path)
    run(["validate", "--format", "sarif", "my-skill"])
    first = capsys.readouterr().out
    run(["validate", "--format", "sarif", "my-skill"])
    assert capsys.readouterr().out == first


def test_suppressed_issues_stay_out_and_su_issues_are_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BAD.replace("My-Skill", "My-Skill  # skrun-ignore SK012 SK030")
    make_tree(tmp_path, {"my-skill": {"SKILL.md": text}})
    monkeypatch.chdir(tmp_path)
    results = sarif(capsys, "my-skill", code=0)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SK024", "SK050", "SU001"]
    assert results[2]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 38,
    }


def test_level_names_and_rule_names() -> None:
    assert [sarif_level(x) for x in ("error", "warning", "note", "info")] == [
        "error",
        "warning",
        "note",
        "note",
    ]
    assert rule_name(RULES["SK001"]) == "SkillMdIsMissing"
    assert all(rule_name(r).isalnum() for r in RULES.values())


def test_plain_validation_imports_no_jsonschema_and_no_sarif(tmp_path: Path) -> None:
    make_tree(tmp_path, {"my-skill": {"SKILL.md": GOOD.replace("good", "my-skill")}})
    code = (
        "import sys\n"
        "from skrun_build.cli import run\n"
        "rc = run(['validate', '-q', sys.argv[1]])\n"
        "print(rc, 'jsonschema' in sys.modules, 'skrun_build.cli.sarif' in sys.modules,"
        " 'skrun_build.formats.ignore_comments' in sys.modules)\n"
        "run(['validate', '--format', 'sarif', sys.argv[1]])\n"
        "print('jsonschema' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "my-skill")],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0] == "0 False False False"
    assert lines[-1] == "False"
