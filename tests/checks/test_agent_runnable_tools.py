"""A declared tool must be a script Skrun v0.7.0 can run: scripts/<tool>.py, .js or .ts (issue 9.4).

Its script provider keeps only those three extensions (case-sensitive, as Node's `extname`);
any other tool fails at call time with "Script not found". Also: `init --from-skill` never
declares a tool the runtime cannot run and never takes a manifest or lockfile for a script,
and AG019's hint names the manifest the runtime would use (issue 10; Skrun v0.7.0 installs one manifest, at the agent root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from skrun_build import cli
from skrun_build.checks.run import validate
from skrun_build.checks.scripts import tool_scripts
from skrun_build.scaffolding import import_skill

from helpers.bundle import agent_yaml, skill_md
from helpers.trees import make_tree

TOOL = "tools:\n  - name: count\n    description: Count words.\n    input_schema:\n      type: object\n"


def agent(tmp_path: Path, scripts: dict[str, Any], **files: str) -> Path:
    return make_tree(
        tmp_path / "demo",
        {
            "agent.yaml": agent_yaml("demo") + TOOL,
            "SKILL.md": skill_md("demo") + "Call count.\n",
            "scripts": scripts,
            **files,
        },
    )


def test_a_shell_script_does_not_back_a_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent(tmp_path, {"count.sh": "#!/bin/sh\necho 1\n"})
    [issue] = validate(root)
    assert (issue.line, issue.col, issue.code, issue.level) == (13, 11, "AG017", "error")
    assert issue.message == (
        'tool "count" has only scripts/count.sh; Skrun v0.7.0 runs only .py, .js and .ts'
        ' tools, so a call fails with "Script not found"'
    )
    assert issue.hint == "rewrite it as scripts/count.py, .js or .ts (or have one of those run it)"
    assert cli.run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    assert "AG017 error" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("script", ["count.PY", "count.mjs", "count.rb", "count"])
def test_other_extensions_are_no_tool_and_the_hint_offers_only_runnable_ones(
    tmp_path: Path, script: str
) -> None:
    root = agent(tmp_path, {script: "x\n"})
    [issue] = validate(root)
    assert (issue.code, issue.level) == ("AG017", "error")
    assert issue.hint is not None
    named = {w.strip(",()") for w in issue.hint.split() if "." in w}
    assert named <= {"scripts/count.py", "scripts/count.js", "scripts/count.ts", ".js", ".ts"}


@pytest.mark.parametrize("script", ["count.py", "count.js", "count.ts"])
def test_runnable_scripts_back_a_tool(tmp_path: Path, script: str) -> None:
    root = agent(tmp_path, {script: "\n", "count.sh": "#!/bin/sh\n"})
    assert tool_scripts(root) == {"count"}
    assert validate(root) == []


SKILL = """\
---
name: demo
description: Counts and lints. Use on text.
allowed-tools: count lint setup pyproject package Read
---
Call count, lint, setup and pyproject.
"""


def test_init_declares_only_runnable_scripts_and_never_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(
        tmp_path / "demo",
        {
            "SKILL.md": SKILL,
            "scripts": {
                "count.sh": "#!/bin/sh\necho 1\n",
                "lint.py": "print(1)\n",
                "helper.js": "console.log(1)\n",
                "setup.py": "print(1)\n",
                "pyproject.toml": "[project]\nname = 'x'\n",
                "package.json": "{}\n",
                "package-lock.json": "{}\n",
                "uv.lock": "version = 1\n",
                "notes.txt": "x\n",
            },
        },
    )
    assert cli.run(["init", "--from-skill", "demo"]) == 0
    out = capsys.readouterr().out
    config = yaml.safe_load((tmp_path / "demo" / "agent.yaml").read_text())
    assert [t["name"] for t in config["tools"]] == ["lint"]
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert notes[:3] == [
        "note: scripts/count.sh: Skrun v0.7.0 runs only .py, .js, .ts tools,"
        " so count is not declared as a tool",
        "note: host tools not mapped (no script in scripts/): setup, pyproject, package, Read",
        "note: scripts not named in allowed-tools, so not declared as tools: scripts/helper.js",
    ]
    for manifest in ("setup.py", "pyproject.toml", "package.json", "package-lock.json", "uv.lock"):
        assert manifest not in out
    # Issue 14: SKILL.md never names helper.js or notes.txt, which SK081 notes (not a failure).
    found = [(Path(i.file).name, i.code, i.level) for i in validate(tmp_path / "demo")]
    assert found == [("helper.js", "SK081", "note"), ("notes.txt", "SK081", "note")]


def test_init_result_lists_the_runnable_tools_only(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "demo",
        {"SKILL.md": SKILL, "scripts": {"count.sh": "#!/bin/sh\n", "count.ts": "x\n"}},
    )
    result = import_skill(root, dry_run=True)
    assert result.tools == ["count"]  # count.ts runs; count.sh beside it changes nothing
    assert not [n for n in result.notes if "count.sh" in n]


@pytest.mark.parametrize(
    ("script", "manifests", "hint"),
    [
        (
            "count.py",
            {"package.json": "{}\n", "requirements.txt": "pyyaml\n"},
            "the runtime installs only package.json's dependencies (package.json wins over"
            " requirements.txt and pyproject.toml): port the script to JavaScript or"
            " TypeScript, or remove package.json and list it in requirements.txt",
        ),
        ("count.py", {}, "list it in requirements.txt or pyproject.toml at the agent root"),
        (
            "count.js",
            {"requirements.txt": "pyyaml\n"},
            "list it in package.json at the agent root; package.json then wins over"
            " requirements.txt, whose Python dependencies are no longer installed",
        ),
        ("count.js", {}, "list it in package.json at the agent root"),
    ],
)
def test_ag019_names_the_manifest_the_runtime_would_use(
    tmp_path: Path, script: str, manifests: dict[str, str], hint: str
) -> None:
    source = "import yaml\n" if script.endswith(".py") else 'require("left-pad")\n'
    root = agent(tmp_path, {script: source}, **manifests)
    [issue] = [i for i in validate(root) if i.code == "AG019"]
    assert issue.hint == hint
