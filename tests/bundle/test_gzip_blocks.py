"""The deflate stream in independent blocks (pigz's scheme), compressed by several threads.

The bytes depend on the input only: never on the number of workers or on which one
finished first. A stream shorter than one block is plain zlib deflate, byte for byte,
unless part of it does not shrink: that part is stored (also byte for byte as documented).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import os
import random
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from skrun_build.bundle import deflate, writer
from skrun_build.bundle.build import build_bundle
from skrun_build.bundle.format import (
    DEFLATE_BLOCK,
    DICTIONARY,
    GZIP_LEVEL,
    PROBE_MIN,
    PROBE_SAMPLE,
    PROBE_STORE,
    STORE_PIECE,
)
from skrun_build.cli import run

from helpers.bundle import agent_tree


def sample(size: int, seed: int = 3) -> bytes:
    """Compressible text with random stretches: blocks that differ in how they compress."""
    rng = random.Random(seed)
    words = [b"agent", b"skill", b"bundle", b"tool", b"the", b"of", b"cache", b"input"]
    parts = []
    while sum(map(len, parts)) < size:
        parts.append(b" ".join(rng.choices(words, k=2000)))
        parts.append(rng.randbytes(rng.randrange(1, 5000)))
    return b"".join(parts)[:size]


def gzip_of(data: bytes, workers: int, piece: int = 65_537, marks: tuple[int, ...] = ()) -> bytes:
    """`data` through a GzipSink, written in `piece`-byte writes, `mark()` at `marks`."""
    out = io.BytesIO()
    cuts = sorted({0, len(data), *range(0, len(data), piece), *marks})
    with deflate.GzipSink(out, workers=workers) as sink:
        for start, end in itertools.pairwise(cuts):
            if start in marks:
                sink.mark()
            sink.write(data[start:end])
        sink.close()
    return out.getvalue()


def _shrinks(sample: bytes) -> bool:
    return sample.isascii() or len(zlib.compress(sample, 1, -12)) < PROBE_STORE * len(sample)


def _deflated(data: bytes, zdict: bytes, last: bool) -> bytes:
    args = (GZIP_LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    c = zlib.compressobj(*args, zdict) if zdict else zlib.compressobj(*args)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes, last: bool) -> bytes:
    out = b""
    pieces = [data[i : i + 65535] for i in range(0, len(data), 65535)]
    for n, piece in enumerate(pieces):
        final = last and n == len(pieces) - 1
        out += bytes([int(final)]) + len(piece).to_bytes(2, "little")
        out += (len(piece) ^ 0xFFFF).to_bytes(2, "little") + piece
    return out


def reference_block(block: bytes, zdict: bytes, last: bool, marks: list[int]) -> bytes:
    """docs/bundle-format.md's rule for one block, written out plainly."""
    cuts = sorted({0, len(block), *range(STORE_PIECE, len(block), STORE_PIECE), *marks})
    kinds: list[tuple[int, int, bool]] = []  # (start, end, stored) per stretch
    for start, end in itertools.pairwise(cuts):
        stored = False
        if end - start >= PROBE_MIN:
            middle = start + (end - start - PROBE_SAMPLE) // 2
            samples = [block[at : at + PROBE_SAMPLE] for at in (start, middle)]
            stored = not any(_shrinks(x) for x in samples)
        kinds.append((start, end, stored))
    runs: list[tuple[int, int, bool]] = []
    for start, end, stored in kinds:
        if runs and runs[-1][2] == stored:
            runs[-1] = (runs[-1][0], end, stored)
        else:
            runs.append((start, end, stored))
    if not runs:
        return _deflated(block, zdict, last)
    body = b""
    for n, (start, end, stored) in enumerate(runs):
        final = last and n == len(runs) - 1
        if stored:
            body += _stored(block[start:end], final)
        else:
            prior = (zdict + block[:start])[-DICTIONARY:]
            body += _deflated(block[start:end], prior, final)
    return body


def reference(data: bytes, marks: tuple[int, ...] = ()) -> bytes:
    """The documented scheme, written out plainly: header, blocks, CRC-32, size."""
    body = b""
    blocks = [data[i : i + DEFLATE_BLOCK] for i in range(0, len(data), DEFLATE_BLOCK)]
    if not blocks or len(blocks[-1]) == DEFLATE_BLOCK:
        blocks.append(b"")  # the input ends on a block boundary: an empty last block
    for n, block in enumerate(blocks):
        start = n * DEFLATE_BLOCK
        zdict = data[max(0, start - DICTIONARY) : start]
        inside = [m - start for m in marks if start < m < start + len(block)]
        body += reference_block(block, zdict, n == len(blocks) - 1, inside)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + body + zlib.crc32(data).to_bytes(4, "little") + len(data).to_bytes(4, "little")


@pytest.mark.parametrize("size", [0, 1000, DEFLATE_BLOCK, 5 * DEFLATE_BLOCK + 777])
def test_the_bytes_do_not_depend_on_the_number_of_workers(size: int) -> None:
    data = sample(size)
    outputs = {gzip_of(data, workers) for workers in (1, 2, 3, 8)}
    assert len(outputs) == 1
    (out,) = outputs
    assert out == reference(data)
    assert gzip.decompress(out) == data


def text(size: int, seed: int = 5) -> bytes:
    rng = random.Random(seed)
    words = [b"agent", b"skill", b"bundle", b"tool", b"the", b"of", b"cache", b"input"]
    return b" ".join(rng.choices(words, k=size // 3))[:size]


def test_a_stream_shorter_than_a_block_is_plain_deflate() -> None:
    data = text(DEFLATE_BLOCK - 1)
    c = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -15, 8)
    assert gzip_of(data, 2)[10:-8] == c.compress(data) + c.flush()


def test_text_compresses_exactly_as_plain_blocks_did() -> None:
    # No stretch is stored: each block is one deflate primed with the 32 KiB before it.
    data = text(3 * DEFLATE_BLOCK + 999)
    plain = b""
    for n in range(4):
        start = n * DEFLATE_BLOCK
        zdict = data[max(0, start - DICTIONARY) : start]
        plain += _deflated(data[start : start + DEFLATE_BLOCK], zdict, n == 3)
    assert gzip_of(data, 2, marks=(5000, 70_000, 300_001))[10:-8] == plain


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_what_does_not_shrink_is_stored_between_marks(workers: int) -> None:
    rng = random.Random(11)
    noise = rng.randbytes(200_000)  # an image or an archive, as far as deflate can tell
    data = text(50_000) + noise + text(90_000) + rng.randbytes(3000) + text(20_000)
    marks = (50_000, 250_000, 340_000, 343_000)
    out = gzip_of(data, workers, marks=marks)
    assert out == reference(data, marks)
    assert gzip.decompress(out) == data
    check = subprocess.run(["gzip", "-t"], input=out, check=False)
    assert check.returncode == 0
    # The noise is stored: no larger than its own size plus 5 bytes per stored block...
    body = out[10:-8]
    assert noise[:65535] in body and noise[-50_000:] in body
    # ...and the whole stream is no larger than plain deflate of every block.
    c = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -15)
    assert len(body) <= len(c.compress(data) + c.flush()) * 1.002
    # 3,000 noisy bytes are under PROBE_MIN: deflated with the text around them.
    assert data[340_000:343_000] not in body


def test_runs_cut_at_marks_and_the_grid_and_short_stretches_follow_their_neighbour() -> None:
    rng = random.Random(2)
    block = rng.randbytes(10_000) + text(1000) + rng.randbytes(DEFLATE_BLOCK - 11_000)
    runs = deflate._runs(block, [10_000, 11_000])
    # 10,000 random bytes stored; the 1,000 text bytes (shorter than PROBE_MIN: never
    # stored) deflated; the grid cut at 64 KiB joins two stored stretches into one run.
    assert runs == [(0, 10_000, True), (10_000, 11_000, False), (11_000, DEFLATE_BLOCK, True)]
    runs = deflate._runs(text(8000) + rng.randbytes(8000), [8000])
    assert runs == [(0, 8000, False), (8000, 16_000, True)]
    assert deflate._runs(b"", []) == [(0, 0, False)]


def test_blocks_end_on_a_byte_boundary_with_a_sync_flush() -> None:
    data = sample(3 * DEFLATE_BLOCK + 5)
    out = gzip_of(data, 2)
    # An empty stored block (00 00 ff ff) closes each of the three whole blocks.
    assert out.count(b"\x00\x00\xff\xff") >= 3
    # Decompressing block by block stops cleanly at each boundary.
    d = zlib.decompressobj(-15)
    assert d.decompress(out[10:-8]) == data and d.eof


def test_bundles_are_identical_with_any_number_of_compression_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent_tree(
        tmp_path, {"data.txt": sample(6 * DEFLATE_BLOCK).hex(), "blob.bin": os.urandom(300_000)}
    )
    digests = set()
    for workers in (1, 2, 4):
        result = build_bundle(root, tmp_path / f"w{workers}", workers=workers)
        digests.add(result.sha256)
    monkeypatch.chdir(tmp_path)
    for flag in ("1", "3"):
        assert run(["build", "demo", "-o", f"cli{flag}", "-j", flag, "--json"]) == 0
        capsys.readouterr()
        digests.add(
            hashlib.sha256((tmp_path / f"cli{flag}" / "demo-0.1.0.agent").read_bytes()).hexdigest()
        )
    assert len(digests) == 1
    # GNU gzip reads it: the stream is one valid gzip member.
    check = subprocess.run(["gzip", "-t", str(tmp_path / "w2" / "demo-0.1.0.agent")], check=False)
    assert check.returncode == 0


def test_a_compression_error_in_a_worker_reaches_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path, {"data.txt": sample(4 * DEFLATE_BLOCK).hex()})
    real = deflate.deflate_block
    calls = []

    def failing(data: bytes, zdict: bytes, last: bool, marks: tuple[int, ...] = ()) -> bytes:
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("deflate ran out of memory")
        return real(data, zdict, last, marks)

    monkeypatch.setattr(deflate, "deflate_block", failing)
    with pytest.raises(MemoryError, match="deflate ran out of memory"):
        build_bundle(root, tmp_path / "out", workers=2)
    assert not (tmp_path / "out").exists()
    assert not [t for t in threading.enumerate() if t.name == "skrun-gzip"]


# A source file opened for reading the instant before an interrupt is closed by the
# garbage collector, which warns (as in test_bundle_interrupts).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.slow
def test_keyboard_interrupt_at_every_point_with_many_blocks_and_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_bundle_interrupts import (
        _leftovers,
        _prepared,
        _run_writer,
        _traced_writer,
        assert_writer_covered,
    )

    from skrun_build.bundle.verify import verify_bundle

    # Tiny blocks, one slot, two workers: every hand-over, wait and out-of-order finish.
    monkeypatch.setattr(deflate, "DEFLATE_BLOCK", 1024)
    monkeypatch.setattr(writer, "CHUNK", 700)
    monkeypatch.setattr(deflate.GzipSink, "SLOTS", 1)
    real_init = deflate.GzipSink.__init__

    def two_workers(self: deflate.GzipSink, out: deflate.Writable, **kw: object) -> None:
        real_init(self, out, limit=None, workers=2)

    monkeypatch.setattr(deflate.GzipSink, "__init__", two_workers)
    info, files, _ = _prepared(tmp_path)
    out = tmp_path / "out"
    name = "demo-0.1.0.agent"
    error, injector, finished = _traced_writer(info, files, out / name, 0)
    assert finished and error is None
    # Not a count (it depends on the interpreter); `_cpus` is skipped: workers are given.
    assert_writer_covered(injector, "agent", frozenset({"_cpus"}))
    total = injector.count
    (out / name).unlink()
    out.rmdir()
    for at in range(1, total + 1):
        error, count, finished = _run_writer(info, files, out / name, at)
        assert finished, f"the build hung after an interrupt at event {at}"
        if count < at:
            # How often the caller waits depends on which worker finishes first, so a
            # run may pass fewer points than the first one: this one never got its
            # interrupt, and the bundle must simply be complete.
            assert error is None and verify_bundle(out / name).ok, at
            (out / name).unlink()
            out.rmdir()
            continue
        assert isinstance(error, KeyboardInterrupt), (at, error)
        assert not [t for t in threading.enumerate() if t.name == "skrun-gzip"], at
        left = _leftovers(out)
        if left:
            assert left == [name], (at, left)
            assert verify_bundle(out / name).ok, at
            (out / name).unlink()
        if out.exists():
            out.rmdir()


def test_the_probe_stores_noise_and_keeps_text_base64_and_utf8_deflated() -> None:
    import base64

    rng = random.Random(4)
    noise = rng.randbytes(8192)
    assert deflate.incompressible(noise, 0, len(noise))
    assert deflate.incompressible(gzip.compress(text(200_000)), 0, 8192)
    for kept in (
        text(8192),
        base64.b64encode(noise),  # ASCII: never tried, it always shrinks by a quarter
        ("Agent skills, 技能与工具。" * 600).encode(),  # not ASCII: tried, and it shrinks
        noise[:1024] + text(8192),  # a noisy start, but the middle sample shrinks
    ):
        assert not deflate.incompressible(kept, 0, len(kept))
