"""Which dependency manifests and lockfiles a folder may hold, in Skrun v0.7.0's order.

Only the root of a skill counts. `package.json` wins (lockfile order `pnpm-lock.yaml` >
`yarn.lock` > `package-lock.json`); else `pyproject.toml` (lockfile `uv.lock` >
`poetry.lock`); else `requirements.txt` (never a lockfile). Plain data: the cache
(`skrun_build.deps.detect`) and the script checks (`skrun_build.checks.scripts`) read it.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["CANDIDATES", "RULES", "Ecosystem"]

Ecosystem = Literal["python", "node"]

# (manifest file, ecosystem, manifest kind, [(lockfile, lock kind), ...]) in runtime order.
RULES: tuple[tuple[str, Ecosystem, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "package.json",
        "node",
        "package.json",
        (("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("package-lock.json", "npm")),
    ),
    ("pyproject.toml", "python", "pyproject", (("uv.lock", "uv"), ("poetry.lock", "poetry"))),
    ("requirements.txt", "python", "requirements", ()),
)

# Every root file detection may read, for readers of bundles.
CANDIDATES: tuple[str, ...] = tuple(
    name for manifest, _, _, locks in RULES for name in (manifest, *(lock for lock, _ in locks))
)
