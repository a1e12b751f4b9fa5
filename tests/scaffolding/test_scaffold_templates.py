"""Templates: golden trees, the generated tool scripts, lockfiles, quoting, atomic placement."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from skrun_build import cli
from skrun_build.errors import ScaffoldError, UsageError
from skrun_build.scaffolding import TEMPLATES, scaffold
from skrun_build.scaffolding import templates as tpl
from skrun_build.scaffolding.values import normalize_name, yaml_quote, yaml_scalar

from helpers.paths import BIN, FIXTURES, REPO

GOLDEN = FIXTURES / "init"
VALUES = {
    "name": "demo",
    "description": 'Demo: answers "hard" questions — fast.',
    "model": "openai/gpt-4o",
    "namespace": "acme",
}
UV = str(BIN / "uv")


def tree(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file under root: relative path -> (bytes, executable by its owner).

    Only the executable bit: it is all git keeps of a golden file's mode, and the rest
    comes from the umask of whoever checked the repository out (0664 under umask 002).
    """
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), bool(p.stat().st_mode & 0o100))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def modes(root: Path) -> dict[str, int]:
    """Every file under root: relative path -> its permission bits."""
    return {
        p.relative_to(root).as_posix(): p.stat().st_mode & 0o777
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def frontmatter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    data = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("template", TEMPLATES)
def test_golden_tree(template: str, tmp_path: Path) -> None:
    result = scaffold(template, tmp_path / "demo", **VALUES)  # type: ignore[arg-type]
    assert tree(tmp_path / "demo") == tree(GOLDEN / template)
    assert result.files == sorted(tree(GOLDEN / template))
    # What docs/init.md promises, whatever the umask: scripts 0755, everything else 0644.
    expected = {
        p: 0o755 if executable else 0o644 for p, (_, executable) in tree(GOLDEN / template).items()
    }
    assert modes(tmp_path / "demo") == expected
    assert listing(tmp_path) == ["demo", *(f"demo/{p}" for p in listing(tmp_path / "demo"))]


@pytest.mark.parametrize("umask", [0o002, 0o077])
def test_file_modes_do_not_depend_on_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        scaffold("agent-python", tmp_path / "demo", **VALUES)  # type: ignore[arg-type]
    finally:
        os.umask(old)
    assert set(modes(tmp_path / "demo").values()) == {0o644, 0o755}
    assert modes(tmp_path / "demo")["scripts/demo.py"] == 0o755


def test_golden_file_sets_are_the_documented_ones() -> None:
    assert sorted(tree(GOLDEN / "agent")) == ["SKILL.md", "agent.yaml"]
    assert sorted(tree(GOLDEN / "agent-python")) == [
        "SKILL.md",
        "agent.yaml",
        "pyproject.toml",
        "scripts/demo.py",
        "uv.lock",
    ]
    assert sorted(tree(GOLDEN / "agent-node")) == [
        "SKILL.md",
        "agent.yaml",
        "package-lock.json",
        "package.json",
        "scripts/demo.js",
    ]
    assert sorted(tree(GOLDEN / "skill")) == [
        "SKILL.md",
        "assets/answer-template.md",
        "references/REFERENCE.md",
        "scripts/demo.py",
    ]


def test_agent_yaml_writes_every_default(tmp_path: Path) -> None:
    scaffold("agent", tmp_path / "demo", **VALUES)  # type: ignore[arg-type]
    config = yaml.safe_load((tmp_path / "demo" / "agent.yaml").read_text())
    assert config == {
        "name": "acme/demo",
        "version": "0.1.0",
        "model": {"provider": "openai", "name": "gpt-4o"},
        "tools": [],
        "mcp_servers": [],
        "tool_choice": "auto",
        "parallel_tools": True,
        "inputs": [
            {
                "name": "request",
                "type": "string",
                "required": True,
                "description": "What the user asks the agent to do.",
            }
        ],
        "outputs": [{"name": "result", "type": "string", "description": "The agent's answer."}],
        "environment": {
            "networking": {"allowed_hosts": []},
            "filesystem": "read-only",
            "secrets": [],
            "timeout": "300s",
            "sandbox": "strict",
        },
        "context_mode": "skill",
        "state": {"type": "kv", "ttl": "30d"},
        "tests": [],
    }


def _run_tool(argv: list[str], payload: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=payload, capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("template", "runner"),
    [("agent-python", sys.executable), ("skill", sys.executable), ("agent-node", "node")],
)
def test_generated_tool_follows_the_json_contract(
    template: str, runner: str, tmp_path: Path
) -> None:
    scaffold(template, tmp_path / "wc-tool", description="Counts words.")
    ext = ".js" if template == "agent-node" else ".py"
    script = tmp_path / "wc-tool" / "scripts" / f"wc_tool{ext}"
    assert os.access(script, os.X_OK)
    ok = _run_tool([runner, str(script)], json.dumps({"text": "one two\nthree ünï\n"}).encode())
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"words": 4, "lines": 2, "characters": 18}
    assert ok.stderr == b""
    empty = _run_tool([runner, str(script)], b'{"text": ""}')
    assert json.loads(empty.stdout) == {"words": 0, "lines": 0, "characters": 0}
    bad = _run_tool([runner, str(script)], b"{not json")
    assert bad.returncode == 1
    assert b"not valid JSON" in bad.stderr
    assert bad.stdout == b""
    wrong = _run_tool([runner, str(script)], b'{"txt": 1}')
    assert wrong.returncode == 2
    assert b'expected a JSON object like {"text": "..."}' in wrong.stderr


def test_uv_lock_is_current_for_the_generated_pyproject(tmp_path: Path) -> None:
    for name in ("demo", "a1-b2"):
        project = tmp_path / name
        scaffold("agent-python", project)
        before = (project / "uv.lock").read_bytes()
        check = subprocess.run(
            [UV, "lock", "--check", "--offline", "--directory", str(project)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        relock = subprocess.run(
            [UV, "lock", "--offline", "--directory", str(project)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert relock.returncode == 0, relock.stderr
        assert (project / "uv.lock").read_bytes() == before


def test_package_lock_is_current_for_the_generated_package_json(tmp_path: Path) -> None:
    project = tmp_path / "node-demo"
    scaffold("agent-node", project)
    before = (project / "package-lock.json").read_bytes()
    npm = shutil.which("npm")
    assert npm is not None
    run = subprocess.run(
        [npm, "install", "--package-lock-only", "--offline", "--ignore-scripts", "--no-audit"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (project / "package-lock.json").read_bytes() == before
    assert json.loads((project / "package.json").read_text())["name"] == "node-demo"


TRICKY = [
    "plain words",
    "Colon: here, and # hash, and - dash",
    "- starts with a dash",
    '"fully quoted"',
    "it's 'single' \\ back\\slash",
    "{not: a map} [nor, a list] & *star !tag %pct @at `tick`",
    "yes",
    "1.5",
    "émoji 🍌 ünïcode 中文",
    "two\nlines\twith tab",
    "line\u2028separator and \x85 next-line and \ufeff bom and \x7f del",
    "   leading and trailing spaces   ",
]


@pytest.mark.parametrize("description", TRICKY)
def test_description_is_valid_yaml_whatever_it_contains(description: str, tmp_path: Path) -> None:
    assert yaml.safe_load(yaml_quote(description)) == description
    scaffold("skill", tmp_path / "quoted", description=description)
    assert frontmatter(tmp_path / "quoted" / "SKILL.md")["description"] == description


@pytest.mark.parametrize(
    "model", ["gpt-4o", "claude-sonnet-4-5", "4o", "yes", "null", "a b", "x:y", "meta/llama-3"]
)
def test_model_name_scalar_round_trips(model: str) -> None:
    assert yaml.safe_load(f"name: {yaml_scalar(model)}") == {"name": model}


def test_model_name_with_slash_and_provider_are_written(tmp_path: Path) -> None:
    scaffold("agent", tmp_path / "m", model="groq/meta-llama/llama-4-scout")
    config = yaml.safe_load((tmp_path / "m" / "agent.yaml").read_text())
    assert config["model"] == {"provider": "groq", "name": "meta-llama/llama-4-scout"}
    assert config["name"] == "local/m"


@pytest.mark.parametrize(
    ("dirname", "expected"),
    [
        ("My Cool Agent!", "my-cool-agent"),
        ("already-fine", "already-fine"),
        ("__x__y__", "x-y"),
        ("Ünïcode Dir", "unicode-dir"),
        ("a" * 80, "a" * 64),
    ],
)
def test_normalize_name(dirname: str, expected: str) -> None:
    assert normalize_name(dirname) == expected


def test_the_name_is_the_directory_name(tmp_path: Path) -> None:
    result = scaffold("agent", tmp_path / "already-fine")
    assert result.values["name"] == "already-fine"
    assert frontmatter(tmp_path / "already-fine" / "SKILL.md")["name"] == "already-fine"
    # an explicit --name equal to the directory's is fine too
    scaffold("skill", tmp_path / "same", name="same")


@pytest.mark.parametrize(
    ("dirname", "name", "message"),
    [
        (
            "My Cool Agent!",
            None,
            'DIR: SK012 name must be lowercase: "My Cool Agent!"; a skill\'s name is its '
            'directory\'s name (create the directory "my-cool-agent" instead)',
        ),
        (
            "___",
            None,
            "DIR: SK013 name may only contain ASCII a-z, 0-9 and '-': \"___\" has '_'; a skill's "
            "name is its directory's name (use a directory named with lowercase a-z, 0-9 and -)",
        ),
        (
            "a" * 80,
            None,
            "DIR: SK015 name is 80 characters; the limit is 64; a skill's name is its "
            f'directory\'s name (create the directory "{"a" * 64}" instead)',
        ),
        (
            "proj",
            "other",
            '--name: SK016 name "other" must equal the skill directory\'s name "proj" '
            '(drop --name, or create the directory "other" instead)',
        ),
    ],
)
def test_a_name_the_validator_would_refuse_is_refused_first(
    dirname: str, name: str | None, message: str, tmp_path: Path
) -> None:
    with pytest.raises(UsageError) as info:
        scaffold("agent", tmp_path / dirname, name=name)
    assert str(info.value) == message
    assert listing(tmp_path) == []


def test_default_tool_name_is_a_valid_identifier(tmp_path: Path) -> None:
    result = scaffold("agent-python", tmp_path / "3d-print")
    assert result.values["tool"] == "tool_3d_print"
    assert (tmp_path / "3d-print" / "scripts" / "tool_3d_print.py").is_file()
    custom = scaffold("agent-node", tmp_path / "n", tool="count_words")
    assert "scripts/count_words.js" in custom.files


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "Bad_Name"}, '--name: SK012 name must be lowercase: "Bad_Name" (try "bad-name")'),
        (
            {"name": "a--b"},
            "--name: SK014 name must not start or end with '-' or contain '--': \"a--b\" "
            '(try "a-b")',
        ),
        (
            {"name": "ünï"},
            "--name: SK013 name may only contain ASCII a-z, 0-9 and '-': \"ünï\" has 'ï', 'ü' "
            '(try "uni")',
        ),
        ({"name": "x" * 65}, "--name: SK015 name is 65 characters; the limit is 64"),
        (
            {"namespace": "Acme Inc"},
            "--namespace: 'Acme Inc' must match ^[a-z0-9-]+$ (try \"acme-inc\")",
        ),
        ({"model": "anthropc/claude"}, "--model: unknown provider 'anthropc'"),
        ({"model": "claude"}, "--model: 'claude' must be provider/name"),
        ({"model": "openai/"}, "must be provider/name"),
        (
            {"description": "  "},
            "--description: SK022 description is only whitespace "
            "(say what the skill does and when to use it)",
        ),
        (
            {"description": "d" * 1025},
            "--description: SK023 description is 1025 characters; the limit is 1024",
        ),
        ({"tool": "9lives"}, "--tool: '9lives' must match"),
    ],
)
def test_invalid_values_are_refused_before_anything_is_written(
    values: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(UsageError) as info:
        scaffold("agent-python", tmp_path / "new" / "deep", **values)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert info.value.exit_code == 2
    assert listing(tmp_path) == []


def test_provider_typo_gets_a_suggestion() -> None:
    with pytest.raises(UsageError, match="did you mean 'anthropic'"):
        scaffold("agent", "/nonexistent/x", model="antropic/claude")


def test_unknown_template_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown template 'agent-pyhton'.*did you mean"):
        scaffold("agent-pyhton", tmp_path / "x")
    assert listing(tmp_path) == []


def test_non_empty_target_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match=r"proj is not empty \(notes.txt\)"):
        scaffold("agent", target)
    assert listing(tmp_path) == ["proj", "proj/notes.txt"]


def test_force_adds_files_and_keeps_the_users_others(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "SKILL.md").write_text("old")
    result = scaffold("agent", target, force=True)
    assert (target / "notes.txt").read_text() == "mine"
    assert frontmatter(target / "SKILL.md")["name"] == "proj"
    assert result.warnings == ["--force overwrites: SKILL.md"]
    assert listing(tmp_path) == ["proj", "proj/SKILL.md", "proj/agent.yaml", "proj/notes.txt"]


def test_force_refuses_a_directory_where_a_file_goes_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    (target / "agent.yaml").mkdir(parents=True)
    (target / "keep.txt").write_text("k")
    with pytest.raises(ScaffoldError, match="is a directory"):
        scaffold("agent", target, force=True)
    assert listing(tmp_path) == ["proj", "proj/agent.yaml", "proj/keep.txt"]


def test_existing_empty_target_is_used(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    scaffold("skill", tmp_path / "empty")
    assert frontmatter(tmp_path / "empty" / "SKILL.md")["name"] == "empty"
    assert listing(tmp_path)[:2] == ["empty", "empty/SKILL.md"]


def test_target_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        scaffold("agent", tmp_path / "f", force=True)
    assert listing(tmp_path) == ["f"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = scaffold("agent-node", tmp_path / "a" / "b", dry_run=True)
    assert result.dry_run
    assert result.files == [
        "SKILL.md",
        "agent.yaml",
        "package-lock.json",
        "package.json",
        "scripts/b.js",
    ]
    assert listing(tmp_path) == []


def test_missing_parents_are_created(tmp_path: Path) -> None:
    scaffold("agent", tmp_path / "x" / "y" / "z")
    assert (tmp_path / "x" / "y" / "z" / "agent.yaml").is_file()


def test_failure_while_writing_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_writer(files: object) -> object:
        def write(root: Path) -> None:
            (root / "SKILL.md").write_text("half")
            raise OSError(28, "No space left on device", str(root / "agent.yaml"))

        return write

    monkeypatch.setattr(tpl, "_writer", broken_writer)
    with pytest.raises(ScaffoldError, match="No space left on device"):
        scaffold("agent", tmp_path / "p" / "q")
    assert listing(tmp_path) == []


def test_failure_when_moving_into_place_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_rename = os.rename

    def failing_rename(src: str, dst: str) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(ScaffoldError, match="Permission denied"):
        scaffold("skill", tmp_path / "p" / "q")
    monkeypatch.setattr(os, "rename", real_rename)
    assert listing(tmp_path) == []


def test_packaged_templates_win_over_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Path(str(tpl.templates_root())) == REPO / "templates"  # editable install
    pkg = tmp_path / "pkg"
    shutil.copytree(REPO / "templates", pkg / "templates")
    (pkg / "templates" / "agent" / "EXTRA.md").write_text("packaged {{name}}\n")
    # As if installed from a wheel: the package folder is pkg, templates/ beside it.
    monkeypatch.setattr(tpl, "__file__", str(pkg / "scaffold" / "templates.py"))
    result = scaffold("agent", tmp_path / "out")
    assert "EXTRA.md" in result.files
    assert (tmp_path / "out" / "EXTRA.md").read_text() == "packaged out\n"


def test_unknown_placeholder_is_reported_as_a_template_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(REPO / "templates", pkg / "templates")
    (pkg / "templates" / "agent" / "X.md").write_text("{{nope}}\n")
    # As if installed from a wheel: the package folder is pkg, templates/ beside it.
    monkeypatch.setattr(tpl, "__file__", str(pkg / "scaffold" / "templates.py"))
    with pytest.raises(ScaffoldError, match=r"templates/agent/X.md: unknown placeholder"):
        scaffold("agent", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_angle_brackets_in_description_warn(tmp_path: Path) -> None:
    result = scaffold("agent", tmp_path / "w", description="Use <this> tool")
    assert result.warnings == [
        "--description: SK024 description contains '<' or '>' (claude.ai uploads reject angle "
        "brackets in descriptions; reword without them; `skrun validate --strict` fails on it)"
    ]


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_project_validates_strict_and_builds(
    template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "demo"
    scaffold(template, project, **VALUES)  # type: ignore[arg-type]
    files = "1 file" if template == "skill" else "2 files"
    assert cli.run(["validate", "--strict", "--no-config", str(project)]) == 0
    out = capsys.readouterr()
    assert (out.out, out.err) == (f"{files} checked: no issues.\n", "")
    out_dir = tmp_path / "dist"
    if template == "skill":
        code = cli.run(["build", "--format", "skill", "--strict", str(project), "-o", str(out_dir)])
        bundle = out_dir / "demo.skill"
    else:
        code = cli.run(["build", "--strict", str(project), "-o", str(out_dir)])
        bundle = out_dir / "demo-0.1.0.agent"
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.err == ""
    assert sorted(p.name for p in out_dir.iterdir()) == [bundle.name]
    assert set(tree(project)) <= bundle_members(bundle)


def bundle_members(bundle: Path) -> set[str]:
    """Member names of a built .agent (tar.gz) or .skill (zip), read with the real readers."""
    if bundle.suffix == ".skill":
        import zipfile

        with zipfile.ZipFile(bundle) as zf:
            return {n.split("/", 1)[1] for n in zf.namelist() if not n.endswith("/")}
    import tarfile

    with tarfile.open(bundle, "r:gz") as tf:
        return set(tf.getnames())


def test_kill_9_mid_write_leaves_no_visible_target(tmp_path: Path) -> None:
    # The writer stalls after its first file; SIGKILL then must not leave `proj` behind.
    code = (
        "import sys, time\n"
        "from skrun_build.scaffolding import templates as tpl\n"
        "real = tpl._writer\n"
        "def slow(files):\n"
        "    write = real(files[:1])\n"
        "    def run(root):\n"
        "        write(root)\n"
        "        print('written', flush=True)\n"
        "        time.sleep(60)\n"
        "    return run\n"
        "tpl._writer = slow\n"
        "tpl.scaffold('agent', sys.argv[1])\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "proj")], stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"written\n"
        proc.kill()
        proc.wait(timeout=30)
    assert not (tmp_path / "proj").exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert all(name.startswith(".proj.skrun-init-") for name in leftovers)


@pytest.mark.parametrize(
    "preamble",
    ["import skrun_build", "import skrun_build.scaffolding.templates, skrun_build"],
)
def test_public_api_is_callable_whatever_was_imported_first(preamble: str, tmp_path: Path) -> None:
    code = (
        f"{preamble}\n"
        "import sys\n"
        "r = skrun_build.scaffold('agent', sys.argv[1] + '/a', namespace='x')\n"
        "i = skrun_build.import_skill(sys.argv[1] + '/a', force=True, dry_run=True)\n"
        "print(r.files, i.agent_name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out == "['SKILL.md', 'agent.yaml'] local/a\n"
