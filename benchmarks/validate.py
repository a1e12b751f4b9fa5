"""How fast `skrun validate` is, each number next to a baseline measured in the same run.

1. in-process parse + validate of a 10 KB SKILL.md (median; goal <= 1 ms) vs
   `yaml.safe_load` and `yaml.load(CSafeLoader)` of the same frontmatter;
2. one process validating a tree of 1,000 skill dirs (goal <= 1 s) vs just reading the files;
   2b. the same tree with a linked reference and a script in each skill (the SK08x checks);
3. a frontmatter with 10,000 metadata keys (goal <= 0.5 s) vs `yaml.load(CSafeLoader)`;
4. hostile inputs, each against the goal the test suite used to time (the tests now count
   work instead; no test may depend on load): an alias bomb and 2,000-deep nesting
   (<= 0.5 s), a 10 MB body (<= 1 s), quadratic-bait JavaScript (<= 10 s, in practice ms);
5. cold `skrun validate DIR` wall time vs `agentskills validate DIR` (PyPI skills-ref, installed
   with uv into a temporary venv when not on PATH) and vs `python -c pass` (goal: ratio <= 1.0).
6. cold `skrun validate TREE` of 1,000 skills vs `agnix TREE` (PyPI agnix, a Rust binary; about
   0.25 s wall on 2 cores; goal: ratio about 1).

The linters are taken from .tools/ (where scripts/test installs them) when there.

Not a test: run `.venv/bin/python benchmarks/validate.py`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from skrun_build.checks.run import check_paths
from skrun_build.checks.skill import check_skill
from skrun_build.formats.skillmd import parse_skill_md

SKRUN = Path(sys.executable).parent / "skrun"
TOOLS = Path(__file__).resolve().parent.parent / ".tools"
UV = Path(sys.executable).parent / "uv"
COLD_RUNS = 15


def skill_md(name: str, body_bytes: int = 9 * 1024 + 600, metadata_keys: int = 8) -> str:
    meta = "".join(f'  key{i}: "value {i}"\n' for i in range(metadata_keys))
    head = (
        "---\n"
        f"name: {name}\n"
        "description: >-\n"
        "  Summarises CSV files into an executive report with charts. Use when the user\n"
        "  shares a CSV or asks for a report on tabular data; not for Excel macros.\n"
        "license: Apache-2.0\n"
        "compatibility: Requires Python 3.11+ and matplotlib\n"
        "allowed-tools: Bash(python:*) Read Write\n"
        f"metadata:\n{meta}"
        "---\n"
    )
    line = "- Step: read the CSV, infer the column types, then summarise each group.\n"
    body = "# Report\n\n" + line * (body_bytes // len(line))
    return head + body


def timeit(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def row(label: str, seconds: float, unit: str = "ms") -> None:
    value = seconds * 1000 if unit == "ms" else seconds
    print(f"  {label:<46} {value:9.3f} {unit}")


def verdict(value: float, goal: float) -> str:
    return "OK" if value <= goal else "OVER GOAL"


def bench_10kb() -> None:
    text = skill_md("report")
    raw = text.encode()
    yaml_text = text.split("---\n")[1]
    print(f"1. parse + validate one SKILL.md of {len(raw) / 1024:.1f} KB (median of 2000)")
    ours = statistics.median(
        timeit(lambda: check_skill(parse_skill_md(raw, "SKILL.md"), "report"), 2000)
    )
    safe = statistics.median(timeit(lambda: yaml.safe_load(yaml_text), 2000))
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    fast = statistics.median(timeit(lambda: yaml.load(yaml_text, Loader=c_loader), 2000))
    row("skrun: parse_skill_md + check_skill", ours)
    row("baseline: yaml.safe_load(frontmatter)", safe)
    row("baseline: yaml.load(frontmatter, CSafeLoader)", fast)
    print(
        f"  ratio {ours / safe:.2f}x safe_load, {ours / fast:.2f}x CSafeLoader; "
        f"goal <= 1 ms (skillrt: 5 ms): {verdict(ours, 0.001)}"
    )


def bench_1000_dirs(root: Path) -> None:
    tree = root / "skills"
    for i in range(1000):
        d = tree / f"skill-{i:04d}"
        d.mkdir(parents=True)
        (d / "SKILL.md").write_text(skill_md(f"skill-{i:04d}", body_bytes=2048))
    print("2. one process, a tree of 1,000 skill dirs (best of 3)")
    ours = min(timeit(lambda: check_paths([tree]), 3))
    files = sorted(tree.glob("*/SKILL.md"))
    base = min(timeit(lambda: [f.read_bytes() for f in files], 3))
    report = check_paths([tree])
    assert len(report.files) == 1000 and not report.issues, report.issues[:3]
    row("skrun: check_paths(tree) (walk + all rules)", ours, "s")
    row("baseline: read_bytes() of the 1,000 files", base, "s")
    print(f"  ratio {ours / base:.1f}x reading; goal <= 1 s: {verdict(ours, 1.0)}")


def bench_1000_dirs_with_resources(root: Path) -> None:
    # The references check (SK080-SK082) at work: each body links a reference and names a
    # script, and each skill has both files (so every note rule reads its folders too).
    tree = root / "skills-with-resources"
    line = "See [the guide](references/guide.md); run `python scripts/run.py --in x`.\n"
    for i in range(1000):
        d = tree / f"skill-{i:04d}"
        (d / "references").mkdir(parents=True)
        (d / "scripts").mkdir()
        (d / "SKILL.md").write_text(skill_md(f"skill-{i:04d}", body_bytes=2048) + line)
        (d / "references" / "guide.md").write_text("# Guide\n")
        (d / "scripts" / "run.py").write_text("print('ok')\n")
    print("2b. the same with a reference and a script per skill, both named (best of 3)")
    ours = min(timeit(lambda: check_paths([tree]), 3))
    report = check_paths([tree])
    assert len(report.files) == 1000 and not report.issues, report.issues[:3]
    row("skrun: check_paths(tree) (walk + all rules)", ours, "s")
    print(f"  goal <= 1 s: {verdict(ours, 1.0)}")


def bench_10000_keys() -> None:
    text = skill_md("report", body_bytes=100, metadata_keys=10_000)
    raw = text.encode()
    yaml_text = text.split("---\n")[1]
    print("3. a frontmatter with 10,000 metadata keys (best of 3)")
    ours = min(timeit(lambda: check_skill(parse_skill_md(raw, "SKILL.md"), "report"), 3))
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    base = min(timeit(lambda: yaml.load(yaml_text, Loader=c_loader), 3))
    row("skrun: parse_skill_md + check_skill", ours, "s")
    row("baseline: yaml.load(frontmatter, CSafeLoader)", base, "s")
    print(
        f"  ratio {ours / base:.2f}x CSafeLoader; goal <= 0.5 s "
        f"(skills-ref: about 2 minutes): {verdict(ours, 0.5)}"
    )


def bench_hostile(root: Path) -> None:
    from skrun_build.checks.scripts import js_imports

    ok = "---\nname: my-skill\ndescription: Does x.\n"
    bomb = ['a: &a ["lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        bomb.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    from skrun_build.formats.yaml import YamlError

    def refused(raw: bytes) -> None:
        try:
            parse_skill_md(raw, "SKILL.md")
        except YamlError:
            return
        raise AssertionError("not refused")

    cases: list[tuple[str, Callable[[], object], float]] = []
    for label, text in (
        ("alias bomb", ok + "\n".join(bomb) + "\n---\n"),
        ("2,000-deep nesting", ok + "metadata: " + "[" * 2000 + "]" * 2000 + "\n---\n"),
    ):
        raw = text.encode()
        cases.append((label, lambda raw=raw: refused(raw), 0.5))
    body = (ok + "---\n" + ("x" * 99 + "\n") * 100_000).encode()
    cases.append(("10 MB body", lambda: parse_skill_md(body, "SKILL.md"), 1.0))
    for name, text in (
        ("imports", "import as " * 50_000),
        ("quotes", "'" + "a\\'" * 200_000),
        ("comments", "/*" * 200_000),
        ("long string", '"' + "a" * 1_000_000),
    ):
        script = root / f"{name.replace(' ', '-')}.js"
        script.write_text(text + '\nimport x from "late-pkg";\n')
        cases.append((f"JS scan: {name}", lambda script=script: js_imports(script), 10.0))
    print("4. hostile inputs (best of 3)")
    for label, fn, goal in cases:
        best = min(timeit(fn, 3))
        row(f"{label} (goal <= {goal:g} s): {verdict(best, goal)}", best, "s")


def wall(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    return time.perf_counter() - start


def cold(label: str, argv: list[str], cwd: Path) -> float:
    wall(argv, cwd)  # warm the OS file cache, not the process
    median = statistics.median(wall(argv, cwd) for _ in range(COLD_RUNS))
    row(f"{label}", median)
    return median


def find_agentskills(root: Path) -> tuple[Path | None, str]:
    local = TOOLS / "skills-ref" / "bin" / "agentskills"
    if local.exists():
        return local, "skills-ref from .tools"
    found = shutil.which("agentskills")
    if found:
        return Path(found), "found on PATH"
    if not UV.exists():
        return None, f"uv not found at {UV}"
    venv = root / "skills-ref-venv"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    try:
        subprocess.run(
            [str(UV), "venv", "-q", "--python", sys.executable, str(venv)],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [
                str(UV),
                "pip",
                "install",
                "-q",
                "--python",
                str(venv / "bin" / "python"),
                "skills-ref",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=300,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        detail = getattr(e, "stderr", b"") or b""
        text = detail.decode(errors="replace").strip().splitlines()
        return None, f"cannot install skills-ref: {text[-1] if text else e}"
    version = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('skills-ref'))",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return venv / "bin" / "agentskills", f"skills-ref {version} installed with uv into a temp venv"


def bench_cold(root: Path) -> None:
    skill = root / "cold" / "report"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text(skill_md("report"))
    print(f"5. cold wall time of one process on one skill dir (median of {COLD_RUNS})")
    base = cold("baseline: python -c pass", [sys.executable, "-c", "pass"], root)
    ours = cold("skrun validate DIR", [str(SKRUN), "validate", str(skill)], root)
    cold("skrun validate DIR/SKILL.md", [str(SKRUN), "validate", str(skill / "SKILL.md")], root)
    agentskills, note = find_agentskills(root)
    if agentskills is None:
        print(f"  agentskills: not measured ({note})")
        print(f"  skrun is {ours / base:.2f}x bare python start-up")
        return
    theirs = cold(
        f"agentskills validate DIR ({note})", [str(agentskills), "validate", str(skill)], root
    )
    ratio = ours / theirs
    print(
        f"  ratio skrun/agentskills (one skill) {ratio:.2f} (goal <= 1.0): {verdict(ratio, 1.0)}; "
        f"skrun is {ours / base:.2f}x bare python start-up"
    )


def find_agnix() -> Path | None:
    local = TOOLS / "agnix" / "bin" / "agnix"
    if local.exists():
        return local
    found = shutil.which("agnix")
    return Path(found) if found else None


def bench_1000_vs_agnix(root: Path) -> None:
    tree = root / "agnix-tree"
    for i in range(1000):
        d = tree / f"skill-{i:04d}"
        d.mkdir(parents=True)
        (d / "SKILL.md").write_text(skill_md(f"skill-{i:04d}", body_bytes=2048))
    print("5. cold wall time of one process on a tree of 1,000 skill dirs (median of 5)")
    ours = statistics.median(
        wall([str(SKRUN), "validate", "-q", str(tree)], root) for _ in range(5)
    )
    row("skrun validate TREE", ours, "s")
    agnix = find_agnix()
    if agnix is None:
        print("  agnix: not measured (run scripts/test: it installs agnix into .tools/agnix)")
        return
    wall([str(agnix), str(tree)], root)  # warm the file cache
    theirs = statistics.median(wall([str(agnix), str(tree)], root) for _ in range(5))
    row("agnix TREE (PyPI agnix, Rust)", theirs, "s")
    print(f"  ratio skrun/agnix {ours / theirs:.2f} (goal: about 1)")


def main() -> int:
    if not SKRUN.exists():
        print(f"skrun not found next to {sys.executable}; run scripts/setup first", file=sys.stderr)
        return 2
    loader = "libyaml (CSafeLoader)" if hasattr(yaml, "CSafeLoader") else "pure-Python YAML"
    import skrun_build

    cached = any(Path(skrun_build.__file__).parent.glob("checks/__pycache__/run.*.pyc"))
    bytecode = "compiled" if cached else "not compiled: each cold run compiles the sources"
    print(f"python {sys.version.split()[0]}, {loader}, skrun_build bytecode {bytecode}")
    with tempfile.TemporaryDirectory(prefix="skrun-bench-") as tmp:
        root = Path(tmp)
        bench_10kb()
        bench_1000_dirs(root)
        bench_1000_dirs_with_resources(root)
        bench_10000_keys()
        bench_hostile(root)
        bench_cold(root)
        bench_1000_vs_agnix(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
