"""Bad environment (SOURCE_DATE_EPOCH, SKRUN_DEPS_DIR, HOME): a usage error or a clear line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import SKRUN, one_line_error


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "-1",
        "1.5",
        "8589934592",
        "99999999999999999999",
        "9" * 5000,
        "\u0661\u0662",
        "\u00b2",
    ],
)
def test_bad_source_date_epoch_is_a_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    root = agent_tree(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        "skrun: error: SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to "
        f"8589934591 (the tar header's range), got {value!r} "
        "(unset it, or set it to the last commit's time: git log -1 --format=%ct)"
    )
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cache", "list"],
            "{deps}: cannot read the cache: Not a directory "
            "(point SKRUN_DEPS_DIR at a directory you can read)",
        ),
        (
            ["cache", "prune"],
            "{deps}: cannot read the cache: Not a directory "
            "(point SKRUN_DEPS_DIR at a directory you can read)",
        ),
        (
            ["deps", "install", "--offline", "{agent}"],
            "{deps}: cannot create the cache: "
            "Not a directory (point SKRUN_DEPS_DIR at a directory you can write)",
        ),
    ],
)
def test_deps_dir_pointing_at_a_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    deps = tmp_path / "afile"
    deps.write_text("x")
    root = agent_tree(tmp_path, {"requirements.txt": ""})
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(deps))
    assert run([a.format(agent=root) for a in argv]) == 1
    err = capsys.readouterr().err
    assert one_line_error(err.replace(_NO_LOCK_WARNING, "")) == (
        "skrun: error: " + message.format(deps=deps)
    )
    assert deps.read_text() == "x"


_NO_LOCK_WARNING = (
    "skrun: warning: non-reproducible build: requirements.txt has no lockfile, so versions "
    "are resolved at install time (commit uv.lock or poetry.lock (pyproject.toml), or "
    "requirements.txt pinned with hashes)\n"
)


def test_read_only_deps_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores chmod, so the refusal is simulated where the store creates its root.
    deps = tmp_path / "ro"
    root = agent_tree(tmp_path, {"requirements.txt": ""})
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(deps))
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        if self.is_relative_to(deps):
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert run(["deps", "install", "--offline", str(root)]) == 1
    err = capsys.readouterr().err.replace(_NO_LOCK_WARNING, "")
    assert one_line_error(err) == (
        f"skrun: error: {deps}: cannot create the cache: Permission denied "
        "(point SKRUN_DEPS_DIR at a directory you can write)"
    )
    assert not deps.exists()


def test_relative_deps_dir_is_printed_absolute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKRUN_DEPS_DIR", "rel/deps")
    assert run(["cache", "dir"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'rel' / 'deps'}\n"


def test_unset_home_and_deps_dir_in_a_real_subprocess(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "SKRUN_DEPS_DIR")}
    proc = subprocess.run(
        [str(SKRUN), "cache", "dir"], capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("/.skrun/deps")
    assert proc.stderr == ""
