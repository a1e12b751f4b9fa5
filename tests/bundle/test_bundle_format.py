"""The bundle format: determinism, the pinned golden tar stream, headers, snapshot, record."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build import BuildResult, build_bundle

from helpers.bundle import agent_tree
from helpers.paths import FIXTURES

GOLDEN = FIXTURES / "bundle" / "golden"
LONG = (
    "references/a-rather-long-folder-name-to-push-the-path-past-the-ustar-limit/"
    "and-a-long-file-name-too.md"
)
GOLDEN_MEMBERS = [
    ".skrun/config.json",
    "SKILL.md",
    "agent.yaml",
    LONG,
    "references/café.md",
    "requirements.txt",
    "scripts/echo.py",
    ".skrun/record.json",
]
# sha256 of the *uncompressed* tar stream of fixtures/bundle/golden: a change here is a
# change of the bundle format and needs a new FORMAT_VERSION and docs/bundle-format.md.
GOLDEN_TAR_SHA256 = "972282733d9d85ff69ba972ea0e531b24be3f16540cd37c1b71e0a6f0210a9e2"


def golden_copy(copy_tree: Callable[[Path, str | None], Path], name: str = "golden") -> Path:
    root = copy_tree(GOLDEN, name)
    (root / "scripts" / "echo.py").chmod(0o755)  # whatever the checkout's umask did
    (root / "debug.log").write_text("ignored by the fixture's .gitignore\n")
    return root


def tar_members(result: BuildResult) -> list[tarfile.TarInfo]:
    with tarfile.open(result.path, "r:gz") as tf:
        return tf.getmembers()


def test_golden_uncompressed_tar_stream_is_pinned(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path
) -> None:
    result = build_bundle(golden_copy(copy_tree), tmp_path / "out")
    assert result.path == tmp_path / "out" / "golden-1.2.3.agent"
    assert [m.name for m in tar_members(result)] == GOLDEN_MEMBERS
    assert result.files == 6
    raw = gzip.decompress(result.path.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == GOLDEN_TAR_SHA256
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.size == result.path.stat().st_size


def _scatter(root: Path, *, reverse: bool, umask: int, mtime: int, extra_perm: int) -> None:
    """Recreate GOLDEN at root with another creation order, umask, mtimes and permissions."""
    files = sorted(p for p in GOLDEN.rglob("*") if p.is_file())
    if reverse:
        files.reverse()
    old = os.umask(umask)
    try:
        for src in files:
            dest = root / src.relative_to(GOLDEN)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    finally:
        os.umask(old)
    for p in root.rglob("*"):
        os.utime(p, (mtime, mtime))
        if p.is_file():
            exec_bits = 0o111 if p.name == "echo.py" else 0
            base = 0o644 | extra_perm
            p.chmod((base | exec_bits) if exec_bits else base & ~0o111)


def test_same_sha_across_mtimes_umask_order_and_permissions(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "golden", tmp_path / "b" / "golden"
    _scatter(a, reverse=False, umask=0o022, mtime=1_000_000, extra_perm=0)
    _scatter(b, reverse=True, umask=0o077, mtime=1_700_000_000, extra_perm=0o070)
    (b / "scripts" / "echo.py").chmod(0o700)  # only the owner's exec bit: still 0755
    ra = build_bundle(a, tmp_path / "out-a")
    rb = build_bundle(b, tmp_path / "out-b")
    assert ra.sha256 == rb.sha256
    assert ra.path.read_bytes() == rb.path.read_bytes()


def test_building_twice_in_place_gives_the_same_bytes(
    copy_tree: Callable[[Path, str | None], Path],
) -> None:
    root = golden_copy(copy_tree)
    first = build_bundle(root)
    assert first.path == root / "golden-1.2.3.agent"
    data = first.path.read_bytes()
    second = build_bundle(root)
    assert second.path.read_bytes() == data
    assert "golden-1.2.3.agent" not in [m.name for m in tar_members(second)]
    assert sorted(p.name for p in root.iterdir() if p.name.endswith(".tmp")) == []


def test_headers_are_canonical(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path
) -> None:
    result = build_bundle(golden_copy(copy_tree), tmp_path)
    data = result.path.read_bytes()
    # gzip: magic, deflate, no flags (no name), mtime 0, xfl 0, OS 255
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    for m in tar_members(result):
        assert (m.type, m.uid, m.gid, m.uname, m.gname, m.mtime) == (
            tarfile.REGTYPE,
            0,
            0,
            "",
            "",
            0,
        )
        assert m.mode == (0o755 if m.name == "scripts/echo.py" else 0o644), m.name
    raw = gzip.decompress(data)
    assert len(raw) % 10240 == 0
    # PAX only where a name needs it: one extended header, for the name over 100 bytes
    # (references/café.md fits the ustar name field raw, format version 2).
    blocks = [raw[i : i + 512] for i in range(0, len(raw), 512)]
    pax = [b for b in blocks if b[156:157] == b"x"]
    assert len(pax) == 1
    field = "references/café.md".encode() + b"\0"
    assert field in [b[: len(field)] for b in blocks]
    assert all(b[257:263] == b"ustar\x00" for b in blocks if b[156:157] in (b"0", b"x"))


def test_source_date_epoch_sets_every_mtime(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = golden_copy(copy_tree)
    result = build_bundle(root, tmp_path)
    assert {m.mtime for m in tar_members(result)} == {1700000000}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    from skrun_build.errors import UsageError

    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH must be a whole number of seconds"):
        build_bundle(root, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(8**11 - 1))  # the largest a tar header holds
    assert {m.mtime for m in tar_members(build_bundle(root, tmp_path))} == {8**11 - 1}


def test_snapshot_and_record_members(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path
) -> None:
    root = golden_copy(copy_tree)
    result = build_bundle(root, tmp_path)
    with tarfile.open(result.path, "r:gz") as tf:
        contents = {m.name: tf.extractfile(m).read() for m in tf.getmembers()}  # type: ignore[union-attr]
    snapshot = contents[".skrun/config.json"]
    assert snapshot.endswith(b"}\n")
    config = json.loads(snapshot)
    assert (config["name"], config["version"]) == ("fixtures/golden", "1.2.3")
    assert (
        snapshot
        == (json.dumps(config, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    )
    assert str(tmp_path).encode() not in snapshot and str(root).encode() not in snapshot
    record = json.loads(contents[".skrun/record.json"])
    assert (record["format"], record["format_version"]) == ("skrun-agent-bundle", 2)
    assert [f["path"] for f in record["files"]] == GOLDEN_MEMBERS[:-1]
    for f in record["files"]:
        body = contents[f["path"]]
        assert f["size"] == len(body)
        assert f["sha256"] == hashlib.sha256(body).hexdigest()
        assert f["mode"] == ("0755" if f["path"] == "scripts/echo.py" else "0644")


def test_member_order_is_bytewise_by_full_path(tmp_path: Path) -> None:
    root = agent_tree(
        tmp_path,
        {
            "a.txt": "",
            "a": {"b.txt": ""},
            "Z.md": "",
            "é.md": "",
            "-dash.md": "",
        },
    )
    result = build_bundle(root, tmp_path / "out")
    names = [m.name for m in tar_members(result)]
    assert names == [
        ".skrun/config.json",
        "-dash.md",
        "SKILL.md",
        "Z.md",
        "a.txt",
        "a/b.txt",
        "agent.yaml",
        "é.md",
        ".skrun/record.json",
    ]


@pytest.mark.parametrize(
    ("name", "size", "mode", "mtime"),
    [
        ("a", 0, 0o644, 0),
        ("x" * 100, 12345678, 0o755, 1700000000),
        ("s/run.py", 5, 0o644, 8**11 - 1),
        ("x" * 101, 5, 0o644, 0),
        ("d/" + "é" * 60, 7, 0o755, 12),
        ("caf\u00e9.md", 0, 0o644, 0),
        ("é" + "y" * 89, 3, 0o644, 0),  # 91 bytes, not ASCII: raw, no PAX record
        ("é" + "y" * 989, 3, 0o644, 0),  # a 991-byte path: the record length crosses 999 -> 1000
        ("big.bin", 8**11 + 5, 0o644, 0),
    ],
    ids=[
        "short",
        "100",
        "max-mtime",
        "101",
        "non-ascii-long",
        "non-ascii",
        "non-ascii-91",
        "pax-999",
        "8GiB",
    ],
)
def test_hand_built_headers_equal_tarfile(name: str, size: int, mode: int, mtime: int) -> None:
    from skrun_build.bundle.writer import ustar_header

    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime, info.uname, info.gname = size, mode, mtime, "", ""
    # Format version 2: a name that fits 100 UTF-8 bytes is raw UTF-8 in the ustar field
    # (tarfile's USTAR_FORMAT); a longer one, or an 8 GiB size, takes PAX records.
    fits = len(name.encode()) <= 100 and size < 8**11
    fmt = tarfile.USTAR_FORMAT if fits else tarfile.PAX_FORMAT
    expected = info.tobuf(fmt, "utf-8", "strict")
    assert ustar_header(name, size, mode, mtime) == expected
