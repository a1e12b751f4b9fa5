"""Bounded reading: `inspect`, `verify` and `unpack` refuse a bundle whose members add up
beyond a limit (or are too many), decided from the tar headers before any content is read
or anything is written. A `.skill` zip skrun built itself is read too; messages are ours."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree

GIB = 1024**3
_ZEROS_64M = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9, mtime=0)


def _bomb(path: Path, size: int = 3 * GIB) -> Path:
    """A ~3 MiB .agent holding one 3 GiB member of zeros: gzip members concatenated."""
    info = tarfile.TarInfo("data.bin")
    info.size = size
    parts = [gzip.compress(info.tobuf(tarfile.PAX_FORMAT), mtime=0)]
    parts += [_ZEROS_64M] * (size // (64 * 1024 * 1024))
    path.write_bytes(b"".join(parts))
    return path


def _one_line_error(err: str) -> str:
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", ["inspect", "verify", "unpack"])
def test_a_decompression_bomb_is_refused_from_its_header(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    bomb = _bomb(tmp_path / "bomb.agent")
    assert bomb.stat().st_size < 4 * 1024 * 1024
    # Decided from the headers: count what is decompressed instead of timing it.
    read = 0
    real = gzip.GzipFile.read

    def counting(self: gzip.GzipFile, size: int = -1) -> bytes:
        nonlocal read
        data = real(self, size)
        read += len(data)
        return data

    monkeypatch.setattr(gzip.GzipFile, "read", counting)
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([command, str(bomb), *extra]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bomb}: members add up to more than 1.0 GiB unpacked (member "
        "'data.bin' declares 3.0 GiB); refused before reading any content (if you trust this "
        "bundle, raise the limit with --max-unpacked-size, e.g. --max-unpacked-size 4GiB)"
    )
    assert read < 64 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.agent"]


def _built(tmp_path: Path) -> Path:
    root = agent_tree(tmp_path, {"notes.md": "x" * 5000, "more.md": "y\n"})
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 0
    return tmp_path / "dist" / "demo-0.1.0.agent"


@pytest.mark.parametrize("command", ["inspect", "verify", "unpack"])
def test_the_limits_are_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    bundle = _built(tmp_path)
    capsys.readouterr()
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([command, str(bundle), *extra, "--max-unpacked-size", "4KiB"]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"skrun: error: {bundle}: members add up to more than 4.0 KiB")
    assert run([command, str(bundle), *extra, "--max-members", "3"]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bundle}: more than 3 members; refused before reading any content "
        "(if you trust this bundle, raise the limit with --max-members)"
    )
    assert not (tmp_path / "out").exists()
    ok = [command, str(bundle), *extra, "--max-unpacked-size", "2GiB", "--max-members", "6"]
    assert run(ok) == 0


@pytest.mark.parametrize("value", ["lots", "0", "-1"])
def test_a_bad_limit_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    bundle = _built(tmp_path)
    capsys.readouterr()
    assert run(["inspect", str(bundle), "--max-unpacked-size", value]) == 2
    assert "invalid size" in _one_line_error(capsys.readouterr().err)


def test_one_member_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.agent"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("a.md")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"a"))
    path.write_bytes(gzip.compress(buf.getvalue()))
    assert run(["inspect", str(path)]) == 0
    assert "1 member, 1 byte" in capsys.readouterr().out.splitlines()


def _skill(tmp_path: Path) -> tuple[Path, Path]:
    root = agent_tree(tmp_path, {"scripts": {"run.py": "print(1)\n"}, "requirements.txt": "x\n"})
    (root / "scripts" / "run.py").chmod(0o755)
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "d")]) == 0
    return root, tmp_path / "d" / "demo.skill"


def test_inspect_reads_a_skill_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    root, zipped = _skill(tmp_path)
    capsys.readouterr()
    assert run(["inspect", str(zipped)]) == 0
    out = capsys.readouterr().out.splitlines()
    body = (root / "scripts" / "run.py").read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    assert f"0755  {len(body):>3}  {sha}  demo/scripts/run.py" in out
    names = ("SKILL.md", "agent.yaml", "requirements.txt", "scripts/run.py")
    total = sum(len((root / n).read_bytes()) for n in names)
    assert out[-3:] == [
        f"4 members, {total} bytes",
        "dependencies: requirements.txt (no lockfile)",
        "config: none (a .skill zip holds no config snapshot)",
    ]


def test_verify_reads_a_skill_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, zipped = _skill(tmp_path)
    capsys.readouterr()
    assert run(["verify", str(zipped)]) == 0
    assert capsys.readouterr().out == (
        f"OK {zipped}: 4 members read back intact (a .skill has no record: --source DIR "
        "compares it)\n"
    )
    assert run(["verify", str(zipped), "--source", str(root)]) == 0
    assert capsys.readouterr().out == f"OK {zipped}: 4 members match the source\n"
    (root / "SKILL.md").write_text((root / "SKILL.md").read_text() + "changed\n")
    assert run(["verify", str(zipped), "--source", str(root)]) == 1
    assert capsys.readouterr().out == "demo/SKILL.md: content differs from the source\n"


def test_a_damaged_skill_zip_is_our_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, zipped = _skill(tmp_path)
    data = bytearray(zipped.read_bytes())
    at = data.index(b"demo/SKILL.md") + len("demo/SKILL.md") + 5
    data[at] ^= 0xFF  # inside the first entry's compressed data
    zipped.write_bytes(bytes(data))
    capsys.readouterr()
    assert run(["verify", str(zipped)]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"skrun: error: {zipped}: is not a valid .skill zip: ")
    assert line.endswith("(download or build it again with `skrun build --format skill`)")


def _zip(path: Path, entries: list[tuple[str, int]]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, mode in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            zf.writestr(info, b"link-target" if mode & 0o170000 == 0o120000 else b"x")
    return path


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([("demo/../../etc/x", 0o100644)], "entry 'demo/../../etc/x': '..' in the path"),
        ([("/etc/x", 0o100644)], "entry '/etc/x': absolute or malformed name"),
        ([("demo/link", 0o120777)], "entry 'demo/link': not a regular file"),
        ([("demo/a", 0o100644), ("other/b", 0o100644)], "a .skill holds one folder <name>/"),
        ([("loose.md", 0o100644)], "a .skill holds one folder <name>/"),
        ([("demo/a", 0o100644), ("demo/a", 0o100644)], "entry 'demo/a': duplicate entry"),
    ],
    ids=["dotdot", "absolute", "symlink", "two-roots", "no-root", "duplicate"],
)
def test_a_hostile_skill_zip_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entries: list[tuple[str, int]], problem: str
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        bad = _zip(tmp_path / "bad.skill", entries)
    for command in ("inspect", "verify"):
        assert run([command, str(bad)]) == 1
        line = _one_line_error(capsys.readouterr().err)
        assert line.startswith(f"skrun: error: {bad}: {problem}"), line


def test_skill_zip_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, zipped = _skill(tmp_path)
    capsys.readouterr()
    assert run(["inspect", str(zipped), "--max-members", "2"]) == 1
    assert "more than 2 members" in _one_line_error(capsys.readouterr().err)
    assert run(["verify", str(zipped), "--max-unpacked-size", "10"]) == 1
    assert "members add up to more than 10 B" in _one_line_error(capsys.readouterr().err)
