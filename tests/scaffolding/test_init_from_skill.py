"""`skrun init --from-skill` / `import_skill`: tools, keys, AGENTS.md, manifests, failures."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from skrun_build import cli
from skrun_build.checks.run import validate
from skrun_build.errors import ScaffoldError, UsageError, ValidationFailed
from skrun_build.scaffolding import import_skill
from skrun_build.scaffolding import place as place_mod
from skrun_build.scaffolding.importer import split_allowed_tools

from helpers.paths import BIN
from helpers.trees import make_tree

SKRUN = str(BIN / "skrun")

SKILL_MD = """\
---
name: summarizer
description: "Summarise text files. Use when asked for a digest: short, factual."
license: MIT
allowed-tools: summarize, Read Bash(git:*) Bash(git add:*) summarize
version: 2.1.0
argument-hint: '[file]'
x-custom:
  nested: [1, 2]
---

# Summarizer

Call the `summarize` tool.
"""
SCRIPT = (
    "#!/usr/bin/env python3\nimport json, sys\n"
    "json.dump({'n': len(json.load(sys.stdin))}, sys.stdout)\n"
)


def agent_errors(agent_dir: Path) -> list[str]:
    """The validator's errors for the agent: SKILL.md, agent.yaml and the cross-file rules."""
    issues = [
        *validate(agent_dir / "SKILL.md", strict=False),
        *validate(agent_dir / "agent.yaml", strict=False),
    ]
    return [i.format() for i in issues if i.level == "error"]


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path / "summarizer",
        {
            "SKILL.md": SKILL_MD,
            "scripts": {"summarize.py": SCRIPT, "helper.sh": "#!/bin/sh\necho hi\n"},
            "references": {"guide.md": "# Guide\n"},
        },
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bash(git:*) Read", ["Bash", "Read"]),
        ("Read, Grep,Glob", ["Read", "Grep", "Glob"]),
        ("Bash(git add:*) Bash(git:*) Read Read", ["Bash", "Read"]),
        (["Read", "Bash(git:*)", "Read, Write"], ["Read", "Bash", "Write"]),
        (
            ["Azure MCP/documentation", "Azure MCP/bicepschema"],
            ["Azure MCP/documentation", "Azure MCP/bicepschema"],
        ),
        ("Bash({baseDir}/scanner.sh:*) Bash(curl:*) Read", ["Bash", "Read"]),
        ("", []),
        (None, []),
        (42, []),
    ],
)
def test_split_allowed_tools(value: object, expected: list[str]) -> None:
    assert split_allowed_tools(value) == expected


def test_import_in_place(skill: Path) -> None:
    before = (skill / "SKILL.md").read_bytes()
    result = import_skill(skill, namespace="acme", model="openai/gpt-4o")
    assert (skill / "SKILL.md").read_bytes() == before  # never modified
    assert result.files == ["agent.yaml"]
    assert result.tools == ["summarize"]
    assert result.host_tools == ["Read", "Bash"]
    assert result.unmapped_keys == ["version", "argument-hint", "x-custom"]
    assert result.context_mode == "skill"
    config = yaml.safe_load((skill / "agent.yaml").read_text())
    assert config["name"] == "acme/summarizer"
    assert config["version"] == "2.1.0"
    assert config["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert [t["name"] for t in config["tools"]] == ["summarize"]
    assert config["tools"][0]["input_schema"]["type"] == "object"
    assert config["inputs"] == [
        {
            "name": "request",
            "type": "string",
            "required": True,
            "description": "What the user asks the agent to do.",
        }
    ]
    assert config["outputs"] == [
        {"name": "result", "type": "string", "description": "The agent's answer."}
    ]
    assert config["environment"]["networking"] == {"allowed_hosts": []}
    assert (
        "frontmatter keys agent.yaml cannot hold (kept in SKILL.md): version, argument-hint, x-custom"
        in result.warnings
    )
    assert "host tools not mapped (no script in scripts/): Read, Bash" in result.notes
    # helper.sh is no tool candidate: Skrun v0.7.0 runs only .py, .js and .ts tools.
    assert not [n for n in result.notes if n.startswith("scripts not named")]
    assert agent_errors(skill) == []


def test_inputs_outputs_hosts(skill: Path) -> None:
    import_skill(
        skill,
        inputs=["path:string", "limit:number"],
        outputs=["summary:string", "stats:object"],
        allowed_hosts=["api.example.com", "API.example.com", "*.cdn.example.org:443"],
    )
    config = yaml.safe_load((skill / "agent.yaml").read_text())
    assert config["inputs"] == [
        {"name": "path", "type": "string", "required": True},
        {"name": "limit", "type": "number", "required": True},
    ]
    assert config["outputs"] == [
        {"name": "summary", "type": "string"},
        {"name": "stats", "type": "object"},
    ]
    assert config["environment"]["networking"]["allowed_hosts"] == [
        "api.example.com",
        "*.cdn.example.org:443",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"namespace": "Bad NS"}, "--namespace: 'Bad NS' must match"),
        ({"model": "nope/x"}, "--model: unknown provider 'nope'"),
        (
            {"inputs": ["q:strng"]},
            "--input: unknown type 'strng' in 'q:strng' (did you mean 'string'?)",
        ),
        ({"inputs": [":string"]}, "--input: ':string' must be name:type"),
        ({"outputs": ["a:string", "a:number"]}, "--output: 'a' is given twice"),
        (
            {"allowed_hosts": ["http://x.com/"]},
            "--allowed-host: 'http://x.com/' is not a host name",
        ),
    ],
)
def test_bad_values_are_usage_errors_and_write_nothing(
    skill: Path, options: dict[str, object], message: str
) -> None:
    before = snapshot(skill.parent)
    with pytest.raises(UsageError) as info:
        import_skill(skill, **options)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert snapshot(skill.parent) == before


def test_agents_md_sets_persistent_context(skill: Path) -> None:
    (skill / "AGENTS.md").write_text("# Memory\n\nKeep notes here.\n")
    result = import_skill(skill)
    assert result.context_mode == "persistent"
    assert yaml.safe_load((skill / "agent.yaml").read_text())["context_mode"] == "persistent"
    assert agent_errors(skill) == []


def test_empty_agents_md_keeps_skill_context(skill: Path) -> None:
    (skill / "AGENTS.md").write_text("  \n")
    result = import_skill(skill)
    assert result.context_mode == "skill"
    assert "AGENTS.md is empty: context_mode stays skill" in result.notes


def test_manifest_is_detected_and_reported(skill: Path) -> None:
    (skill / "package.json").write_text('{"name": "summarizer", "version": "1.0.0"}\n')
    (skill / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    result = import_skill(skill, dry_run=True)
    assert (result.manifest, result.lockfile) == ("package.json", "package-lock.json")
    assert "dependency manifest: package.json with package-lock.json" in result.notes


def test_manifest_without_lockfile_warns(skill: Path) -> None:
    (skill / "requirements.txt").write_text("requests==2.32.3\n")
    result = import_skill(skill, dry_run=True)
    assert (result.manifest, result.lockfile) == ("requirements.txt", None)
    assert (
        "requirements.txt has no lockfile: script dependencies are not reproducible"
        in result.warnings
    )


def test_existing_agent_yaml_needs_force(skill: Path) -> None:
    (skill / "agent.yaml").write_text("name: old/one\n")
    with pytest.raises(ScaffoldError, match=r"agent\.yaml already exists"):
        import_skill(skill)
    assert (skill / "agent.yaml").read_text() == "name: old/one\n"
    with pytest.raises(ScaffoldError, match="pass --force to replace it in the copy"):
        import_skill(skill, into=skill.parent / "copy" / "summarizer")
    assert not (skill.parent / "copy").exists()
    import_skill(skill, force=True)
    assert yaml.safe_load((skill / "agent.yaml").read_text())["name"] == "local/summarizer"


def test_invalid_skill_prints_its_errors_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = make_tree(tmp_path / "bad-skill", {"SKILL.md": "---\nname: Bad_Skill\n---\nbody\n"})
    before = listing(tmp_path)
    with pytest.raises(ValidationFailed) as info:
        import_skill(bad)
    assert [i.code for i in info.value.issues] == ["SK020", "SK012", "SK013"]
    assert listing(tmp_path) == before
    assert cli.run(["init", "--from-skill", "bad-skill"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "bad-skill/SKILL.md:1:1: SK020 error the frontmatter has no 'description' "
        "(add description: saying what the skill does and when to use it)",
        'bad-skill/SKILL.md:2:7: SK012 error name must be lowercase: "Bad_Skill" (try "bad-skill")',
        "bad-skill/SKILL.md:2:7: SK013 error name may only contain ASCII a-z, 0-9 and '-': "
        '"Bad_Skill" has \'_\' (try "bad-skill")',
        "skrun: error: bad-skill/SKILL.md has 3 error(s); nothing was written",
    ]
    assert listing(tmp_path) == before


def validate_lines(path: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """(exit code, issue lines) of `skrun validate PATH`, without the summary line."""
    code = cli.run(["validate", "--no-config", "-q", path])
    return code, capsys.readouterr().out.splitlines()


# SKILL.md content -> the codes `skrun validate` reports (each one refuses the import).
INVALID_SKILLS: dict[str, tuple[str | bytes, list[str]]] = {
    "no-fence": ("# Just a title\n", ["SK005"]),
    "unclosed": ("---\nname: demo\ndescription: x\n", ["SK006"]),
    "not-utf8": (b"---\nname: demo\ndescription: caf\xe9\n---\n", ["SK004"]),
    "bad-yaml": ("---\nname: demo\ndescription: a: b\n---\n", ["SK007"]),
    "duplicate": ("---\nname: demo\ndescription: x\nname: demo\n---\n", ["SK008"]),
    "alias": ("---\nname: &n demo\ndescription: *n\n---\n", ["SK009"]),
    "list": ("---\n- name\n---\n", ["SK010"]),
    "number-name": ("---\nname: 12345\ndescription: x\n---\n", ["SK017"]),
    "bool-description": ("---\nname: demo\ndescription: true\n---\n", ["SK021"]),
    "long-description": (f"---\nname: demo\ndescription: {'d' * 1025}\n---\n", ["SK023"]),
    "empty-compat": ("---\nname: demo\ndescription: x\ncompatibility: ''\n---\n", ["SK032"]),
    "deep": (
        "---\nname: demo\ndescription: x\nmetadata: " + "[" * 40 + "]" * 40 + "\n---\n",
        ["SK009"],
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_SKILLS))
def test_refusal_prints_exactly_what_validate_prints(
    case: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content, codes = INVALID_SKILLS[case]
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path / "demo", {"SKILL.md": content, "scripts": {"demo.py": SCRIPT}})
    before = snapshot(tmp_path)
    code, expected = validate_lines("demo", capsys)
    assert code == 1
    # SK081 notes (scripts/demo.py never named) are printed by both, but are no refusal code.
    assert [line.split(" ")[1] for line in expected if " note " not in line] == codes
    assert cli.run(["init", "--from-skill", "demo", "--into", "copy/demo"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        *expected,
        f"skrun: error: demo/SKILL.md has {len(codes)} error(s); nothing was written",
    ]
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_skill_md_that_is_a_directory_or_escaping_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path / "dir-md", {"SKILL.md": {"x.txt": "x"}})
    (tmp_path / "outside.md").write_text("---\nname: link-md\ndescription: x\n---\n")
    (tmp_path / "link-md").mkdir()
    (tmp_path / "link-md" / "SKILL.md").symlink_to(tmp_path / "outside.md")
    before = listing(tmp_path)
    for name, code in (("dir-md", "SK002"), ("link-md", "SK003")):
        _, expected = validate_lines(name, capsys)
        assert [line.split(" ")[1] for line in expected] == [code]
        assert cli.run(["init", "--from-skill", name]) == 1
        assert capsys.readouterr().err.splitlines()[:-1] == expected
    assert listing(tmp_path) == before


def test_warnings_do_not_block_and_are_printed_as_validate_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (The BOM, list allowed-tools and number metadata this test once used are refusals
    # now: Skrun v0.7.0's push refuses them, see test_agent_push_parity.py.)
    monkeypatch.chdir(tmp_path)
    make_tree(
        tmp_path / "demo",
        {
            "SKILL.md": "---\r\nname: demo\r\ndescription: 'Says hi --- twice'\r\n"
            "allowed-tools: Read, demo\r\nmetadata:\r\n  v: '1.0'\r\nversion: 1.2.3\r\n"
            "---\r\nCall demo.\r\n",
            "scripts": {"demo.py": SCRIPT},
        },
    )
    skill_md = (tmp_path / "demo" / "SKILL.md").read_bytes()
    code, expected = validate_lines("demo", capsys)
    assert code == 0
    assert [line.split(" ")[1:3] for line in expected] == [
        ["SK042", "warning"],
        ["SK050", "warning"],
    ]
    assert cli.run(["init", "--from-skill", "demo"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == expected
    assert err[2:] == [
        "skrun: warning: frontmatter keys agent.yaml cannot hold (kept in SKILL.md): version"
    ]
    assert (tmp_path / "demo" / "SKILL.md").read_bytes() == skill_md
    config = yaml.safe_load((tmp_path / "demo" / "agent.yaml").read_text())
    assert config["version"] == "1.2.3"
    assert [t["name"] for t in config["tools"]] == ["demo"]
    assert agent_errors(tmp_path / "demo") == []


def test_missing_skill_md_and_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        import_skill(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScaffoldError, match=r"has no SKILL\.md"):
        import_skill(tmp_path / "empty")
    assert listing(tmp_path) == ["empty"]


def test_skill_md_path_is_accepted(skill: Path) -> None:
    result = import_skill(skill / "SKILL.md", dry_run=True)
    assert result.source == skill
    assert not (skill / "agent.yaml").exists()


def test_into_copies_without_junk_and_keeps_bytes_and_modes(skill: Path, tmp_path: Path) -> None:
    make_tree(
        skill,
        {
            ".git": {"HEAD": "ref"},
            "node_modules": {"x": {"index.js": ""}},
            "scripts": {"__pycache__": {"a.pyc": b"\x00"}},
            ".env": "SECRET=1",
            "old.agent": b"\x1f\x8b",
            ".gitignore": "*.log\n",
        },
    )
    (skill / "scripts" / "summarize.py").chmod(0o755)
    source_before = snapshot(skill)
    dest = tmp_path / "out" / "summarizer"
    result = import_skill(skill, into=dest)
    assert snapshot(skill) == source_before
    assert result.files == [
        ".gitignore",
        "SKILL.md",
        "agent.yaml",
        "references/guide.md",
        "scripts/helper.sh",
        "scripts/summarize.py",
    ]
    assert sorted(snapshot(dest)) == result.files
    assert (dest / "SKILL.md").read_bytes() == (skill / "SKILL.md").read_bytes()
    assert os.access(dest / "scripts" / "summarize.py", os.X_OK)
    assert not (skill / "agent.yaml").exists()
    assert agent_errors(dest) == []


def test_into_a_folder_named_differently(skill: Path, tmp_path: Path) -> None:
    # Skrun v0.7.0 never checks an agent's folder name: the slug comes from SKILL.md.
    result = import_skill(skill, into=tmp_path / "elsewhere")
    assert result.agent_name == "local/summarizer"
    assert agent_errors(tmp_path / "elsewhere") == []


def test_into_refuses_inside_the_skill_and_non_empty_targets(skill: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="inside the skill folder"):
        import_skill(skill, into=skill / "summarizer")
    taken = make_tree(tmp_path / "t" / "summarizer", {"x.txt": "x"})
    with pytest.raises(ScaffoldError, match="is not empty"):
        import_skill(skill, into=taken)
    assert listing(taken) == ["x.txt"]


def test_into_failure_leaves_nothing_behind(
    skill: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_rename = os.rename

    def failing_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(place_mod.os, "rename", failing_rename)
    before = listing(tmp_path)
    with pytest.raises(ScaffoldError, match="No space left"):
        import_skill(skill, into=tmp_path / "a" / "b" / "summarizer")
    monkeypatch.setattr(place_mod.os, "rename", real_rename)
    assert listing(tmp_path) == before


def test_in_place_write_failure_leaves_no_temp_file(
    skill: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: str, dst: str) -> None:
        raise OSError(13, "Permission denied")

    before = listing(skill)
    monkeypatch.setattr(place_mod.os, "replace", failing_replace)
    with pytest.raises(ScaffoldError, match="Permission denied"):
        import_skill(skill)
    monkeypatch.undo()
    assert listing(skill) == before


def test_cli_dry_run_prints_agent_yaml_and_writes_nothing(
    skill: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(skill)
    assert cli.run(["init", "--from-skill", str(skill), "--dry-run", "--namespace", "acme"]) == 0
    out = capsys.readouterr().out
    assert "Would write" in out
    assert "tools: summarize" in out
    assert "--- agent.yaml" in out
    assert "name: acme/summarizer" in out
    assert snapshot(skill) == before


def test_cli_rejects_mixing_modes(skill: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["init", "x", "--from-skill", str(skill)]) == 2
    assert "--from-skill cannot be combined with DIR" in capsys.readouterr().err
    assert cli.run(["init", "--into", "x"]) == 2


def test_cli_subprocess_from_skill_never_waits(skill: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [SKRUN, "init", "--from-skill", str(skill), "--into", str(tmp_path / "c" / "summarizer")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert b"Created agent local/summarizer" in out
    assert (tmp_path / "c" / "summarizer" / "agent.yaml").is_file()


def test_into_keeps_symlinks_as_links(skill: Path, tmp_path: Path) -> None:
    (skill / "assets").mkdir()
    (skill / "assets" / "data.txt").write_text("d")
    (skill / "linked-assets").symlink_to("assets")
    (skill / "link.txt").symlink_to("assets/data.txt")
    dest = tmp_path / "copy" / "summarizer"
    result = import_skill(skill, into=dest)
    assert "linked-assets" in result.files
    assert os.readlink(dest / "linked-assets") == "assets"
    assert os.readlink(dest / "link.txt") == "assets/data.txt"
    assert (dest / "linked-assets" / "data.txt").read_text() == "d"


def test_from_skill_prompts_on_a_tty_for_missing_values(
    skill: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from skrun_build.cli import init_cmd

    monkeypatch.setattr(init_cmd, "stdin_is_tty", lambda: True)
    result = CliRunner().invoke(
        init_cmd.init,
        ["--from-skill", str(skill)],
        input="Bad NS\nteam\nmistral/mistral-large-latest\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Namespace [local]: " in result.output
    assert "must match ^[a-z0-9-]+$" in result.output
    config = yaml.safe_load((skill / "agent.yaml").read_text())
    assert config["name"] == "team/summarizer"
    assert config["model"] == {"provider": "mistral", "name": "mistral-large-latest"}
    # every value given: no prompt even on a TTY
    result = CliRunner().invoke(
        init_cmd.init,
        ["--from-skill", str(skill), "--force", "--namespace", "n", "--model", "xai/grok-4"],
        input="",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "[local]" not in result.output
