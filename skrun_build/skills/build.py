"""`skrun skill build`: make an executable skill runnable, as the lhwzds/skrun runtime does.

python_uv: `uv lock --project DIR` when there is no uv.lock, then
`uv sync --project DIR --locked` (the environment comes from the lock, never a
re-resolve). rust_binary: `cargo build --release --manifest-path DIR/Cargo.toml
--target-dir T` with T outside the skill (so `target/` never lands in an install),
then the binary is copied to `entry` atomically. markdown: nothing to build.
Offline use follows the tools' own switches (`UV_OFFLINE=1`, `CARGO_NET_OFFLINE=true`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.errors import SkillError, os_hint
from skrun_build.skills.locate import SkillInfo, load_info

TARGET_DIR_ENV = "SKRUN_SKILL_TARGET_DIR"


@dataclass
class BuildResult:
    """What a build did: the commands it ran (empty for markdown) and the entry it made."""

    info: SkillInfo
    commands: list[list[str]] = field(default_factory=list)
    entry: Path | None = None
    nothing_to_build: bool = False


def uv_bin() -> str:
    """The uv binary: the one shipped by the `uv` PyPI package, else the one on PATH."""
    try:
        from uv import find_uv_bin

        return os.fsdecode(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            raise SkillError("uv is not installed", hint="install it: pip install uv") from None
        return found


def build_skill(path: str | os.PathLike[str], *, target_dir: Path | None = None) -> BuildResult:
    """Build the skill folder `path`; raises SkillError with the tool's stderr tail."""
    info = load_info(Path(path))
    if info.artifact is None or info.kind == "markdown":
        return BuildResult(info, nothing_to_build=True)
    root = Path(os.path.abspath(info.path))
    if info.kind == "python_uv":
        return _build_python(info, root)
    return _build_rust(info, root, target_dir)


def _build_python(info: SkillInfo, root: Path) -> BuildResult:
    result = BuildResult(info)
    if not (root / "pyproject.toml").is_file():
        raise SkillError(
            "a python_uv skill needs pyproject.toml",
            path=root,
            hint="add one, e.g. with `skrun skill new --kind python_uv`",
        )
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    uv = uv_bin()
    if not (root / "uv.lock").is_file():
        _run(result, [uv, "lock", "--quiet", "--project", str(root)], root, env)
    _run(result, [uv, "sync", "--quiet", "--project", str(root), "--locked"], root, env)
    result.entry = root / info.artifact.entry if info.artifact else None
    return result


def _build_rust(info: SkillInfo, root: Path, target_dir: Path | None) -> BuildResult:
    import tomllib

    assert info.artifact is not None
    result = BuildResult(info)
    manifest = root / "Cargo.toml"
    try:
        cargo_toml = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SkillError(
            "a rust_binary skill needs Cargo.toml",
            path=root,
            hint="add one, e.g. with `skrun skill new --kind rust_binary`",
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SkillError(f"cannot read: {e}", path=manifest) from e
    binary = _binary_name(cargo_toml)
    if binary is None:
        raise SkillError(
            "names no binary ([package] name or one [[bin]] name)",
            path=manifest,
            hint="add [package] name = ...",
        )
    target = target_dir or _default_target_dir(info.id)
    cargo = shutil.which("cargo")
    if cargo is None:
        raise SkillError("cargo is not installed", hint="install Rust: https://rustup.rs")
    _run(
        result,
        [
            cargo,
            "build",
            "--release",
            "--manifest-path",
            str(manifest),
            "--target-dir",
            str(target),
        ],
        root,
        dict(os.environ),
    )
    built = target / "release" / binary
    entry = root / info.artifact.entry
    _copy_atomic(built, entry)
    result.entry = entry
    return result


def _binary_name(cargo_toml: dict[str, object]) -> str | None:
    bins = cargo_toml.get("bin")
    if isinstance(bins, list) and len(bins) == 1 and isinstance(bins[0], dict):
        name = bins[0].get("name")
        if isinstance(name, str):
            return name
    package = cargo_toml.get("package")
    if isinstance(package, dict) and isinstance(package.get("name"), str):
        return str(package["name"])
    return None


def _default_target_dir(skill_id: str) -> Path:
    """`$SKRUN_SKILL_TARGET_DIR/<id>`, else `<cache>/skrun/skill-targets/<id>`."""
    base = os.environ.get(TARGET_DIR_ENV)
    if base:
        return Path(base) / skill_id
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "skrun" / "skill-targets" / skill_id


def _copy_atomic(src: Path, dest: Path) -> None:
    from skrun_build.fsutil import atomic_file

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(src, "rb") as f, atomic_file(dest, mode=0o755) as out:
            shutil.copyfileobj(f, out)
    except FileNotFoundError:
        raise SkillError(
            f"cargo built no binary at {src}",
            hint="the binary is named after [package] name (or the one [[bin]] name)",
        ) from None
    except OSError as e:
        raise SkillError(f"cannot copy the binary: {e.strerror}", path=dest, hint=os_hint(e)) from e


def _run(result: BuildResult, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    from skrun_build.skills.process import tail_text

    result.commands.append(argv)
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    except OSError as e:
        raise SkillError(f"cannot run {argv[0]}: {e.strerror}", hint=os_hint(e)) from e
    if done.returncode != 0:
        tail = tail_text(done.stderr or done.stdout)
        shown = " ".join([Path(argv[0]).name, *argv[1:3]])
        raise SkillError(
            f"`{shown} ...` failed with status {done.returncode}"
            + (f": {' | '.join(tail.splitlines())}" if tail else ""),
            path=result.info.path,
            hint="fix what it says, then run `skrun skill build` again",
        )
