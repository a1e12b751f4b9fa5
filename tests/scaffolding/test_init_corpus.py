"""`skrun init --from-skill` over a copy of every corpus skill, with the outcome pinned per skill.

ok: agent.yaml is written, the agent validates (no errors) and builds into a real .agent,
SKILL.md is unchanged.
error: exit 1 and the pinned stderr lines (SKILL.md issues exactly as `skrun validate` prints
them), and the copy is byte-for-byte unchanged.
"""

from __future__ import annotations

import shlex
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from test_init_from_skill import agent_errors

from skrun_build import cli
from skrun_build.bundle import build_bundle
from skrun_build.formats.skillmd import load_skill

from helpers.paths import CORPUS

OK = None
# skill folder relative to the corpus -> None (ok) or the exact stderr lines of the refusal
# (exit 1), paths relative to the copy's top folder. The SKILL.md lines are exactly what
# `skrun validate` prints for the skill.
PINNED: dict[str, list[str] | None] = {
    "Orchestra-Research__AI-research-SKILLs__ml-training-recipes/ml-training-recipes": OK,
    "affaan-m__everything-claude-code__django-verification/django-verification": [
        "django-verification/SKILL.md:3:51: SK007 error invalid YAML: mapping values are not "
        "allowed in this context (quote values that contain ': ')",
        "skrun: error: django-verification/SKILL.md has 1 error(s); nothing was written",
    ],
    "anthropics__skills__algorithmic-art/algorithmic-art": OK,
    "anthropics__skills__claude-api/claude-api": [
        "claude-api/SKILL.md:3:14: SK023 error description is 1068 characters; the limit is 1024 "
        "(shorten it and move details into the body)",
        "claude-api/SKILL.md:211:1: SK061 warning the body is about 16861 tokens (estimated); "
        "the spec recommends under 5000 (move detailed material into files under references/ "
        "and link to them)",
        "claude-api/SKILL.md:509:1: SK060 warning the body is 570 lines; the spec recommends "
        "under 500 (move detailed material into files under references/)",
        "skrun: error: claude-api/SKILL.md has 1 error(s); nothing was written",
    ],
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
    # Was OK: a list-valued metadata entry is refused by Skrun v0.7.0's push (SK073, issue 9.3).
    "github__awesome-copilot__acquire-codebase-knowledge/acquire-codebase-knowledge": [
        "acquire-codebase-knowledge/SKILL.md:9:5: SK073 error metadata value of 'enhancements' "
        "is a list, not a string; Skrun v0.7.0 push refuses it (skills-ref and skrun-dev accept "
        "only string values; encode it as one string)",
        "acquire-codebase-knowledge/SKILL.md:15:1: SK050 warning unknown frontmatter key "
        "'argument-hint' (a Claude Code extension; skills-ref and claude.ai uploads reject keys "
        "outside the spec)",
        "skrun: error: acquire-codebase-knowledge/SKILL.md has 1 error(s); nothing was written",
    ],
    # Was OK: allowed-tools as a YAML list is refused by Skrun v0.7.0's push (SK072, issue 9.3).
    "github__awesome-copilot__azure-role-selector/azure-role-selector": [
        "azure-role-selector/SKILL.md:4:16: SK072 error allowed-tools is a YAML list; "
        "Skrun v0.7.0 push needs one string (write it as one space-separated string)",
        "skrun: error: azure-role-selector/SKILL.md has 1 error(s); nothing was written",
    ],
    "github__awesome-copilot__mentoring-juniors/mentoring-juniors": OK,
    # Was OK: a mapping-valued metadata entry is refused by Skrun v0.7.0's push (SK073).
    "github__awesome-copilot__nano-banana-pro-openrouter/nano-banana-pro-openrouter": [
        "nano-banana-pro-openrouter/SKILL.md:7:5: SK073 error metadata value of 'requires' is a "
        "mapping, not a string; Skrun v0.7.0 push refuses it (skills-ref and skrun-dev accept "
        "only string values; encode it as one string)",
        "skrun: error: nano-banana-pro-openrouter/SKILL.md has 1 error(s); nothing was written",
    ],
    # Was OK: allowed-tools as a YAML list is refused by Skrun v0.7.0's push (SK072).
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring": [
        "qdrant-monitoring/SKILL.md:5:3: SK072 error allowed-tools is a YAML list; "
        "Skrun v0.7.0 push needs one string (write allowed-tools: Read Grep Glob)",
        "skrun: error: qdrant-monitoring/SKILL.md has 1 error(s); nothing was written",
    ],
    # Was SK016: Skrun v0.7.0 never checks an agent's folder name (issue 9.2); the agent's
    # slug is the SKILL.md name.
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/debugging": OK,
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring/setup": OK,  # as debugging
    "lhwzds__skrun__cdp-browser/cdp-browser": [
        "cdp-browser/SKILL.md:1:1: SK020 error the frontmatter has no 'description' "
        "(add description: saying what the skill does and when to use it)",
        "cdp-browser/SKILL.md:2:1: SK050 warning unknown frontmatter key 'id' "
        "(kept; skills-ref and claude.ai uploads reject it: move it under metadata:)",
        'cdp-browser/SKILL.md:3:7: SK012 error name must be lowercase: "CDP Browser" '
        '(try "cdp-browser")',
        "cdp-browser/SKILL.md:3:7: SK013 error name may only contain ASCII a-z, 0-9 and '-': "
        '"CDP Browser" has \' \' (try "cdp-browser")',
        "cdp-browser/SKILL.md:4:1: SK050 warning unknown frontmatter key 'kind' "
        "(kept; skills-ref and claude.ai uploads reject it: move it under metadata:)",
        "skrun: error: cdp-browser/SKILL.md has 3 error(s); nothing was written",
    ],
    "lhwzds__skrun__python-echo/python-echo": [
        "python-echo/SKILL.md:1:1: SK005 error SKILL.md must start with YAML frontmatter: a '---' "
        "line (start the file with a '---' line, then name: and description:, then '---')",
        "skrun: error: python-echo/SKILL.md has 1 error(s); nothing was written",
    ],
    "obra__superpowers__brainstorming/brainstorming": OK,
    "obra__superpowers__systematic-debugging/systematic-debugging": OK,
    "obra__superpowers__writing-skills/writing-skills": OK,
    "openai__skills__create-plan/create-plan": OK,
    "openai__skills__gh-fix-ci/gh-fix-ci": OK,
    "openai__skills__skill-creator/skill-creator": OK,
    "openai__skills__skill-installer/skill-installer": OK,
    "skrun-dev__skrun__csv-to-executive-report/csv-to-executive-report": [
        "skrun: error: csv-to-executive-report/agent.yaml already exists "
        "(pass --force to overwrite it)",
    ],
    "skrun-dev__skrun__knowledge-base-from-vault/knowledge-base-from-vault": [
        "skrun: error: knowledge-base-from-vault/agent.yaml already exists "
        "(pass --force to overwrite it)",
    ],
    "trailofbits__skills__address-sanitizer/address-sanitizer": OK,
    "trailofbits__skills__firebase-apk-scanner/firebase-apk-scanner": OK,
    "trailofbits__skills__let-fate-decide/let-fate-decide": OK,
    # Was OK: allowed-tools as a YAML list is refused by Skrun v0.7.0's push (SK072).
    "trailofbits__skills__trailmark-finding-triage/trailmark-finding-triage": [
        "trailmark-finding-triage/SKILL.md:5:3: SK072 error allowed-tools is a YAML list; "
        "Skrun v0.7.0 push needs one string (write allowed-tools: Bash Read Grep Glob Write)",
        "skrun: error: trailmark-finding-triage/SKILL.md has 1 error(s); nothing was written",
    ],
    "varunr89__resume-tailoring-skill__resume-tailoring/resume-tailoring": OK,
    "vercel-labs__agent-skills__deploy-to-vercel/deploy-to-vercel": OK,
    # Was SK016: Skrun v0.7.0 never checks an agent's folder name (issue 9.2).
    "vercel-labs__agent-skills__react-best-practices/react-best-practices": OK,
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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    top, _, inner = rel.partition("/")
    root = copy_tree(CORPUS / top, "corpus-copy")
    skill = root / inner
    before = snapshot(root)
    monkeypatch.chdir(root)
    code = cli.run(["init", "--from-skill", inner, "--namespace", "corpus"])
    out, err = capsys.readouterr()
    expected = PINNED[rel]
    if expected is not None:
        assert (code, err.splitlines()) == (1, expected)
        assert snapshot(root) == before
        return
    assert code == 0, err
    assert not [line for line in err.splitlines() if " error " in line or "error:" in line]
    after = snapshot(root)
    assert set(after) - set(before) == {f"{inner}/agent.yaml"}
    assert {k: v for k, v in after.items() if k in before} == before  # nothing else changed
    config = yaml.safe_load((skill / "agent.yaml").read_text(encoding="utf-8"))
    slug = load_skill(skill).name  # the agent's slug is SKILL.md's name, not the folder's
    assert config["name"] == f"corpus/{slug}"
    assert agent_errors(skill) == []
    result = build_bundle(skill, tmp_path / "dist")
    assert result.path == tmp_path / "dist" / f"{slug}-{config['version']}.agent"
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [result.path.name]
    with tarfile.open(result.path, "r:gz") as tf:
        members = set(tf.getnames())
    assert {"SKILL.md", "agent.yaml"} <= members
    # Issue 10: the printed Next line is a command that succeeds, as printed.
    for command in next_commands(out):
        assert cli.run(command[1:]) == 0, (command, capsys.readouterr())


def next_commands(out: str) -> list[list[str]]:
    """The commands of the `Next:` line `skrun init` printed (its last line)."""
    last = out.splitlines()[-1]
    assert last.startswith("Next: skrun "), last
    return [shlex.split(part) for part in last.removeprefix("Next: ").split(" && ")]


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
