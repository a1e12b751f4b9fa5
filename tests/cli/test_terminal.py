"""The CLI on a real terminal (a pty): colours, NO_COLOR, and `skrun init`'s prompts."""

from __future__ import annotations

import os
import time
from pathlib import Path

from helpers.paths import BIN

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
