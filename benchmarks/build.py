"""`skrun build` against `tar | gzip`, measured in the same run. Not a timed test.

Prints, as ratios against baselines measured here and now:
1. wall time of `skrun build` on a generated agent of 2,000 files / 50 MB, against
   `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | gzip -6 -n`
   (goal <= 1.2x);
2. peak RSS of the build process, for that agent and for one with a single 120 MB
   file (goal <= 100 MB whatever the bundle size: the writer streams);
3. wall time of a rebuild of an unchanged 200-file agent (goal <= 0.3 s).

Every run is a fresh process, timed from outside. Peak RSS comes from
`resource.getrusage(RUSAGE_CHILDREN)` read by a small wrapper process whose only
child is the build. Run: `.venv/bin/python benchmarks/build.py`.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKRUN = Path(sys.executable).parent / "skrun"
RUNS = 3
WORDS = [
    "agent",
    "skill",
    "bundle",
    "tool",
    "input",
    "output",
    "model",
    "schema",
    "script",
    "cache",
    "layer",
    "build",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "on",
    "with",
    "that",
    "this",
    "be",
    "are",
    "from",
    "by",
    "as",
    "at",
]

AGENT_YAML = """\
name: bench/{slug}
version: 1.0.0
model:
  provider: anthropic
  name: claude-sonnet-4-5
inputs:
  - name: text
    type: string
outputs:
  - name: text
    type: string
"""
SKILL_MD = (
    "---\nname: {slug}\ndescription: Benchmark agent {slug}. Use for benchmarks.\n---\n\n# {slug}\n"
)

_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def make_agent(root: Path, slug: str, files: int, total: int, seed: int = 1) -> Path:
    """An agent of `files` files and about `total` bytes: 3/4 text, 1/4 random bytes."""
    rng = random.Random(seed)
    agent = root / slug
    agent.mkdir(parents=True)
    (agent / "agent.yaml").write_text(AGENT_YAML.format(slug=slug))
    (agent / "SKILL.md").write_text(SKILL_MD.format(slug=slug))
    per = max(total // max(files, 1), 1)
    line = " ".join(rng.choices(WORDS, k=4000)).encode()
    for i in range(files):
        folder = agent / f"part{i % 20:02d}" / f"sub{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 4 == 3:
            data = os.urandom(per)
        else:
            start = rng.randrange(len(line) // 2)
            reps = per // (len(line) - start) + 1
            data = ((line[start:] + b"\n") * reps)[:per]
        (folder / f"file{i:05d}.txt").write_bytes(data)
    return agent


CPU: dict[str, list[float]] = {}


def wall(argv: list[str], cwd: Path, *, shell: bool = False, label: str = "") -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # stderr is captured: the agent's random binary files each draw a warning (hundreds of
    # lines per run) that would bury the results; it is shown only if the command fails.
    done = subprocess.run(
        " ".join(argv) if shell else argv,
        cwd=cwd,
        shell=shell,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode:
        sys.stderr.buffer.write(done.stderr[-4000:])
        done.check_returncode()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(label, []).append(cpu)
    return elapsed


def best(label: str, runs: list[float]) -> float:
    value = min(runs)
    print(f"  {label:<52} best {value:7.3f} s   median {statistics.median(runs):7.3f} s")
    return value


def peak_rss_mb(argv: list[str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RSS, *argv], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024  # Linux reports KiB


def main() -> int:
    if not SKRUN.exists():
        print(f"skrun not found next to {sys.executable}; run scripts/setup first", file=sys.stderr)
        return 2
    for tool in ("tar", "gzip"):
        if shutil.which(tool) is None:
            print(f"{tool} not found on PATH", file=sys.stderr)
            return 2
    # An installed skrun-build has bytecode (pip and uv compile on install); the
    # editable dev install here may not, and PYTHONDONTWRITEBYTECODE keeps it so.
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "skrun_build"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="skrun-bench-build-") as tmp:
        work = Path(tmp)
        print("generating a 2,000-file / 50 MB agent ...")
        big = make_agent(work / "src", "big", 2000, 50 * 1000 * 1000)
        out = work / "out"
        print("1. build of 2,000 files / 50 MB")
        tar = (
            "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . "
            f"| gzip -6 -n > {work / 'baseline.tar.gz'}"
        )
        base = best(
            "baseline: tar --sort=name ... | gzip -6 -n",
            [wall([tar], big, shell=True, label="tar") for _ in range(RUNS)],
        )
        ours = best(
            "skrun build",
            [
                wall([str(SKRUN), "build", str(big), "-o", str(out)], work, label="skrun")
                for _ in range(RUNS)
            ],
        )
        ratio = ours / base
        print(
            f"  ratio skrun/tar|gzip: {ratio:.2f}x (goal <= 1.2x) {'OK' if ratio <= 1.2 else 'MISSED'}"
        )
        cpu_tar, cpu_ours = min(CPU["tar"]), min(CPU["skrun"])
        print(
            f"  CPU time (user+sys): skrun {cpu_ours:.3f} s, tar|gzip {cpu_tar:.3f} s "
            f"({cpu_ours / cpu_tar:.2f}x); wall below CPU means the gzip thread overlapped"
        )
        sizes = (out / "big-1.0.0.agent").stat().st_size, (work / "baseline.tar.gz").stat().st_size
        print(f"  sizes: skrun {sizes[0]} bytes, tar|gzip {sizes[1]} bytes")

        print("2. peak RSS of the build process")
        rss_big = peak_rss_mb([str(SKRUN), "build", str(big), "-o", str(out)])
        print(f"  2,000 files / 50 MB agent:      {rss_big:6.1f} MB")
        huge = make_agent(work / "src", "huge", 1, 120 * 1000 * 1000, seed=2)
        rss_huge = peak_rss_mb(
            [str(SKRUN), "build", str(huge), "-o", str(out), "--max-size", "1GiB"]
        )
        print(f"  one 120 MB file agent:          {rss_huge:6.1f} MB")
        rss_py = peak_rss_mb([sys.executable, "-c", "import skrun_build.cli"])
        print(f"  baseline: python importing the CLI {rss_py:6.1f} MB")
        worst = max(rss_big, rss_huge)
        print(f"  goal <= 100 MB whatever the size: {'OK' if worst <= 100 else 'MISSED'}")

        print("3. rebuild of an unchanged 200-file agent")
        small = make_agent(work / "src", "small", 200, 2 * 1000 * 1000, seed=3)
        wall([str(SKRUN), "build", str(small)], work)
        base_py = best(
            "baseline: python -c pass",
            [wall([sys.executable, "-c", "pass"], work) for _ in range(5)],
        )
        again = best(
            "skrun build (unchanged)",
            [wall([str(SKRUN), "build", str(small)], work) for _ in range(5)],
        )
        print(
            f"  rebuild {again:.3f} s = {again / base_py:.1f}x python start-up (goal <= 0.3 s) "
            f"{'OK' if again <= 0.3 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
