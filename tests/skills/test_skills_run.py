"""`skrun skill run` and `Skill.call`: the stdio-json contract and every way a run fails."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

import skrun_build
from skrun_build import cli
from skrun_build.errors import SkillNotFound, SkillRunError

from helpers.skills import process_gone, script_skill

ECHO = "cat\n"


def test_call_returns_the_output_object(tmp_path: Path) -> None:
    d = script_skill(tmp_path / "echo", ECHO)
    handle = skrun_build.skill(d)
    assert handle.call({"ok": True, "n": [1, 2]}) == {"ok": True, "n": [1, 2]}
    assert handle.path == d
    assert handle.artifact.id == "echo"
    assert handle.artifact.entry == "run.sh"


def test_the_entry_reads_one_json_line_in_its_own_folder(tmp_path: Path) -> None:
    d = script_skill(
        tmp_path / "cwd", 'input=$(cat)\nprintf \'{"cwd": "%s", "in": %s}\' "$PWD" "$input"\n'
    )
    out = skrun_build.skill(d).call({"a": "é"})
    assert out == {"cwd": str(d), "in": {"a": "é"}}


def test_calls_from_many_threads_share_one_handle(tmp_path: Path) -> None:
    schema = {"type": "object", "required": ["i"], "properties": {"i": {"type": "integer"}}}
    d = script_skill(tmp_path / "echo", ECHO, input_schema=schema, output_schema=schema)
    handle = skrun_build.skill(d)
    results: dict[int, object] = {}

    def work(i: int) -> None:
        results[i] = handle.call({"i": i})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: {"i": i} for i in range(8)}


def test_a_failing_exit_code_is_one_error_with_the_stderr_tail(tmp_path: Path) -> None:
    d = script_skill(
        tmp_path / "fails", "cat >/dev/null\necho 'step 1' >&2\necho 'boom: no key' >&2\nexit 3\n"
    )
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({})
    err = info.value
    assert (err.reason, err.returncode) == ("exit", 3)
    assert err.stderr_tail == "step 1\nboom: no key"
    assert str(err).startswith("skill 'fails' failed: run.sh exited with status 3;")
    assert "stderr ends: step 1 | boom: no key" in str(err)


def test_stdout_that_is_not_json(tmp_path: Path) -> None:
    d = script_skill(tmp_path / "chatty", "cat >/dev/null\necho 'hello there'\n")
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({})
    assert info.value.reason == "not_json"
    assert "did not print one JSON value on stdout" in str(info.value)
    assert "'hello there'" in str(info.value)


def test_a_result_that_is_not_an_object(tmp_path: Path) -> None:
    d = script_skill(tmp_path / "array", "cat >/dev/null\necho '[1, 2]'\n")
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({})
    assert info.value.reason == "not_object"
    assert str(info.value).startswith("skill 'array' returned a JSON array, not a JSON object")


def test_an_input_schema_mismatch_stops_before_the_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    d = script_skill(
        tmp_path / "typed",
        f"touch {marker}\ncat\n",
        input_schema={"type": "object", "properties": {"count": {"type": "integer"}}},
    )
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({"count": "x"})
    assert info.value.reason == "input_schema"
    assert str(info.value) == (
        "input: $.count: 'x' is not of type 'integer' (schema/input.json)"
        " (fix the input; the skill did not run)"
    )
    assert not marker.exists()


def test_an_input_schema_mismatch_names_the_input_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = script_skill(
        tmp_path / "typed",
        ECHO,
        input_schema={"type": "object", "properties": {"count": {"type": "integer"}}},
    )
    (tmp_path / "input.json").write_text('{"count": "x"}')
    monkeypatch.chdir(tmp_path)
    code = cli.run(["skill", "run", "--input-file", "input.json", str(d)])
    err = capsys.readouterr().err
    assert code == 1
    assert "input.json: $.count: 'x' is not of type 'integer' (schema/input.json)" in err


def test_an_output_schema_mismatch(tmp_path: Path) -> None:
    d = script_skill(
        tmp_path / "typed",
        'cat >/dev/null\necho \'{"total": "many"}\'\n',
        output_schema={
            "type": "object",
            "required": ["total"],
            "properties": {"total": {"type": "number"}},
        },
    )
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({})
    assert info.value.reason == "output_schema"
    assert "output: $.total: 'many' is not of type 'number' (schema/output.json)" in str(info.value)


def test_an_entry_that_was_never_built(tmp_path: Path) -> None:
    d = script_skill(tmp_path / "unbuilt", None, cargo=True)
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d)
    assert info.value.reason == "not_built"
    assert "run `skrun skill build" in str(info.value)


def test_an_unknown_id_is_skill_not_found(tmp_path: Path) -> None:
    with pytest.raises(SkillNotFound) as info:
        skrun_build.skill("no-such-skill", root=tmp_path)
    assert f"no skill 'no-such-skill' is installed in {tmp_path}" in str(info.value)


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    # The entry starts a grandchild that records its pid, then blocks for ever on a FIFO
    # nobody writes: only the timeout can end it, and it must take the grandchild too.
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    pid_file = tmp_path / "grandchild.pid"
    d = script_skill(
        tmp_path / "hangs",
        f"sh -c 'echo $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file} && exec sleep 1000' &\n"
        f"while [ ! -f {pid_file} ]; do sleep 0.01; done\n"
        f"read line < {fifo}\n",
    )
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call({}, timeout=3)
    assert info.value.reason == "timeout"
    assert "timed out after 3 s; its whole process group was killed" in str(info.value)
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 30
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(pid), f"grandchild {pid} survived the timeout"


def test_cli_run_prints_the_output_and_passes_stderr_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = script_skill(tmp_path / "talks", "echo 'working...' >&2\ncat\n")
    code = cli.run(["skill", "run", "--input", '{"x": 1}', str(d)])
    out = capsys.readouterr()
    assert code == 0
    assert json.loads(out.out) == {"x": 1}
    assert "working..." in out.err


def test_cli_run_bad_input_json_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = script_skill(tmp_path / "echo", ECHO)
    code = cli.run(["skill", "run", "--input", '{"x": }', str(d)])
    err = capsys.readouterr().err
    assert code == 1
    assert "skrun: error: --input:1:7:" in err


def test_cli_run_failure_is_exit_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = script_skill(tmp_path / "fails", "cat >/dev/null\necho oops >&2\nexit 2\n")
    code = cli.run(["skill", "run", "--input", "{}", str(d)])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "skrun: error: skill 'fails' failed: run.sh exited with status 2; stderr ends: oops" in err
    )
    assert "Traceback" not in err


def test_cli_run_reads_stdin_in_a_real_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    d = script_skill(tmp_path / "echo", ECHO)
    skrun = Path(sys.executable).parent / "skrun"
    done = subprocess.run(
        [str(skrun), "skill", "run", str(d)],
        input=b'{"from": "stdin"}',
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"from": "stdin"}


def test_markdown_skills_cannot_run(tmp_path: Path) -> None:
    d = tmp_path / "guide"
    d.mkdir()
    (d / "SKILL.md").write_text("---\nname: guide\ndescription: A guide. Use it.\n---\n# Guide\n")
    with pytest.raises(skrun_build.SkrunError) as info:
        skrun_build.skill(d)
    assert "guidance-only" in str(info.value)


def test_cli_run_of_a_default_skill_imports_neither_pydantic_nor_jsonschema(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    d = script_skill(
        tmp_path / "echo",
        ECHO,
        input_schema={"type": "object"},
        output_schema={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": True,
        },
    )
    code = (
        "import sys; from skrun_build.cli import run; "
        f"assert run(['skill', 'run', '--input', '{{}}', {str(d)!r}]) == 0; "
        "heavy = ('pydantic', 'jsonschema', 'yaml', 'skrun_build.checks.artifact'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == "[]\n"


def test_help_and_validate_do_not_import_jsonschema(tmp_path: Path) -> None:
    import subprocess
    import sys

    d = script_skill(tmp_path / "echo", ECHO, input_schema={"type": "object", "required": ["a"]})
    code = (
        "import sys; from skrun_build.cli import run; "
        "run(['--help']); "
        f"run(['validate', '-q', {str(d)!r}]); "
        "print([m for m in sys.modules if m.startswith('jsonschema')], file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == "[]\n"


@pytest.mark.parametrize(
    "change",
    [
        {"schema_version": True},
        {"schema_version": 2},
        {"kind": "markdown"},
        {"id": "-x"},
        {"entry": "../outside.sh"},
        {"entry": "/bin/sh"},
        {"entry": "C:\\\\x.exe"},
        {"name": ""},
        {"version": 1},
        {"protocol": {"transport": "http"}},
        {"tags": "a"},
        {"schema": {"input": "../in.json"}},
    ],
)
def test_the_quick_artifact_reader_leaves_every_doubt_to_the_full_check(
    tmp_path: Path, change: dict[str, object]
) -> None:
    from skrun_build.skills.locate import quick_spec

    d = script_skill(tmp_path / "echo", ECHO)
    data = json.loads((d / "artifact.json").read_text())
    assert quick_spec(d) is not None
    data.update(change)
    (d / "artifact.json").write_text(json.dumps(data))
    assert quick_spec(d) is None
    with pytest.raises(skrun_build.SkrunError):
        skrun_build.skill(d)  # the full check refuses it (markdown: nothing to run)


def test_the_quick_artifact_reader_refuses_a_duplicate_key_and_a_symlink_out(
    tmp_path: Path,
) -> None:
    from skrun_build.skills.locate import quick_spec

    d = script_skill(tmp_path / "echo", ECHO)
    text = (d / "artifact.json").read_text()
    (d / "artifact.json").write_text(text.replace('"kind"', '"id": "x", "kind"', 1))
    assert quick_spec(d) is None
    d2 = script_skill(tmp_path / "link", None)
    (tmp_path / "elsewhere.sh").write_text("#!/bin/sh\ncat\n")
    (d2 / "run.sh").symlink_to(tmp_path / "elsewhere.sh")
    assert quick_spec(d2) is None


def test_the_quick_reader_agrees_with_the_full_one_on_the_corpus_and_templates(
    tmp_path: Path,
) -> None:
    from skrun_build.skills.locate import load_info, quick_spec
    from skrun_build.skills.template import new_skill

    from helpers.paths import CORPUS

    dirs = [CORPUS / "lhwzds__skrun__python-echo" / "python-echo"]
    new_skill(tmp_path / "py", kind="python_uv", skill_id="py")
    dirs.append(tmp_path / "py")
    for d in dirs:
        spec, info = quick_spec(d), load_info(d)
        assert spec is not None and info.artifact is not None
        schema = info.artifact.schema_
        assert (spec.id, spec.kind, spec.entry, spec.schema_input, spec.schema_output) == (
            info.id,
            info.kind,
            info.artifact.entry,
            schema.input if schema else None,
            schema.output if schema else None,
        )


def test_object_only_schemas_fail_like_jsonschema(tmp_path: Path) -> None:
    d = script_skill(
        tmp_path / "echo", "cat >/dev/null\necho '{}'\n", input_schema={"type": "object"}
    )
    with pytest.raises(SkillRunError) as info:
        skrun_build.skill(d).call([1])
    assert str(info.value).startswith("input: $: [1] is not of type 'object' (schema/input.json)")


def test_ctrl_c_kills_the_whole_process_group(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    pid_file = tmp_path / "grandchild.pid"
    d = script_skill(
        tmp_path / "hangs",
        f"sh -c 'echo $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file} && exec sleep 1000' &\n"
        f"read line < {fifo}\n",
    )
    skrun = Path(sys.executable).parent / "skrun"
    proc = subprocess.Popen(
        [str(skrun), "skill", "run", "--input", "{}", str(d)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.exists(), "the entry never started its grandchild"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 30
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(pid), f"grandchild {pid} survived Ctrl-C"
