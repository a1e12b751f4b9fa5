"""Run an executable skill with the stdio-json contract, as the lhwzds/skrun runtime does.

The contract: stdin gets one JSON value and a newline, stdout returns one JSON
object, stderr is diagnostics, a non-zero exit is a failure; the skill folder is
the working directory, the default timeout 60 s. python_uv runs
`uv run --project DIR --locked python ENTRY`, rust_binary runs the entry itself.
Beyond the runtime we apply the declared input/output JSON Schemas and kill the
whole process group on timeout (see `process.py`). Every failure is one
`SkillRunError` with a reason, the exit status and the tail of stderr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.errors import SkillError, SkillRunError

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.skills.locate import RunSpec, SkillInfo
    from skrun_build.skills.schema import CompiledSchema

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Prepared:
    """Everything needed to call a skill again and again: immutable, so thread-safe."""

    id: str
    path: Path
    argv: tuple[str, ...]
    env: dict[str, str]
    entry: str
    input_schema: CompiledSchema | None
    output_schema: CompiledSchema | None


def prepare(info: SkillInfo) -> Prepared:
    """The command line and the compiled schemas of a skill; SkillRunError when not runnable."""
    artifact = info.artifact
    if artifact is None:
        raise SkillError(
            f"skill {info.id!r} is guidance-only (markdown): there is nothing to run",
            path=info.path,
            hint="give an executable skill (artifact.json with kind python_uv or rust_binary)",
        )
    from skrun_build.skills.locate import RunSpec

    schemas = artifact.schema_
    spec = RunSpec(
        id=info.id,
        kind=artifact.kind,
        entry=artifact.entry,
        schema_input=schemas.input if schemas else None,
        schema_output=schemas.output if schemas else None,
    )
    return prepare_spec(info.path, spec)


def prepare_spec(path: Path, spec: RunSpec) -> Prepared:
    """`prepare` from the few fields a run needs (see `locate.quick_spec`)."""
    root = Path(os.path.abspath(path))
    entry = root / spec.entry
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # an activated venv must not pull uv away from the skill's
    build_hint = f"run `skrun skill build {path}` first"
    if spec.kind == "rust_binary":
        if not entry.is_file():
            raise SkillRunError(
                f"skill {spec.id!r} is not built: its entry {spec.entry!r} does not exist",
                reason="not_built",
                hint=build_hint,
            )
        argv: tuple[str, ...] = (str(entry),)
    else:
        if not (root / "uv.lock").is_file():
            raise SkillRunError(
                f"skill {spec.id!r} is not built: uv.lock is missing",
                reason="not_built",
                hint=build_hint,
            )
        from skrun_build.skills.build import uv_bin

        argv = (uv_bin(), "run", "--quiet", "--project", str(root), "--locked", "python")
        argv += (spec.entry,)
    return Prepared(
        id=spec.id,
        path=root,
        argv=argv,
        env=env,
        entry=spec.entry,
        input_schema=_compile(root, spec.schema_input),
        output_schema=_compile(root, spec.schema_output),
    )


def _compile(root: Path, rel: str | None) -> CompiledSchema | None:
    if rel is None:
        return None
    from skrun_build.skills.schema import CompiledSchema

    return CompiledSchema(root / rel, rel)


def encode_input(value: Any, *, what: str = "input") -> bytes:
    """The bytes the entry reads: one JSON value and a newline."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise SkillRunError(
            f"{what} is not JSON: {e}",
            reason="input",
            hint="pass dicts, lists, str, int, float (finite), bool and None only",
        ) from None
    return text.encode("utf-8") + b"\n"


def call(
    prepared: Prepared,
    value: Any,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "input",
    on_stderr: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:
    """Validate `value`, run the entry, and return its output object; raises SkillRunError."""
    from skrun_build.skills.process import run_group, tail_text

    if not timeout > 0:
        raise SkillRunError(f"timeout must be > 0 seconds, not {timeout!r}", reason="input")
    data = encode_input(value, what=what)
    if prepared.input_schema is not None:
        problem = prepared.input_schema.check(value, what=what)
        if problem is not None:
            raise SkillRunError(
                problem, reason="input_schema", hint="fix the input; the skill did not run"
            )
    try:
        done = run_group(
            prepared.argv,
            cwd=prepared.path,
            stdin=data,
            timeout=timeout,
            env=prepared.env,
            on_stderr=on_stderr,
        )
    except OSError as e:
        from skrun_build.errors import os_hint

        raise SkillRunError(
            f"skill {prepared.id!r}: cannot start {prepared.argv[0]}: {e.strerror or e}",
            reason="spawn",
            hint=os_hint(e, default="check the entry is an executable for this machine"),
        ) from e
    tail = tail_text(done.stderr_tail)
    name = f"skill {prepared.id!r}"
    if done.timed_out:
        raise SkillRunError(
            f"{name} timed out after {timeout:g} s; its whole process group was killed"
            + _tail_note(tail),
            reason="timeout",
            stderr_tail=tail,
            hint="raise the timeout, or make the entry finish sooner",
        )
    code = done.returncode
    if code != 0:
        raise SkillRunError(
            f"{name} failed: {prepared.entry} {_status(code)}" + _tail_note(tail),
            reason="exit",
            returncode=code,
            stderr_tail=tail,
            hint="a non-zero exit is a failure; its stderr says why",
        )
    output = _decode(done.stdout, name, tail)
    if not isinstance(output, dict):
        raise SkillRunError(
            f"{name} returned {_kind(output)}, not a JSON object" + _tail_note(tail),
            reason="not_object",
            returncode=0,
            stderr_tail=tail,
            hint='the contract: stdout returns one JSON object, e.g. {"result": ...}',
        )
    if prepared.output_schema is not None:
        problem = prepared.output_schema.check(output, what="output")
        if problem is not None:
            raise SkillRunError(
                f"{name} returned output that breaks its schema: {problem}",
                reason="output_schema",
                returncode=0,
                stderr_tail=tail,
                hint="fix the entry, or the output schema",
            )
    return output


def _decode(stdout: bytes, name: str, tail: str) -> Any:
    text = stdout.decode("utf-8", "replace").strip()

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        if not text:
            raise ValueError("stdout is empty")
        if text.count("[") + text.count("{") > 127:
            # Deep output: refused at serde_json's depth on every Python (3.11's json raised
            # RecursionError). Imported only then: jsonloc pulls in PyYAML.
            from skrun_build.formats.jsonloc import check_depth

            check_depth(text)  # its JsonError is a ValueError
        return json.loads(text, parse_constant=refuse)
    except ValueError as e:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise SkillRunError(
            f"{name} did not print one JSON value on stdout ({e}): {shown!r}" + _tail_note(tail),
            reason="not_json",
            returncode=0,
            stderr_tail=tail,
            hint="the entry must print one JSON object on stdout; diagnostics go to stderr",
        ) from None


def _tail_note(tail: str) -> str:
    return f"; stderr ends: {' | '.join(tail.splitlines())}" if tail else ""


def _status(code: int | None) -> str:
    if code is not None and code < 0:
        import signal

        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool):
        return "a JSON boolean"
    if value is None:
        return "null"
    return "a JSON number"
