"""artifact.json (AR): the registry's entries, checked in `skrun_build.checks.artifact`."""

from __future__ import annotations

from skrun_build.checks.codes.rule import ARTIFACT, Rule

AR_RULES: tuple[Rule, ...] = (
    Rule(
        code="AR001",
        level="error",
        summary="artifact.json is missing or cannot be read",
        fails=("a directory named `artifact.json`, or a file that is not UTF-8.",),
        passes="a UTF-8 file.",
        fix="make artifact.json a regular, readable file saved as UTF-8",
        source=ARTIFACT,
    ),
    Rule(
        code="AR002",
        level="error",
        summary="artifact.json is not valid JSON (syntax, duplicate key)",
        why=(
            "Located at the first problem; duplicate keys are refused (JSON parsers keep the last "
            "one, silently). What the reference runtime's reader (lhwzds/skrun, Rust `serde_json`) "
            "refuses is refused too, the same way on every Python version: nesting of 128 levels "
            "or more (its recursion limit), `NaN`/`Infinity`, and a string holding a lone "
            'surrogate escape such as `"\\ud800"`.'
        ),
        fails=('a trailing comma `{"id": "x",}`; `"id"` twice; `[[[...]]]` 128 deep.',),
        passes="one of each key, no trailing comma.",
        fix="fix the JSON where the message points: one of each key, no trailing comma, no NaN",
        source=ARTIFACT,
    ),
    Rule(
        code="AR003",
        level="error",
        summary="artifact.json is not a JSON object",
        fails=("`[1]`.",),
        passes="`{...}`.",
        fix="write artifact.json as one JSON object {...}",
        source=ARTIFACT,
    ),
    Rule(
        code="AR004",
        level="error",
        summary="a required field is missing",
        why=(
            "Required: `schema_version`, `kind`, `id`, `name`, `version`, `entry` (and "
            "`source.type` when `source` is given)."
        ),
        fails=("no `entry`.",),
        passes='`"entry": "skill.py"`.',
        fix="add the field the message names",
        source=ARTIFACT,
    ),
    Rule(
        code="AR005",
        level="error",
        summary="a field has the wrong type",
        fails=('`"version": 1`.',),
        passes='`"version": "1.0.0"`.',
        fix='give the value the type the message names ("version": "1.0.0")',
        source=ARTIFACT,
    ),
    Rule(
        code="AR006",
        level="error",
        summary="a field value is not allowed (schema_version, kind, id, protocol, empty)",
        why=(
            "`schema_version` is 1; `kind` is `rust_binary`, `python_uv` or `markdown`; `id` holds "
            "ASCII letters, digits, `-` and `_` and starts with a letter or digit; "
            "`protocol.transport` is `stdio-json` and `protocol.input`/`output` are "
            "`single-json-value`; `name`, `version`, `entry` are not empty."
        ),
        fails=('`"schema_version": 2`, `"id": "-echo"`.',),
        passes='`1`, `"echo"`.',
        fix="use a value the message allows",
        source=ARTIFACT,
    ),
    Rule(
        code="AR007",
        level="warning",
        summary="unknown key (the runtime ignores it)",
        why="The runtime ignores it; usually a typo.",
        fails=('`"entyr": "skill.py"` (did you mean "entry"?).',),
        passes='`"entry"`.',
        fix="correct the key's spelling, or remove it",
        source=ARTIFACT,
    ),
    Rule(
        code="AR008",
        level="error",
        summary="a path (entry, schema) is absolute or leaves the skill directory",
        why=(
            "`entry`, `schema.input` and `schema.output` are relative and stay inside the skill: "
            "no absolute path, no `..`, and no symlink that resolves outside."
        ),
        fails=('`"entry": "../run.py"`, or `bin/` being a symlink to `/usr/local/bin`.',),
        passes='`"entry": "bin/run.py"` with `bin/` a real folder.',
        fix="use a relative path inside the skill directory, without .. or a link that leaves it",
        source=ARTIFACT,
    ),
    Rule(
        code="AR009",
        level="error",
        summary="the entry file does not exist",
        fails=('`"entry": "main.py"` and no `main.py` (or `main.py` is a directory).',),
        passes="the file is there.",
        fix="create the entry file, or point entry at the file that exists",
        source=ARTIFACT,
    ),
    Rule(
        code="AR010",
        level="warning",
        summary="the entry of a rust_binary skill is not built yet",
        why=(
            "A `rust_binary` skill's entry (`bin/release/<id>`) is produced by the runtime's build "
            "from `Cargo.toml`; a source checkout does not have it yet. Only when `Cargo.toml` is "
            "present; otherwise a missing entry is AR009."
        ),
        fails=("(warns) a fresh clone of a Rust skill.",),
        passes="after the build.",
        fix="build the skill (skrun skill build) so the binary exists",
        source=ARTIFACT,
    ),
    Rule(
        code="AR011",
        level="error",
        summary="a schema file (schema.input, schema.output) does not exist",
        fails=('`"schema": {"output": "schema/output.json"}` and no such file.',),
        passes="the file is there.",
        fix="create the schema file, or point schema at the file that exists",
        source=ARTIFACT,
    ),
)
