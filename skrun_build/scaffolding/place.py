"""Atomic placement of a generated tree and of single files.

A tree is first written into a hidden temp dir beside the target (same
filesystem), then renamed into place. A new target appears in one rename; an
existing directory (empty, or any with `force`) receives each file by
`os.replace` after every conflict has been checked, and its other files are
kept. Any
failure removes the temp dir and any parent dirs this call created.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from skrun_build.errors import ScaffoldError, os_hint
from skrun_build.fsutil import remove_tree, write_atomic


def place_tree(target: Path, write: Callable[[Path], None], *, force: bool) -> None:
    """Run `write(tmpdir)` then move the tree into `target` atomically."""
    anchor = _nearest_existing(target.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.skrun-init-", dir=anchor))
    except OSError as e:
        raise ScaffoldError(
            f"cannot create a temp dir in {anchor}: {e.strerror}",
            hint="pick a DIR whose parent you can write to",
        ) from e
    created: list[Path] = []
    try:
        try:
            write(tmp)
        except OSError as e:
            raise ScaffoldError(
                f"cannot write {e.filename or tmp}: {e.strerror}", hint=os_hint(e)
            ) from e
        os.chmod(tmp, 0o755 & ~_umask())
        created = _make_parents(target.parent)
        if target.is_dir():
            if not force and any(target.iterdir()):
                raise ScaffoldError(f"{target} is not empty", hint="pass --force")
            # Never rename onto an existing dir: it may be a shell's cwd, which
            # would then point at a deleted inode. Move the files in instead.
            _merge(tmp, target)
        else:
            try:
                os.rename(tmp, target)
            except OSError as e:
                raise ScaffoldError(f"cannot create {target}: {e.strerror}", hint=os_hint(e)) from e
    except BaseException:
        remove_tree(tmp, ignore_errors=True)
        for path in reversed(created):
            try:
                path.rmdir()
            except OSError:
                break
        raise
    remove_tree(tmp, ignore_errors=True)


def write_file_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` atomically (`fsutil.write_atomic`), as a `ScaffoldError` on failure."""
    try:
        write_atomic(path, data, mode=mode)
    except OSError as e:
        raise ScaffoldError(f"cannot write {path}: {e.strerror}", hint=os_hint(e)) from e


def _merge(src: Path, dest: Path) -> None:
    files = sorted(p for p in src.rglob("*") if not p.is_dir())
    # Check every conflict first so a refusal leaves the target untouched.
    for f in files:
        rel = f.relative_to(src)
        out = dest / rel
        if out.is_dir() and not out.is_symlink():
            raise ScaffoldError(
                f"{out} is a directory; cannot replace it with a file",
                hint="remove or rename it, or pick another target directory",
            )
        for parent in list(rel.parents)[:-1]:
            p = dest / parent
            if (p.exists() or p.is_symlink()) and not p.is_dir():
                raise ScaffoldError(
                    f"{p} is a file; cannot create a directory there",
                    hint="remove or rename it, or pick another target directory",
                )
    try:
        for f in files:
            out = dest / f.relative_to(src)
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, out)
    except OSError as e:
        raise ScaffoldError(f"cannot write into {dest}: {e.strerror}", hint=os_hint(e)) from e


def _nearest_existing(path: Path) -> Path:
    while not path.is_dir():
        if path.exists() or path.is_symlink():
            raise ScaffoldError(
                f"{path} exists and is not a directory",
                hint="remove or rename it, or pick another target directory",
            )
        path = path.parent
    return path


def _make_parents(path: Path) -> list[Path]:
    missing: list[Path] = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    created: list[Path] = []
    for p in reversed(missing):
        try:
            p.mkdir()
        except OSError as e:
            for c in reversed(created):
                c.rmdir()
            raise ScaffoldError(f"cannot create {p}: {e.strerror}", hint=os_hint(e)) from e
        created.append(p)
    return created


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
