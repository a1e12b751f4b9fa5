"""Acceptance-audit tests: behaviours the issues name that no other test pinned down."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.deps import write_entry
from helpers.paths import BIN, REPO

from skrun_build import cli


@pytest.mark.parametrize("template", ["agent", "agent-python", "agent-node", "skill"])
def test_the_next_line_of_init_runs_as_printed(
    template: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["init", "my-proj", "--template", template]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Next: ")
    commands = [shlex.split(part) for part in last.removeprefix("Next: ").split(" && ")]
    expected_build = ["build", "--format", "skill"] if template == "skill" else ["build"]
    assert commands == [
        ["skrun", "validate", "--strict", "my-proj"],
        ["skrun", *expected_build, "my-proj"],
    ]
    for command in commands:
        assert cli.run(command[1:]) == 0, capsys.readouterr().err
    built = "my-proj.skill" if template == "skill" else "my-proj-0.1.0.agent"
    assert (tmp_path / "my-proj" / built).is_file()


def test_library_api_as_a_user_imports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import (
        BuildResult,
        build_bundle,
        import_skill,
        load_skill,
        scaffold,
        validate,
    )

    agent = tmp_path / "my-agent"
    made = scaffold("agent", agent, description="Does things.", namespace="acme")
    assert made.files == ["SKILL.md", "agent.yaml"]
    assert validate(agent) == [] and validate(str(agent / "SKILL.md")) == []
    skill = load_skill(agent)
    assert (skill.name, skill.description, skill.dir) == ("my-agent", "Does things.", agent)
    result = build_bundle(agent)
    assert isinstance(result, BuildResult)
    assert result.path == agent / "my-agent-0.1.0.agent"  # default output: the agent dir
    data = result.path.read_bytes()
    assert (result.size, result.sha256, result.files) == (
        len(data),
        hashlib.sha256(data).hexdigest(),
        2,
    )
    elsewhere = build_bundle(agent, output=tmp_path / "dist" / "new")
    assert elsewhere.path == tmp_path / "dist" / "new" / "my-agent-0.1.0.agent"
    assert elsewhere.sha256 == result.sha256
    plain = tmp_path / "plain"
    scaffold("skill", plain, description="A plain skill.")
    imported = import_skill(str(plain), namespace="team")
    assert imported.agent_name == "team/plain"
    assert validate(plain) == []
    assert [i.code for i in validate(tmp_path / "my-agent" / "agent.yaml")] == []
    assert capsys.readouterr() == ("", "")  # the library never prints


def _fake_python_entry(skill: Path, *, runtime: str, platform: str) -> Path:
    from skrun_build.deps.detect import detect_dir
    from skrun_build.deps.key import cache_key
    from skrun_build.deps.store import Store

    manifest = detect_dir(skill)
    assert manifest is not None
    return write_entry(
        Store().root,
        cache_key(manifest),
        requirements="tinypkg==1.0.0\n",
        runtime=runtime,
        platform=platform,
    )


def test_a_hit_built_on_another_platform_warns_and_offers_reinstall(
    tmp_path: Path, py_offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build.deps.install import current_platform
    from skrun_build.deps.python import current_python, describe_python

    here = describe_python(current_python())
    assert here is not None
    skill = tmp_path / "s"
    skill.mkdir()
    (skill / "requirements.txt").write_text("tinypkg==1.0.0\n")
    entry = _fake_python_entry(skill, runtime=here, platform="plan9-mips")
    assert cli.run(["deps", "install", str(skill)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"Cached: {entry} (1 package, ")
    assert out.err == (
        f"skrun: warning: entry {entry.name[:12]} was built for {here} on plan9-mips, but this "
        f"is {here} on {current_platform()}; run `skrun deps install --reinstall` to rebuild it\n"
    )
    # The offered flag rebuilds the entry for this machine; then hits are silent.
    assert cli.run(["deps", "install", "--reinstall", str(skill)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("Installed 1 package from requirements.txt with uv ")
    assert "tinypkg" in "".join(p.name for p in (entry / "venv").rglob("tinypkg*"))
    meta = json.loads((entry / "skrun-entry.json").read_text())
    assert (meta["platform"], meta["runtime"]) == (current_platform(), here)
    assert cli.run(["deps", "install", str(skill)]) == 0
    assert capsys.readouterr().err == ""
    # Same platform, another interpreter: warned too.
    shutil.rmtree(entry)
    _fake_python_entry(skill, runtime="cpython 3.99.0", platform=current_platform())
    assert cli.run(["deps", "install", str(skill)]) == 0
    assert "was built for cpython 3.99.0 on " in capsys.readouterr().err


def test_inspect_json_gives_each_members_mode_size_and_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import build_bundle, scaffold

    agent = tmp_path / "tool-agent"
    scaffold("agent-python", agent)
    built = build_bundle(agent, output=tmp_path / "out")
    assert cli.run(["inspect", "--json", str(built.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    members = {m["name"]: m for m in doc["members"]}
    script = agent / "scripts" / "tool_agent.py"
    for name, path, mode in (
        ("scripts/tool_agent.py", script, 0o755),
        ("SKILL.md", agent / "SKILL.md", 0o644),
    ):
        data = path.read_bytes()
        got = members[name]
        assert (got["size"], got["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert got["mode"] == f"{mode:04o}"
    assert (doc["manifest"], doc["lockfile"]) == ("pyproject.toml", "uv.lock")


SKRUN = str(BIN / "skrun")


def _run_on_a_pty(argv: list[str], cwd: Path, answers: bytes = b"") -> tuple[int, str]:
    """Run `argv` with stdin/stdout/stderr on a real pseudo-terminal; return (code, output)."""
    import pty
    import select
    import subprocess

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.Popen(argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    if answers:
        os.write(master, answers)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=30)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def test_colours_on_a_real_terminal_and_no_color_turns_them_off(tmp_path: Path) -> None:
    skill = tmp_path / "my-skill"
    skill.mkdir()
    (skill / "SKILL.md").write_text("---\nname: My-Skill\ndescription: Does x.\n---\n")
    code, out = _run_on_a_pty([SKRUN, "validate", "my-skill"], tmp_path)
    assert code == 1
    assert out.splitlines()[0] == (
        "\x1b[1mmy-skill/SKILL.md:2:7:\x1b[0m \x1b[1mSK012\x1b[0m \x1b[31m\x1b[22merror\x1b[0m "
        'name must be lowercase: "My-Skill" (try "my-skill")'
    )
    code, out = _run_on_a_pty(["env", "NO_COLOR=1", SKRUN, "validate", "my-skill"], tmp_path)
    assert code == 1 and "\x1b[" not in out


def test_init_prompts_on_a_real_terminal(tmp_path: Path) -> None:
    answers = b"Answers questions about weather.\nopenai/gpt-4o\nteam\n"
    code, out = _run_on_a_pty([SKRUN, "init", "weather"], tmp_path, answers)
    assert code == 0, out
    assert "Description [" in out and "Model (provider/name) [" in out
    assert "Namespace [local]: " in out
    assert "Created agent team/weather in weather (template agent):" in out
    config = (tmp_path / "weather" / "agent.yaml").read_text()
    assert "name: team/weather\n" in config and "provider: openai\n" in config
    assert "description: Answers questions about weather." in (
        tmp_path / "weather" / "SKILL.md"
    ).read_text().replace('"', "")


def test_the_wheel_ships_the_templates_and_init_works_from_a_plain_install(
    tmp_path: Path,
) -> None:
    import subprocess
    import zipfile

    wheelhouse = REPO / ".tools" / "wheelhouse"
    assert wheelhouse.is_dir(), "run scripts/setup: it fills .tools/wheelhouse"
    uv = str(BIN / "uv")
    env = {**os.environ, "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(wheelhouse)}
    dist = tmp_path / "dist"
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(dist), str(REPO)],
        env=env,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("skrun_build-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = sorted(
            n.removeprefix("skrun_build/templates/")
            for n in zf.namelist()
            if n.startswith("skrun_build/templates/")
        )
    in_repo = sorted(
        p.relative_to(REPO / "templates").as_posix()
        for p in (REPO / "templates").rglob("*")
        if p.is_file()
    )
    assert shipped == in_repo and "agent-python/scripts/{{tool}}.py" in shipped
    venv = tmp_path / "venv"
    # The interpreter running the suite: scripts/test runs it on every supported Python.
    subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)], env=env, check=True
    )
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)],
        env=env,
        check=True,
    )
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from skrun_build.scaffolding import templates as t; print(t.templates_root())",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where == str(next(venv.glob("lib/python3*/site-packages")) / "skrun_build" / "templates")
    skrun = str(venv / "bin" / "skrun")
    for template in ("agent", "agent-python", "agent-node", "skill"):
        target = f"my-{template}"
        done = subprocess.run(
            [skrun, "init", target, "--template", template],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        check = subprocess.run(
            [skrun, "validate", "--strict", target], cwd=tmp_path, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout
    assert (tmp_path / "my-agent-python" / "scripts" / "my_agent_python.py").is_file()


def test_validate_takes_an_artifact_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build import validate

    monkeypatch.chdir(tmp_path)
    skill = tmp_path / "my-art"
    skill.mkdir()
    (skill / "SKILL.md").write_text("---\nname: my-art\ndescription: Does.\n---\nbody\n")
    (skill / "artifact.json").write_text('{"schema_version": 1, "entry": "../x"}')
    expected = [
        'my-art/artifact.json:1:1: AR004 error missing required field "kind"',
        'my-art/artifact.json:1:1: AR004 error missing required field "id"',
        'my-art/artifact.json:1:1: AR004 error missing required field "name"',
        'my-art/artifact.json:1:1: AR004 error missing required field "version"',
        "my-art/artifact.json:1:32: AR008 error entry must not contain .. "
        "(give a path inside the skill directory)",
    ]
    assert cli.run(["validate", "my-art/artifact.json"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        *expected,
        "1 file checked: 5 errors, 0 warnings.",
    ]
    assert cli.run(["validate", "my-art"]) == 1  # the skill dir checks its artifact.json too
    assert capsys.readouterr().out.splitlines() == [
        *expected,
        "2 files checked: 5 errors, 0 warnings.",
    ]
    assert [i.code for i in validate(skill / "artifact.json")] == ["AR004"] * 4 + ["AR008"]


def test_the_gzip_layer_is_zlib_level_6_exactly(tmp_path: Path) -> None:
    import gzip
    import zlib

    from skrun_build import build_bundle, scaffold

    agent = tmp_path / "lvl"
    scaffold("agent-python", agent)
    (agent / "notes.txt").write_text("some words to compress, " * 2000)
    data = build_bundle(agent, output=tmp_path / "out").path.read_bytes()
    raw = gzip.decompress(data)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    body = deflate.compress(raw) + deflate.flush()
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    assert data[10:-8] == body  # the documented level: any other level changes the bytes
    assert data[-8:] == zlib.crc32(raw).to_bytes(4, "little") + len(raw).to_bytes(4, "little")


def _simple_index(root: Path, wheelhouse: Path) -> str:
    """A PEP 503 index on disk serving the wheelhouse's tinypkg; returns its file:// URL."""
    (wheel,) = wheelhouse.glob("tinypkg-1.0.0-*.whl")
    page = root / "simple" / "tinypkg"
    page.mkdir(parents=True)
    (page / "index.html").write_text(f'<a href="{wheel.as_uri()}">{wheel.name}</a>\n')
    (root / "simple" / "index.html").write_text('<a href="tinypkg/">tinypkg</a>\n')
    return (root / "simple").as_uri()


@pytest.mark.parametrize("setting", ["PIP_INDEX_URL", "UV_INDEX"])
def test_the_users_index_setting_is_honoured(
    setting: str,
    tmp_path: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import subprocess

    for name in (
        "PIP_FIND_LINKS",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "UV_OFFLINE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    # The default index is a dead end: only the user's setting can find tinypkg.
    monkeypatch.setenv("UV_DEFAULT_INDEX", (tmp_path / "nowhere").as_uri())
    skill = tmp_path / "s"
    skill.mkdir()
    (skill / "requirements.txt").write_text("tinypkg==1.0.0\n")
    assert cli.run(["deps", "install", str(skill)]) == 1  # proves the dead end
    assert "Script dependency install failed for python" in capsys.readouterr().err
    if setting == "PIP_INDEX_URL":
        monkeypatch.delenv("UV_DEFAULT_INDEX")
    monkeypatch.setenv(setting, _simple_index(tmp_path / "index", wheelhouse))
    assert cli.run(["deps", "install", str(skill)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith("Installed 1 package from requirements.txt with uv ")
    assert cli.run(["deps", "path", str(skill)]) == 0
    entry = Path(capsys.readouterr().out.strip())
    done = subprocess.run(
        [str(entry / "venv" / "bin" / "python"), "-c", "import tinypkg; print(tinypkg.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith(str(entry / "venv"))


def test_the_readme_commands_build_the_example_and_ci_runs_the_test_command(
    tmp_path: Path,
) -> None:
    import re
    import subprocess

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert blocks == [
        "bash scripts/setup && .venv/bin/skrun build examples/csv-summary --output dist",
        "bash scripts/test",
    ]
    # The build half of the first command, as written, in a checkout-like directory.
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    build = blocks[0].split(" && ", 1)[1]
    done = subprocess.run(shlex.split(build), cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Built dist/csv-summary-1.0.0.agent"
    assert (tmp_path / "dist" / "csv-summary-1.0.0.agent").is_file()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == f"exec {blocks[1]} -q"


def test_the_readme_shows_every_argument_of_inspect_verify_and_unpack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (REPO / "README.md").read_text().splitlines()
    for command in ("inspect", "verify", "unpack"):
        (line,) = [x for x in readme if re.match(rf"skrun (\S+\|)?{command}\b", x)]
        shown = line.split("#", 1)[0].split()[2:]
        assert cli.run([command, "--help"]) == 0
        usage = capsys.readouterr().out.splitlines()[0].split()
        assert usage[:3] == ["Usage:", "skrun", command]
        arguments = [a for a in usage[3:] if a != "[OPTIONS]"]
        assert len(shown) == len(arguments), (line, usage)


def test_deps_install_cli_uses_the_skills_npmrc(
    node_skill: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = node_skill("npm")
    # An observable npm setting: with dry-run, `npm ci` installs nothing.
    (skill / ".npmrc").write_text("dry-run=true\n")
    assert cli.run(["deps", "install", "--offline", str(skill)]) == 0
    assert capsys.readouterr().out.startswith("Installed 0 packages from package-lock.json")
    assert not list((tmp_path / "deps").glob("*/.npmrc"))  # used, not kept in the entry
    (skill / ".npmrc").unlink()
    assert cli.run(["deps", "install", "--offline", "--reinstall", str(skill)]) == 0
    # The fixture's dependency, devDependency and scripted dependency (Skrun's set).
    assert capsys.readouterr().out.startswith("Installed 3 packages from package-lock.json")


def test_from_skill_flags_reach_agent_yaml_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    skill = tmp_path / "summarizer"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        "---\nname: summarizer\ndescription: Summarises text.\n---\nbody\n"
    )
    argv = ["init", "--from-skill", str(skill), "--namespace", "acme"]
    argv += ["--model", "openai/gpt-4o", "--input", "path:string", "--input", "limit:number"]
    argv += ["--output", "summary:string", "--allowed-host", "api.example.com"]
    assert cli.run(argv) == 0, capsys.readouterr().err
    config = yaml.safe_load((skill / "agent.yaml").read_text())
    assert config["name"] == "acme/summarizer"
    assert config["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert config["inputs"] == [
        {"name": "path", "type": "string", "required": True},
        {"name": "limit", "type": "number", "required": True},
    ]
    assert config["outputs"] == [{"name": "summary", "type": "string"}]
    assert config["environment"]["networking"]["allowed_hosts"] == ["api.example.com"]


def test_build_applies_the_configs_select_like_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import scaffold

    agent = tmp_path / "sel"
    scaffold("agent", agent)
    skill_md = agent / "SKILL.md"
    skill_md.write_text(skill_md.read_text().replace("---\n", "---\nversion: 1\n", 1))
    (tmp_path / ".skrun.toml").write_text("strict = true\n")
    assert cli.run(["validate", str(agent)]) == 1  # SK050, made an error by strict
    assert cli.run(["build", str(agent)]) == 1
    assert "SK050 error" in capsys.readouterr().err
    (tmp_path / ".skrun.toml").write_text('strict = true\nselect = ["AG"]\n')
    assert cli.run(["validate", str(agent)]) == 0
    assert cli.run(["build", str(agent)]) == 0
    assert "SK050" not in capsys.readouterr().err


def test_the_default_size_limit_is_50_mib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import scaffold

    agent = tmp_path / "big"
    scaffold("agent", agent)
    blob = agent / "blob.bin"
    with blob.open("wb") as f:  # incompressible: the bundle ends up over 50 MiB
        for _ in range(51):
            f.write(os.urandom(1024 * 1024))
    assert cli.run(["build", str(agent), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bundle exceeds the size limit of 50.0 MiB; nothing was written" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    from skrun_build import build_bundle
    from skrun_build.errors import BundleError

    with pytest.raises(BundleError, match=r"exceeds the size limit of 50\.0 MiB"):
        build_bundle(agent, output=tmp_path / "out")  # the library's default too


def test_cache_clear_on_a_tty_asks_only_above_100_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from skrun_build.cli.deps_cmd import cache
    from skrun_build.deps.store import Store

    monkeypatch.setattr("skrun_build.cli.deps_cmd.stdin_is_tty", lambda: True)
    # Exactly 100 MiB: not above, so no question.
    entry = write_entry(Store().root, "a" * 64, size=100 * 1024 * 1024)
    done = CliRunner().invoke(cache, ["clear"], input="", catch_exceptions=False)
    assert (done.exit_code, done.output) == (0, "Cleared 1 entry (100.0 MiB freed).\n")
    assert not entry.exists()
