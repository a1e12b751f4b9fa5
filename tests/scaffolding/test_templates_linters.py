"""Every SKILL.md that `skrun init` and `skrun skill new` write passes three linters, run for real:
`skrun validate --strict`, `agentskills validate` (PyPI skills-ref 0.1.1, the Agent Skills
reference validator) and `agnix --strict` (PyPI agnix 0.59.3, a Rust binary in a wheel).

scripts/test installs skills-ref and agnix into their own venvs under .tools/ (kept off PATH),
as it does poetry; the tests run them from there.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from skrun_build.scaffolding import TEMPLATES

from helpers.paths import BIN, REPO

SKRUN = BIN / "skrun"
AGENTSKILLS = REPO / ".tools" / "skills-ref" / "bin" / "agentskills"
AGNIX = REPO / ".tools" / "agnix" / "bin" / "agnix"
KINDS = ("python_uv", "rust_binary", "markdown")


def run(argv: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    # HOME and the caches under the temp tree: the module-scoped fixture runs before conftest's
    # per-test isolation, and agnix keeps its settings under HOME.
    home = cwd / ".home"
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "SKRUN_DEPS_DIR": str(home / ".skrun" / "deps"),
        "SKRUN_SKILLS_DIR": str(home / ".skrun" / "skills"),
    }
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def scaffolds(root: Path) -> list[Path]:
    """One folder per `skrun init` template and per `skrun skill new` kind."""
    made = []
    for template in TEMPLATES:
        d = root / f"my-{template}"
        proc = run([SKRUN, "init", "--template", template, d.name], root)
        assert proc.returncode == 0, proc.stderr
        made.append(d)
    for kind in KINDS:
        d = root / f"new-{kind.replace('_', '-')}"
        proc = run([SKRUN, "skill", "new", "--kind", kind, "--id", d.name, d.name], root)
        assert proc.returncode == 0, proc.stderr
        made.append(d)
    return made


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return scaffolds(tmp_path_factory.mktemp("scaffolds"))


def test_the_linters_are_installed() -> None:
    for tool in (AGENTSKILLS, AGNIX):
        assert tool.is_file(), f"{tool} missing: run scripts/test, which installs it"
    assert run([AGNIX, "--version"], REPO).stdout.strip() == "agnix 0.59.3"


def test_every_scaffold_holds_a_skill_md(made: list[Path]) -> None:
    assert [d.name for d in made if (d / "SKILL.md").is_file()] == [
        "my-agent",
        "my-agent-python",
        "my-agent-node",
        "my-skill",
        "new-python-uv",
        "new-rust-binary",
        "new-markdown",
    ]


def test_skrun_validate_strict(made: list[Path]) -> None:
    for d in made:
        # AR010: a rust_binary skill's entry exists only after `cargo build`, not a template flaw.
        proc = run([SKRUN, "validate", "--strict", "--ignore", "AR010", d.name], d.parent)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.endswith("no issues.\n"), proc.stdout


def test_agentskills_validate(made: list[Path]) -> None:
    for d in made:
        proc = run([AGENTSKILLS, "validate", d.name], d.parent)
        assert (proc.returncode, proc.stdout.strip()) == (0, f"Valid skill: {d.name}"), proc.stderr


def test_agnix_strict(made: list[Path]) -> None:
    for d in made:
        proc = run([AGNIX, "--strict", "--format", "json", d.name], d.parent)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout)
        problems = [x for x in report["diagnostics"] if x["level"] != "info"]
        assert problems == [], (d.name, problems)
        assert report["files_checked"] >= 1


def test_agnix_and_agentskills_do_fail_a_bad_skill(tmp_path: Path) -> None:
    """The linters are really run: a broken skill fails both (so a pass above means something)."""
    bad = tmp_path / "bad-skill"
    bad.mkdir()
    (bad / "SKILL.md").write_text("---\nname: Bad_Skill\ndescription: x\n---\nbody\n")
    assert run([AGENTSKILLS, "validate", bad.name], tmp_path).returncode == 1
    assert run([AGNIX, "--strict", bad.name], tmp_path).returncode == 1
