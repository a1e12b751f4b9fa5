"""`skrun build PATH...` of a tree: parallel builds, the manifest, skipping what did not change."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from skrun_build.bundle import format as bundle_format
from skrun_build.cli import run
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.key import cache_key

from helpers.bundle import agent_tree, skill_md


def agents(root: Path) -> Path:
    """`root/agents/` holding three agents (one with a tool script and a manifest)."""
    parent = root / "agents"
    agent_tree(parent, {"notes.md": "alpha\n"}, slug="alpha")
    agent_tree(
        parent,
        {"requirements.txt": "requests==2.32.3\n", "data": {"big.txt": "x" * 200_000}},
        slug="beta",
    )
    gamma = agent_tree(parent, {"run.sh": "#!/bin/sh\necho hi\n"}, slug="gamma")
    (gamma / "run.sh").chmod(0o755)
    return parent


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bundles(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.agent"))}


def test_a_tree_in_one_call_equals_single_builds_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-o", "tree", "-j", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "built       agents/alpha  tree/alpha-0.1.0.agent",
        "built       agents/beta   tree/beta-0.1.0.agent",
        "built       agents/gamma  tree/gamma-0.1.0.agent",
        "3 targets: 3 built, 0 up to date, 0 failed",
    ]
    for d in sorted(tree.iterdir()):
        assert run(["build", str(d), "-o", "single"]) == 0
    assert bundles(tmp_path / "tree") == bundles(tmp_path / "single")
    assert len(bundles(tmp_path / "tree")) == 3
    # In each agent's own folder (no --output), one worker: the same bytes again.
    assert run(["build", "agents", "-j", "1"]) == 0
    for d in tree.iterdir():
        (name,) = bundles(d)
        assert bundles(d)[name] == bundles(tmp_path / "single")[name]


def test_a_skill_tree_equals_single_skill_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("one", "two"):
        (tmp_path / "skills" / name).mkdir(parents=True)
        (tmp_path / "skills" / name / "SKILL.md").write_text(skill_md(name))
    monkeypatch.chdir(tmp_path)
    assert run(["build", "skills", "--format", "skill", "-o", "tree", "-j", "2"]) == 0
    for name in ("one", "two"):
        assert run(["build", f"skills/{name}", "--format", "skill", "-o", "single"]) == 0
        single = (tmp_path / "single" / f"{name}.skill").read_bytes()
        assert (tmp_path / "tree" / f"{name}.skill").read_bytes() == single


def test_a_failing_agent_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = agents(tmp_path)
    broken = tree / "beta" / "agent.yaml"
    broken.write_text(broken.read_text().replace("0.1.0", "'1.0'"))
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-o", "dist", "--manifest", "dist/m.json"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:4] == [
        "built       agents/alpha  dist/alpha-0.1.0.agent",
        "failed      agents/beta",
        "built       agents/gamma  dist/gamma-0.1.0.agent",
        "3 targets: 2 built, 0 up to date, 1 failed",
    ]
    assert "agents/beta/agent.yaml:2:10: AG" in captured.err
    assert "skrun: error: agents/beta: validation failed with 1 error(s)" in captured.err
    assert sorted(bundles(tmp_path / "dist")) == ["alpha-0.1.0.agent", "gamma-0.1.0.agent"]
    doc = json.loads((tmp_path / "dist" / "m.json").read_text())
    row = doc["targets"][1]
    assert (row["status"], row["bundle"], row["sha256"]) == ("failed", None, None)
    assert row["error"] == "validation failed with 1 error(s)"
    assert (doc["built"], doc["failed"], doc["ok"]) == (2, 1, False)
    # The checksums file lists the bundles that were built, and only those.
    sums = (tmp_path / "dist" / "m.sha256").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == ["alpha-0.1.0.agent", "gamma-0.1.0.agent"]


def test_the_manifest_rows_match_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-o", "out/b", "--manifest", "out/manifest.json"]) == 0
    capsys.readouterr()
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert doc["format"] == "skrun-build-manifest"
    assert doc["bundle_format_version"] == bundle_format.FORMAT_VERSION
    assert [t["source"] for t in doc["targets"]] == [
        "../agents/alpha",
        "../agents/beta",
        "../agents/gamma",
    ]
    for t, slug in zip(doc["targets"], ("alpha", "beta", "gamma"), strict=True):
        bundle = tmp_path / "out" / t["bundle"]
        assert t["bundle"] == f"b/{slug}-0.1.0.agent"
        assert (t["name"], t["version"], t["status"]) == (f"tests/{slug}", "0.1.0", "built")
        assert t["sha256"] == sha(bundle)
        assert t["size"] == bundle.stat().st_size
        manifest = detect_dir(tree / slug)
        assert t["deps_key"] == (None if manifest is None else cache_key(manifest))
        assert len(t["inputs"]) == 64
    assert doc["targets"][1]["deps_key"] is not None  # beta has requirements.txt
    # --json prints the same document; `sha256sum -c` checks every bundle.
    assert run(["build", "agents", "-o", "out/b", "--manifest", "out/manifest.json", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [t["sha256"] for t in printed["targets"]] == [t["sha256"] for t in doc["targets"]]
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3


def statuses(doc_path: Path) -> list[str]:
    return [t["status"] for t in json.loads(doc_path.read_text())["targets"]]


def build_with_manifest(extra: list[str] | None = None) -> int:
    return run(["build", "agents", "-o", "dist", "--manifest", "dist/m.json", *(extra or [])])


def test_an_edit_rebuilds_exactly_that_agent_and_force_rebuilds_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert build_with_manifest() == 0
    manifest = tmp_path / "dist" / "m.json"
    inodes = {p.name: p.stat().st_ino for p in (tmp_path / "dist").glob("*.agent")}
    assert build_with_manifest() == 0
    assert statuses(manifest) == ["up to date"] * 3
    assert capsys.readouterr().out.splitlines()[-2] == "3 targets: 0 built, 3 up to date, 0 failed"
    (tree / "beta" / "notes.md").write_text("new\n")
    assert build_with_manifest() == 0
    assert statuses(manifest) == ["up to date", "built", "up to date"]
    after = {p.name: p.stat().st_ino for p in (tmp_path / "dist").glob("*.agent")}
    assert after["alpha-0.1.0.agent"] == inodes["alpha-0.1.0.agent"]  # not rewritten
    assert after["beta-0.1.0.agent"] != inodes["beta-0.1.0.agent"]
    # A rename counts, as does a mode change and an excluded file does not.
    (tree / "alpha" / "notes.md").rename(tree / "alpha" / "notes2.md")
    (tree / "gamma" / "run.sh").chmod(0o644)
    (tree / "beta" / "__pycache__").mkdir()
    (tree / "beta" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert build_with_manifest() == 0
    assert statuses(manifest) == ["built", "up to date", "built"]
    assert build_with_manifest(["--force"]) == 0
    assert statuses(manifest) == ["built"] * 3


def test_a_deleted_or_altered_bundle_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert build_with_manifest() == 0
    good = bundles(tmp_path / "dist")
    (tmp_path / "dist" / "alpha-0.1.0.agent").unlink()
    with (tmp_path / "dist" / "gamma-0.1.0.agent").open("ab") as f:
        f.write(b"\0")
    assert build_with_manifest() == 0
    assert statuses(tmp_path / "dist" / "m.json") == ["built", "up to date", "built"]
    assert bundles(tmp_path / "dist") == good
    # Another --output is another bundle path: rebuilt there.
    assert run(["build", "agents", "-o", "other", "--manifest", "dist/m.json"]) == 0
    assert statuses(tmp_path / "dist" / "m.json") == ["built"] * 3


def test_the_digest_holds_the_bundle_format_version_and_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert build_with_manifest(["-j", "1"]) == 0
    monkeypatch.setattr(bundle_format, "FORMAT_VERSION", bundle_format.FORMAT_VERSION + 1)
    assert build_with_manifest(["-j", "1", "--json"]) == 0
    assert statuses(tmp_path / "dist" / "m.json") == ["built"] * 3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_with_manifest(["-j", "1"]) == 0
    assert statuses(tmp_path / "dist" / "m.json") == ["built"] * 3


def test_a_malformed_manifest_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text('{"format": "other"}')
    assert run(["build", "agents", "--manifest", "m.json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("skrun: error: m.json: not a skrun build manifest: format is 'other'")
    assert "delete it" in err
    assert run(["build", "agents", "--manifest", "m.json", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)  # a script reading stdout gets a document
    assert doc["ok"] is False and doc["error"]["path"] == "m.json"
    assert run(["build", "agents", "--manifest", "m.json", "--force"]) == 0


def test_a_too_deep_manifest_is_refused_in_json_terms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text("[" * 100_000 + "]" * 100_000)
    assert run(["build", "agents", "--manifest", "m.json"]) == 1
    err = capsys.readouterr().err
    # Not Python's "maximum recursion depth exceeded while decoding a JSON array ...".
    assert err.splitlines() == [
        "skrun: error: m.json: not a skrun build manifest: JSON nesting is deeper than 127 "
        "levels (line 1, column 128) (delete it (the next build rebuilds every target), or "
        "pass another --manifest)"
    ]


def test_progress_without_a_terminal_is_one_line_per_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-j", "1"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "[1/3] built: agents/alpha",
        "[2/3] built: agents/beta",
        "[3/3] built: agents/gamma",
    ]


def test_two_targets_writing_the_same_bundle_both_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_tree(tmp_path / "a", slug="same")
    agent_tree(tmp_path / "b", slug="same")
    monkeypatch.chdir(tmp_path)
    assert run(["build", "a", "b", "-o", "dist", "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "2 targets write the same bundle" in err


def test_single_agent_path_is_a_plain_build_and_list_refuses_a_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents/alpha"]) == 0
    assert capsys.readouterr().out.startswith("Built agents/alpha/alpha-0.1.0.agent\n")
    assert run(["build", "agents", "--list"]) == 2
    assert "--list and --explain take one agent folder" in capsys.readouterr().err
    # A folder with no agent anywhere keeps the old message.
    (tmp_path / "empty").mkdir()
    assert run(["build", "empty"]) == 1
    assert "no agent.yaml here" in capsys.readouterr().err


def test_plain_skills_next_to_agents_are_named_not_skipped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    (tmp_path / "agents" / "plain").mkdir()
    (tmp_path / "agents" / "plain" / "SKILL.md").write_text(skill_md("plain"))
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "1 skill folder(s) without agent.yaml not built (agents/plain, ...)" in err


def test_run_jobs_returns_results_in_job_order(tmp_path: Path) -> None:
    from skrun_build.bundle.tree import Job, TargetResult, run_jobs

    tree = agents(tmp_path)
    jobs = [
        Job(d.absolute(), (tmp_path / "dist").absolute(), "agent", "x", 50 * 2**20)
        for d in sorted(tree.iterdir())
    ]
    done: list[TargetResult] = []
    results = run_jobs(jobs, 2, done.append)
    assert [r.status for r in results] == ["built"] * 3
    assert sorted(r.source.name for r in done) == ["alpha", "beta", "gamma"]
    assert sorted(os.listdir(tmp_path / "dist")) == [
        "alpha-0.1.0.agent",
        "beta-0.1.0.agent",
        "gamma-0.1.0.agent",
    ]


def test_progress_on_a_terminal_is_one_line_updated_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agents(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("skrun_build.cli._tree.stderr_is_tty", lambda: True)
    assert run(["build", "agents", "-j", "1"]) == 0
    assert capsys.readouterr().err == (
        "\r\x1b[2K[1/3] built: agents/alpha"
        "\r\x1b[2K[2/3] built: agents/beta"
        "\r\x1b[2K[3/3] built: agents/gamma"
        "\r\x1b[2K"
    )


def test_a_folder_that_cannot_be_searched_fails_the_tree_build_but_not_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    agents(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if os.fspath(path) in (str(locked), "locked"):  # type: ignore[call-overload]
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[call-overload]
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "stat", stat)
    assert run(["build", "agents", "locked", "-o", "dist", "-j", "1"]) == 1
    captured = capsys.readouterr()
    assert "locked: TR001 error cannot read this path: Permission denied" in captured.err
    assert captured.out.splitlines()[-1] == "3 targets: 3 built, 0 up to date, 0 failed"


def test_the_build_records_the_digest_the_plan_computes(tmp_path: Path) -> None:
    from skrun_build.bundle.build import build_bundle
    from skrun_build.bundle.manifest import inputs_digest

    tree = agents(tmp_path)
    for d in sorted(tree.iterdir()):
        built = build_bundle(d, tmp_path / "out")
        assert built.inputs == inputs_digest(d, "agent", tmp_path / "out")
        assert built.inputs != inputs_digest(d, "skill", tmp_path / "out")
        (d / "SKILL.md").write_text(skill_md(d.name))
        zipped = build_bundle(d, tmp_path / "zips", format="skill")
        assert zipped.inputs == inputs_digest(d, "skill", tmp_path / "zips")


def test_a_worker_that_dies_fails_its_target_and_hands_back_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build.bundle import jobs, pool
    from skrun_build.bundle.tree import Job, TargetResult, run_jobs

    assert pool._fork_safe()  # the patched function below reaches forked workers only
    real = jobs.run_job

    def dying(job: Job) -> TargetResult:
        if job.source.name == "alpha":
            os._exit(7)
        return real(job)

    monkeypatch.setattr(jobs, "run_job", dying)
    tree = agents(tmp_path)
    out = (tmp_path / "dist").absolute()
    todo = [Job(d.absolute(), out, "agent", "", 50 * 2**20) for d in sorted(tree.iterdir())]
    # The first worker is sent alpha and beta at once (AHEAD): beta must not die with it.
    assert pool.AHEAD >= 2
    results = run_jobs(todo, 2, lambda r: None)
    assert [r.status for r in results] == ["failed", "built", "built"]
    assert results[0].error == "the build process died (exit code 7)"
    assert sorted(os.listdir(out)) == ["beta-0.1.0.agent", "gamma-0.1.0.agent"]


def test_when_every_worker_dies_every_target_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build.bundle import jobs, pool
    from skrun_build.bundle.tree import Job, TargetResult, run_jobs

    assert pool._fork_safe()

    def dying(job: Job) -> TargetResult:
        os._exit(9)

    monkeypatch.setattr(jobs, "run_job", dying)
    tree = agents(tmp_path)
    out = (tmp_path / "dist").absolute()
    todo = [Job(d.absolute(), out, "agent", "", 50 * 2**20) for d in sorted(tree.iterdir())] * 3
    todo = [dataclasses.replace(j, output=out / str(n)) for n, j in enumerate(todo)]
    done: list[TargetResult] = []
    results = run_jobs(todo, 2, done.append)
    assert len(results) == len(done) == 9
    assert {r.status for r in results} == {"failed"}
    assert {r.error for r in results} <= {
        "the build process died (exit code 9)",
        "not built: no worker left",
    }
    assert not out.exists()


def test_a_bundle_the_parent_cannot_make_durable_fails_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from skrun_build.bundle import pool
    from skrun_build.bundle.tree import Job, run_jobs

    assert pool._fork_safe()  # workers forked: they leave the fsync to the parent

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    tree = agents(tmp_path)
    out = (tmp_path / "dist").absolute()
    jobs = [Job(d.absolute(), out, "agent", "", 50 * 2**20) for d in sorted(tree.iterdir())]
    results = run_jobs(jobs, 2, lambda r: None)
    assert [r.status for r in results] == ["failed"] * 3
    for r, slug in zip(results, ("alpha", "beta", "gamma"), strict=True):
        assert r.error == (
            f"{out}/{slug}-0.1.0.agent: cannot write the bundle: No space left on device; "
            "nothing was written"
        )
        assert r.temp is None and r.sha256 == ""
    assert os.listdir(out) == []  # no bundle, no temp file
