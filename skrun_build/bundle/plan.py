"""What a tree build would do: each target's inputs digest, and whether it is up to date.

`plan_targets()` is shared by `skrun build` (to skip what did not change) and
`skrun plan` (to fan the rest out as a CI matrix). Nothing here builds or writes.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.bundle.format import Format
from skrun_build.bundle.manifest import Row, current, inputs_digest, rel
from skrun_build.errors import SkrunError


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One target: where it goes, its digest and the previous manifest's row for it."""

    source: Path
    out_dir: Path
    inputs: str  # "" when the source could not be read (see `error`)
    up_to_date: bool = False
    previous: Row | None = None
    error: str = ""
    exit_code: int = 0


def plan_targets(
    dirs: Sequence[Path],
    fmt: Format,
    *,
    output: Path | None = None,
    exclude: Sequence[str] = (),
    previous: dict[str, Row] | None = None,
    base: Path | None = None,
    force: bool = False,
) -> list[PlanItem]:
    """Digest every target in `dirs`; up to date when `previous` (keyed by source path
    relative to `base`, the manifest's folder) lists that digest and the bundle is intact.
    """
    base = base or Path.cwd()
    items = []
    for d in dirs:
        out_dir = output if output is not None else d
        row = (previous or {}).get(rel(d, base))
        try:
            digest = inputs_digest(d, fmt, output, exclude)
        except SkrunError as e:
            items.append(PlanItem(d, out_dir, "", False, row, str(e), e.exit_code))
            continue
        fresh = not force and current(row, digest, out_dir, base)
        items.append(PlanItem(d, out_dir, digest, fresh, row))
    return items


def pending(
    dirs: Sequence[Path],
    *,
    output: Path | None = None,
    previous: dict[str, Row] | None = None,
    base: Path | None = None,
    force: bool = False,
) -> list[PlanItem]:
    """`dirs` as items to build, not digested yet: each carries the previous manifest's
    row (none with `force`), and the build digests it where it runs (a worker process),
    so a tree build reads each target once and digests in parallel."""
    base = base or Path.cwd()
    return [
        PlanItem(
            d,
            output if output is not None else d,
            "",
            False,
            None if force else (previous or {}).get(rel(d, base)),
        )
        for d in dirs
    ]


def shards(items: Sequence[PlanItem], count: int) -> list[list[PlanItem]]:
    """`items` cut into at most `count` consecutive groups whose sizes differ by at most 1."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    groups, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        groups.append(list(items[start:end]))
        start = end
    return [g for g in groups if g]


def github_matrix(
    items: Sequence[PlanItem], *, shard_count: int | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """`{"include": [...]}` for a GitHub Actions `strategy.matrix`.

    One entry per target (`name`, `target`), or with `shard_count` one per group
    (`name`, `shard`, `targets`: the paths joined for a shell, each quoted only if
    it needs it). Paths are relative to `cwd` (the workflow's working directory).
    """
    here = cwd or Path.cwd()
    if shard_count is None:
        return {
            "include": [
                {"name": i.source.name or ".", "target": _shown(i.source, here)} for i in items
            ]
        }
    groups = shards(items, shard_count)
    return {
        "include": [
            {
                "name": f"shard {n}/{len(groups)}",
                "shard": n,
                "targets": shlex.join(_shown(i.source, here) for i in group),
            }
            for n, group in enumerate(groups, 1)
        ]
    }


def _shown(path: Path, cwd: Path) -> str:
    text = rel(path, cwd)
    return text if not text.startswith("../") else os.path.abspath(path)
