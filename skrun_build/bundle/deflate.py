"""The gzip stream of an `.agent` bundle: independent deflate blocks compressed in parallel.

`GzipSink` takes the tar stream and writes gzip with a fixed header (mtime 0, no
name, OS byte 255). The deflate stream is cut every `DEFLATE_BLOCK` bytes of input
into blocks compressed on their own (pigz's scheme), so the bytes never depend on
how many threads compressed them. Inside a block, data that deflate cannot shrink
(already compressed images, archives, random bytes) is stored instead of deflated
(`deflate_block`): the same size, none of the time. docs/bundle-format.md is the
normative description.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Protocol

from skrun_build.bundle.format import (
    DEFLATE_BLOCK,
    DICTIONARY,
    GZIP_LEVEL,
    PROBE_MIN,
    PROBE_SAMPLE,
    PROBE_STORE,
    STORE_PIECE,
)

_GZIP_HEADER = (
    b"\x1f\x8b"  # magic
    b"\x08"  # deflate
    b"\x00"  # flags: no name, no comment, no extra
    b"\x00\x00\x00\x00"  # mtime 0
    b"\x00"  # extra flags (0 for level 6)
    b"\xff"  # OS: unknown, the same on every platform
)


class Writable(Protocol):
    """Anything with `write(bytes)`: a file, or a hashing wrapper around one."""

    def write(self, data: bytes, /) -> object:
        """Write `data`."""


class SizeExceeded(Exception):
    """Raised inside the writer when the compressed output passes the size limit."""


class GzipSink:
    """A gzip stream with a fixed header, writing to `out` and counting bytes.

    The deflate stream is cut into independent blocks, as pigz does: every
    `DEFLATE_BLOCK` bytes of input form a block, compressed on its own with the
    previous 32 KiB of input as its dictionary and ended with a sync flush (so on a
    byte boundary); the last block ends the stream. Within a block, stretches that
    would not shrink are stored (`deflate_block`); `mark()` tells where a stretch may
    begin or end besides the fixed `STORE_PIECE` grid. Blocks are compressed by
    `workers` threads at once (zlib releases the GIL while it deflates) and written
    in order, so the bytes depend only on the input, never on how many workers ran
    or which finished first. A stream shorter than one block is a single plain
    deflate stream. With one worker, or for a stream of one block, the calling thread
    compresses (no thread is started: a tree build's processes already fill the
    CPUs, and a small agent is done before a thread would be). Reading, hashing and
    the secret scan in the calling thread overlap with compression; at most `SLOTS`
    blocks wait (default: 16 per worker, at most 64: 8 MiB of input, enough to ride
    out stretches that compress at other speeds), so memory stays bounded.

    Safe to interrupt by construction: Ctrl-C (KeyboardInterrupt) or SIGTERM can
    land between any two bytecodes of the calling thread, and an interrupted lock
    acquisition could leave a lock held that the clean-up then waits for forever.
    So the caller's side takes no lock at all: blocks go through a deque and
    results through a dict (single operations, atomic), and the threads wait on
    each other only in `os.read` of a pipe (one byte per block handed over, one byte
    per block done). Stopping the workers is a flag and one byte each, written to a
    pipe that never fills. The workers start with SIGINT and SIGTERM blocked, so
    they always reach the calling thread. Use it as a context manager so that the
    workers always stop.
    """

    SLOTS = 0  # blocks handed over and not yet written, at most; 0: 16 per worker, <= 64

    def __init__(self, out: Writable, *, limit: int | None = None, workers: int = 0) -> None:
        self._out = out
        self.workers = workers if workers > 0 else _cpus()
        self._slots = self.SLOTS or min(16 * self.workers, 64)
        self._crc = 0
        self._raw = 0
        self.limit = limit
        self.written = 0
        self._buf = bytearray()
        self._marks: deque[int] = deque()  # stream offsets given to `mark`, not yet handed over
        self._tail = b""  # the last 32 KiB of input: the next block's dictionary
        self._blocks: deque[tuple[int, bytes, bytes, bool, tuple[int, ...]]] = deque()
        self._done: dict[int, bytes] = {}
        self._handed = 0  # blocks handed over
        self._emitted = 0  # blocks written out, in order
        self._credit = 0  # "done" bytes read from the pipe and not yet matched by a write
        self._error: BaseException | None = None
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._fds: list[int] = []
        self._emit(_GZIP_HEADER)

    def __enter__(self) -> GzipSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def _start(self) -> None:
        # Each pipe is recorded before anything else can happen, so `abort` closes it.
        self._fds += os.pipe()  # blocks handed over: workers read, caller writes
        self._fds += os.pipe()  # blocks done: caller reads, workers write
        for _ in range(self.workers):
            thread = threading.Thread(target=self._work, name="skrun-gzip", daemon=True)
            with _signals_blocked():
                thread.start()
                self._threads.append(thread)  # only once started: `_join` may always join

    def _emit(self, data: bytes) -> None:
        if data:
            self._out.write(data)
            self.written += len(data)
            if self.limit is not None and self.written > self.limit:
                raise SizeExceeded

    def _work(self) -> None:
        blocks, done = self._fds[0], self._fds[3]
        try:
            while os.read(blocks, 1) == b"\1" and not self._stopping:
                number, data, zdict, last, marks = self._blocks.popleft()
                out = b""
                if self._error is None:  # after an error, keep answering for the caller
                    try:
                        out = deflate_block(data, zdict, last, marks)
                    except BaseException as e:  # handed to the calling thread
                        self._error = e
                self._done[number] = out
                os.write(done, b"\1")
        except BaseException as e:  # never expected: still, never leave the caller waiting
            self._error = self._error or e
            os.write(done, b"\1" * (self._slots + 1))

    def _hand_over(self, data: bytes, last: bool) -> None:
        """Queue one block (waiting for the oldest to be written when all slots are full).

        With one worker, or when the whole stream is this one block, it is compressed
        here: no thread would run beside this one. Else the workers start with the
        first block they get.
        """
        if self._error is not None:
            raise self._error
        inline = self.workers == 1 or (last and not self._handed)
        if not inline and not self._fds:
            self._start()
        while self._handed - self._emitted >= self._slots:
            self._write_next()
        zdict, self._tail = self._tail, (self._tail + data)[-DICTIONARY:]
        self._crc = zlib.crc32(data, self._crc)
        start, end = self._raw, self._raw + len(data)
        marks = []
        while self._marks and self._marks[0] < end:
            if self._marks[0] > start:
                marks.append(self._marks[0] - start)
            self._marks.popleft()
        self._raw = end
        if inline:  # nothing is pending: a worker has never started, or all are written
            self._handed += 1
            self._emitted += 1
            self._emit(deflate_block(data, zdict, last, tuple(marks)))
            return
        self._blocks.append((self._handed, data, zdict, last, tuple(marks)))
        self._handed += 1
        os.write(self._fds[1], b"\1")

    def _write_next(self) -> None:
        """Wait for the oldest block handed over, then write it out."""
        number = self._emitted
        while number not in self._done or not self._credit:
            if self._error is not None:
                raise self._error
            os.read(self._fds[2], 1)
            self._credit += 1
        self._credit -= 1
        out = self._done.pop(number)
        self._emitted += 1
        if self._error is not None:
            raise self._error
        self._emit(out)

    def mark(self) -> None:
        """Note the current offset of the input as a place where storing may start or end
        (a tar member's content starts or ends here)."""
        at = self._raw + len(self._buf)
        if not self._marks or self._marks[-1] != at:
            self._marks.append(at)

    def write(self, data: bytes) -> None:
        """Compress and write `data` (handed over in whole blocks)."""
        self._buf += data
        size = DEFLATE_BLOCK
        whole = len(self._buf) // size * size
        if whole:
            view = memoryview(self._buf)
            try:
                for start in range(0, whole, size):
                    self._hand_over(bytes(view[start : start + size]), False)
            finally:
                view.release()
            del self._buf[:whole]

    def _join(self, *, abort: bool) -> None:
        """Stop the workers (once idle, unless `abort`) and wait for them."""
        if abort:
            self._stopping = True
        # Never blocks: fewer bytes than the slots plus twice the workers (an interrupted
        # close, then abort) ever wait in this pipe, far below its size.
        for _ in self._threads:
            os.write(self._fds[1], b"\0")
        while self._threads:  # a thread leaves the list only once joined
            self._threads[0].join()  # its own lock, released when it ends: never one we hold
            del self._threads[0]

    def abort(self) -> None:
        """Stop the workers without taking any lock, then close the pipes; idempotent."""
        if self._fds:
            self._join(abort=True)
        # Only once no worker can read them (an fd number closed under it could be reused).
        fds, self._fds = self._fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """Hand over the last block, write every block in order, then the trailer."""
        rest = bytes(self._buf)
        self._buf.clear()
        self._hand_over(rest, True)
        while self._emitted < self._handed:
            self._write_next()
        self._join(abort=False)
        if self._error is not None:
            raise self._error
        trailer = self._crc.to_bytes(4, "little") + (self._raw & 0xFFFFFFFF).to_bytes(4, "little")
        self._emit(trailer)


def deflate_block(data: bytes, zdict: bytes, last: bool, marks: Sequence[int] = ()) -> bytes:
    """One block of the deflate stream, ended by a sync flush (byte-aligned, not final)
    or, for the last block, by the end of the stream.

    The block is cut at `marks` (offsets inside it) and every `STORE_PIECE` bytes into
    stretches; a stretch of at least `PROBE_MIN` bytes whose samples do not shrink
    (`incompressible`) is stored, any other is deflated (a tar header between two
    images is deflated on its own). Neighbours treated alike form runs. A deflated run is raw
    deflate at `GZIP_LEVEL` ended by a sync flush, primed with the 32 KiB of input
    before it (`zdict` holds those before the block); a stored run is stored blocks of
    at most 65,535 bytes. A block without a stored
    run is therefore exactly one deflate of the whole block primed with `zdict`.
    """
    runs = _runs(data, marks)
    if len(runs) == 1 and not runs[0][2]:
        return _deflate(data, zdict, last)
    out = []
    view = memoryview(data)
    for n, (start, end, stored) in enumerate(runs):
        final = last and n == len(runs) - 1
        if stored:
            out.append(_stored(view[start:end], final))
        else:
            # Primed with the 32 KiB of input before the run, as plain deflate's window.
            if start >= DICTIONARY:
                prior = data[start - DICTIONARY : start]
            else:
                prior = (zdict + data[:start])[-DICTIONARY:] if start else zdict
            out.append(_deflate(view[start:end], prior, final))
    return b"".join(out)


def _deflate(data: bytes | memoryview, zdict: bytes, last: bool) -> bytes:
    args = (GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY)
    c = zlib.compressobj(*args, zdict) if zdict else zlib.compressobj(*args)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


_STORED_MAX = 65535  # the LEN field of a stored block


def _stored(data: memoryview, final: bool) -> bytes:
    """Stored deflate blocks holding `data`, starting on a byte boundary; the last one is
    marked final when `final`."""
    out = bytearray()
    for start in range(0, len(data), _STORED_MAX):
        piece = data[start : start + _STORED_MAX]
        is_last = final and start + _STORED_MAX >= len(data)
        size = len(piece)
        out += bytes((1 if is_last else 0,)) + size.to_bytes(2, "little")
        out += (size ^ 0xFFFF).to_bytes(2, "little") + piece
    return bytes(out)


def _runs(data: bytes, marks: Sequence[int]) -> list[tuple[int, int, bool]]:
    """(start, end, stored) of each run of the block, in order (see `deflate_block`)."""
    cuts = sorted({0, len(data), *range(STORE_PIECE, len(data), STORE_PIECE), *marks})
    runs: list[tuple[int, int, bool]] = []
    for start, end in itertools.pairwise(cuts):
        stored = end - start >= PROBE_MIN and incompressible(data, start, end)
        if runs and runs[-1][2] == stored:
            runs[-1] = (runs[-1][0], end, stored)
        else:
            runs.append((start, end, stored))
    return runs or [(0, len(data), False)]


def incompressible(data: bytes, start: int, end: int) -> bool:
    """Whether `data[start:end]` is not worth deflating: a sample of `PROBE_SAMPLE` bytes
    at its start and one in its middle both stay at or above `PROBE_STORE` of their
    size when deflated at level 1 with a 4 KiB window (images, archives and random
    bytes do). An ASCII sample always shrinks (text, base64, hex), so it is not tried."""
    middle = start + (end - start - PROBE_SAMPLE) // 2
    for at in (start, middle):
        sample = data[at : at + PROBE_SAMPLE]
        if sample.isascii() or len(zlib.compress(sample, 1, -12)) < PROBE_STORE * len(sample):
            return False
    return True


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back while a thread starts: it inherits the mask, so they
    always reach the calling thread, and none lands inside `Thread.start`'s own locking."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: nothing to block
        yield
        return
    # Read the mask to restore first: an interrupt raised as the blocking call returns
    # must not leave the signals blocked for good.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
