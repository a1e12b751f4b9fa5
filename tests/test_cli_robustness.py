"""Adversarial robustness of the real CLI: malformed files, flags, environments.

Every case asserts the documented exit code, a one-line message naming the file
or field and the fix, no traceback, and nothing partial left on disk. A few run
the installed `skrun` in a subprocess; the rest go through `cli.run` in-process.
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.bundle import agent_tree
from helpers.paths import BIN
from helpers.processes import sigint_as_on_a_terminal

from skrun_build.cli import run

REPO = Path(__file__).resolve().parents[2]
SKRUN = BIN / "skrun"


def _one_line_error(err: str) -> str:
    """The single stderr line, after checking there is no traceback."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a freshly built bundle, to be corrupted by the tests."""
    tmp = tmp_path_factory.mktemp("built")
    agent_tree(tmp, {"notes.md": "hello\n" * 200})
    assert run(["build", str(tmp / "demo"), "-o", str(tmp / "dist")]) == 0
    return (tmp / "dist" / "demo-0.1.0.agent").read_bytes()


# --- corrupt bundles -------------------------------------------------------------------

CORRUPTIONS = {
    "half": lambda b: b[: len(b) // 2],
    "no-gzip-trailer": lambda b: b[:-8],
    "last-byte-cut": lambda b: b[:-1],
    "end-blocks-cut": lambda b: b[:-30],
    "trailing-garbage": lambda b: b + b"garbage!",
    "not-gzip": lambda b: b"hello world" * 10,
    "gzip-not-tar": lambda b: gzip.compress(b"not a tar" * 100),
    "empty": lambda b: b"",
}
# Our own words, never gzip's or tarfile's ("Not a gzipped file (b'he')", "invalid header").
_CUT = (
    "is not a valid .agent bundle: it ends before its gzip stream does (cut short) "
    "(download or build it again)"
)
CORRUPT_MESSAGES = {
    "half": _CUT,
    "no-gzip-trailer": _CUT,
    "last-byte-cut": _CUT,
    "end-blocks-cut": _CUT,
    "trailing-garbage": "is not a valid .agent bundle: unexpected data after the end of its "
    "gzip stream (download or build it again)",
    "not-gzip": "is not a gzip-compressed .agent bundle: it starts with 68 65, not the gzip "
    "signature 1f 8b (pass a bundle made by `skrun build`)",
    "gzip-not-tar": "is not a valid .agent bundle: the gzip stream does not hold a tar archive "
    "(download or build it again)",
    "empty": "is not a gzip-compressed .agent bundle: the file is empty (pass a bundle made by "
    "`skrun build`)",
}


@pytest.mark.parametrize("command", ["inspect", "verify", "unpack", "deps hash"])
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_bundle_is_exit_1_naming_the_file(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    corruption: str,
) -> None:
    bundle = tmp_path / "bad.agent"
    bundle.write_bytes(CORRUPTIONS[corruption](built))
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([*command.split(), str(bundle), *extra]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert line == f"skrun: error: {bundle}: {CORRUPT_MESSAGES[corruption]}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.agent"]


def test_truncated_bundle_in_a_real_subprocess(built: bytes, tmp_path: Path) -> None:
    bundle = tmp_path / "cut.agent"
    bundle.write_bytes(built[: len(built) // 2])
    proc = subprocess.run(
        [str(SKRUN), "verify", str(bundle)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert _one_line_error(proc.stderr) == f"skrun: error: {bundle}: {_CUT}"


# --- malformed config ------------------------------------------------------------------

CONFIGS = [
    (
        ".skrun.toml",
        b'ignore = ["ZZ999"]\n',
        "demo/.skrun.toml: ignore: unknown rule code 'ZZ999' (list the codes with: skrun rules)",
    ),
    (
        "pyproject.toml",
        b'[tool.skrun]\nselect = ["XX"]\n',
        "demo/pyproject.toml: tool.skrun.select: unknown rule code 'XX' "
        "(list the codes with: skrun rules)",
    ),
    (
        ".skrun.toml",
        b"\xff\xfe\x00garbage",
        "demo/.skrun.toml: not UTF-8 (byte 0) (save it as UTF-8 TOML)",
    ),
    (
        "pyproject.toml",
        b"[project]\nname = 'caf\xe9'\n",
        "demo/pyproject.toml: not UTF-8 (byte 21) (save it as UTF-8 TOML)",
    ),
    (
        ".skrun.toml",
        b'strict = "yes"\n',
        "demo/.skrun.toml: strict must be true or false, not 'yes' (strict = true)",
    ),
    (
        "pyproject.toml",
        b"[tool.skrun]\nbogus = 1\n",
        "demo/pyproject.toml: unknown key tool.skrun.bogus (known keys: select, ignore, strict, target, per-file-ignores, build)",
    ),
    # tomllib lets RecursionError and ValueError escape: a traceback, exit 3.
    (
        "pyproject.toml",
        b"a = " + b"[" * 100_000 + b"]" * 100_000,
        "demo/pyproject.toml: invalid TOML: nesting is too deep (flatten the arrays or tables)",
    ),
    (
        ".skrun.toml",
        b"a = 1" + b"0" * 5000,
        "demo/.skrun.toml: invalid TOML: a number has more than 4300 digits "
        "(quote the number as a string)",
    ),
]


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize(("name", "content", "message"), CONFIGS)
def test_malformed_config_is_exit_1_naming_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    name: str,
    content: bytes,
    message: str,
) -> None:
    root = agent_tree(tmp_path, {name: content})
    monkeypatch.chdir(tmp_path)
    extra = ["-o", "dist"] if command == "build" else []
    assert run([command, "demo", *extra]) == 1
    assert _one_line_error(capsys.readouterr().err) == f"skrun: error: {message}"
    assert not (tmp_path / "dist").exists()
    assert sorted(p.name for p in root.iterdir()) == sorted(["agent.yaml", "SKILL.md", name])


# --- hostile members -------------------------------------------------------------------


def _skrun_into(fd: int, argv: list[str], unbuffered: bool) -> subprocess.CompletedProcess[str]:
    """Run the real `skrun` with stdout on `fd`, with Python's stdout buffered or not
    (CI sets PYTHONUNBUFFERED; a user's shell does not)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run(
        [str(SKRUN), *argv], stdout=fd, stderr=subprocess.PIPE, text=True, check=False, env=env
    )


def _tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, None if data is None else io.BytesIO(data))
    path.write_bytes(gzip.compress(buf.getvalue()))
    return path


def _info(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"hi", link: str = ""
) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    return info, None


def _pax_path(name: str, real: str) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = 2
    info.pax_headers = {"path": real}
    return info, b"hi"


HOSTILE = {
    "absolute": ([_info("/etc/evil")], "member '/etc/evil': absolute path"),
    "dotdot": ([_info("a/../../evil")], "member 'a/../../evil': '..' in the path"),
    "pax-path": ([_pax_path("ok", "../../evil")], "member '../../evil': '..' in the path"),
    "symlink": (
        [_info("l", tarfile.SYMTYPE, link="/etc/passwd")],
        "member 'l': links are not allowed in a bundle",
    ),
    "hardlink": (
        [_info("a"), _info("h", tarfile.LNKTYPE, link="a")],
        "member 'h': links are not allowed in a bundle",
    ),
    "device": (
        [_info("dev", tarfile.CHRTYPE)],
        "member 'dev': not a regular file (device, FIFO or special member)",
    ),
    "duplicate": ([_info("a"), _info("./a")], "member './a': duplicate member"),
    "backslash": ([_info("a\\..\\b")], "member 'a\\\\..\\\\b': empty name, NUL or backslash"),
}


@pytest.mark.parametrize("command", ["unpack", "inspect"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_member_is_refused_before_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str
) -> None:
    members, message = HOSTILE[case]
    bundle = _tar_gz(tmp_path / "evil.agent", members)
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([command, str(bundle), *extra]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"skrun: error: {bundle}: {message}")
    assert line.endswith(
        "(the bundle is damaged or was not made by skrun build: rebuild it with `skrun build`)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.agent"]
    assert not (tmp_path.parent / "evil").exists()


def test_huge_declared_size_fails_fast_in_a_real_subprocess(tmp_path: Path) -> None:
    # A header claiming a terabyte used to spin through a terabyte of empty reads.
    header = tarfile.TarInfo("big")
    header.size = 10**12
    bundle = tmp_path / "huge.agent"
    bundle.write_bytes(gzip.compress(header.tobuf(tarfile.PAX_FORMAT) + b"x" * 1000))
    proc = subprocess.run(
        [str(SKRUN), "unpack", str(bundle), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    assert proc.returncode == 1
    assert _one_line_error(proc.stderr) == (
        f"skrun: error: {bundle}: member 'big': declares 1000000000000 bytes, more than a "
        "bundle of this size can hold (the bundle is truncated or crafted; rebuild or "
        "download it again)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.agent"]


# --- bad environment -------------------------------------------------------------------


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
    assert _one_line_error(capsys.readouterr().err) == (
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
    assert _one_line_error(err.replace(_NO_LOCK_WARNING, "")) == (
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
    assert _one_line_error(err) == (
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


# --- the reader goes away --------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["cache", "list"], ["inspect", "{bundle}"], ["schema", "agent"], ["--help"], ["build", "-h"]],
)
def test_closed_stdout_is_success_in_a_real_subprocess(
    built: bytes, tmp_path: Path, argv: list[str]
) -> None:
    # `skrun inspect X | head -1` under `set -o pipefail`: click made it a silent exit 1.
    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    for unbuffered in (True, False):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = _skrun_into(write_end, [a.format(bundle=bundle) for a in argv], unbuffered)
        finally:
            os.close(write_end)
        assert (proc.returncode, proc.stderr) == (0, ""), unbuffered


# --- interrupted -----------------------------------------------------------------------


def test_interrupted_build_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build.bundle import writer

    root = agent_tree(tmp_path, {"notes.md": "hello\n"})
    real = writer.read_exactly

    def interrupted(path: Path, size: int, name: str) -> Iterator[bytes]:
        yield from real(path, size, name)
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "read_exactly", interrupted)
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 130
    assert _one_line_error(capsys.readouterr().err) == "skrun: error: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_interrupted_unpack_leaves_nothing(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skrun_build.bundle.reader import MemberStream

    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)

    def interrupted(self: MemberStream, size: int = -1) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(MemberStream, "read", interrupted)
    assert run(["unpack", str(bundle), str(tmp_path / "out")]) == 130
    assert _one_line_error(capsys.readouterr().err) == "skrun: error: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.agent"]


def _stopped(pid: int) -> bool:
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state in ("T", "t")


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_in_a_real_subprocess_mid_build(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    import random
    import time

    words = [f"word{n}" for n in range(5000)]
    text = " ".join(random.Random(7).choices(words, k=6_000_000))  # ~50 MB, slow to gzip
    root = agent_tree(tmp_path, {"data.txt": text})
    dist = tmp_path / "dist"
    proc = subprocess.Popen(
        [str(SKRUN), "build", str(root), "-o", str(dist), "--max-size", "1GiB"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        # Mid-write, whatever the load: once the hidden temp bundle exists, freeze the build,
        # check it is still unfinished, queue the signal, and let it go on.
        deadline = time.monotonic() + 120  # a bound on a hang, not a wait for the build
        while not (dist.is_dir() and any(dist.iterdir())):
            assert proc.poll() is None and time.monotonic() < deadline, proc.poll()
            time.sleep(0.01)
        proc.send_signal(signal.SIGSTOP)
        while not _stopped(proc.pid):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        written = [p.name for p in dist.iterdir()]
        assert len(written) == 1 and written[0].startswith(".demo-0.1.0.agent."), written
        proc.send_signal(signum)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()  # never leave a build running into later tests
        proc.wait()
    assert proc.returncode == code, err
    assert _one_line_error(err) == f"skrun: error: {line}"
    # The output folder this build created is removed with the temp bundle.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


# --- hostile file names ----------------------------------------------------------------


def test_newline_in_a_path_cannot_split_a_line_or_inject_a_ci_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a GitHub Actions log a line starting with `::error` is a workflow command.
    evil = "x\n::error file=evil::pwned"
    agent_tree(tmp_path / evil, {"SKILL.md": "---\nname: Demo\n---\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", evil]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "x\\n::error file=evil::pwned/demo/SKILL.md:1:1: SK020 error the frontmatter has no "
        "'description' (add description: saying what the skill does and when to use it)",
        "x\\n::error file=evil::pwned/demo/SKILL.md:2:7: SK012 error name must be lowercase: "
        '"Demo" (try "demo")',
        'x\\n::error file=evil::pwned/demo/agent.yaml:1:7: AG016 warning agent.yaml slug "demo" '
        'differs from SKILL.md name "Demo" (use the same name in both, e.g. name: tests/Demo)',
        "2 files checked: 2 errors, 1 warning.",
    ]
    assert run(["build", evil + "\x1b[31m"]) == 2
    assert _one_line_error(capsys.readouterr().err) == (
        "skrun: error: x\\n::error file=evil::pwned\\x1b[31m: no such directory "
        "(pass the agent's folder, the one with SKILL.md)"
    )


@pytest.mark.parametrize("name", ["with space", "ünïcødé ☃", "-leading-dash"])
def test_odd_but_legal_paths_build_and_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    agent_tree(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "-o", f"{name}/out", "--", f"{name}/demo"]) == 0
    assert run(["verify", "--", f"{name}/out/demo-0.1.0.agent"]) == 0
    assert run(["unpack", "--", f"{name}/out/demo-0.1.0.agent", f"{name}/un"]) == 0
    assert sorted(p.name for p in (tmp_path / name / "un").iterdir()) == [
        ".skrun",
        "SKILL.md",
        "agent.yaml",
    ]
    assert "Traceback" not in capsys.readouterr().err


def test_installer_detail_lines_stay_indented_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from skrun_build.cli._output import echo_error

    echo_error("uv exited 2 in /a\nb\n    error: bad\x1b[0m\n    hint: fix it")
    assert capsys.readouterr().err == (
        "skrun: error: uv exited 2 in /a\\nb\n    error: bad\\x1b[0m\n    hint: fix it\n"
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            OSError(36, "File name too long"),
            "cannot extract member 'notes.md': File name too long (the name is too long for "
            "this filesystem; unpack somewhere with a shorter path)",
        ),
        (
            OSError(28, "No space left on device"),
            "cannot extract member 'notes.md': No space left on device (free some disk space "
            "and run it again)",
        ),
        (
            PermissionError(13, "Permission denied"),
            "cannot extract member 'notes.md': Permission denied (check the permissions "
            "with ls -l, or run as a user who may access it)",
        ),
    ],
)
def test_unpack_write_failure_names_the_member_not_the_staging_dir(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    message: str,
) -> None:
    import builtins

    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    real_open = builtins.open

    def failing_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode == "xb" and str(file).endswith("notes.md"):
            raise error
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", failing_open)
    assert run(["unpack", str(bundle), str(tmp_path / "out")]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {tmp_path / 'out'}: {message}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.agent"]


def test_ctrl_c_while_the_cli_is_still_importing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C in the first ~50 ms (click still importing) printed a traceback.
    import sys
    import types

    from skrun_build import _entry

    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "skrun_build.cli", Importing("skrun_build.cli"))
    with pytest.raises(SystemExit) as exited:
        _entry.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "skrun: error: interrupted\n"


def test_the_console_script_and_python_m_use_the_guarded_entry() -> None:
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"skrun": "skrun_build._entry:main"}
    assert "from skrun_build._entry import main" in SKRUN.read_text()
    proc = subprocess.run(
        [str(BIN / "python"), "-m", "skrun_build", "inspect", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (
        2,
        "skrun: error: /nonexistent: no such file (pass a .agent bundle)\n",
    )


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (
            "SKILL.md",
            b"---\nname: demo\ndescription: x\x01y\n---\n",
            "demo/SKILL.md:3:15: SK007 error invalid character U+0001",
        ),
        (
            "agent.yaml",
            b"name: tests/demo\nversion: 0.1.0\x00\n",
            "demo/agent.yaml:2:15: AG003 error invalid character U+0000",
        ),
    ],
)
def test_control_character_in_yaml_points_at_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes,
    line: str,
) -> None:
    # PyYAML's ReaderError text spans two lines and names "<unicode string>".
    agent_tree(tmp_path, {name: content})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", line.split()[1]]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{line}: control characters are not allowed (remove it, or write it as an escape "
        "(\\x00) in a double-quoted string)"
    )


# --- pathological JSON -----------------------------------------------------------------

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def test_artifact_json_with_a_5000_digit_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.loads raised ValueError (Python's int digit limit): a traceback, exit 3.
    agent_tree(tmp_path, {"artifact.json": b'{\n  "version": 1' + b"0" * 5000 + b"\n}\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AR"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "internal error" not in out.err
    assert out.out.splitlines()[0] == (
        "demo/artifact.json:2:14: AR002 error invalid JSON: a number has more than 4300 "
        "digits (write it as a string)"
    )


REBUILD = "the bundle is damaged or was not made by skrun build: rebuild it with `skrun build`"


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize(
    ("member", "command"), [(".skrun/record.json", "verify"), (".skrun/config.json", "inspect")]
)
def test_deeply_nested_json_member_of_a_bundle(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    member: str,
    command: str,
    depth: int,
) -> None:
    # Python 3.13's json parses 5,000 levels: verify then said "'list' object has no
    # attribute 'get'" and inspect exited 0. The depth is checked first, on every Python.
    data = b"[" * depth + b"]" * depth
    bundle = _tar_gz(
        tmp_path / "deep.agent", [_info("agent.yaml", data=b"x"), _info(member, data=data)]
    )
    assert run([command, str(bundle)]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bundle}: {member} is malformed: JSON nesting is deeper than 127"
        f" levels (line 1, column 128) ({REBUILD})"
    )


@pytest.mark.parametrize(
    ("member", "command", "data", "problem"),
    [
        (".skrun/record.json", "verify", b"[]", "the top level is a list, expected an object"),
        (".skrun/config.json", "inspect", b'"x"', "the top level is a string, expected an object"),
        (".skrun/config.json", "inspect", b"null", "the top level is null, expected an object"),
        (
            ".skrun/record.json",
            "verify",
            b'{"format":"skrun-agent-bundle","format_version":2,"files":{}}',
            '"files" is an object, expected a list',
        ),
        (
            ".skrun/record.json",
            "verify",
            b'{"format":"skrun-agent-bundle","format_version":2,"files":[[]]}',
            "files[0] is a list, expected an object",
        ),
    ],
)
def test_bundle_json_member_of_the_wrong_shape(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    member: str,
    command: str,
    data: bytes,
    problem: str,
) -> None:
    bundle = _tar_gz(
        tmp_path / "odd.agent", [_info("agent.yaml", data=b"x"), _info(member, data=data)]
    )
    assert run([command, str(bundle)]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bundle}: {member} is malformed: {problem} ({REBUILD})"
    )


def test_deeply_nested_cache_metadata_is_a_corrupt_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = tmp_path / "deps"
    entry = deps / ("a" * 64)
    entry.mkdir(parents=True)
    (entry / "skrun-entry.json").write_bytes(DEEP_JSON)
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(deps))
    assert run(["cache", "list"]) == 0
    err = capsys.readouterr().err
    assert _one_line_error(err).startswith("skrun: warning: 1 incomplete entry and 0 temp dirs")


def test_pathological_poetry_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry]\nname = 'x'\n",
            "poetry.lock": b"x = " + b"[" * 100_000 + b"]" * 100_000,
        },
    )
    assert run(["deps", "install", "--offline", str(root)]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        "skrun: error: poetry.lock: not valid TOML: nesting is too deep "
        "(flatten the arrays or tables)"
    )
    deps = Path(os.environ["SKRUN_DEPS_DIR"])
    assert [p.name for p in deps.glob(".tmp-*")] == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no/s.json", "No such file or directory (create the directory first)"),
        (
            "afile/s.json",
            "Not a directory (a part of the path is a file where a directory is expected)",
        ),
    ],
)
def test_schema_output_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    assert run(["schema", "agent", "-o", str(tmp_path / target)]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: cannot write {tmp_path / target}: {message}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_member_names_cannot_forge_inspect_lines_or_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _tar_gz(
        tmp_path / "names.agent",
        [_info("a\n::error file=x::pwned"), _info("b\x1b[2Jc")],
    )
    assert run(["inspect", str(bundle)]) == 0
    sha = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
    assert capsys.readouterr().out.splitlines()[:3] == [
        f"0644  2  {sha}  a\\n::error file=x::pwned",
        f"0644  2  {sha}  b\\x1b[2Jc",
        "2 members, 4 bytes",
    ]


def test_build_list_escapes_a_newline_in_a_source_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent_tree(tmp_path, {"x\ny.md": "hi\n"})
    assert run(["build", "--list", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == ["SKILL.md", "agent.yaml", "x\\ny.md"]


# --- output folder inside the agent ----------------------------------------------------


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "scripts",
            "scripts/ holds source files that would be left out of the bundle (scripts/run.py)",
        ),
        (
            "out",
            "out/ holds source files that would be left out of the bundle (out/a.md and 1 more)",
        ),
    ],
)
def test_output_folder_holding_sources_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str, message: str
) -> None:
    # `-o scripts` silently built a bundle without the agent's scripts.
    root = agent_tree(
        tmp_path, {"scripts": {"run.py": "print(1)\n"}, "out": {"a.md": "a", "b.md": "b"}}
    )
    assert run(["build", str(root), "-o", str(root / output)]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {root}: the output folder {message} (write the bundle outside the "
        "agent, or into a folder of its own such as dist/)"
    )
    assert sorted(p.name for p in (root / output).iterdir()) == sorted(
        {"scripts": ["run.py"], "out": ["a.md", "b.md"]}[output]
    )


@pytest.mark.parametrize("output", ["dist", "fresh/nested", "."])
def test_output_folder_inside_the_agent_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    root = agent_tree(tmp_path, {"notes.md": "hi\n"})
    for _ in range(2):
        assert run(["build", str(root), "-o", str(root / output)]) == 0
    bundle = root / output / "demo-0.1.0.agent"
    assert run(["verify", str(bundle), "--source", str(root)]) == 0
    assert run(["inspect", "--json", str(bundle)]) == 0
    capsys.readouterr()


def test_a_skill_zip_given_to_unpack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # inspect and verify read a .skill (tests/bundle/test_bundle_limits.py); unpack leaves it to unzip.
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    zipped = tmp_path / "d" / "demo.skill"
    assert run(["unpack", str(zipped), str(tmp_path / "u")]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {zipped}: is a zip (a .skill?), not a gzip-compressed .agent bundle "
        "(`skrun inspect` and `skrun verify` read a .skill; extract one with `unzip`)"
    )
    assert not (tmp_path / "u").exists()


# --- bad flag values -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["abc", "-1", "0", "0.1", "1e999", "1e999KiB", "9" * 400, "1_000", "١٢", "inf"]
)
def test_bad_max_size_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # "1e999" crashed (OverflowError, exit 3); "0.1" and "١٢" were taken as 0 and 12 bytes.
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "-o", str(tmp_path / "d"), "--max-size", value]) == 2
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: invalid size {value!r} (use e.g. 50MiB, 500KiB or a byte count)"
    )
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cache", "clear", "--older-than", "3x", "--yes"],
            "--older-than: invalid duration '3x' (use a number and s, m, h, d or w: 30d)",
        ),
        (
            ["validate", ".", "--select", "ZZ999"],
            "--select: unknown rule code 'ZZ999' (list the codes with: skrun rules)",
        ),
        (
            ["init", "{tmp}/x", "--model", "nope"],
            "--model: 'nope' must be provider/name (e.g. anthropic/claude-sonnet-4-5)",
        ),
        (
            ["init", "--from-skill", "{tmp}/skill", "--input", "x:nope"],
            "--input: unknown type 'nope' in 'x:nope' (one of string, number, boolean, object, "
            "array)",
        ),
    ],
)
def test_bad_flag_values(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    agent_tree(tmp_path)
    agent_tree(tmp_path, slug="skill")
    monkeypatch.chdir(tmp_path)
    code = run([a.format(tmp=tmp_path) for a in argv])
    err = _one_line_error(capsys.readouterr().err)
    assert (code, err) == (2, f"skrun: error: {message}")


@pytest.mark.parametrize("value", ["3x", "-1d", "1.5d", "١d", "9" * 5000 + "d", "1e999d", ""])
def test_bad_older_than_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    # A 5000-digit count crashed (int digit limit, exit 3); "١d" passed for 1 day.
    assert run(["cache", "clear", "--older-than", value, "--yes"]) == 2
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: --older-than: invalid duration {value!r} "
        "(use a number and s, m, h, d or w: 30d)"
    )


def test_yaml_with_a_5000_digit_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The message named sys.set_int_max_str_digits() at line 1 instead of the number.
    agent_tree(tmp_path, {"agent.yaml": "name: tests/demo\nversion: 1" + "0" * 5000 + "\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AG003"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "demo/agent.yaml:2:10: AG003 error invalid YAML value: a number has more than 4300 "
        "digits (quote the value to keep it a string)"
    )


@pytest.mark.parametrize("argv", [["schema", "agent"], ["cache", "dir"], ["validate", "{root}"]])
def test_stdout_on_a_full_disk_in_a_real_subprocess(tmp_path: Path, argv: list[str]) -> None:
    # ENOSPC on stdout was an "internal error ... please report" (exit 3).
    # Buffered stdout (no PYTHONUNBUFFERED, as for any user) also exited 120 with
    # "Exception ignored" when the interpreter flushed the unwritten text again.
    root = agent_tree(tmp_path)
    for unbuffered in (True, False):
        with open("/dev/full", "w") as full:
            proc = _skrun_into(full.fileno(), [a.format(root=root) for a in argv], unbuffered)
        assert proc.returncode == 1, (unbuffered, proc.stderr)
        assert _one_line_error(proc.stderr) == (
            "skrun: error: cannot write the output: No space left on device "
            "(free some space or redirect stdout elsewhere)"
        )


def test_unpack_below_a_file(
    built: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mkdir's "File exists" named neither the file in the way nor the fix.
    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    (tmp_path / "afile").write_text("x")
    assert run(["unpack", str(bundle), str(tmp_path / "afile" / "sub")]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {tmp_path / 'afile' / 'sub'}: cannot create the destination: "
        f"{tmp_path / 'afile'} is a file (pick a destination whose parents are directories)"
    )
    assert (tmp_path / "afile").read_text() == "x"


def test_verify_source_that_fails_validation_shows_the_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It printed only "validation failed with 1 error(s)": no file, no line.
    root = agent_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo", "-o", "dist"]) == 0
    (root / "SKILL.md").write_text("---\nname: demo\n---\n")
    capsys.readouterr()
    assert run(["verify", "dist/demo-0.1.0.agent", "--source", "demo"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "demo/SKILL.md:1:1: SK020 error the frontmatter has no 'description' (add description: "
        "saying what the skill does and when to use it)",
        "skrun: error: validation failed with 1 error(s)",
    ]


def test_init_into_a_read_only_parent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores chmod: refuse where the scaffolder makes its temp dir.
    import tempfile

    real = tempfile.mkdtemp

    def refuse(*args: object, dir: str | Path | None = None, **kwargs: object) -> str:
        if dir is not None and Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert run(["init", str(tmp_path / "new-skill"), "-t", "skill"]) == 1
    assert _one_line_error(capsys.readouterr().err) == (
        f"skrun: error: cannot create a temp dir in {tmp_path}: Permission denied "
        "(pick a DIR whose parent you can write to)"
    )
    assert list(tmp_path.iterdir()) == []


def test_two_builds_into_one_folder_at_once_in_real_subprocesses(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"notes.md": "hello\n" * 100_000})
    procs = [
        subprocess.Popen(
            [str(SKRUN), "build", str(root), "-o", str(tmp_path / "dist"), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert [err for _, err in results] == ["", ""]
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["demo-0.1.0.agent"]
    bundle = tmp_path / "dist" / "demo-0.1.0.agent"
    assert run(["verify", str(bundle), "--source", str(root)]) == 0


def test_explain_of_a_path_outside_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    agent_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Exit 2 since --explain PATH became a path like any other (relative to the cwd).
    assert run(["build", "demo", "--explain", "../../etc/passwd"]) == 2
    assert _one_line_error(capsys.readouterr().err) == (
        "skrun: error: ../../etc/passwd: --explain names a path outside the source directory "
        "(name a path inside demo; like every path argument, it is relative to the current "
        "directory)"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["build", "{root}", "-o", "{file}/out"],
            "{file}/out: cannot create the output directory: Not a directory "
            "(a part of the path is a file where a directory is expected)",
        ),
        (
            ["init", "{file}/demo"],
            "{file} exists and is not a directory "
            "(remove or rename it, or pick another target directory)",
        ),
    ],
)
def test_os_errors_name_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    # These said what the OS said ("Not a directory") and stopped there.
    root = agent_tree(tmp_path / "src")
    file = tmp_path / "a-file"
    file.write_text("")
    assert run([a.format(root=root, file=file) for a in argv]) == 1
    assert _one_line_error(capsys.readouterr().err) == "skrun: error: " + message.format(file=file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "src"]


def test_os_hint_maps_errno_to_a_fix() -> None:
    import errno

    from skrun_build.errors import os_hint

    assert os_hint(PermissionError(errno.EACCES, "Permission denied")) == (
        "check the permissions with ls -l, or run as a user who may access it"
    )
    assert os_hint(OSError(errno.ENOSPC, "No space left on device")) == (
        "free some disk space and run it again"
    )
    assert (
        os_hint(OSError(errno.EROFS, "x"))
        == "the file system is read-only: pick a writable location"
    )
    assert os_hint(OSError(errno.EINTR, "x")) is None
    assert os_hint(OSError("no errno")) is None
