"""The package as a user installs it: the library API, and a plain wheel install that ships
the templates."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from helpers.paths import BIN, REPO


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
