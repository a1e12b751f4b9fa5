"""`skrun plan`: targets, digests, up-to-date state and the GitHub Actions matrix."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from skrun_build.bundle.plan import PlanItem, shards
from skrun_build.cli import run

from helpers.bundle import agent_tree


def tree(root: Path, count: int = 3) -> Path:
    for n in range(count):
        agent_tree(root / "agents", {"n.md": str(n)}, slug=f"a{n}")
    return root / "agents"


def test_text_lists_targets_and_what_a_manifest_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents = tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["plan", "agents"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines[:3]] == [
        ["to", "build", "agents/a0"],
        ["to", "build", "agents/a1"],
        ["to", "build", "agents/a2"],
    ]
    assert lines[3] == "3 targets: 3 to build, 0 up to date"
    assert run(["build", "agents", "-o", "dist", "--manifest", "m.json", "-j", "1"]) == 0
    (agents / "a1" / "n.md").write_text("changed")
    capsys.readouterr()
    assert run(["plan", "agents", "-o", "dist", "--manifest", "m.json", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(t["source"], t["up_to_date"]) for t in doc["targets"]] == [
        ("agents/a0", True),
        ("agents/a1", False),
        ("agents/a2", True),
    ]
    assert (doc["up_to_date"], doc["to_build"]) == (2, 1)
    built = json.loads((tmp_path / "m.json").read_text())["targets"]
    assert doc["targets"][0]["inputs"] == built[0]["inputs"]  # the build's own digest
    assert doc["targets"][1]["inputs"] != built[1]["inputs"]
    # The same digests the build will record: building now rebuilds exactly a1.
    assert run(["build", "agents", "-o", "dist", "--manifest", "m.json", "-j", "1"]) == 0
    statuses = [t["status"] for t in json.loads((tmp_path / "m.json").read_text())["targets"]]
    assert statuses == ["up to date", "built", "up to date"]


def test_github_matrix_one_entry_per_target_or_changed_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents = tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["plan", "agents", "--format", "github-matrix"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "include": [
            {"name": "a0", "target": "agents/a0"},
            {"name": "a1", "target": "agents/a1"},
            {"name": "a2", "target": "agents/a2"},
        ]
    }
    assert run(["build", "agents", "--manifest", "m.json", "-j", "1"]) == 0
    (agents / "a2" / "n.md").write_text("changed")
    capsys.readouterr()
    assert (
        run(["plan", "agents", "--manifest", "m.json", "--format", "github-matrix", "--changed"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line, ready for $GITHUB_OUTPUT
    assert json.loads(out) == {"include": [{"name": "a2", "target": "agents/a2"}]}


def test_github_matrix_shards_group_every_target_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(tmp_path, 5)
    (tmp_path / "agents" / "a3").rename(tmp_path / "agents" / "a 3")  # a path to quote
    monkeypatch.chdir(tmp_path)
    assert run(["plan", "agents", "--format", "github-matrix", "--shards", "2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["shard"]) for e in doc["include"]] == [("shard 1/2", 1), ("shard 2/2", 2)]
    groups = [shlex.split(e["targets"]) for e in doc["include"]]
    assert groups == [["agents/a 3", "agents/a0", "agents/a1"], ["agents/a2", "agents/a4"]]
    assert run(["plan", "agents", "--format", "github-matrix", "--shards", "9"]) == 0
    assert len(json.loads(capsys.readouterr().out)["include"]) == 5  # never an empty shard
    assert run(["plan", "agents", "--shards", "2"]) == 2
    assert "--shards goes with --format github-matrix" in capsys.readouterr().err


def test_shards_are_balanced_and_keep_the_order() -> None:
    items = [PlanItem(Path(f"t{n}"), Path("."), "d") for n in range(7)]
    assert [[i.source.name for i in g] for g in shards(items, 3)] == [
        ["t0", "t1", "t2"],
        ["t3", "t4"],
        ["t5", "t6"],
    ]
    assert shards([], 3) == []


def test_plan_of_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["plan", "."]) == 1
    assert "skrun: error: no target found under ." in capsys.readouterr().err
    assert run(["plan", "missing"]) == 2
