"""`skrun skill install-local`: copy a skill into `<root>/<id>`, replacing atomically.

The lhwzds/skrun runtime copies the whole folder (`target/`, `.venv/` included) and,
with `--overwrite`, deletes the old install first, so a crash leaves nothing or
half a skill. We copy only what a bundle would hold (`bundle.collect` with the
bundle's exclusion rules: no `.venv/`, `node_modules/`, dot-files, ...; plus
`target/`, cargo's output) into a temp dir beside the install, then swap it in:

1. `.<id>.skrun-new-<pid>-<hex>` is filled and synced;
2. with an old install, Linux's `renameat2(RENAME_EXCHANGE)` swaps the two folders
   in one step (elsewhere: the old one is renamed to `.<id>.skrun-old-<pid>-<hex>`,
   then the new one renamed in);
3. the old one, now at the temp name, is removed.

A `kill -9` at any point leaves `<root>/<id>` holding the old or the new install,
whole. Every install first removes the temp dirs of dead pids, and puts back an
old install that a killed fallback swap (step 2) left aside.
The environment variable `_SKRUN_INSTALL_KILL_AT=<step>` (copied, swapped, aside)
makes the process SIGKILL itself at that step: the tests' fault injection.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from skrun_build.errors import SkillError, UsageError, ValidationFailed, os_hint
from skrun_build.fsutil import make_dirs, remove_tree
from skrun_build.skills.leftovers import NEW_MARKER as _NEW
from skrun_build.skills.leftovers import OLD_MARKER as _OLD
from skrun_build.skills.leftovers import recover
from skrun_build.skills.locate import SkillInfo, is_skill_id, load_info, skills_root

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.bundle.collect import SourceFile
    from skrun_build.issues import Issue

_KILL_ENV = "_SKRUN_INSTALL_KILL_AT"
_RENAME_EXCHANGE = 2


@dataclass
class InstallResult:
    """Where the skill went, what was copied, and whether an old install was replaced."""

    info: SkillInfo
    target: Path
    files: list[str]
    replaced: bool
    warnings: list[Issue] = field(default_factory=list)


def install_local(
    source: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
    skill_id: str | None = None,
    overwrite: bool = False,
) -> InstallResult:
    """Validate the skill at `source` and install it as `<root>/<id>`."""
    if skill_id is not None and not is_skill_id(skill_id):  # the flag first: a usage error
        raise UsageError(
            f"--id {skill_id!r} is no valid skill id",
            hint="use ASCII letters, digits, - and _, starting with a letter or digit",
        )
    src = Path(source)
    info = load_info(src)
    warnings = list(info.warnings)
    if info.artifact is None:
        warnings += _markdown_check(src)
    new_id = skill_id if skill_id is not None else info.id
    if not is_skill_id(new_id):
        raise SkillError(
            f"skill id {new_id!r} is not valid",
            hint="install it under a valid one with --id: ASCII letters, digits, - and _",
        )
    base = skills_root(root)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SkillError(f"cannot create: {e.strerror}", path=base, hint=os_hint(e)) from e
    recover(base)
    target = base / new_id
    exists = target.exists() or target.is_symlink()
    if exists and not overwrite:
        raise SkillError(
            f"skill {new_id!r} is already installed", path=target, hint="pass --overwrite"
        )
    if exists and os.path.realpath(target) == os.path.realpath(src):
        return InstallResult(info, target, [], False, warnings)
    files = _files(src, info)
    rels = [f.rel for f in files]
    tmp = base / f".{new_id}{_NEW}{os.getpid()}-{os.urandom(4).hex()}"
    try:
        _fill(tmp, files)
        _inject("copied")
        if exists:
            _swap(tmp, target, base, new_id)
            _inject("swapped")
        else:
            os.rename(tmp, target)
    except OSError as e:
        raise SkillError(f"cannot install: {e.strerror}", path=target, hint=os_hint(e)) from e
    finally:
        remove_tree(
            tmp, ignore_errors=True
        )  # after a swap: the old install; any depth (not shutil.rmtree)
    return InstallResult(load_info(target), target, rels, exists, warnings)


def _files(src: Path, info: SkillInfo) -> list[SourceFile]:
    """What a bundle of `src` would hold, without cargo's target/, and always the entry."""
    from skrun_build.bundle.collect import SourceFile, collect
    from skrun_build.bundle.ignore import Rules
    from skrun_build.errors import BundleError

    try:
        # `output=` makes a folder "never packed": cargo's target/ is one.
        files = collect(src, Rules(src, output=src / "target"))
    except BundleError as e:
        raise SkillError(str(e), hint="the install copies what a bundle would hold") from e
    entry = info.artifact.entry if info.artifact else None
    if entry is not None and entry not in {f.rel for f in files} and (src / entry).is_file():
        # A .gitignore may leave out a built binary (`bin/`): the install must still run.
        mode = 0o755 if os.access(src / entry, os.X_OK) else 0o644
        files.append(SourceFile(entry, src / entry, (src / entry).stat().st_size, mode))
    return files


def _markdown_check(src: Path) -> list[Issue]:
    """A markdown skill is its SKILL.md: refuse one with errors, return its warnings."""
    from skrun_build.checks.run import check_skill_dir

    _, issues = check_skill_dir(src)
    errors = [i for i in issues if i.level == "error"]
    if errors:
        first = errors[0]
        raise ValidationFailed(
            issues, f"{first.file}:{first.line}:{first.col}: {first.code} {first.message}"
        )
    return issues


def _fill(tmp: Path, files: list[SourceFile]) -> None:
    tmp.mkdir(mode=0o755)
    for f in files:
        dest = tmp / f.rel
        make_dirs(dest.parent)  # any depth: Path.mkdir(parents=True) recurses
        with open(f.path, "rb") as fin, open(dest, "xb") as fout:
            shutil.copyfileobj(fin, fout)
            fout.flush()
            os.fsync(fout.fileno())
        os.chmod(dest, f.mode)
    _fsync_dir(tmp)


def _swap(new: Path, target: Path, base: Path, skill_id: str) -> None:
    """Put `new` at `target`; the old install ends at `new`'s name (removed by the caller)."""
    if not os.environ.get("_SKRUN_INSTALL_NO_EXCHANGE") and _exchange(new, target):
        return
    aside = base / f".{skill_id}{_OLD}{os.getpid()}-{os.urandom(4).hex()}"
    os.rename(target, aside)
    _inject("aside")
    os.rename(new, target)
    os.rename(aside, new)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where it is not available."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # an old kernel, or a file system without it: use the fallback
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _inject(step: str) -> None:
    if os.environ.get(_KILL_ENV) == step:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
