"""The rule registry (skrun_build/checks/codes/): complete entries, the only source of an
issue's level, `skrun rules` / `skrun explain`, and docs/rules*.md generated from it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skrun_build.checks.codes import RULES, level
from skrun_build.cli import run
from skrun_build.errors import EXIT_USAGE

from helpers.paths import REPO

CHECKS = REPO / "skrun_build" / "checks"
CODE = re.compile(r"^(SK|TR|AG|AR|SU)\d{3}$")


def test_every_entry_is_complete() -> None:
    assert list(RULES) == sorted(
        RULES, key=lambda c: ("SK", "TR", "AG", "AR", "SU").index(c[:2]) * 1000 + int(c[2:])
    )
    for code, rule in RULES.items():
        assert CODE.match(code) and rule.code == code
        assert rule.level in ("error", "warning", "note"), code
        assert rule.summary and "\n" not in rule.summary and not rule.summary.endswith("."), code
        assert rule.fails and all(rule.fails), code
        assert rule.passes and rule.fix and rule.source, code


def test_rules_that_follow_skrun_name_its_version() -> None:
    # Where Skrun's behaviour is the reason for a rule, the entry names "Skrun v0.7.0".
    for code in ("SK070", "SK071", "SK072", "SK073", *(f"AG{n:03d}" for n in range(1, 20))):
        rule = RULES[code]
        assert "Skrun v0.7.0" in rule.source + rule.why, code


def _codes_in(tree: ast.AST) -> set[str]:
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value)
    }


def test_every_reported_code_is_registered_and_every_registered_code_is_reported() -> None:
    reported: set[str] = set()
    for path in CHECKS.glob("*.py"):
        reported |= _codes_in(ast.parse(path.read_text(encoding="utf-8")))
    assert reported <= set(RULES), sorted(reported - set(RULES))
    # Codes reported through a table (e.g. pydantic error kinds -> AG007) are still constants
    # in checks/: a registered code no check mentions would be a rule nobody reports.
    assert set(RULES) <= reported, sorted(set(RULES) - reported)


def test_no_issue_is_built_with_a_level_of_its_own() -> None:
    # The level of an Issue always comes from the registry: Issue(file, line, col, code,
    # level(code), ...), never a literal "error"/"warning".
    offenders = []
    for path in (REPO / "skrun_build").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Issue"):
                continue
            lvl = node.args[4] if len(node.args) > 4 else None
            lvl = next((k.value for k in node.keywords if k.arg == "level"), lvl)
            if isinstance(lvl, ast.Constant):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def test_levels_come_from_the_registry(tmp_path: Path) -> None:
    from skrun_build import validate

    skill = tmp_path / "my-skill"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        "---\nname: My-Skill\ndescription: a <b> c\nversion: 1\n---\nbody\n", encoding="utf-8"
    )
    issues = validate(skill)
    assert [(i.code, i.level) for i in issues] == [
        ("SK012", "error"),
        ("SK024", "warning"),
        ("SK050", "warning"),
    ]
    assert all(i.level == level(i.code) for i in issues)


# --- skrun rules / skrun explain -----------------------------------------------------------


def test_rules_lists_every_code_with_level_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(RULES)
    assert lines[0] == "SK001  error    SKILL.md is missing"
    assert "SK024  warning  description contains '<' or '>'" in lines
    assert [line.split()[0] for line in lines] == list(RULES)


def test_rules_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    assert doc["rules"][0] == {"code": "SK001", "level": "error", "summary": "SKILL.md is missing"}
    assert [r["code"] for r in doc["rules"]] == list(RULES)
    assert {r["code"]: r["level"] for r in doc["rules"]} == {c: r.level for c, r in RULES.items()}


def test_explain_prints_the_whole_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", "sk012"]) == 0
    assert capsys.readouterr().out == (
        "SK012 error: name must be lowercase\n"
        "\n"
        'fails: `name: My-Skill` → `SKILL.md:2:7: SK012 error name must be lowercase: "My-Skill"\n'
        '  (try "my-skill")`\n'
        "passes: `name: my-skill`\n"
        "fix: write the name in lowercase\n"
        "source: Agent Skills specification (agentskills.io/specification), `name`\n"
    )


def test_explain_keeps_code_blocks_and_the_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", "SK034"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SK034 error: metadata must be a mapping\n\nfails: `metadata: [a, b]`")
    assert "passes:\n  ```yaml\n  metadata:\n    author: me\n  ```\n" in out
    assert run(["explain", "AG016"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AG016 warning: the agent.yaml slug differs from the SKILL.md name\n\n")
    assert "A warning because Skrun v0.7.0 only warns (NAME_MISMATCH)" in " ".join(out.split())


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("SK99", "skrun: error: unknown rule code 'SK99' (did you mean 'SK009'?)\n"),
        ("ag0022", "skrun: error: unknown rule code 'ag0022' (did you mean 'AG002'?)\n"),
        (
            "nonsense",
            "skrun: error: unknown rule code 'nonsense' (list the codes with: skrun rules)\n",
        ),
    ],
)
def test_explain_unknown_code_is_a_usage_error(
    code: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["explain", code]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message)


# --- docs/rules*.md are generated ---------------------------------------------------------


def test_rule_docs_are_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_rules_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert (proc.returncode, proc.stderr) == (0, "")


def test_rule_docs_check_fails_when_a_doc_is_stale(tmp_path: Path) -> None:
    # The generator run on a copy whose doc was edited by hand: --check names it, exit 1.
    import shutil

    copy = tmp_path / "repo"
    for part in ("scripts", "docs"):
        shutil.copytree(REPO / part, copy / part)
    shutil.copytree(REPO / "skrun_build", copy / "skrun_build")
    doc = copy / "docs" / "rules.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("SK012", "SK0l2"), encoding="utf-8")
    script = copy / "scripts" / "gen_rules_docs.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (
        1,
        "out of date: docs/rules.md (run: python scripts/gen_rules_docs.py)\n",
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, "wrote docs/rules.md\n")
    assert doc.read_text(encoding="utf-8") == (REPO / "docs" / "rules.md").read_text(
        encoding="utf-8"
    )


def test_every_entry_is_in_the_docs() -> None:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    text += (REPO / "docs" / "rules-agent.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"### {code} " in text, code
        for example in rule.fails:
            assert example.split("\n")[0] in text, code
        assert f"- fix: {rule.fix.split()[0]}" in text, code
