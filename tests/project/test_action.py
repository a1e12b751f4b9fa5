"""`action.yml`: its shell steps run here, as a runner would run them.

Each `run:` step is run with `bash --noprofile --norc -eo pipefail` (GitHub's
`shell: bash`), its `env:` expressions evaluated, `if:` conditions honoured, and
the GitHub files it writes to (`GITHUB_OUTPUT`, ...) pointed at temp files.
`uses:` steps (actions/cache) are checked for their inputs, not run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import skrun_build

from helpers.bundle import agent_tree

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def evaluate(expr: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    """The few expressions the action uses: inputs.X, steps.ID.outputs.X, runner.os."""
    parts = expr.split(".")
    if parts[0] == "inputs":
        return inputs[parts[1]]
    if parts[0] == "steps" and parts[2] == "outputs":
        return outputs.get(parts[1], {}).get(parts[3], "")
    if expr == "runner.os":
        return "Linux"
    raise AssertionError(f"unexpected expression {expr!r}")


def condition(text: str, inputs: dict[str, str]) -> bool:
    match = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", text)
    assert match, f"unexpected condition {text!r}"
    return inputs[match.group(1)] == match.group(2)


def parse_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT: `key=value` lines and `key<<DELIM` ... `DELIM` blocks."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, delim = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delim:
                    break
                body.append(inner)
            out[key] = "\n".join(body)
        elif line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def run_action(
    workspace: Path, tmp: Path, env_extra: dict[str, str] | None = None, **given: str
) -> tuple[dict[str, str], list[Any]]:
    """Run the action's steps; returns its outputs and the `uses` steps that would run.

    `env_extra` is what the runner would set besides (`GITHUB_ACTION_PATH`, a `PATH`).
    """
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update(given)
    outputs: dict[str, dict[str, str]] = {}
    used = []
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir()
    for n, step in enumerate(ACTION["runs"]["steps"]):
        if "if" in step and not condition(step["if"], inputs):
            continue
        if "uses" in step:
            used.append(step)
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must reach scripts through env:"
        files = {
            k: tmp / f"{k.lower()}-{n}" for k in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")
        }
        for f in files.values():
            f.write_text("")
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_WORKSPACE": str(workspace),
            **{k: str(v) for k, v in files.items()},
            **(env_extra or {}),
        }
        for key, value in step.get("env", {}).items():
            env[key] = EXPR.sub(lambda m: evaluate(m.group(1), inputs, outputs), str(value))
        script = tmp / f"step-{n}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise StepFailed(step["name"], done)
        if "id" in step:
            outputs[step["id"]] = parse_output(files["GITHUB_OUTPUT"].read_text())
    final = {
        name: EXPR.sub(lambda m: evaluate(m.group(1), inputs, outputs), spec["value"])
        for name, spec in ACTION["outputs"].items()
    }
    return final, used


class StepFailed(Exception):
    def __init__(self, name: str, done: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"{name}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        self.done = done


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    for slug in ("alpha", "beta"):
        agent_tree(ws / "agents", {"notes.md": slug}, slug=slug)
    agent_tree(ws / "agents", {"requirements.txt": "# nothing yet\n"}, slug="gamma")
    return ws


def test_the_action_builds_with_a_manifest_and_exposes_it(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    outputs, used = run_action(ws, tmp_path, paths="agents", install="false")
    assert used == []  # deps-cache is off by default
    assert outputs["manifest"] == "skrun-manifest.json"
    assert outputs["checksums"] == "skrun-manifest.sha256"
    assert outputs["bundles"].splitlines() == [
        "dist/alpha-0.1.0.agent",
        "dist/beta-0.1.0.agent",
        "dist/gamma-0.1.0.agent",
    ]
    check = subprocess.run(
        ["sha256sum", "-c", outputs["checksums"]], cwd=ws, capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stdout.count(": OK") == 3
    doc = json.loads((ws / "skrun-manifest.json").read_text())
    assert [t["status"] for t in doc["targets"]] == ["built"] * 3
    # A second run with the manifest in place (a CI cache) skips everything.
    (tmp_path / "again").mkdir()
    run_action(ws, tmp_path / "again", paths="agents", install="false")
    doc = json.loads((ws / "skrun-manifest.json").read_text())
    assert [t["status"] for t in doc["targets"]] == ["up to date"] * 3


def test_validation_annotations_and_a_failed_build_still_set_outputs(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    broken = ws / "agents" / "beta" / "agent.yaml"
    broken.write_text(broken.read_text().replace("0.1.0", "'1.0'"))
    with pytest.raises(StepFailed) as info:
        run_action(ws, tmp_path, paths="agents", install="false")
    assert info.value.done.stdout.startswith("::error file=agents/beta/agent.yaml,line=2")
    # Without validation the build step runs, fails, and still writes its outputs.
    (tmp_path / "second").mkdir()
    with pytest.raises(StepFailed) as info:
        run_action(ws, tmp_path / "second", paths="agents", install="false", validate="false")
    assert info.value.done.returncode == 1
    out = parse_output((tmp_path / "second" / "github_output-5").read_text())
    assert out["bundles"].splitlines() == ["dist/alpha-0.1.0.agent", "dist/gamma-0.1.0.agent"]


def test_the_deps_cache_is_keyed_by_the_agents_deps_keys(tmp_path: Path) -> None:
    from skrun_build.deps.detect import detect_dir
    from skrun_build.deps.key import cache_key

    ws = workspace(tmp_path)
    outputs, used = run_action(
        ws, tmp_path, paths="agents", install="false", **{"deps-cache": "true"}
    )
    (cache,) = used
    assert cache["uses"] == "actions/cache@v4"
    assert cache["with"]["path"] == "~/.skrun/deps"
    assert cache["with"]["key"] == "skrun-deps-${{ runner.os }}-${{ steps.plan.outputs.deps-hash }}"
    import hashlib

    manifest = detect_dir(ws / "agents" / "gamma")
    assert manifest is not None
    expected = hashlib.sha256(cache_key(manifest).encode()).hexdigest()
    plan_out = parse_output((tmp_path / "github_output-1").read_text())
    assert plan_out == {"deps-hash": expected}
    assert outputs["deps-hash"] == expected
    assert (tmp_path / "runner-temp" / "skrun-deps-targets.txt").read_text() == "agents/gamma\n"
    # `skrun deps install` ran for gamma: its entry is in the (test's) cache.
    assert (Path(os.environ["SKRUN_DEPS_DIR"]) / cache_key(manifest)).is_dir()


def test_the_action_installs_its_own_commit_and_runs_with_it(tmp_path: Path) -> None:
    # A runner checks the action out at the ref of `uses:` (GITHUB_ACTION_PATH); with no
    # `version`, that checkout is what pip installs. Offline: pip finds hatchling and the
    # dependencies in the wheelhouse scripts/setup fills.
    wheelhouse = REPO / ".tools" / "wheelhouse"
    assert wheelhouse.is_dir(), "run scripts/setup: it fills .tools/wheelhouse"
    assert ACTION["inputs"]["version"]["default"] == ""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    ws = workspace(tmp_path)
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTION_PATH": str(REPO),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_CONFIG_FILE": os.devnull,
    }
    outputs, _ = run_action(ws, tmp_path, env, paths="agents", validate="false")
    installed = subprocess.run(
        [str(venv / "bin" / "skrun"), "--version"], capture_output=True, text=True, check=True
    )
    assert installed.stdout == f"skrun, version {skrun_build.__version__}\n"
    # Every later step ran that skrun: the bundles are there, listed in the outputs.
    assert sorted(Path(p).name for p in outputs["bundles"].splitlines()) == [
        "alpha-0.1.0.agent",
        "beta-0.1.0.agent",
        "gamma-0.1.0.agent",
    ]


def test_a_version_given_installs_that_release_from_pypi(tmp_path: Path) -> None:
    # `python3` is a stand-in that records what it was asked to run.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD"\n')
    (fake / "python3").chmod(0o755)
    (install,) = [s for s in ACTION["runs"]["steps"] if s["name"] == "Install skrun-build"]
    assert install["env"] == {"SKRUN_VERSION": "${{ inputs.version }}"}
    script = tmp_path / "install.sh"
    script.write_text(install["run"])
    record = tmp_path / "argv"
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
        "SKRUN_VERSION": "0.1.0",
        "GITHUB_ACTION_PATH": str(REPO),
        "RECORD": str(record),
    }
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env, check=True
    )
    assert record.read_text().splitlines() == [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "skrun-build==0.1.0",
    ]
