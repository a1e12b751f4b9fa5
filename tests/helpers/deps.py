"""Builders shared by the dependency-cache tests and benchmarks/deps.py.

Nothing here imports pytest, so the benchmark runs without it: a hand-written
wheel for offline installs, synthetic complete cache entries (ours and the
runtime's), and a dead pid for temp-dir names.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from skrun_build.deps.meta import EntryMeta, write_meta

# The metadata of a synthetic Python entry; `write_entry` sets the key and any overrides.
ENTRY_META = EntryMeta(
    key="",
    ecosystem="python",
    manifest="requirements.txt",
    manifest_kind="requirements",
    lockfile=None,
    lock_kind=None,
    installer="uv",
    installer_version="0.9.0",
    runtime="cpython 3.11.7",
    platform="linux-x86_64",
    packages=1,
    size=10,
    created="2026-01-01T00:00:00Z",
    reproducible=False,
)


def write_entry(root: Path, key: str, *, requirements: str = "x\n", **meta: Any) -> Path:
    """A complete Python entry `<root>/<key>/` (venv, requirements.txt, metadata from
    ENTRY_META with `meta` overriding its fields)."""
    entry = root / key
    (entry / "venv").mkdir(parents=True)
    (entry / "venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (entry / "requirements.txt").write_text(requirements, encoding="utf-8")
    write_meta(entry, replace(ENTRY_META, key=key, **meta))
    return entry


def build_wheel(
    out: Path,
    name: str,
    version: str,
    files: dict[str, str],
    scripts: dict[str, str] | None = None,
    requires: Iterable[str] = (),
) -> Path:
    """Write a pure-Python wheel by hand (METADATA, WHEEL, entry points, RECORD)."""
    dist = f"{name}-{version}.dist-info"
    members = dict(files)
    members[f"{dist}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires)
    )
    members[f"{dist}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: skrun-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if scripts:
        members[f"{dist}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items()
        )
    path = out / f"{name}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, text in members.items():
            data = text.encode()
            z.writestr(member, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{member},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        z.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return path


def write_runtime_entry(root: Path, key: str, ecosystem: str = "python") -> Path:
    """An entry as the Skrun runtime leaves it: the payload, no metadata of ours.

    Python: `venv/bin/python` and two distributions in site-packages; Node: two
    packages in `node_modules`, one of them scoped.
    """
    entry = root / key
    if ecosystem == "python":
        (entry / "venv" / "bin").mkdir(parents=True)
        (entry / "venv" / "bin" / "python").symlink_to(sys.executable)
        site = entry / "venv" / "lib" / "python3.11" / "site-packages"
        for dist in ("six-1.16.0", "idna-3.7"):
            (site / f"{dist}.dist-info").mkdir(parents=True)
            (site / f"{dist}.dist-info" / "METADATA").write_text("Name: x\n", encoding="utf-8")
        (entry / "requirements.txt").write_text("six\nidna\n", encoding="utf-8")
    else:
        for pkg in ("is-number", "@scope/tool"):
            (entry / "node_modules" / pkg).mkdir(parents=True)
            (entry / "node_modules" / pkg / "package.json").write_text("{}\n", encoding="utf-8")
        (entry / "package.json").write_text("{}\n", encoding="utf-8")
    return entry


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped (nothing else has it yet)."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid
