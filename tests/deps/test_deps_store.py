"""The cache store and `skrun cache ...`: synthetic entries, locks, symlinks, exact output."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from skrun_build.cli import run
from skrun_build.cli.deps_cmd import ago, cache, parse_duration
from skrun_build.deps.meta import parse_meta, read_meta
from skrun_build.deps.store import Store
from skrun_build.errors import UsageError
from skrun_build.fsutil import human_size

from helpers.deps import dead_pid, write_entry
from helpers.trees import make_tree

NOW = time.time()


def key_for(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def fake_entry(root: Path, n: int, *, size: int = 1024, packages: int = 3, age: float = 0) -> Path:
    path = write_entry(root, key_for(n), size=size, packages=packages)
    os.utime(path, (NOW - age, NOW - age))
    return path


@pytest.fixture
def root() -> Path:
    r = Store().root
    r.mkdir(parents=True)
    return r


def names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".lock-"))


def test_list_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["cache", "list"]) == 0
    assert capsys.readouterr().out == "No cache entries.\n"
    assert run(["cache", "list", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_list_table_newest_first(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_entry(root, 1, size=3 * 1024 * 1024, packages=12, age=3 * 86400 + 5)
    fake_entry(root, 2, size=2048, packages=1, age=2 * 3600 + 5)
    (root / f".tmp-{key_for(3)}-1-abcd").mkdir()  # skipped by list
    assert run(["cache", "list"]) == 0
    out = capsys.readouterr()
    assert out.out == (
        "HASH             SIZE  PACKAGES  LAST USED\n"
        f"{key_for(2)[:12]}  2.0 KiB         1  2 hours ago\n"
        f"{key_for(1)[:12]}  3.0 MiB        12  3 days ago\n"
        "TOTAL         3.0 MiB        13  2 entries\n"
    )
    assert "0 incomplete entries and 1 temp dir under" in out.err
    assert run(["cache", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["key"] for d in data] == [key_for(2), key_for(1)]
    assert data[0]["path"] == str(root / key_for(2))
    assert (data[0]["size"], data[0]["packages"], data[0]["ecosystem"]) == (2048, 1, "python")


def test_clear_without_a_tty_does_what_was_typed(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It refused (exit 2, "pass --yes") as soon as something matched: a CI step that
    # passed on an empty cache failed later. No terminal: do it, even above 100 MiB.
    fake_entry(root, 1, size=300 * 1024 * 1024)
    assert run(["cache", "clear"]) == 0
    assert capsys.readouterr() == ("Cleared 1 entry (300.0 MiB freed).\n", "")
    assert names(root) == []


def test_clear_all_with_orphans(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_entry(root, 1, size=1000)
    fake_entry(root, 2, size=2000)
    make_tree(root / f".tmp-{key_for(3)}-{dead_pid()}-abcd", {"f": "12345"})
    make_tree(root / key_for(4), {"half": "x"})  # corrupt
    (root / "README").write_text("not ours\n")
    assert run(["cache", "clear", "-y"]) == 0
    assert capsys.readouterr().out == "Cleared 3 entries (2.9 KiB freed).\n"
    assert names(root) == ["README"]


def test_clear_by_prefix_and_older_than(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n, age in ((1, 0), (2, 40 * 86400), (3, 10 * 86400)):
        fake_entry(root, n, age=age)
    assert run(["cache", "clear", "--yes", key_for(1)[:8]]) == 0
    assert capsys.readouterr().out == "Cleared 1 entry (1.0 KiB freed).\n"
    assert run(["cache", "clear", "--yes", "--older-than", "30d"]) == 0
    assert capsys.readouterr().out == "Cleared 1 entry (1.0 KiB freed).\n"
    assert names(root) == [key_for(3)]
    # Matching nothing is not a failure: the exit code must not depend on the cache's state.
    assert run(["cache", "clear", "--yes", "ffffffffffff"]) == 0
    assert capsys.readouterr() == (
        "Cleared 0 entries (0 B freed).\n",
        "skrun: warning: no cache entry matches 'ffffffffffff' (see `skrun cache list`)\n",
    )
    assert run(["cache", "clear", "--older-than", "soon"]) == 2
    assert "invalid duration 'soon'" in capsys.readouterr().err


def test_clear_asks_above_100_mib_on_a_tty(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry(root, 1, size=200 * 1024 * 1024)
    monkeypatch.setattr("skrun_build.cli.deps_cmd.stdin_is_tty", lambda: True)
    runner = CliRunner()
    no = runner.invoke(cache, ["clear"], input="n\n", catch_exceptions=False)
    assert (no.exit_code, no.output) == (
        1,
        f"Delete 1 entry (200.0 MiB) from {root}? [y/N]: n\nNothing cleared.\n",
    )
    assert names(root) == [key_for(1)]
    yes = runner.invoke(cache, ["clear"], input="y\n", catch_exceptions=False)
    assert yes.exit_code == 0
    assert yes.output.endswith("Cleared 1 entry (200.0 MiB freed).\n")
    assert names(root) == []


def test_clear_never_follows_symlinks(root: Path, tmp_path: Path) -> None:
    outside = make_tree(tmp_path / "outside", {"precious": "keep me"})
    (root / key_for(1)).symlink_to(outside, target_is_directory=True)
    entry = fake_entry(root, 2)
    (entry / "venv" / "link").symlink_to(outside, target_is_directory=True)
    (root / f".tmp-{key_for(3)}-{dead_pid()}-ab").symlink_to(outside, target_is_directory=True)
    assert run(["cache", "clear", "-y"]) == 0
    assert names(root) == []
    assert (outside / "precious").read_text() == "keep me"


def test_clear_waits_for_a_running_install(root: Path) -> None:
    fake_entry(root, 1)
    store = Store()
    held = threading.Event()
    release = threading.Event()

    def installer() -> None:
        with store.locked(key_for(1)):
            held.set()
            release.wait(10)

    t = threading.Thread(target=installer)
    t.start()
    held.wait(10)
    done = threading.Event()
    cleared: list[int] = []

    def clearer() -> None:
        plan = Store().plan_clear()
        cleared.append(len(Store().clear(plan.entries, plan.orphans).entries))
        done.set()

    c = threading.Thread(target=clearer)
    c.start()
    assert not done.wait(0.5)  # blocked on the install's lock
    assert names(root) == [key_for(1)]
    release.set()
    assert done.wait(10)
    t.join()
    c.join()
    assert cleared == [1]
    assert names(root) == []


def test_prune_removes_orphans_and_corrupt_entries(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = fake_entry(root, 1)
    make_tree(root / f".tmp-{key_for(2)}-{dead_pid()}-beef", {"venv": {"x": "1234"}})
    make_tree(root / key_for(3), {"venv": {"lib": {}}})  # no bin/python: incomplete
    bad_meta = fake_entry(root, 4)
    (bad_meta / "skrun-entry.json").write_text("{not json")
    busy = root / f".tmp-{key_for(5)}-{dead_pid()}-cafe"
    busy.mkdir()
    with Store().locked(key_for(5)):
        assert run(["cache", "prune"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("Pruned 1 temp dir and 2 incomplete entries (")
    assert out.err == (
        f"skrun: warning: skipped 1 key with an install in progress: {key_for(5)[:12]}\n"
    )
    assert names(root) == sorted([good.name, busy.name])


def test_meta_round_trip_and_rejects(root: Path) -> None:
    entry = fake_entry(root, 1)
    meta = read_meta(entry)
    assert meta is not None
    assert parse_meta(meta.to_json()) == meta
    bad = json.loads(meta.to_json())
    bad["size"] = True
    assert parse_meta(json.dumps(bad)) is None
    assert parse_meta("[]") is None
    moved = root / key_for(9)
    entry.rename(moved)
    assert read_meta(moved) is None  # metadata of another key: corrupt


def test_cache_dir_and_helpers(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["cache", "dir"]) == 0
    assert capsys.readouterr().out == os.environ["SKRUN_DEPS_DIR"] + "\n"
    assert [human_size(n) for n in (0, 1023, 1024, 5 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "5.0 GiB",
    ]
    assert [ago(s) for s in (5, 60, 7200, 86400)] == [
        "just now",
        "1 minute ago",
        "2 hours ago",
        "1 day ago",
    ]
    assert parse_duration("30d") == 30 * 86400
    with pytest.raises(UsageError):
        parse_duration("30 days")


def test_default_root_without_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SKRUN_DEPS_DIR")
    assert Store().root == Path.home() / ".skrun" / "deps"
