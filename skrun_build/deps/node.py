"""Node installs: npm ci, pnpm, yarn 1 or yarn >= 2, with the package set Skrun installs.

Skrun v0.7.0 runs `npm ci`, `npm install`, `pnpm install --frozen-lockfile` and
`yarn install --frozen-lockfile` with no other flag: devDependencies are
installed and install scripts run. Its cache hit is only "the folder exists", so
an entry pre-warmed under its key must hold that same set. Dev dependencies are
asked for explicitly, so `NODE_ENV=production` or an `omit=dev` npm setting on
the machine that pre-warms cannot drop them. `ignore_scripts` (the CLI's
`--ignore-scripts`) is the one deliberate difference; the caller records it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from skrun_build.deps import Notify
from skrun_build.deps.detect import Manifest
from skrun_build.deps.python import Installed
from skrun_build.deps.run import output_of, run_installer
from skrun_build.errors import DepsError

# Project-level registry settings: used for the install, never kept in the entry
# (they may hold tokens).
CONFIG_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml")


def is_berry_lock(text: str) -> bool:
    """Whether a yarn.lock was written by yarn >= 2 (it has a `__metadata:` block)."""
    return "\n__metadata:" in "\n" + text


def _commands(
    manifest: Manifest, *, offline: bool, ignore_scripts: bool, yarn_major: int | None
) -> tuple[str, list[str], dict[str, str]]:
    """(installer, argv, extra env) for the manifest's lockfile."""
    ignore = ["--ignore-scripts"] if ignore_scripts else []
    off = ["--offline"] if offline else []
    quiet = ["--no-audit", "--no-fund"]
    kind = manifest.lock_kind
    if kind == "npm":
        return "npm", ["npm", "ci", "--include=dev", *ignore, *quiet, *off], {}
    if kind == "pnpm":
        argv = ["pnpm", "install", "--frozen-lockfile", "--production=false"]
        return "pnpm", [*argv, *ignore, *off], {}
    if kind == "yarn" and (yarn_major or 1) >= 2:
        # yarn >= 2 always installs devDependencies; install scripts follow its own
        # enableScripts setting (off by default in yarn 4), as they do for the runtime.
        # Skrun passes no linker, so yarn would use Plug'n'Play and make no node_modules
        # at all (Skrun's NODE_PATH then finds nothing): node-modules is what works.
        env = {"YARN_NODE_LINKER": "node-modules", "YARN_ENABLE_TELEMETRY": "0"}
        if ignore_scripts:
            env["YARN_ENABLE_SCRIPTS"] = "0"
        if offline:
            env["YARN_ENABLE_NETWORK"] = "0"
        return "yarn", ["yarn", "install", "--immutable"], env
    if kind == "yarn":
        argv = ["yarn", "install", "--frozen-lockfile", "--production=false", "--non-interactive"]
        return "yarn", [*argv, *ignore, *off], {}
    return "npm", ["npm", "install", "--include=dev", *ignore, *quiet, *off], {}


def node_version(env: Mapping[str, str] | None = None) -> str | None:
    """`node v20.20.2` for the node on PATH, None if there is none."""
    out = output_of(["node", "--version"], env=env)
    return f"node {out}" if out else None


def install_node(
    manifest: Manifest,
    work: Path,
    *,
    source: Path | None = None,
    offline: bool = False,
    ignore_scripts: bool = False,
    progress: Notify | None = None,
    env: Mapping[str, str] | None = None,
) -> Installed:
    """Install the dependencies of `work/package.json` (dev ones too) into `work/node_modules`."""
    base = dict(os.environ if env is None else env)
    copied = _copy_config(source, work)
    try:
        yarn_major = None
        if manifest.lock_kind == "yarn" and manifest.lock_text is not None:
            yarn_major = _yarn_major(work, base, is_berry_lock(manifest.lock_text))
        installer, argv, extra = _commands(
            manifest, offline=offline, ignore_scripts=ignore_scripts, yarn_major=yarn_major
        )
        program = shutil.which(argv[0], path=base.get("PATH"))
        if program is None:
            raise DepsError(
                f"{argv[0]} not found on PATH",
                hint=f"{manifest.lock_name or 'package.json'} needs {installer} to install",
            )
        run_installer(
            [program, *argv[1:]],
            cwd=work,
            env={**base, **extra},
            ecosystem="node",
            progress=progress,
        )
        version = output_of([program, "--version"], env={**base, **extra}) or "unknown"
    finally:
        for f in copied:
            f.unlink(missing_ok=True)
    return Installed(
        installer=installer,
        installer_version=version.strip().lstrip("v"),
        runtime=node_version(base) or "node unknown",
        packages=count_packages(work / "node_modules"),
    )


def _copy_config(source: Path | None, work: Path) -> list[Path]:
    copied: list[Path] = []
    if source is None:
        return copied
    for name in CONFIG_FILES:
        src = source / name
        if src.is_file():
            (work / name).write_bytes(src.read_bytes())
            copied.append(work / name)
    return copied


def _yarn_major(work: Path, env: Mapping[str, str], berry_lock: bool) -> int:
    out = (
        output_of(["yarn", "--version"], env=env)
        if shutil.which("yarn", path=env.get("PATH"))
        else None
    )
    if out is None:
        raise DepsError(
            "yarn not found on PATH", path="yarn.lock", hint="install yarn (or `corepack enable`)"
        )
    try:
        major = int(out.split(".", 1)[0])
    except ValueError:
        major = 1
    if berry_lock and major < 2:
        raise DepsError(
            f"written by yarn >= 2, but `yarn` on PATH is {out}",
            path="yarn.lock",
            hint="run `corepack enable` or install yarn >= 2",
        )
    if not berry_lock and major >= 2:
        raise DepsError(
            f"a yarn 1 lockfile, but `yarn` on PATH is {out}",
            path="yarn.lock",
            hint="install yarn 1 (npm install -g yarn@1.22.22) or migrate the lock with yarn >= 2",
        )
    return major


def count_packages(node_modules: Path) -> int:
    """Real package directories under node_modules (pnpm's symlinks counted once)."""
    seen: set[tuple[int, int]] = set()
    stack = [node_modules]
    while stack:
        nm = stack.pop()
        try:
            children = list(os.scandir(nm))
        except OSError:
            continue
        for child in children:
            if child.name == ".bin" or child.is_symlink():
                continue
            if child.name == ".pnpm":
                stack += [
                    Path(d.path, "node_modules") for d in os.scandir(child.path) if d.is_dir()
                ]
                continue
            pkgs = (
                [c for c in os.scandir(child.path) if not c.is_symlink() and c.is_dir()]
                if child.name.startswith("@") and child.is_dir()
                else [child]
            )
            for pkg in pkgs:
                if not pkg.is_dir(follow_symlinks=False):
                    continue
                st = pkg.stat(follow_symlinks=False)
                if (st.st_dev, st.st_ino) in seen or not os.path.isfile(
                    os.path.join(pkg.path, "package.json")
                ):
                    continue
                seen.add((st.st_dev, st.st_ino))
                stack.append(Path(pkg.path, "node_modules"))
    return len(seen)
