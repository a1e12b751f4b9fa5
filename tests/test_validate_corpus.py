"""Every skill and agent of the vendored corpus (fixtures/corpus): our verdict and its issue codes, pinned.

"fail" means at least one error; "pass" means none (warnings allowed). Where our verdict
differs from skills-ref's, docs/rules.md ("Where we differ from skills-ref") says why.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import CORPUS

from skrun_build.validate import check_unit, find_units

# unit dir relative to the corpus -> (verdict, sorted issue codes)
PINNED: dict[str, tuple[str, list[str]]] = {
    "Orchestra-Research__AI-research-SKILLs__ml-training-recipes/ml-training-recipes": (
        "pass",
        ["SK050"],
    ),
    "affaan-m__everything-claude-code__django-verification/django-verification": (
        "fail",
        ["SK007"],
    ),
    "anthropics__skills__algorithmic-art/algorithmic-art": ("pass", []),
    "anthropics__skills__claude-api/claude-api": ("fail", ["SK023", "SK060"]),
    "anthropics__skills__mcp-builder/mcp-builder": ("pass", []),
    "anthropics__skills__skill-creator/skill-creator": ("pass", []),
    "anthropics__skills__slack-gif-creator/slack-gif-creator": ("pass", []),
    "anthropics__skills__theme-factory/theme-factory": ("pass", []),
    "anthropics__skills__web-artifacts-builder/web-artifacts-builder": ("pass", []),
    "anthropics__skills__webapp-testing/webapp-testing": ("pass", []),
    "dotnet__skills__analyzing-dotnet-performance/analyzing-dotnet-performance": ("pass", []),
    "dotnet__skills__dotnet-pinvoke/dotnet-pinvoke": ("pass", []),
    "getsentry__skills__create-branch/create-branch": ("pass", ["SK050"]),
    "getsentry__skills__iterate-pr/iterate-pr": ("pass", ["SK050"]),
    "getsentry__skills__skill-writer/skill-writer": ("pass", []),
    "github__awesome-copilot__acquire-codebase-knowledge/acquire-codebase-knowledge": (
        "pass",
        ["SK035", "SK050"],
    ),
    "github__awesome-copilot__azure-role-selector/azure-role-selector": ("pass", ["SK041"]),
    "github__awesome-copilot__mentoring-juniors/mentoring-juniors": ("pass", ["SK050"]),
    "github__awesome-copilot__nano-banana-pro-openrouter/nano-banana-pro-openrouter": (
        "pass",
        ["SK035"],
    ),
    # Its setup/SKILL.md and debugging/SKILL.md are resources of the skill, not skills:
    # the search stops at a skill's folder (they were two SK016 failures before).
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring": ("pass", ["SK041"]),
    "lhwzds__skrun__cdp-browser/cdp-browser": (
        "fail",
        ["AR010", "SK012", "SK013", "SK020", "SK050"],
    ),
    "lhwzds__skrun__python-echo/python-echo": ("fail", ["SK005"]),
    "obra__superpowers__brainstorming/brainstorming": ("pass", []),
    "obra__superpowers__systematic-debugging/systematic-debugging": ("pass", []),
    "obra__superpowers__writing-skills/writing-skills": ("pass", ["SK060"]),
    "openai__skills__create-plan/create-plan": ("pass", []),
    "openai__skills__gh-fix-ci/gh-fix-ci": ("pass", []),
    "openai__skills__skill-creator/skill-creator": ("pass", []),
    "openai__skills__skill-installer/skill-installer": ("pass", []),
    "skrun-dev__skrun__csv-to-executive-report/csv-to-executive-report": ("pass", []),
    "skrun-dev__skrun__knowledge-base-from-vault/knowledge-base-from-vault": ("pass", []),
    "trailofbits__skills__address-sanitizer/address-sanitizer": ("pass", ["SK050"]),
    "trailofbits__skills__firebase-apk-scanner/firebase-apk-scanner": ("pass", ["SK050"]),
    "trailofbits__skills__let-fate-decide/let-fate-decide": ("pass", []),
    "trailofbits__skills__trailmark-finding-triage/trailmark-finding-triage": ("pass", ["SK041"]),
    "varunr89__resume-tailoring-skill__resume-tailoring/resume-tailoring": ("pass", ["SK060"]),
    "vercel-labs__agent-skills__deploy-to-vercel/deploy-to-vercel": ("pass", []),
    "vercel-labs__agent-skills__react-best-practices/react-best-practices": ("fail", ["SK016"]),
    "vercel-labs__agent-skills__web-design-guidelines/web-design-guidelines": ("pass", []),
}


def test_the_corpus_is_all_pinned() -> None:
    found = sorted(str(u.dir.relative_to(CORPUS)) for u in find_units(CORPUS))
    assert found == sorted(PINNED)


@pytest.mark.parametrize("unit", sorted(PINNED))
def test_corpus_verdict_and_codes(unit: str) -> None:
    [target] = [u for u in find_units(CORPUS / unit) if u.dir == CORPUS / unit]
    _files, issues = check_unit(target)
    verdict = "fail" if any(i.level == "error" for i in issues) else "pass"
    assert (verdict, sorted({i.code for i in issues})) == PINNED[unit]


def test_whole_corpus_through_the_cli_without_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skrun_build", "validate", "--format", "json", str(CORPUS)],
        capture_output=True,
        text=True,
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert json.loads(proc.stdout)["summary"] == {"files": 43, "errors": 7, "warnings": 22}
