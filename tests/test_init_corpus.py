"""`skrun init --from-skill` over a copy of every corpus skill, with the outcome pinned per skill.

ok: agent.yaml is written, the agent validates (no errors) and builds, SKILL.md is unchanged.
error: the pinned exit code and message, and the copy is byte-for-byte unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CORPUS
from test_init_from_skill import agent_errors

from skrun_build import cli

OK = None
# skill folder relative to the corpus -> None (ok) or (exit code, text the error must contain)
PINNED: dict[str, tuple[int, str] | None] = {
    "Orchestra-Research__AI-research-SKILLs__ml-training-recipes/ml-training-recipes": OK,
    "affaan-m__everything-claude-code__django-verification/django-verification": (
        1,
        "SKILL.md:3: SKILL_YAML error invalid YAML: mapping values are not allowed",
    ),
    "anthropics__skills__algorithmic-art/algorithmic-art": OK,
    "anthropics__skills__claude-api/claude-api": (
        1,
        "SKILL.md:3: SKILL_DESCRIPTION_LENGTH error description is 1068 characters; the limit is 1024",
    ),
    "anthropics__skills__mcp-builder/mcp-builder": OK,
    "anthropics__skills__skill-creator/skill-creator": OK,
    "anthropics__skills__slack-gif-creator/slack-gif-creator": OK,
    "anthropics__skills__theme-factory/theme-factory": OK,
    "anthropics__skills__web-artifacts-builder/web-artifacts-builder": OK,
    "anthropics__skills__webapp-testing/webapp-testing": OK,
    "dotnet__skills__analyzing-dotnet-performance/analyzing-dotnet-performance": OK,
    "dotnet__skills__dotnet-pinvoke/dotnet-pinvoke": OK,
    "getsentry__skills__create-branch/create-branch": OK,
    "getsentry__skills__iterate-pr/iterate-pr": OK,
    "getsentry__skills__skill-writer/skill-writer": OK,
    "github__awesome-copilot__acquire-codebase-knowledge/acquire-codebase-knowledge": OK,
    "github__awesome-copilot__azure-role-selector/azure-role-selector": OK,
    "github__awesome-copilot__mentoring-juniors/mentoring-juniors": OK,
    "github__awesome-copilot__nano-banana-pro-openrouter/nano-banana-pro-openrouter": OK,
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring": OK,
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/debugging": (
        1,
        "SKILL.md:2: SKILL_NAME_DIR error name 'qdrant-monitoring-debugging' must equal the folder name 'debugging'",
    ),
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/setup": (
        1,
        "SKILL.md:2: SKILL_NAME_DIR error name 'qdrant-monitoring-setup' must equal the folder name 'setup'",
    ),
    "lhwzds__skrun__cdp-browser/cdp-browser": (
        1,
        "SKILL.md:3: SKILL_NAME error name must be 1-64 lowercase a-z, 0-9 and single inner dashes: 'CDP Browser'",
    ),
    "lhwzds__skrun__python-echo/python-echo": (
        1,
        "SKILL.md:1: SKILL_NO_FRONTMATTER error SKILL.md must start with YAML frontmatter",
    ),
    "obra__superpowers__brainstorming/brainstorming": OK,
    "obra__superpowers__systematic-debugging/systematic-debugging": OK,
    "obra__superpowers__writing-skills/writing-skills": OK,
    "openai__skills__create-plan/create-plan": OK,
    "openai__skills__gh-fix-ci/gh-fix-ci": OK,
    "openai__skills__skill-creator/skill-creator": OK,
    "openai__skills__skill-installer/skill-installer": OK,
    "skrun-dev__skrun__csv-to-executive-report/csv-to-executive-report": (
        1,
        "csv-to-executive-report/agent.yaml already exists (pass --force to overwrite it)",
    ),
    "skrun-dev__skrun__knowledge-base-from-vault/knowledge-base-from-vault": (
        1,
        "knowledge-base-from-vault/agent.yaml already exists (pass --force to overwrite it)",
    ),
    "trailofbits__skills__address-sanitizer/address-sanitizer": OK,
    "trailofbits__skills__firebase-apk-scanner/firebase-apk-scanner": OK,
    "trailofbits__skills__let-fate-decide/let-fate-decide": OK,
    "trailofbits__skills__trailmark-finding-triage/trailmark-finding-triage": OK,
    "varunr89__resume-tailoring-skill__resume-tailoring/resume-tailoring": OK,
    "vercel-labs__agent-skills__deploy-to-vercel/deploy-to-vercel": OK,
    "vercel-labs__agent-skills__react-best-practices/react-best-practices": (
        1,
        "SKILL.md:2: SKILL_NAME_DIR error name 'vercel-react-best-practices' must equal the folder name 'react-best-practices'",
    ),
    "vercel-labs__agent-skills__web-design-guidelines/web-design-guidelines": OK,
}


def corpus_skills() -> list[str]:
    return sorted(p.parent.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*/**/SKILL.md"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_corpus_skill_is_pinned() -> None:
    assert corpus_skills() == sorted(PINNED)
    assert len(PINNED) >= 41


@pytest.mark.parametrize("rel", sorted(PINNED))
def test_from_skill_over_corpus(
    rel: str,
    tmp_path: Path,
    copy_tree: Callable[[Path, str | None], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    top, _, inner = rel.partition("/")
    root = copy_tree(CORPUS / top, "corpus-copy")
    skill = root / inner
    before = snapshot(root)
    code = cli.run(["init", "--from-skill", str(skill), "--namespace", "corpus"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    expected = PINNED[rel]
    if expected is None:
        assert code == 0, err
        after = snapshot(root)
        assert set(after) - set(before) == {f"{inner}/agent.yaml"}
        assert {k: v for k, v in after.items() if k in before} == before  # nothing else changed
        config = yaml.safe_load((skill / "agent.yaml").read_text(encoding="utf-8"))
        assert config["name"] == f"corpus/{skill.name}"
        assert agent_errors(skill) == []
    else:
        exit_code, message = expected
        assert (code, message in err) == (exit_code, True), err
        assert snapshot(root) == before


@pytest.mark.parametrize(
    "rel",
    [
        "skrun-dev__skrun__csv-to-executive-report/csv-to-executive-report",
        "skrun-dev__skrun__knowledge-base-from-vault/knowledge-base-from-vault",
    ],
)
def test_existing_corpus_agents_are_replaced_only_with_force(
    rel: str,
    tmp_path: Path,
    copy_tree: Callable[[Path, str | None], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    top, _, inner = rel.partition("/")
    skill = copy_tree(CORPUS / top, "corpus-copy") / inner
    skill_md = (skill / "SKILL.md").read_bytes()
    assert cli.run(["init", "--from-skill", str(skill), "--force"]) == 0
    out = capsys.readouterr().out
    assert (skill / "SKILL.md").read_bytes() == skill_md
    assert agent_errors(skill) == []
    assert "note: dependency manifest: " in out
