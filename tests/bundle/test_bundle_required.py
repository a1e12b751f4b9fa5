"""A rule in .gitignore/.skrunignore never drops what the bundle needs to run.

Before, `*.md`, `*.yaml`, `scripts/` or `uv.lock` in an ignore file gave exit 0 and a
bundle without SKILL.md, agent.yaml, a tool script or the lockfile; `verify --source`
said OK and `deps hash` of the folder and of the bundle disagreed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree, agent_yaml

TOOL = (
    "tools:\n  - name: lookup\n    description: Look it up.\n"
    "    input_schema:\n      type: object\n"
)


def _tool_agent(tmp_path: Path, files: dict[str, object] | None = None) -> Path:
    root = agent_tree(tmp_path, {"scripts": {"lookup.py": "print(1)\n"}, **(files or {})})  # type: ignore[dict-item]
    (root / "agent.yaml").write_text(agent_yaml("demo") + TOOL)
    (root / "SKILL.md").write_text((root / "SKILL.md").read_text() + "Call lookup.\n")
    return root


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("ignore_file", "content", "message", "fix"),
    [
        (
            ".gitignore",
            "# docs are generated\n*.md\n",
            'SKILL.md (the skill itself) is excluded by .gitignore:2 "*.md"',
            '"!/SKILL.md" at the end of .skrunignore',
        ),
        (
            ".skrunignore",
            "*.yaml\n",
            'agent.yaml (the agent\'s config) is excluded by .skrunignore:1 "*.yaml"',
            '"!/agent.yaml" at the end of .skrunignore',
        ),
        (
            ".gitignore",
            "scripts/\n",
            "scripts/lookup.py (the script of tool 'lookup') is excluded (its directory "
            'scripts/ is excluded: .gitignore:1 "scripts/")',
            '"!/scripts/" at the end of .skrunignore',
        ),
        (
            ".gitignore",
            "*.lock\n",
            'uv.lock (the lockfile of pyproject.toml) is excluded by .gitignore:1 "*.lock"',
            '"!/uv.lock" at the end of .skrunignore',
        ),
        (
            ".skrunignore",
            "pyproject.toml\n",
            "pyproject.toml (the dependency manifest the Skrun runtime detects) is excluded "
            'by .skrunignore:1 "pyproject.toml"',
            '"!/pyproject.toml" at the end of .skrunignore',
        ),
    ],
)
def test_excluding_a_required_file_is_an_error_naming_the_rule(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ignore_file: str,
    content: str,
    message: str,
    fix: str,
) -> None:
    root = _tool_agent(
        tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "uv.lock": "version = 1\n"}
    )
    (root / ignore_file).write_text(content)
    expected = (
        f"skrun: error: {root}: the bundle would lack what it needs to run: {message} "
        f"(remove that rule, or re-include it with {fix})"
    )
    out = tmp_path / "out"
    assert run(["build", str(root), "-o", str(out)]) == 1
    assert _err(capsys) == expected
    assert not out.exists() or list(out.iterdir()) == []
    assert run(["build", str(root), "--list"]) == 1
    assert _err(capsys) == expected
    # The suggested fix works.
    again = fix.split('"')[1]
    with (root / ".skrunignore").open("a") as f:
        f.write(f"\n{again}\n")
    assert run(["build", str(root), "-o", str(out)]) == 0


def test_skill_format_requires_skill_md_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tool_agent(tmp_path)
    (root / ".gitignore").write_text("agent.yaml\nscripts/\n")
    out = tmp_path / "out"
    assert run(["build", str(root), "--format", "skill", "-o", str(out)]) == 0
    (root / ".gitignore").write_text("*.md\n")
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "o2")]) == 1
    assert _err(capsys) == (
        f"skrun: error: {root}: the bundle would lack what it needs to run: SKILL.md (the "
        'skill itself) is excluded by .gitignore:1 "*.md" (remove that rule, or re-include '
        'it with "!/SKILL.md" at the end of .skrunignore)'
    )
    assert run(["build", str(root), "--format", "skill", "--list"]) == 1


def test_every_excluded_required_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tool_agent(tmp_path, {"sub": {".gitignore": "x\n"}})
    (root / ".gitignore").write_text("*.md\n*.yaml\n")
    (root / "scripts" / ".skrunignore").write_text("*.py\n")
    assert run(["build", str(root), "--list"]) == 1
    assert _err(capsys) == (
        f"skrun: error: {root}: the bundle would lack what it needs to run: SKILL.md (the "
        'skill itself) is excluded by .gitignore:1 "*.md"; agent.yaml (the agent\'s config) '
        'is excluded by .gitignore:2 "*.yaml"; scripts/lookup.py (the script of tool '
        "'lookup') is excluded by scripts/.skrunignore:1 \"*.py\" (remove that rule, or "
        're-include it with "!/SKILL.md" at the end of .skrunignore)'
    )
    (root / ".gitignore").write_text("")
    assert run(["build", str(root), "--list"]) == 1
    assert _err(capsys).endswith("(remove or change that rule in scripts/.skrunignore)")


def test_a_tool_needs_one_of_its_scripts_only(tmp_path: Path) -> None:
    # The runtime runs scripts/<tool>.py, .js or .ts; leaving out one of two is a choice.
    root = _tool_agent(tmp_path, {"scripts": {"lookup.py": "", "lookup.ts": ""}})
    (root / ".gitignore").write_text("*.ts\n")
    assert run(["build", str(root), "--list"]) == 0
    (root / ".gitignore").write_text("*.ts\n*.py\n")
    assert run(["build", str(root), "--list"]) == 1


def test_agents_md_of_a_persistent_agent_is_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent_tree(tmp_path, {"AGENTS.md": "# Memory\nKeep notes.\n"})
    (root / "agent.yaml").write_text(agent_yaml("demo") + "context_mode: persistent\n")
    (root / ".skrunignore").write_text("AGENTS.md\n")
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    assert "AGENTS.md (context_mode: persistent reads it) is excluded by .skrunignore:1" in (
        _err(capsys)
    )


def _hash(target: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(["deps", "hash", str(target)]) == 0
    return capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("files", "ignore", "ok"),
    [
        # Lower-precedence files may be left out: detection never reads them.
        (
            {"pyproject.toml": "[project]\n", "uv.lock": "v\n", "poetry.lock": "p\n"},
            "poetry.lock\nrequirements.txt\n",
            True,
        ),
        (
            {"package.json": "{}\n", "pnpm-lock.yaml": "l\n", "pyproject.toml": "[project]\n"},
            "pyproject.toml\nyarn.lock\n",
            True,
        ),
        ({"requirements.txt": "x==1\n"}, "!requirements.txt\n", True),
        # What the runtime would detect in the folder may not be left out.
        ({"package.json": "{}\n", "pyproject.toml": "[project]\n"}, "package.json\n", False),
        ({"package.json": "{}\n", "pnpm-lock.yaml": "l\n", "yarn.lock": "y\n"}, "*.yaml\n", False),
        ({"pyproject.toml": "[project]\n", "uv.lock": "v\n", "poetry.lock": "p"}, "uv.*\n", False),
    ],
)
def test_deps_hash_of_folder_and_bundle_always_agree(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    ignore: str,
    ok: bool,
) -> None:
    root = agent_tree(tmp_path, {**files, ".gitignore": ignore})
    code = run(["build", str(root), "-o", str(tmp_path / "out"), "--json"])
    capsys.readouterr()
    if not ok:
        assert code == 1  # no bundle whose key differs from its folder's
        assert not (tmp_path / "out" / "demo-0.1.0.agent").exists()
        return
    assert code == 0
    assert _hash(root, capsys) == _hash(tmp_path / "out" / "demo-0.1.0.agent", capsys)


def test_verify_source_is_not_ok_for_a_bundle_lacking_a_required_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bundle built before the lockfile existed...
    root = _tool_agent(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n"})
    out = tmp_path / "out"
    assert run(["build", str(root), "-o", str(out)]) == 0
    bundle = out / "demo-0.1.0.agent"
    # ...checked against a source that has them but ignores them: not OK.
    (root / "uv.lock").write_text("version = 1\n")
    (root / ".gitignore").write_text("uv.lock\nscripts/\n")
    capsys.readouterr()
    assert run(["verify", str(bundle), "--source", str(root)]) == 1
    captured = capsys.readouterr()
    assert "OK" not in captured.out
    assert "the bundle would lack what it needs to run: scripts/lookup.py" in captured.err
    assert 'uv.lock (the lockfile of pyproject.toml) is excluded by .gitignore:1 "uv.lock"' in (
        captured.err
    )


def test_explain_says_a_build_refuses_an_excluded_required_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tool_agent(tmp_path)
    (root / ".gitignore").write_text("*.md\n")
    assert run(["build", str(root), "--explain", str(root / "SKILL.md")]) == 0
    assert capsys.readouterr().out == (
        'SKILL.md: excluded by .gitignore:1 "*.md"; a build refuses this: the bundle needs '
        "it (the skill itself)\n"
    )
    assert run(["build", str(root), "--explain", str(root / "agent.yaml"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["included"], doc["required"]) == (True, "the agent's config")
