"""The `skrun-validate-fix` pre-commit hook, run by the real `pre-commit` against a temp git repo.

pre-commit installs this project from the wheelhouse (offline), as in test_precommit_hook.py.
A hook that rewrites a file fails the run ("files were modified by this hook"), so the fixed
file can be reviewed and staged; a second run passes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from test_precommit_hook import PRE_COMMIT, WHEELHOUSE, git, hook_repo

from helpers.trees import make_tree


def test_real_pre_commit_fix_hook_rewrites_then_passes(tmp_path: Path) -> None:
    assert WHEELHOUSE.is_dir(), "run scripts/setup: it fills .tools/wheelhouse"
    rev = hook_repo(tmp_path / "hooks")
    work = make_tree(
        tmp_path / "work",
        {"fixme": {"SKILL.md": "---\nname: fixme\ndescription: Use: when x\n---\nbody"}},
    )
    config = {
        "repos": [
            {"repo": str(tmp_path / "hooks"), "rev": rev, "hooks": [{"id": "skrun-validate-fix"}]}
        ]
    }
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_CONFIG_FILE": os.devnull,
        "VIRTUALENV_CONFIG_FILE": os.devnull,
        "NO_COLOR": "1",
    }

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "run", "--color", "never", "--all-files"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = pre_commit()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "fixme/SKILL.md: fixed: line 3: quoted the value of description" in first.stdout
    text = (work / "fixme/SKILL.md").read_text()
    assert text == "---\nname: fixme\ndescription: 'Use: when x'\n---\nbody\n"
    git(work, "add", "-A")
    second = pre_commit()
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.splitlines()[-1].endswith("Passed")
