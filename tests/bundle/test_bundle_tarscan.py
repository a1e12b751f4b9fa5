"""The reading limits are checked by a walk over the tar headers before tarfile parses any:
a member-count bomb is refused without a `TarInfo` built, and the walk counts exactly the
members (and sizes) tarfile reads, whatever header kinds carry them. Work is counted, not
timed."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from skrun_build.bundle.tarscan import Budget, Limits, scan
from skrun_build.cli import run
from skrun_build.errors import BundleError

BOMB_MEMBERS = 100_001  # one over the default bound


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~0.6 MiB .agent holding 100,001 empty members (over the default 100,000)."""
    header = bytearray(tarfile.TarInfo("f000000").tobuf(tarfile.USTAR_FORMAT))
    blocks = []
    for i in range(BOMB_MEMBERS):
        header[0:7] = b"f%06d" % i
        header[148:156] = b"        "
        header[148:156] = b"%06o\0 " % sum(header)  # the checksum, as tar computes it
        blocks.append(bytes(header))
    data = b"".join(blocks) + bytes(1024)
    with tarfile.open(fileobj=io.BytesIO(data[:5120] + bytes(1024))) as sample:
        assert len(sample.getmembers()) == 10  # real headers, checksums included
    path = tmp_path_factory.mktemp("bomb") / "bomb.agent"
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    return path


@pytest.mark.parametrize("command", ["inspect", "verify", "unpack"])
def test_a_member_count_bomb_is_refused_before_tarfile_parses_a_header(
    bomb: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    assert bomb.stat().st_size < 1024 * 1024
    parsed = 0
    real_frombuf = tarfile.TarInfo.frombuf.__func__  # type: ignore[attr-defined]

    def counting_frombuf(cls: type[tarfile.TarInfo], *args: object) -> tarfile.TarInfo:
        nonlocal parsed
        parsed += 1
        return real_frombuf(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(tarfile.TarInfo, "frombuf", classmethod(counting_frombuf))
    read = 0
    real_read = gzip.GzipFile.read

    def counting_read(self: gzip.GzipFile, size: int = -1) -> bytes:
        nonlocal read
        data = real_read(self, size)
        read += len(data)
        return data

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([command, str(bomb), *extra]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"skrun: error: {bomb}: more than 100000 members; refused before reading any content "
        "(if you trust this bundle, raise the limit with --max-members)\n"
    )
    assert parsed == 0  # tarfile never built a TarInfo: the header walk refused it
    assert read <= BOMB_MEMBERS * 512 + 64 * 1024  # the headers, and no further than a batch
    assert not (tmp_path / "out").exists()


def _tar(members: list[tuple[tarfile.TarInfo, bytes]], fmt: int) -> bytes:
    buf = io.BytesIO()
    # pax: a global header first ('g'), which tarfile applies and never yields.
    extra = {"pax_headers": {"comment": "global"}} if fmt == tarfile.PAX_FORMAT else {}
    with tarfile.open(fileobj=buf, mode="w", format=fmt, **extra) as tar:  # type: ignore[call-overload]
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def _info(name: str, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    if kind == tarfile.SYMTYPE:
        info.linkname = "x" * 150  # a long link name: a GNU 'K' or a pax record
    return info


def _mixed() -> list[tuple[tarfile.TarInfo, bytes]]:
    long = "d/" + "n" * 200  # longer than the ustar name and prefix fields
    return [
        (_info("SKILL.md", 3), b"abc"),
        (_info("dir/", kind=tarfile.DIRTYPE), b""),
        (_info(long, 700), b"x" * 700),
        (_info("link", kind=tarfile.SYMTYPE), b""),
        (_info("é/ü.txt", 1025), b"y" * 1025),
        (_info("p" * 90 + "/" + "q" * 90, 5), b"12345"),  # ustar prefix + name
        (_info("last", 0), b""),
    ]


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_the_walk_counts_exactly_what_tarfile_reads(fmt: int, tmp_path: Path) -> None:
    members = _mixed()
    if fmt == tarfile.USTAR_FORMAT:
        members = [m for m in members if len(m[0].name) <= 200 and len(m[0].linkname) <= 100]
    raw = _tar(members, fmt)
    if fmt == tarfile.PAX_FORMAT:
        assert raw[156:157] == tarfile.XGLTYPE
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        infos = tar.getmembers()
    count, total = len(infos), sum(i.size for i in infos)
    bundle = tmp_path / "b.agent"

    def walk(limits: Limits) -> Budget:
        budget = Budget(limits, bundle)
        scan(io.BytesIO(raw), budget)
        return budget

    done = walk(Limits(unpacked=total, members=count))  # exactly at both bounds: accepted
    assert (done.count, done.total) == (count, total)
    with pytest.raises(BundleError, match=f"more than {count - 1} members"):
        walk(Limits(unpacked=total, members=count - 1))
    with pytest.raises(BundleError, match="members add up to more than"):
        walk(Limits(unpacked=total - 1, members=count))


def test_a_pax_size_moves_the_content_as_tarfile_reads_it(tmp_path: Path) -> None:
    # The ustar size field says 0 and the pax record says 600: the content is 600 bytes,
    # and the member after it is found only by skipping those.
    first = tarfile.TarInfo("big")
    first.size = 600
    first.pax_headers = {"size": "600"}
    raw = _tar([(first, b"z" * 600), (_info("after", 2), b"ok")], tarfile.PAX_FORMAT)
    field = raw[3 * 512 + 124 : 3 * 512 + 136]  # global, pax, then the header of 'big'
    assert int(field.strip(b"\0 ") or b"0", 8) == 0
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        assert [(i.name, i.size) for i in tar.getmembers()] == [("big", 600), ("after", 2)]
    budget = Budget(Limits(), tmp_path / "b.agent")
    scan(io.BytesIO(raw), budget)
    assert (budget.count, budget.total) == (2, 602)
    with pytest.raises(BundleError, match=r"member 'big' declares 600 B"):
        scan(io.BytesIO(raw), Budget(Limits(unpacked=599), tmp_path / "b.agent"))


def test_a_long_name_is_named_in_the_refusal(tmp_path: Path) -> None:
    long = "a/" + "n" * 300
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        raw = _tar([(_info(long, 10), b"0123456789")], fmt)
        with pytest.raises(BundleError, match=f"member '{long}' declares 10 B"):
            scan(io.BytesIO(raw), Budget(Limits(unpacked=9), tmp_path / "b.agent"))


def test_a_bundle_skrun_built_passes_the_walk_with_its_exact_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.bundle import agent_tree

    root = agent_tree(tmp_path, {"n" * 120 + ".md": "long name\n", "a.txt": "a\n"})
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 0
    bundle = tmp_path / "dist" / "demo-0.1.0.agent"
    with tarfile.open(bundle) as tar:
        count = len(tar.getmembers())
    capsys.readouterr()
    assert run(["inspect", str(bundle), "--max-members", str(count)]) == 0
    assert run(["inspect", str(bundle), "--max-members", str(count - 1)]) == 1
    assert f"more than {count - 1} members" in capsys.readouterr().err


def test_an_extended_header_too_long_for_any_name_is_refused(tmp_path: Path) -> None:
    # tarfile reads a pax header into memory whole: a gigabyte one is no header.
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, 2 * 1024**3
    raw = header.tobuf(tarfile.USTAR_FORMAT) + b"\0" * 4096
    with pytest.raises(BundleError, match=r"a tar extended header of 2\.0 GiB, more than any"):
        scan(io.BytesIO(raw), Budget(Limits(), tmp_path / "b.agent"))
