"""Cold wall time of `skrun init` (goal: <= 300 ms), against baselines measured here.

Each run is a fresh process (nothing cached in memory), so this is what a user
waits for. Baselines: the bare interpreter start-up (`python -c pass`) and a
plain `cp -r` of the template folder. Run: `.venv/bin/python benchmarks/init.py`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKRUN = Path(sys.executable).parent / "skrun"
RUNS = 15
GOAL_MS = 300.0


def wall_ms(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    return (time.perf_counter() - start) * 1000


def measure(label: str, make_argv: object, cwd: Path) -> float:
    assert callable(make_argv)
    times = [wall_ms(make_argv(i), cwd) for i in range(RUNS)]
    median = statistics.median(times)
    print(f"{label:<44} median {median:7.1f} ms   min {min(times):7.1f} ms   (n={RUNS})")
    return median


def main() -> int:
    if not SKRUN.exists():
        print(f"skrun not found next to {sys.executable}; run scripts/setup first", file=sys.stderr)
        return 2
    env_note = "PYTHONDONTWRITEBYTECODE=" + os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    print(f"python {sys.version.split()[0]}, {env_note}")
    with tempfile.TemporaryDirectory(prefix="skrun-bench-") as tmp:
        work = Path(tmp)
        template = REPO / "templates" / "agent-python"
        cp = shutil.which("cp") or "cp"
        base_py = measure(
            "baseline: python -c pass", lambda i: [sys.executable, "-c", "pass"], work
        )
        measure(
            "baseline: cp -r templates/agent-python",
            lambda i: [cp, "-r", str(template), f"cp{i}"],
            work,
        )
        measure("skrun --version", lambda i: [str(SKRUN), "--version"], work)
        agent = measure("skrun init -t agent", lambda i: [str(SKRUN), "init", f"a{i}"], work)
        py = measure(
            "skrun init -t agent-python",
            lambda i: [str(SKRUN), "init", f"p{i}", "-t", "agent-python"],
            work,
        )
        subprocess.run(
            [str(SKRUN), "init", "imported", "-t", "skill"],
            cwd=work,
            check=True,
            capture_output=True,
        )
        measure(
            "skrun init --from-skill (--dry-run)",
            lambda i: [str(SKRUN), "init", "--from-skill", "imported", "--dry-run"],
            work,
        )
        worst = max(agent, py)
        verdict = "OK" if worst <= GOAL_MS else "OVER GOAL"
        print(
            f"cold skrun init: {worst:.1f} ms median (goal <= {GOAL_MS:.0f} ms): {verdict}; "
            f"{worst - base_py:.1f} ms above bare python start-up"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
