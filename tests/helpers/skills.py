"""Helpers of the executable-skill tests: skills whose entry is a shell script.

A rust_binary skill runs its entry directly, so a `#!/bin/sh` entry exercises the
whole run contract (process group, timeout, stdout/stderr, schemas) in milliseconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

OBJECT_SCHEMA = {"type": "object"}


def script_skill(
    dir: Path,
    script: str | None,
    *,
    skill_id: str | None = None,
    input_schema: dict[str, Any] | None = None,
    output_schema: dict[str, Any] | None = None,
    cargo: bool = False,
    extra: dict[str, str] | None = None,
) -> Path:
    """A rust_binary skill in `dir` whose entry `run.sh` is `script` (None: not built)."""
    dir.mkdir(parents=True, exist_ok=True)
    artifact: dict[str, Any] = {
        "schema_version": 1,
        "kind": "rust_binary",
        "id": skill_id or dir.name,
        "name": "Test Skill",
        "version": "0.1.0",
        "entry": "run.sh",
    }
    schema: dict[str, str] = {}
    for side, value in (("input", input_schema), ("output", output_schema)):
        if value is not None:
            (dir / "schema").mkdir(exist_ok=True)
            (dir / "schema" / f"{side}.json").write_text(json.dumps(value), encoding="utf-8")
            schema[side] = f"schema/{side}.json"
    if schema:
        artifact["schema"] = schema
    (dir / "artifact.json").write_text(json.dumps(artifact, indent=2), encoding="utf-8")
    if cargo:
        (dir / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0"\n')
    if script is not None:
        entry = dir / "run.sh"
        entry.write_text("#!/bin/sh\n" + script, encoding="utf-8")
        os.chmod(entry, 0o755)
    for rel, text in (extra or {}).items():
        (dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (dir / rel).write_text(text, encoding="utf-8")
    return dir


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (relative POSIX path -> text), for whole-tree comparisons."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return out


def process_gone(pid: int) -> bool:
    """True when `pid` no longer runs (gone, or a zombie waiting for its new parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X")
