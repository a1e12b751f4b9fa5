"""Collect the files a bundle will hold, enforcing the safety rules on the way.

Symlinks that resolve inside the source directory become regular files (a
symlinked directory is walked as if it were a real one); a symlink leading
outside, a dangling one, a loop, a FIFO, socket or device, or a name that is
not UTF-8 stops the build with the path and the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from skrun_build.bundle.format import MODE_EXEC, MODE_FILE, RESERVED_DIR
from skrun_build.bundle.ignore import Rules, WalkEntry, walk
from skrun_build.errors import BundleError, os_hint


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to pack: member name `rel`, where to read it, and its size and mode."""

    rel: str
    path: Path
    size: int
    mode: int


def collect(root: Path, rules: Rules) -> list[SourceFile]:
    """Every file to pack, sorted by the UTF-8 bytes of its member name.

    Member names are Unicode NFC: macOS may hand out the same name decomposed
    (NFD), which would otherwise change the bundle from one machine to another.
    """
    real_root = os.path.realpath(root)
    files: list[SourceFile] = []
    _collect(root, rules, "", real_root, [real_root], files)
    files = [_nfc(f) for f in files]
    files.sort(key=lambda f: f.rel.encode("utf-8"))
    for a, b in pairwise(files):
        if a.rel == b.rel:
            raise BundleError(
                f"two files have the same name once Unicode-normalised ({a.path.name!r}, "
                f"{b.path.name!r})",
                path=a.rel,
                hint="rename one of them",
            )
    return files


def _nfc(f: SourceFile) -> SourceFile:
    if f.rel.isascii():
        return f
    import unicodedata

    name = unicodedata.normalize("NFC", f.rel)
    return f if name == f.rel else SourceFile(name, f.path, f.size, f.mode)


def _collect(
    fs_dir: Path,
    rules: Rules,
    prefix: str,
    real_root: str,
    chain: list[str],
    out: list[SourceFile],
) -> None:
    for entry in walk(fs_dir, rules, prefix=prefix):
        if entry.rel == RESERVED_DIR or entry.rel.startswith(RESERVED_DIR + "/"):
            raise BundleError(
                f"{RESERVED_DIR}/ is reserved for the bundle's own members",
                path=entry.rel,
                hint="rename it or exclude it in .skrunignore",
            )
        if entry.kind == "file":
            out.append(_source(entry.rel, entry.path, entry.path))
        elif entry.kind == "special":
            raise BundleError(
                f"is a {_kind_name(entry.path)}; only regular files can be bundled",
                path=entry.rel,
                hint="remove it or exclude it in .skrunignore",
            )
        else:
            _symlink(entry, rules, real_root, chain, out)


def _symlink(
    entry: WalkEntry, rules: Rules, real_root: str, chain: list[str], out: list[SourceFile]
) -> None:
    try:
        target = os.path.realpath(entry.path, strict=True)
    except OSError as e:
        if _is_loop(entry.path):
            raise BundleError(
                "symlink loop", path=entry.rel, hint="fix the link or exclude it"
            ) from e
        if e.errno not in (errno.ENOENT, errno.ENOTDIR):
            # Not dangling: something on the way cannot be read (EACCES, EIO, ...).
            raise BundleError(
                f"cannot follow the symlink: {e.strerror}", path=entry.rel, hint=os_hint(e)
            ) from e
        raise BundleError(
            f"dangling symlink to {_link_text(entry.path)!r}",
            path=entry.rel,
            hint="fix the link or exclude it in .skrunignore",
        ) from e
    if target != real_root and not target.startswith(real_root + os.sep):
        raise BundleError(
            f"symlink leads outside the source directory (to {target})",
            path=entry.rel,
            hint="copy the file in, or exclude the link in .skrunignore",
        )
    if target != real_root:
        # A link must not smuggle in what the rules keep out (`config -> .env`).
        verdict = rules.explain(os.path.relpath(target, real_root).replace(os.sep, "/"))
        if not verdict.included:
            raise BundleError(
                f"symlink to {verdict.path}, which is {verdict.reason()}",
                path=entry.rel,
                hint="exclude the link, or re-include its target in .skrunignore",
            )
    try:
        mode = os.stat(target).st_mode
    except OSError as e:
        raise BundleError(f"cannot stat: {e.strerror}", path=entry.rel, hint=os_hint(e)) from e
    if stat.S_ISDIR(mode):
        here = os.path.realpath(entry.path.parent)
        if target in chain or here == target or here.startswith(target + os.sep):
            raise BundleError(
                f"symlink loop: it points back to {_shown(target, real_root)}",
                path=entry.rel,
                hint="remove the link or exclude it in .skrunignore",
            )
        _collect(Path(target), rules, entry.rel, real_root, [*chain, target], out)
    elif stat.S_ISREG(mode):
        out.append(_source(entry.rel, Path(target), entry.path))
    else:
        raise BundleError(
            f"symlink to a {_kind_name(Path(target))}; only regular files can be bundled",
            path=entry.rel,
            hint="remove the link or exclude it in .skrunignore",
        )


def _source(rel: str, path: Path, shown: Path) -> SourceFile:
    try:
        st = os.stat(path)
    except OSError as e:
        raise BundleError(f"cannot stat: {e.strerror}", path=shown, hint=os_hint(e)) from e
    mode = MODE_EXEC if st.st_mode & 0o111 else MODE_FILE
    return SourceFile(rel, path, st.st_size, mode)


def _link_text(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def _kind_name(path: Path) -> str:
    try:
        mode = os.stat(path, follow_symlinks=False).st_mode
    except OSError:
        return "special file"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _shown(target: str, real_root: str) -> str:
    rel = os.path.relpath(target, real_root)
    return "the source directory" if rel == "." else rel + "/"
