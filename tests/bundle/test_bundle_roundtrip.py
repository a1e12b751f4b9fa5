"""Round trips through GNU tar and tarfile; the safe reader, verify, inspect and unpack."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from skrun_build import build_bundle
from skrun_build.bundle.reader import read_members
from skrun_build.bundle.verify import inspect_bundle, unpack_bundle, verify_bundle
from skrun_build.cli import run
from skrun_build.errors import BundleError

from helpers.bundle import agent_tree

LONG = (
    "references/"
    + "deeply-nested-folder-name/" * 4
    + "a-file-whose-path-is-over-one-hundred-bytes.md"
)
BINARY = bytes(range(256)) * 4


def edge_agent(tmp_path: Path) -> Path:
    root = agent_tree(
        tmp_path,
        {
            LONG: "long\n",
            "données/résumé.md": "non-ASCII name\n",
            "scripts": {"run.sh": "#!/bin/sh\necho hi\n"},
            "assets": {"blob.bin": BINARY},
        },
    )
    (root / "scripts" / "run.sh").chmod(0o755)
    return root


def expected_files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        rel: ((root / rel).read_bytes(), 0o755 if rel == "scripts/run.sh" else 0o644)
        for rel in (
            "SKILL.md",
            "agent.yaml",
            LONG,
            "données/résumé.md",
            "scripts/run.sh",
            "assets/blob.bin",
        )
    }


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in root.rglob("*")
        if p.is_file() and ".skrun" not in p.parts
    }


def test_gnu_tar_round_trip(tmp_path: Path) -> None:
    assert len(LONG.encode()) > 100
    root = edge_agent(tmp_path)
    result = build_bundle(root, tmp_path / "out")
    listing = subprocess.run(
        ["tar", "-tzf", str(result.path)], capture_output=True, text=True, check=True
    )
    assert "PaxHeader" not in listing.stdout and LONG in listing.stdout.splitlines()
    dest = tmp_path / "gnu"
    dest.mkdir()
    subprocess.run(["tar", "-xpzf", str(result.path), "-C", str(dest)], check=True)
    assert tree(dest) == expected_files(root)


def test_tarfile_round_trip(tmp_path: Path) -> None:
    root = edge_agent(tmp_path)
    result = build_bundle(root, tmp_path / "out")
    with tarfile.open(result.path, "r:gz") as tf:
        got = {
            m.name: (tf.extractfile(m).read(), m.mode)  # type: ignore[union-attr]
            for m in tf.getmembers()
            if not m.name.startswith(".skrun/")
        }
    assert got == expected_files(root)


def test_unpack_round_trip_and_server_warnings(tmp_path: Path) -> None:
    root = edge_agent(tmp_path)
    result = build_bundle(root, tmp_path / "out")
    assert list(result.warnings) == [
        "assets/blob.bin: binary content; the Skrun server reads every file as UTF-8 text "
        "and would mangle it",
        f"{LONG}: name is {len(LONG)} bytes; the Skrun server reads only the first 100 "
        f'and would see "{LONG[:100]}" plus a stray ././@PaxHeader file (shorten the path)',
    ]
    names = unpack_bundle(result.path, tmp_path / "unpacked")
    assert names[0] == ".skrun/config.json" and names[-1] == ".skrun/record.json"
    assert tree(tmp_path / "unpacked") == expected_files(root)


def _evil(tmp_path: Path, *members: tarfile.TarInfo) -> Path:
    path = tmp_path / "evil.agent"
    with tarfile.open(path, "w:gz") as tf:
        for m in members:
            data = b"x" * m.size if m.isreg() else None
            tf.addfile(m, io.BytesIO(data) if data is not None else None)
    return path


def _info(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 1, link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size if kind == tarfile.REGTYPE else 0, link
    return info


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ([_info("/etc/passwd")], "member '/etc/passwd': absolute path"),
        ([_info("a/../../x")], "member 'a/../../x': '..' in the path"),
        ([_info("link", tarfile.SYMTYPE, link="/etc")], "member 'link': links are not allowed"),
        ([_info("a"), _info("b", tarfile.LNKTYPE, link="a")], "member 'b': links are not allowed"),
        ([_info("dev", tarfile.CHRTYPE)], "member 'dev': not a regular file"),
        ([_info("fifo", tarfile.FIFOTYPE)], "member 'fifo': not a regular file"),
        ([_info("a.txt"), _info("./a.txt")], "member './a.txt': duplicate member"),
        ([_info("a\\b")], "member 'a\\\\b': empty name, NUL or backslash"),
    ],
    ids=["absolute", "dotdot", "symlink", "hardlink", "device", "fifo", "duplicate", "backslash"],
)
def test_reader_refuses_unsafe_members(
    tmp_path: Path, members: list[tarfile.TarInfo], problem: str
) -> None:
    evil = _evil(tmp_path, *members)
    with pytest.raises(BundleError, match="^" + re.escape(f"{evil}: {problem}")):
        unpack_bundle(evil, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["evil.agent"]
    with pytest.raises(BundleError):
        read_members(evil, ["a.txt"])


def test_read_members_and_garbage(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"requirements.txt": "requests\n"})
    result = build_bundle(root, tmp_path / "out")
    got = read_members(result.path, ["requirements.txt", "package.json"])
    assert got == {"requirements.txt": b"requests\n"}
    junk = tmp_path / "junk.agent"
    junk.write_bytes(b"not a bundle")
    with pytest.raises(BundleError, match=r"junk\.agent: is not a gzip-compressed \.agent bundle"):
        read_members(junk, ["x"])


def test_unpack_refuses_non_empty_destination(tmp_path: Path) -> None:
    result = build_bundle(agent_tree(tmp_path), tmp_path / "out")
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "keep").write_text("")
    with pytest.raises(BundleError, match="destination exists and is not an empty directory") as e:
        unpack_bundle(result.path, tmp_path / "dest")
    assert e.value.hint == "pass a new or empty directory; unpack never overwrites files"
    (tmp_path / "dest" / "keep").unlink()
    assert unpack_bundle(result.path, tmp_path / "dest")[1:3] == ["SKILL.md", "agent.yaml"]


def _rewrite(bundle: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite `bundle` with members replaced (bytes), removed (None) or added."""
    with tarfile.open(bundle, "r:gz") as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(bundle, "w:gz") as tf:
        for m, data in members:
            new = change.pop(m.name, data)
            if new is None:
                continue
            m.size = len(new)
            tf.addfile(m, io.BytesIO(new))
        for name, data in change.items():
            assert data is not None
            tf.addfile(_info(name, size=len(data)), io.BytesIO(data))


def test_verify_against_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path, {"a.txt": "a\n", "b.txt": "b\n"})
    result = build_bundle(root, tmp_path / "out")
    check = verify_bundle(result.path)
    assert check.ok and check.checked == 5
    _rewrite(result.path, {"a.txt": b"A\n", "b.txt": None, "extra.txt": b"!"})
    assert verify_bundle(result.path).problems == [
        "a.txt: sha256 differs from the record",
        "b.txt: in the record but missing from the bundle",
        "extra.txt: in the bundle but not in the record",
    ]
    assert run(["verify", str(result.path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "a.txt: sha256 differs from the record"
    assert captured.err.rstrip().endswith(": 3 members differ")  # the plural helper


def test_verify_counts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path, {"a.txt": "a\n"})
    result = build_bundle(root, tmp_path / "out")
    _rewrite(result.path, {"a.txt": b"AA\n"})
    assert run(["verify", str(result.path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["a.txt: size, sha256 differ from the record"]
    assert captured.err.rstrip().endswith(": 1 member differs")


def test_verify_with_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path, {"a.txt": "a\n", "run.sh": "#!/bin/sh\n"})
    result = build_bundle(root, tmp_path / "out")
    assert verify_bundle(result.path, root).ok
    assert run(["verify", str(result.path), "--source", str(root)]) == 0
    assert capsys.readouterr().out.endswith("5 members match the record and the source\n")
    (root / "a.txt").write_text("changed\n")
    (root / "run.sh").chmod(0o755)
    (root / "new.md").write_text("new\n")
    assert verify_bundle(result.path, root).problems == [
        ".skrun/record.json: content differs from the source",
        "a.txt: content differs from the source",
        "new.md: in the source but missing from the bundle",
        "run.sh: mode differs from the source",
    ]
    assert run(["verify", str(result.path), "--source", str(root)]) == 1
    # the rebuild for comparison applies neither the size limit nor the secret guard
    allowed = agent_tree(tmp_path / "k", {"id_rsa": "not really"})
    built = build_bundle(allowed, tmp_path / "k-out", allow_secrets=["id_rsa"])
    assert verify_bundle(built.path, allowed).ok


def test_inspect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = agent_tree(tmp_path, {"package.json": "{}\n", "yarn.lock": "", "requirements.txt": ""})
    result = build_bundle(root, tmp_path / "out")
    info = inspect_bundle(result.path)
    assert (info.manifest, info.lockfile) == ("package.json", "yarn.lock")
    assert info.snapshot is not None and info.snapshot["name"] == "tests/demo"
    assert run(["inspect", str(result.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    sha = hashlib.sha256(b"{}\n").hexdigest()
    assert any(re.fullmatch(f"0644 +3  {sha}  package.json", line) for line in lines)
    at = lines.index("dependencies: package.json + yarn.lock")
    assert lines[at - 1].startswith("7 members, ")
    assert lines[at + 1] == "config (.skrun/config.json):"
    assert json.loads("\n".join(lines[at + 2 :])) == info.snapshot
    assert run(["inspect", str(result.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in doc["members"]][1:4] == ["SKILL.md", "agent.yaml", "package.json"]
    assert (doc["manifest"], doc["lockfile"], doc["config"]["version"]) == (
        "package.json",
        "yarn.lock",
        "0.1.0",
    )
    assert os.path.exists(result.path)


def test_bundles_from_other_tools_with_directory_entries_are_read(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "scripts").mkdir(parents=True)
    (src / "SKILL.md").write_text("x\n")
    (src / "scripts" / "a.py").write_text("print(1)\n")
    bundle = tmp_path / "gnu.agent"
    subprocess.run(["tar", "-czf", str(bundle), "-C", str(src), "."], check=True)
    # GNU tar writes "./", "./scripts/" directory entries and "./" prefixes: skipped, stripped.
    assert sorted(m.name for m in inspect_bundle(bundle).members) == ["SKILL.md", "scripts/a.py"]
    assert sorted(unpack_bundle(bundle, tmp_path / "out")) == ["SKILL.md", "scripts/a.py"]
    assert (tmp_path / "out" / "scripts" / "a.py").read_text() == "print(1)\n"
    with pytest.raises(BundleError, match=r"no \.skrun/record\.json in the bundle"):
        verify_bundle(bundle)
