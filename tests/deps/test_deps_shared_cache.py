"""One cache, two writers: entries the Skrun runtime made, locks it must not see, CI clears.

The runtime (Skrun v0.7.0) writes `<key>/venv/` or `<key>/node_modules/` and no
metadata of ours; its hit is "the folder exists"; its `cache list` shows every
directory of the root but `.tmp-*`, and its `cache clear` deletes every directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from skrun_build.cli import run
from skrun_build.cli.deps_cmd import cache
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.key import cache_key
from skrun_build.deps.meta import META_NAME
from skrun_build.deps.store import Store
from skrun_build.fsutil import human_size

from helpers.deps import dead_pid, write_entry, write_runtime_entry
from helpers.trees import make_tree

NOW = time.time()
DAY = 86400


def key_for(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def aged(path: Path, seconds: float) -> Path:
    os.utime(path, (NOW - seconds, NOW - seconds))
    return path


def disk_size(path: Path) -> int:
    """Apparent size of everything under `path`, symlinks as links (what `du -b` adds up)."""
    total = 0
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            st = os.lstat(os.path.join(parent, name))
            if not stat.S_ISDIR(st.st_mode):
                total += st.st_size
    return total


def names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".lock-"))


@pytest.fixture
def root() -> Path:
    r = Store().root
    r.mkdir(parents=True)
    return r


def test_list_shows_the_runtime_entries_with_size_and_last_use(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # They were hidden and counted as "incomplete entries".
    py = aged(write_runtime_entry(root, key_for(1), "python"), DAY + 5)
    node = aged(write_runtime_entry(root, key_for(2), "node"), 2 * 3600 + 5)
    write_entry(root, key_for(3), size=1024, packages=3)
    assert run(["cache", "list"]) == 0
    out = capsys.readouterr()
    sizes = [human_size(disk_size(p)) for p in (node, py)]
    total = human_size(1024 + disk_size(node) + disk_size(py))
    rows = [
        ("HASH", "SIZE", "PACKAGES", "LAST USED"),
        (key_for(3)[:12], "1.0 KiB", "3", "just now"),
        (key_for(2)[:12], sizes[0], "2", "2 hours ago (Skrun runtime)"),
        (key_for(1)[:12], sizes[1], "2", "1 day ago (Skrun runtime)"),
        ("TOTAL", total, "7", "3 entries"),
    ]
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    expected = "".join(
        f"{r[0].ljust(w[0])}  {r[1].rjust(w[1])}  {r[2].rjust(w[2])}  {r[3]}".rstrip() + "\n"
        for r in rows
    )
    assert out == (expected, "")
    assert run(["cache", "list", "--json"]) == 0
    data = {d["key"]: d for d in json.loads(capsys.readouterr().out)}
    assert data[key_for(1)] == {
        "key": key_for(1),
        "path": str(py),
        "last_used": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(NOW - DAY - 5))),
        "made_by": "runtime",
        "ecosystem": "python",
        "packages": 2,
        "size": disk_size(py),
    }
    assert data[key_for(2)]["ecosystem"] == "node"
    assert data[key_for(3)]["made_by"] == "skrun-build"


@pytest.mark.parametrize(
    ("files", "ecosystem"),
    [
        ({"requirements.txt": "six\nidna\n"}, "python"),
        ({"package.json": '{"dependencies": {"is-number": "7.0.0"}}\n'}, "node"),
    ],
)
def test_path_and_install_hit_a_runtime_entry_without_reinstalling(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    ecosystem: str,
) -> None:
    # `deps path` said "not cached" and `deps install` reinstalled over it.
    skill = make_tree(tmp_path / "s", files)  # type: ignore[arg-type]
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    entry = aged(write_runtime_entry(Store().root, key, ecosystem), 3 * DAY)
    before = sorted(str(p.relative_to(entry)) for p in entry.rglob("*"))
    assert run(["deps", "path", str(skill)]) == 0
    assert capsys.readouterr().out == f"{entry}\n"
    assert run(["deps", "install", "--offline", str(skill)]) == 0
    assert capsys.readouterr() == (
        f"Cached: {entry} (made by the Skrun runtime, 2 packages, "
        f"{human_size(disk_size(entry))})\n",
        "",
    )
    assert entry.stat().st_mtime > NOW - 60  # touched, as the runtime does on a hit
    assert run(["deps", "install", "--offline", "--json", str(skill)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["made_by"], data["ecosystem"], data["packages"]) == (
        "hit",
        "runtime",
        ecosystem,
        2,
    )
    assert sorted(str(p.relative_to(entry)) for p in entry.rglob("*")) == before
    assert not (entry / META_NAME).exists()


def test_prune_keeps_runtime_entries_and_clear_takes_them_only_when_asked(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prune deleted two working entries of the runtime (21.5 MiB) as "incomplete".
    aged(write_runtime_entry(root, key_for(1), "python"), 40 * DAY)
    aged(write_runtime_entry(root, key_for(2), "node"), 40 * DAY)
    make_tree(root / key_for(3), {"requirements.txt": "six\n"})  # no payload: incomplete
    assert run(["cache", "prune"]) == 0
    assert capsys.readouterr().out.startswith("Pruned 0 temp dirs and 1 incomplete entry (")
    assert names(root) == sorted([key_for(1), key_for(2)])
    # By age alone: not theirs to decide (no record of ours).
    assert run(["cache", "clear", "--older-than", "30d"]) == 0
    assert capsys.readouterr().out == "Cleared 0 entries (0 B freed).\n"
    assert names(root) == sorted([key_for(1), key_for(2)])
    size = disk_size(root / key_for(1))
    assert run(["cache", "clear", key_for(1)[:10]]) == 0
    assert capsys.readouterr().out == f"Cleared 1 entry ({human_size(size)} freed).\n"
    assert run(["cache", "clear"]) == 0
    assert capsys.readouterr().out.startswith("Cleared 1 entry (")
    assert names(root) == []


def test_locks_are_files_that_skrun_neither_lists_nor_clears(root: Path) -> None:
    # `.locks/` was a directory: Skrun's `cache list` showed it as an entry and its
    # `cache clear` deleted it, locks and all.
    store = Store()
    with store.locked(key_for(1)) as held:
        assert held
        with store.locked(key_for(1), wait=False) as again:
            assert not again  # exclusive, even within one process
    lock = root / f".lock-{key_for(1)}"
    assert stat.S_ISREG(lock.lstat().st_mode)
    # Skrun's list: every directory but `.tmp-*`; its clear: every directory.
    assert [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".tmp-")] == []
    assert lock.exists()  # kept: deleting it could give two processes "the" lock
    assert run(["cache", "list"]) == 0


def test_prune_and_clear_remove_the_old_locks_folder(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(root / ".locks", {f"{key_for(1)}.lock": ""})
    assert run(["cache", "prune"]) == 0
    assert capsys.readouterr().out == (
        "Pruned 0 temp dirs and 0 incomplete entries (0 B freed).\n"
        "Removed .locks/, the lock folder of earlier skrun-build versions.\n"
    )
    make_tree(root / ".locks", {f"{key_for(1)}.lock": ""})
    assert run(["cache", "clear"]) == 0
    assert names(root) == []


def test_clear_dry_run_shows_what_would_go_and_removes_nothing(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aged(write_entry(root, key_for(1), size=200 * 1024 * 1024), DAY)  # newest first
    runtime = aged(write_runtime_entry(root, key_for(2), "node"), 2 * DAY)
    aged(make_tree(root / key_for(3), {"x": "1"}), 3 * DAY)
    orphan = make_tree(root / f".tmp-{key_for(4)}-{dead_pid()}-dead", {"f": "12345"})
    monkeypatch.setattr("skrun_build.cli.deps_cmd.stdin_is_tty", lambda: True)
    before = names(root)
    done = CliRunner().invoke(cache, ["clear", "--dry-run"], input="", catch_exceptions=False)
    total = 200 * 1024 * 1024 + disk_size(runtime) + 1 + 5
    assert (done.exit_code, done.output) == (
        0,
        f"Would remove {key_for(1)}  200.0 MiB\n"
        f"Would remove {key_for(2)}  {human_size(disk_size(runtime))} (Skrun runtime)\n"
        f"Would remove {key_for(3)}  1 B (incomplete)\n"
        f"Would remove {orphan.name}  5 B\n"
        f"Would clear 3 entries ({human_size(total)}).\n",
    )  # no question on a terminal either: nothing is deleted
    assert names(root) == before


def test_clear_keeps_temp_dirs_of_live_processes(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The runtime installs without our lock: only its pid says the dir is in use.
    live = root / f".tmp-{key_for(1)}-{os.getpid()}-live"
    live.mkdir()
    dead = root / f".tmp-{key_for(1)}-{dead_pid()}-dead"
    dead.mkdir()
    assert run(["cache", "clear"]) == 0
    assert names(root) == [live.name]
    assert run(["cache", "list"]) == 0
    assert "0 incomplete entries and 1 temp dir under" in capsys.readouterr().err


def test_clear_exit_code_does_not_depend_on_a_match(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["cache", "clear", "abc123"]) == 0  # nothing matches: a warning
    assert capsys.readouterr() == (
        "Cleared 0 entries (0 B freed).\n",
        "skrun: warning: no cache entry matches 'abc123' (see `skrun cache list`)\n",
    )
    write_entry(root, key_for(1))
    assert run(["cache", "clear", key_for(1)[:6]]) == 0
    assert capsys.readouterr().out == "Cleared 1 entry (10 B freed).\n"
    # Not a key at all is a usage error, whatever the cache holds.
    assert run(["cache", "clear", "not-a-key"]) == 2
    assert capsys.readouterr().err == (
        "skrun: error: 'not-a-key' is not a cache key (give the hash or its first "
        "characters, as `skrun cache list` shows)\n"
    )


def test_reinstall_replaces_a_runtime_entry_when_asked(
    tmp_path: Path, py_offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    entry = write_runtime_entry(Store().root, key, "python")
    assert run(["deps", "install", "--json", "--reinstall", str(skill)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["made_by"], data["packages"]) == ("reinstalled", "skrun-build", 1)
    assert (entry / META_NAME).is_file()
    assert names(Store().root) == [key]
