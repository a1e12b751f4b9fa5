"""Overhead of `skrun skill run` and of `Skill.call()` over running the entry directly.

Measured in one run, as ratios and as milliseconds over the baseline (running the
entry with `subprocess.run`, input on stdin, output captured). Goals: the CLI adds
<= 50 ms (a fresh process: interpreter start, imports, artifact.json, schemas);
`.call()` adds <= 5 ms on a warm process (the handle is made once). The entry is
the rust_binary echo of `skrun skill new`, built with cargo when it is installed
(offline), else a `#!/bin/sh` echo. Not a timed test.
Run: `.venv/bin/python benchmarks/skill_run.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SKRUN = Path(sys.executable).parent / "skrun"
RUNS = 30
INPUT = {"ok": True, "items": list(range(20))}


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def make_skill(work: Path) -> tuple[Path, str]:
    skill = work / "bench-echo"
    env = dict(os.environ, CARGO_NET_OFFLINE="true", SKRUN_SKILL_TARGET_DIR=str(work / "t"))
    new = [str(SKRUN), "skill", "new", "--kind", "rust_binary", "--id", "bench-echo", str(skill)]
    subprocess.run(new, check=True, capture_output=True)
    if shutil.which("cargo"):
        built = subprocess.run(
            [str(SKRUN), "skill", "build", str(skill)], env=env, capture_output=True, check=False
        )
        if built.returncode == 0:
            return skill, "rust_binary echo (cargo release build)"
    entry = skill / "bin" / "release" / "bench-echo"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text("#!/bin/sh\ncat\n")
    entry.chmod(0o755)
    return skill, "#!/bin/sh echo (cargo unavailable)"


def main() -> int:
    if not SKRUN.exists():
        print(f"skrun not found next to {sys.executable}; run scripts/setup first", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import skrun_build

    with tempfile.TemporaryDirectory(prefix="skrun-bench-") as tmp:
        skill, what = make_skill(Path(tmp))
        entry = skill / "bin" / "release" / "bench-echo"
        data = (json.dumps(INPUT) + "\n").encode()
        text = json.dumps(INPUT)
        print(f"python {sys.version.split()[0]}; entry: {what}; median of {RUNS} runs")

        def direct() -> object:
            done = subprocess.run([str(entry)], input=data, capture_output=True, cwd=skill)
            return json.loads(done.stdout)

        def cli() -> object:
            argv = [str(SKRUN), "skill", "run", "--input", text, str(skill)]
            return subprocess.run(argv, capture_output=True, check=True)

        handle = skrun_build.skill(skill)
        handle.call(INPUT)  # warm: imports done, schemas compiled

        base = median_ms(direct)
        floor = median_ms(lambda: subprocess.run([str(SKRUN), "--version"], capture_output=True))
        cli_ms = median_ms(cli)
        call_ms = median_ms(lambda: handle.call(INPUT))
        print(f"{'baseline: the entry via subprocess.run':<40} {base:7.2f} ms")
        print(
            f"{'floor: skrun --version (fresh process)':<40} {floor:7.2f} ms   "
            f"x{floor / base:5.1f}   +{floor - base:6.2f} ms"
        )
        print(
            f"{'skrun skill run (fresh process)':<40} {cli_ms:7.2f} ms   "
            f"x{cli_ms / base:5.1f}   +{cli_ms - base:6.2f} ms (goal <= +50 ms)"
        )
        print(
            f"{'Skill.call() (warm)':<40} {call_ms:7.2f} ms   "
            f"x{call_ms / base:5.1f}   +{call_ms - base:6.2f} ms (goal <= +5 ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
