"""`skrun build` (`--format agent`): the `.agent` tar.gz, written atomically.

The snapshot `.skrun/config.json` first, the source files in member order, the
record `.skrun/record.json` last (docs/bundle-format.md), through the streaming
writer of `writer.py`; the secret guard and the size limit apply on the way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO, Any

from skrun_build.bundle.collect import SourceFile
from skrun_build.bundle.deflate import GzipSink, SizeExceeded
from skrun_build.bundle.format import (
    MODE_FILE,
    RECORD_PATH,
    SNAPSHOT_PATH,
    WARN_SIZE,
    RecordEntry,
    build_mtime,
    canonical_json,
    inputs_digest_of,
    record_bytes,
)
from skrun_build.bundle.probe import FileProbe, binary_warning, name_warnings
from skrun_build.bundle.result import BuildResult
from skrun_build.bundle.secrets import Allow, Finding, secret_error
from skrun_build.bundle.writer import TarStream, atomic_output, write_error
from skrun_build.errors import BundleError
from skrun_build.fsutil import human_size


def write_agent_tar(
    final: Path,
    snapshot: dict[str, Any],
    files: list[SourceFile],
    max_size: int,
    allow: Allow,
    warnings: list[str],
    *,
    workers: int = 0,
    publish: bool = True,
) -> BuildResult:
    """Write `final` atomically: the snapshot, every file, the record; guards on the way.

    `workers` threads compress (0: one per CPU); the bytes never depend on it.
    `publish=False` leaves the finished bundle under its temp name (`BuildResult.temp`).
    """
    findings: list[Finding] = []
    entries: list[RecordEntry] = []
    digest = hashlib.sha256()
    output = atomic_output(final, publish=publish)
    sink: GzipSink | None = None
    try:
        try:
            with output as raw:
                sink = GzipSink(_HashingWriter(raw, digest), limit=max_size, workers=workers)
                with sink:
                    tar = TarStream(sink, build_mtime())
                    config = canonical_json(snapshot)
                    tar.add_bytes(SNAPSHOT_PATH, config, MODE_FILE)
                    entries.append(RecordEntry(SNAPSHOT_PATH, len(config), MODE_FILE, _sha(config)))
                    for f in files:
                        probe = FileProbe(f.rel, allow)
                        sha = tar.add_file(f.rel, f.path, f.size, f.mode, probe.feed)
                        entries.append(RecordEntry(f.rel, f.size, f.mode, sha))
                        finding, binary = probe.finish()
                        if finding is not None:
                            findings.append(finding)
                        warnings += name_warnings(f.rel)
                        if binary:
                            warnings.append(binary_warning(f.rel))
                    tar.add_bytes(RECORD_PATH, record_bytes(entries), MODE_FILE)
                    tar.close()
                    sink.close()
                if findings:
                    raise secret_error(findings)
                size = sink.written
        except BaseException:
            # Again here: an interrupt can land as an `__exit__` starts, before it does
            # anything. Both calls are idempotent and take no lock (see writer.py).
            if sink is not None:
                sink.abort()
            output.discard()
            raise
    except SizeExceeded:
        raise BundleError(
            f"bundle exceeds the size limit of {human_size(max_size)}; nothing was written",
            path=final,
            hint="exclude large files in .skrunignore, or raise --max-size",
        ) from None
    except OSError as e:  # the output side: permissions, disk full
        raise write_error(final, e) from e
    if size > WARN_SIZE:
        warnings.append(
            f"{final.name}: bundle is {human_size(size)}, over {human_size(WARN_SIZE)}; "
            "registries refuse bundles over 50 MiB"
        )
    inputs = inputs_digest_of("agent", ((e.path, e.mode, e.sha256) for e in entries[1:]))
    return BuildResult(
        final, digest.hexdigest(), size, len(files), tuple(warnings), (), inputs, output.pending
    )


class _HashingWriter:
    """Passes bytes to `out` and hashes them on the way (the bundle's sha256)."""

    def __init__(self, out: IO[bytes], digest: hashlib._Hash) -> None:
        self._out = out
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._out.write(data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
