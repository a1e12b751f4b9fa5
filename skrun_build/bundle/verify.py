"""`skrun inspect`, `skrun verify` and `skrun unpack` on top of the safe reader."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skrun_build.bundle.format import (
    CHUNK,
    REBUILD,
    RECORD_PATH,
    SNAPSHOT_PATH,
    Format,
    load_json_member,
    parse_record,
)
from skrun_build.bundle.reader import (
    DEFAULT_LIMITS,
    UNLIMITED,
    ZIP_MAGIC,
    Limits,
    MemberDigest,
    digest_members,
    iter_members,
    magic,
    require_file,
)
from skrun_build.deps.detect import manifest_names
from skrun_build.errors import BundleError, os_hint
from skrun_build.fsutil import make_dirs, remove_tree, stale_temps, temp_path


@dataclass(frozen=True, slots=True)
class Inspection:
    """What `skrun inspect` shows: members, the config snapshot, the dependency manifest."""

    bundle: Path
    members: list[MemberDigest]
    snapshot: dict[str, Any] | None
    manifest: str | None
    lockfile: str | None
    format: str = "agent"  # or "skill": a .skill zip, whose members sit under <name>/

    def to_dict(self) -> dict[str, object]:
        """JSON form for `skrun inspect --json`."""
        return {
            "bundle": str(self.bundle),
            "format": self.format,
            "members": [m.to_dict() for m in self.members],
            "config": self.snapshot,
            "manifest": self.manifest,
            "lockfile": self.lockfile,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of `skrun verify`: `problems` names every differing member."""

    bundle: Path
    checked: int
    problems: list[str] = field(default_factory=list)
    source: Path | None = None
    format: str = "agent"  # "skill": a .skill zip has no record, only CRCs and --source

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.problems


def inspect_bundle(bundle: Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """List every member with its sha256, the config snapshot and the manifest found."""
    bundle = Path(bundle)
    if _is_zip(bundle):
        from skrun_build.bundle.zipreader import digest_skill_zip, skill_root

        entries = digest_skill_zip(bundle, limits)
        root = skill_root(entries)
        manifest, lock = manifest_names({m.name[len(root) :] for m in entries})
        return Inspection(bundle, entries, None, manifest, lock, "skill")
    members, kept = digest_members(bundle, keep=[SNAPSHOT_PATH], limits=limits)
    snapshot = None
    if SNAPSHOT_PATH in kept:
        try:
            snapshot = load_json_member(kept[SNAPSHOT_PATH])
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BundleError(
                f"{SNAPSHOT_PATH} is not valid JSON: {e}", path=bundle, hint=REBUILD
            ) from e
        except ValueError as e:  # too deep, or not an object
            raise BundleError(
                f"{SNAPSHOT_PATH} is malformed: {e}", path=bundle, hint=REBUILD
            ) from e
    manifest, lock = manifest_names({m.name for m in members})
    return Inspection(bundle, members, snapshot, manifest, lock)


def verify_bundle(
    bundle: Path, source: Path | None = None, limits: Limits = DEFAULT_LIMITS
) -> Verification:
    """Check every member against the record; with `source`, rebuild it and compare."""
    bundle = Path(bundle)
    if _is_zip(bundle):
        from skrun_build.bundle.zipreader import digest_skill_zip

        entries = digest_skill_zip(bundle, limits)  # every CRC checked on the way
        found = [] if source is None else _compare_with_source(entries, Path(source), "skill")
        return Verification(bundle, len(entries), found, source, "skill")
    members, kept = digest_members(bundle, keep=[RECORD_PATH], limits=limits)
    if RECORD_PATH not in kept:
        raise BundleError(
            f"no {RECORD_PATH} in the bundle: not built by skrun-build, cannot verify",
            path=bundle,
            hint="rebuild it with `skrun build`; `skrun inspect` lists what it holds",
        )
    record = {e.path: e for e in parse_record(kept[RECORD_PATH], str(bundle))}
    problems: list[str] = []
    actual = {m.name: m for m in members if m.name != RECORD_PATH}
    for name in sorted(set(record) | set(actual), key=lambda n: n.encode("utf-8")):
        want, got = record.get(name), actual.get(name)
        if want is None:
            problems.append(f"{name}: in the bundle but not in the record")
        elif got is None:
            problems.append(f"{name}: in the record but missing from the bundle")
        else:
            diffs = [
                what
                for what, a, b in (
                    ("size", want.size, got.size),
                    ("mode", want.mode, got.mode),
                    ("sha256", want.sha256, got.sha256),
                )
                if a != b
            ]
            if diffs:
                differ = "differs" if len(diffs) == 1 else "differ"
                problems.append(f"{name}: {', '.join(diffs)} {differ} from the record")
    if source is not None:
        problems += _compare_with_source(members, Path(source))
    return Verification(bundle, len(actual), problems, source)


def _is_zip(bundle: Path) -> bool:
    require_file(bundle)
    return magic(bundle) == ZIP_MAGIC


def _compare_with_source(
    members: list[MemberDigest], source: Path, format: Format = "agent"
) -> list[str]:
    from skrun_build.bundle.build import build_bundle

    with tempfile.TemporaryDirectory(prefix="skrun-verify-") as tmp:
        # Only compared, never published: no size limit, and the secret guard (which
        # the original build passed, maybe with --allow-secret) is not repeated.
        rebuilt = build_bundle(
            source, Path(tmp), format=format, max_size=2**62, allow_secrets=["*"]
        )
        if format == "skill":
            from skrun_build.bundle.zipreader import digest_skill_zip

            fresh = digest_skill_zip(rebuilt.path, UNLIMITED)
        else:
            fresh, _ = digest_members(rebuilt.path, limits=UNLIMITED)  # our own, just written
    have = {m.name: m for m in members}
    want = {m.name: m for m in fresh}
    problems = []
    for name in sorted(set(have) | set(want), key=lambda n: n.encode("utf-8")):
        a, b = have.get(name), want.get(name)
        if a is None:
            problems.append(f"{name}: in the source but missing from the bundle")
        elif b is None:
            problems.append(f"{name}: in the bundle but not in the source")
        elif (a.mode, a.sha256) != (b.mode, b.sha256):
            what = "content" if a.sha256 != b.sha256 else "mode"
            problems.append(f"{name}: {what} differs from the source")
    if [m.name for m in members] != [m.name for m in fresh] and not problems:
        problems.append("member order differs from a fresh build")
    return problems


def unpack_bundle(bundle: Path, dest: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Check every member, then extract into `dest` (absent or empty) atomically.

    Extraction goes into a hidden staging folder `.<dest>.<pid>.<hex>.tmp` beside
    `dest`, renamed into place at the end. Any exception (Ctrl-C, the CLI's SIGTERM
    exception) removes it; one left by a process that died (kill -9) is removed by
    the next unpack into the same `dest`, as `build` does with its temp files.
    """
    bundle, dest = Path(bundle), Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BundleError(
            "destination exists and is not an empty directory",
            path=dest,
            hint="pass a new or empty directory; unpack never overwrites files",
        )
    # First pass: every check and the limits, from the headers on; nothing is written.
    names = [m.name for m, _ in iter_members(bundle, limits)]
    as_dirs = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    clash = sorted(as_dirs.intersection(names))
    if clash:
        raise BundleError(
            f"member {clash[0]!r} is both a file and a directory", path=bundle, hint=REBUILD
        )
    staging = temp_path(dest)  # named before it exists, so clean-up never misses it
    try:
        _make_staging(dest, staging)
        _extract(bundle, dest, staging, limits)
    except BaseException:
        remove_tree(staging, ignore_errors=True)
        raise
    return names


def _make_staging(dest: Path, staging: Path) -> None:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        for stale in stale_temps(dest):  # left by unpacks that were killed outright
            remove_tree(stale, ignore_errors=True)
        os.mkdir(staging, 0o700)
        staging.chmod(0o755)
    except OSError as e:
        # mkdir(exist_ok=True) says "File exists" when a parent is a file: name that file.
        blocker = next((p for p in dest.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise BundleError(
                f"cannot create the destination: {blocker} is a file",
                path=dest,
                hint="pick a destination whose parents are directories",
            ) from e
        raise BundleError(
            f"cannot create the destination: {e.strerror}", path=dest, hint=_extract_hint(e)
        ) from e


def _extract(bundle: Path, dest: Path, staging: Path, limits: Limits) -> None:
    current = None
    try:
        for member, stream in iter_members(bundle, limits, scanned=True):  # the first pass did
            current = member.name
            target = staging.joinpath(*member.name.split("/"))
            make_dirs(target.parent)  # any depth: Path.mkdir(parents=True) recurses
            with open(target, "xb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
            os.chmod(target, 0o755 if member.mode & 0o111 else 0o644)
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
    except OSError as e:
        # Name the member, not the hidden staging path the OSError carries.
        what = f"member {current!r}" if current is not None else "the bundle"
        raise BundleError(
            f"cannot extract {what}: {e.strerror or e}",
            path=dest,
            hint=_extract_hint(e),
        ) from e


def _extract_hint(e: OSError) -> str | None:
    return os_hint(
        e,
        ENAMETOOLONG="the name is too long for this filesystem; unpack somewhere with a shorter path",
        default="pick a destination you can write to",
    )
