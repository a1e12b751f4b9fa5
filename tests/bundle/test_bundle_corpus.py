"""Every agent of the vendored corpus (fixtures/corpus) builds; every skill's `--format skill` outcome is pinned."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.paths import CORPUS

AGENTS = sorted(p.parent for p in CORPUS.glob("*/*/agent.yaml"))
SKILLS = sorted(p.parent for p in CORPUS.rglob("SKILL.md"))

# Skills that are invalid by the spec, and the first error line `skrun build` prints.
# Every other skill in the corpus must pack.
INVALID_SKILLS = {
    "affaan-m__everything-claude-code__django-verification/django-verification": (
        "SKILL.md:3:51: SK007 error invalid YAML: mapping values are not allowed in this context"
    ),
    "anthropics__skills__claude-api/claude-api": (
        "SKILL.md:3:14: SK023 error description is 1068 characters; the limit is 1024"
    ),
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/debugging": (
        'SKILL.md:2:7: SK016 error name "qdrant-monitoring-debugging" must equal the skill '
        'directory\'s name "debugging"'
    ),
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/setup": (
        'SKILL.md:2:7: SK016 error name "qdrant-monitoring-setup" must equal the skill '
        'directory\'s name "setup"'
    ),
    "lhwzds__skrun__cdp-browser/cdp-browser": (
        "SKILL.md:1:1: SK020 error the frontmatter has no 'description'"
    ),
    "lhwzds__skrun__python-echo/python-echo": (
        "SKILL.md:1:1: SK005 error SKILL.md must start with YAML frontmatter"
    ),
    "vercel-labs__agent-skills__react-best-practices/react-best-practices": (
        'SKILL.md:2:7: SK016 error name "vercel-react-best-practices" must equal the skill '
        'directory\'s name "react-best-practices"'
    ),
}


def test_corpus_is_there() -> None:
    assert len(AGENTS) == 2
    assert len(SKILLS) == 41
    assert set(INVALID_SKILLS) <= {s.relative_to(CORPUS).as_posix() for s in SKILLS}


@pytest.mark.parametrize("agent", AGENTS, ids=lambda p: p.name)
def test_every_corpus_agent_builds(agent: Path, tmp_path: Path) -> None:
    assert run(["build", str(agent), "--output", str(tmp_path)]) == 0
    (bundle,) = tmp_path.glob("*.agent")
    assert bundle.name == f"{agent.name}-0.2.0.agent"
    with tarfile.open(bundle, "r:gz") as tf:
        names = tf.getnames()
    assert names[0] == ".skrun/config.json" and names[-1] == ".skrun/record.json"
    assert "agent.yaml" in names and "SKILL.md" in names


@pytest.mark.parametrize("skill", SKILLS, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_every_valid_corpus_skill_packs(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = skill.relative_to(CORPUS).as_posix()
    code = run(["build", "--format", "skill", str(skill), "--output", str(tmp_path / "out")])
    captured = capsys.readouterr()
    if key in INVALID_SKILLS:
        assert code == 1
        assert INVALID_SKILLS[key] in captured.err
        assert "Traceback" not in captured.err and "internal error" not in captured.err
        assert not (tmp_path / "out").exists()
        return
    assert code == 0, captured.err
    (packed,) = (tmp_path / "out").glob("*.skill")
    with zipfile.ZipFile(packed) as zf:
        names = zf.namelist()
    prefix = packed.name.removesuffix(".skill") + "/"
    assert f"{prefix}SKILL.md" in names
    assert all(n.startswith(prefix) for n in names)
