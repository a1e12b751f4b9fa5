"""Read a `.skill` zip (what `skrun build --format skill` writes) for `inspect` and `verify`.

Every entry is checked before use, as for a `.agent` bundle: no absolute name, no
`..`, no backslash or NUL, no link or special file, no duplicate, every entry under
one top folder `<name>/`. The limits are decided from the central directory (the
declared sizes and the entry count) before any content is read. Unpacking a zip is
left to `unzip`.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from skrun_build.bundle.format import CHUNK
from skrun_build.bundle.reader import Limits, MemberDigest
from skrun_build.errors import BundleError, os_hint
from skrun_build.fsutil import human_size

_AGAIN = "download or build it again with `skrun build --format skill`"


def digest_skill_zip(bundle: Path, limits: Limits) -> list[MemberDigest]:
    """Every entry of a `.skill` zip with its sha256 (the CRC of each is checked too)."""
    try:
        with zipfile.ZipFile(bundle) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            _check(bundle, infos, limits)
            out = []
            for info in infos:
                digest = hashlib.sha256()
                with zf.open(info) as f:  # zipfile checks the CRC at the end of the entry
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
                mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
                out.append(MemberDigest(info.filename, info.file_size, mode, digest.hexdigest()))
            return out
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
        what = "an entry's checksum does not match" if "CRC" in str(e) else "it is damaged"
        raise BundleError(f"is not a valid .skill zip: {what}", path=bundle, hint=_AGAIN) from e
    except OSError as e:
        raise BundleError(f"cannot read: {e.strerror or e}", path=bundle, hint=os_hint(e)) from e


def _check(bundle: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.members:
        raise BundleError(
            f"{bundle}: more than {limits.members} members; refused before reading any content",
            hint="if you trust this bundle, raise the limit with --max-members",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.unpacked:
        raise BundleError(
            f"{bundle}: members add up to more than {human_size(limits.unpacked)} unpacked "
            f"({human_size(total)}); refused before reading any content",
            hint="if you trust this bundle, raise the limit with --max-unpacked-size, "
            "e.g. --max-unpacked-size 4GiB",
        )
    seen: set[str] = set()
    tops: set[str] = set()
    for info in infos:
        name = info.filename
        where = f"{bundle}: entry {name!r}"
        parts = PurePosixPath(name).parts
        if not name or "\0" in name or "\\" in name or name.startswith("/") or ":" in parts[0]:
            raise BundleError(f"{where}: absolute or malformed name", hint=_AGAIN)
        if ".." in parts:
            raise BundleError(f"{where}: '..' in the path", hint=_AGAIN)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG):
            raise BundleError(f"{where}: not a regular file (a link or special file)", hint=_AGAIN)
        if name in seen:
            raise BundleError(f"{where}: duplicate entry", hint=_AGAIN)
        seen.add(name)
        tops.add(parts[0] if len(parts) > 1 else "")
    if len(tops) > 1 or "" in tops:
        raise BundleError(
            f"{bundle}: a .skill holds one folder <name>/ and nothing beside it", hint=_AGAIN
        )


def skill_root(members: list[MemberDigest]) -> str:
    """The `<name>/` prefix every entry of a checked `.skill` shares ('' when empty)."""
    return members[0].name.split("/", 1)[0] + "/" if members else ""
