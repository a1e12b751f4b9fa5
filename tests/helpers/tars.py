"""Hand-made tar.gz files, for bundles our writer would never produce (hostile, malformed)."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path


def tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, None if data is None else io.BytesIO(data))
    path.write_bytes(gzip.compress(buf.getvalue()))
    return path


def tar_info(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"hi", link: str = ""
) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    return info, None


def pax_path(name: str, real: str) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = 2
    info.pax_headers = {"path": real}
    return info, b"hi"
