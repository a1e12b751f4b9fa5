"""`skrun build --format skill`: a reproducible `<name>.skill` zip, entries under `<name>/`.

The layout claude.ai accepts for a skill upload. Entries are sorted, have no
directory entries, one fixed timestamp (`SOURCE_DATE_EPOCH`, clamped to the zip
range 1980..2107, else 1980-01-01 00:00:00), Unix mode 0644/0755, no extra fields, and
are deflated at zlib's default level (6).
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from pathlib import Path

from skrun_build.bundle.collect import SourceFile
from skrun_build.bundle.format import CHUNK, WARN_SIZE, build_mtime, inputs_digest_of
from skrun_build.bundle.probe import FileProbe
from skrun_build.bundle.result import BuildResult
from skrun_build.bundle.secrets import Allow, Finding, secret_error
from skrun_build.bundle.writer import atomic_output, read_exactly, write_error
from skrun_build.errors import BundleError
from skrun_build.fsutil import human_size

_ZIP_MIN = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip entry can hold


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """The fixed entry time: `epoch` (UTC) clamped to what a zip entry can hold."""
    epoch = max(epoch, _ZIP_MIN)
    t = time.gmtime(epoch)
    if t.tm_year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def write_skill_zip(
    final: Path,
    name: str,
    files: list[SourceFile],
    max_size: int,
    allow: Allow,
    warnings: list[str],
    *,
    publish: bool = True,
) -> BuildResult:
    """Write `final` atomically; same guards as an `.agent` build (`publish`: as for
    `atomic_output`)."""
    stamp = zip_date_time(build_mtime())
    findings: list[Finding] = []
    packed: list[tuple[str, int, str]] = []
    digest = hashlib.sha256()
    output = atomic_output(final, publish=publish)
    try:
        with output as raw:
            # zipfile seeks back to fill in sizes, so hash the finished file afterwards.
            with zipfile.ZipFile(raw, "w") as zf:
                for f in files:
                    info = zipfile.ZipInfo(f"{name}/{f.rel}", date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.create_system = 3  # Unix, so external_attr carries the mode
                    info.external_attr = (0o100000 | f.mode) << 16
                    info.file_size = f.size
                    probe = FileProbe(f.rel, allow)
                    packed.append((f.rel, f.mode, _copy(f, zf, info, probe)))
                    finding, _ = probe.finish()
                    if finding is not None:
                        findings.append(finding)
            if findings:
                raise secret_error(findings)
            size = raw.tell()
            if size > max_size:
                raise BundleError(
                    f"skill zip exceeds the size limit of {human_size(max_size)}; "
                    "nothing was written",
                    path=final,
                    hint="exclude large files in .skrunignore, or raise --max-size",
                )
            raw.seek(0)
            while chunk := raw.read(CHUNK):
                digest.update(chunk)
    except OSError as e:  # the output side: permissions, disk full
        output.discard()
        raise write_error(final, e) from e
    except BaseException:
        output.discard()  # again: an interrupt can land as `__exit__` starts (see writer.py)
        raise
    if size > WARN_SIZE:
        warnings.append(
            f"{final.name}: skill zip is {human_size(size)}, over {human_size(WARN_SIZE)}"
        )
    inputs = inputs_digest_of("skill", packed)
    return BuildResult(
        final, digest.hexdigest(), size, len(files), tuple(warnings), (), inputs, output.pending
    )


def _copy(f: SourceFile, zf: zipfile.ZipFile, info: zipfile.ZipInfo, probe: FileProbe) -> str:
    """Deflate one file into the zip; returns its sha256."""
    sha = hashlib.sha256()
    with zf.open(info, "w") as dst:
        for chunk in read_exactly(f.path, f.size, f.rel):
            sha.update(chunk)
            probe.feed(chunk)
            dst.write(chunk)
    return sha.hexdigest()
