"""The `skrun-validate` pre-commit hook, run by the real `pre-commit` against a temp git repo.

The hook repository is a git copy of this project's sources; pre-commit pip-installs it into
its own virtualenv from the wheelhouse `scripts/setup` fills (`.tools/wheelhouse`), with
`PIP_NO_INDEX=1`, so the test runs offline. pre-commit is the one of the interpreter running
the suite, and its hook venv uses that same Python: the wheelhouse holds wheels for every
interpreter scripts/test runs the suite on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from helpers.paths import BIN, REPO
from helpers.trees import make_tree

PRE_COMMIT = BIN / "pre-commit"
WHEELHOUSE = REPO / ".tools" / "wheelhouse"
UPSTREAM = "https://github.com/<owner>/skrun-build"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def hook_repo(dest: Path) -> str:
    """A git repo holding this project's installable sources; returns its commit."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("skrun_build", "templates"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "hook repo")
    return git(dest, "rev-parse", "HEAD")


def docs_snippet() -> str:
    """The .pre-commit-config.yaml snippet of docs/rules.md."""
    section = (REPO / "docs" / "rules.md").read_text().split("### pre-commit\n", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["skrun-validate", "skrun-validate-fix"]
    for hook, entry in zip(hooks, ("skrun validate", "skrun validate --fix"), strict=True):
        assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
            entry,
            "python",
            True,
        )
        assert hook["files"] == r"(^|/)(SKILL\.md|agent\.yaml|artifact\.json)$"
    # The usage comment at its top is the docs' snippet: no tag that does not exist.
    comment = [line[2:] for line in (REPO / ".pre-commit-hooks.yaml").read_text().splitlines()]
    assert "    rev: main   # `pre-commit autoupdate` pins a tag or commit sha here" in comment
    assert f"  - repo: {UPSTREAM}" in comment
    assert f"  - repo: {UPSTREAM}" in docs_snippet()


def test_real_pre_commit_passes_a_clean_file_and_fails_a_bad_one(tmp_path: Path) -> None:
    assert WHEELHOUSE.is_dir(), "run scripts/setup: it fills .tools/wheelhouse"
    rev = hook_repo(tmp_path / "hooks")
    work = make_tree(
        tmp_path / "work",
        {
            "good": {"SKILL.md": "---\nname: good\ndescription: Does x.\n---\nbody\n"},
            "bad": {"SKILL.md": "---\nname: Bad\ndescription: Does x.\n---\nbody\n"},
            "notes.md": "not checked\n",
        },
    )
    # The snippet of docs/rules.md as a user pastes it, pointing at the local hook repo.
    snippet = docs_snippet()
    assert "rev: main" in snippet
    config = work / ".pre-commit-config.yaml"
    config.write_text(snippet.replace(UPSTREAM, str(tmp_path / "hooks")))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        # pre-commit picks the hook's Python as `pythonX.Y` on PATH: this venv's, not a
        # pyenv shim that runs only for the versions pyenv has selected.
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_CONFIG_FILE": os.devnull,
        "VIRTUALENV_CONFIG_FILE": os.devnull,
        "NO_COLOR": "1",
    }

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "run", "--color", "never", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    clean = pre_commit("--files", "good/SKILL.md", "notes.md")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.splitlines()[-1].startswith("skrun validate")
    assert clean.stdout.splitlines()[-1].endswith("Passed")

    # What the docs say to do next: without a release tag, autoupdate pins the commit sha.
    update = subprocess.run(
        [str(PRE_COMMIT), "autoupdate", "--color", "never"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert f"rev: {rev}" in config.read_text()
    git(work, "add", "-A")

    failing = pre_commit("--all-files")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    # Without pre-commit's own [INFO] lines (it installs the hook for the new rev first).
    lines = [line for line in failing.stdout.splitlines() if not line.startswith("[INFO]")]
    assert lines[0].startswith("skrun validate") and lines[0].endswith("Failed")
    assert 'bad/SKILL.md:2:7: SK012 error name must be lowercase: "Bad" (try "bad")' in lines
    assert "2 files checked: 1 error, 0 warnings." in lines
    # The hook ran on the Python running the suite (scripts/test runs it on each).
    hook_pythons = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/bin/python"))
    assert len(hook_pythons) == 2  # one per rev: `main`, then the sha
    versions = {
        subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for python in hook_pythons
    }
    assert versions == {"{}.{}".format(*sys.version_info[:2])}
