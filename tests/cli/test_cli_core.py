"""The CLI shell: help, version, unknown commands, exit-code mapping."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from skrun_build import __version__, cli
from skrun_build.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    InputError,
    UsageError,
    exit_code_for,
)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"skrun, version {__version__}"


def test_help_lists_every_command_without_importing_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.run(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert f"  {name} " in out


def test_unknown_command_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["valdate"]) == EXIT_USAGE
    assert "did you mean 'validate'" in capsys.readouterr().err


def test_exit_code_map() -> None:
    assert exit_code_for(InputError("x")) == 1
    assert exit_code_for(UsageError("x")) == EXIT_USAGE
    assert exit_code_for(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert exit_code_for(ValueError()) == EXIT_BUG


def test_json_error_is_in_the_error_tree() -> None:
    # A JSON file we refuse is bad input (exit 1) like bad YAML, never a bug (exit 3).
    from skrun_build.formats.jsonloc import JsonError, load_json

    with pytest.raises(JsonError) as info:
        load_json('{"id": "x",}', file="artifact.json")
    assert isinstance(info.value, InputError)
    assert exit_code_for(info.value) == 1
    assert (info.value.line, info.value.col, info.value.hint) == (1, 11, "remove the comma")


def test_unexpected_exception_is_exit_3_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    @click.command()
    def boom() -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(cli.COMMANDS, "boom", ("tests.test_cli_core:_unused", "x"))
    monkeypatch.setattr(cli.LazyGroup, "get_command", lambda self, ctx, name: boom)
    assert cli.run(["boom"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err
    assert "please report" in err
    assert "Traceback" not in err


def test_skrun_error_message_and_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    @click.command()
    def bad() -> None:
        raise InputError("cannot read", path="x/SKILL.md", line=3, hint="fix it")

    monkeypatch.setitem(cli.COMMANDS, "bad", ("tests.test_cli_core:_unused", "x"))
    monkeypatch.setattr(cli.LazyGroup, "get_command", lambda self, ctx, name: bad)
    assert cli.run(["bad"]) == 1
    assert capsys.readouterr().err == "skrun: error: x/SKILL.md:3: cannot read (fix it)\n"


def test_python_dash_m_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skrun_build", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert __version__ in proc.stdout


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/w/a/b.agent", "a/b.agent"),
        ("/w", "."),
        ("/w/..name/x", "..name/x"),  # inside the cwd, though it starts with ".."
        ("/w/../x", "/w/../x"),  # outside it, though it starts with the cwd's text
        ("/wx/y", "/wx/y"),
        ("/elsewhere/y", "/elsewhere/y"),
        ("rel/y", "rel/y"),
    ],
)
def test_relpath_shows_paths_under_the_cwd_relative(path: str, shown: str) -> None:
    from skrun_build.cli._output import relpath

    assert relpath(path, "/w") == shown
