"""Cold wall time of `skrun deps install` on a cache hit (goal: <= 150 ms) against the
fresh install of the same fixture, and of `skrun cache list` over 1,000 entries
(goal: <= 200 ms). Every run is a fresh process, which is what a user waits for.

The fixture is offline: a tiny wheel written by hand, installed through uv with
find-links and no index. Run: `.venv/bin/python benchmarks/deps.py`.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from helpers.deps import build_wheel, write_entry  # noqa: E402

SKRUN = Path(sys.executable).parent / "skrun"
RUNS = 15
FRESH_RUNS = 5
HIT_GOAL_MS = 150.0
LIST_GOAL_MS = 200.0


def wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    return (time.perf_counter() - start) * 1000


def report(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"{label:<48} median {median:8.1f} ms   min {min(times):8.1f} ms   (n={len(times)})")
    return median


def fill_cache(root: Path, n: int) -> None:
    """n synthetic complete entries (metadata + a small payload)."""
    for i in range(n):
        key = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
        entry = write_entry(
            root, key, requirements=f"pkg{i}==1.0\n", packages=i % 40, size=1024 * (i + 1)
        )
        os.utime(entry, (time.time() - i * 60, time.time() - i * 60))


def main() -> int:
    if not SKRUN.exists():
        print(f"skrun not found next to {sys.executable}; run scripts/setup first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="skrun-bench-deps-") as tmp:
        work = Path(tmp)
        wheels = work / "wheels"
        wheels.mkdir()
        build_wheel(
            wheels,
            "tinypkg",
            "1.0.0",
            {"tinypkg/__init__.py": "def main():\n    print('hi')\n"},
            {"tinypkg-hello": "tinypkg:main"},
        )
        skill = work / "skill"
        skill.mkdir()
        (skill / "requirements.txt").write_text("tinypkg==1.0.0\n")
        env = {
            **os.environ,
            "UV_NO_INDEX": "1",
            "UV_FIND_LINKS": str(wheels),
            "UV_OFFLINE": "1",
            "UV_CACHE_DIR": str(work / "uv-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
        }
        install = [str(SKRUN), "deps", "install", str(skill)]
        base = report(
            "baseline: python -c pass",
            [wall_ms([sys.executable, "-c", "pass"], env) for _ in range(RUNS)],
        )
        fresh = []
        for i in range(FRESH_RUNS + 1):  # the first run only warms uv's cache
            ms = wall_ms(install, {**env, "SKRUN_DEPS_DIR": str(work / f"fresh{i}")})
            if i:
                fresh.append(ms)
        fresh_ms = report("fresh install (uv cache warm)", fresh)
        hit_env = {**env, "SKRUN_DEPS_DIR": str(work / "fresh1")}
        hit_ms = report(
            "skrun deps install: cache hit", [wall_ms(install, hit_env) for _ in range(RUNS)]
        )
        listing = work / "listing"
        fill_cache(listing, 1000)
        list_env = {**env, "SKRUN_DEPS_DIR": str(listing)}
        list_ms = report(
            "skrun cache list: 1,000 entries",
            [wall_ms([str(SKRUN), "cache", "list"], list_env) for _ in range(RUNS)],
        )
        print()
        print(
            f"cache hit / fresh install   {hit_ms / fresh_ms:6.2f}x  ({fresh_ms / hit_ms:.1f}x faster)"
        )
        print(f"cache hit / python start   {hit_ms / base:6.2f}x")
        ok_hit = "ok" if hit_ms <= HIT_GOAL_MS else "MISSED"
        ok_list = "ok" if list_ms <= LIST_GOAL_MS else "MISSED"
        print(f"goal cache hit <= {HIT_GOAL_MS:.0f} ms: {ok_hit} ({hit_ms:.1f} ms)")
        print(f"goal cache list (1,000) <= {LIST_GOAL_MS:.0f} ms: {ok_list} ({list_ms:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
