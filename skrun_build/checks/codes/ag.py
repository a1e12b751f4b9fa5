"""agent.yaml and the agent folder (AG): the registry's entries, checked in `skrun_build.checks.agent`."""

from __future__ import annotations

from skrun_build.checks.codes.rule import AGENT, RUNTIME, Rule

AG_RULES: tuple[Rule, ...] = (
    Rule(
        code="AG001",
        level="error",
        summary="agent.yaml is missing",
        why="The directory was given as an agent but has no `agent.yaml`.",
        fails=("a folder with only SKILL.md checked as an agent.",),
        passes="`agent.yaml` next to SKILL.md (`skrun init --template agent` writes one).",
        fix="add agent.yaml next to SKILL.md (skrun init --template agent writes one)",
        source=AGENT,
    ),
    Rule(
        code="AG002",
        level="error",
        summary="agent.yaml cannot be read (not a file, no permission, not UTF-8)",
        why="It is a directory, unreadable, or not UTF-8.",
        fails=("`agent.yaml` saved as Latin-1 with `é`.",),
        passes="the same file saved as UTF-8 (a leading BOM and CRLF line ends are fine).",
        fix="make agent.yaml a regular, readable file saved as UTF-8",
        source=AGENT,
    ),
    Rule(
        code="AG003",
        level="error",
        summary="agent.yaml is not valid YAML (syntax, duplicate key, alias, tag, depth, size)",
        why=(
            "Syntax errors, duplicate keys, anchors/aliases, custom tags, nesting deeper than 32 "
            "levels, or over 1 MiB; located at the offending line."
        ),
        fails=("`name: a` twice.",),
        passes="each key once.",
        fix="fix the YAML where the message points: one of each key, no anchors, aliases or tags",
        source=AGENT,
    ),
    Rule(
        code="AG004",
        level="error",
        summary="agent.yaml is not a mapping of fields",
        fails=("an empty file, or a top-level list `- name: x`.",),
        passes="`name: acme/demo` and the other fields at the top level.",
        fix="write the fields (name, version, model, inputs, outputs) as keys at the top level",
        source=AGENT,
    ),
    Rule(
        code="AG005",
        level="error",
        summary="a required field is missing",
        why=(
            "Required: `name`, `version`, `model` (`provider`, `name`), `inputs`, `outputs`; in a "
            "tool `name`, `description`, `input_schema` (`type`); in a file input `media`; in a "
            "test `name`, `input`, `assert`. Located at the parent key."
        ),
        fails=('`model: {provider: openai}` -> `missing required field "model.name"`.',),
        passes="`model: {provider: openai, name: gpt-4o}`.",
        fix="add the field the message names",
        source=AGENT,
    ),
    Rule(
        code="AG006",
        level="error",
        summary="a field has the wrong type (e.g. a number where a string is expected)",
        why=(
            "Strict types, as the runtime's: a string field refuses a number or boolean, a number "
            "refuses a string, `true`/`false` only for booleans, and an optional field refuses "
            "`null` (leave it out instead). The hint shows the quoted form."
        ),
        fails=(
            (
                "`version: 1.0` (YAML reads a number) -> `version must be a string, not a number (YAML "
                'reads 1.0 as a number: quote it and give three parts, version: "1.0.0")`; `timeout: '
                "300`; `base_url:` with no value."
            ),
        ),
        passes='`version: "1.0.0"`, `timeout: 300s`.',
        fix=(
            "give the value the type the message names; quote a value YAML would read as a number "
            "or boolean"
        ),
        source=AGENT,
    ),
    Rule(
        code="AG007",
        level="error",
        summary="a field value is not allowed (pattern, range, choice, empty)",
        why=(
            "Patterns, ranges, choices and emptiness: `name` is `namespace/slug` "
            "(`^[a-z0-9-]+/[a-z0-9-]+$`), `version` is `MAJOR.MINOR.PATCH`, `model.provider` one "
            "of anthropic, openai, google, mistral, groq, xai, meta; `temperature` 0 to 2; "
            "`base_url` and MCP `url` absolute URLs; tool names `^[a-zA-Z_][a-zA-Z0-9_-]*$`; "
            "`input_schema.type` is `object`; input/output `type` one of string, number, boolean, "
            "object, array (or `file` with `media` image, document or audio, `max_size` and "
            "`max_count` > 0); at least one input and one output; `environment.timeout` `^\\d+s$`, "
            "`max_cost` > 0, `filesystem` none/read-only/read-write, `sandbox` strict/permissive; "
            "`context_mode` skill/persistent; `state.type` kv/none, `state.ttl` `^\\d+d$`; a test's "
            "`assert` reads `output.<path> <op> <value>` with op `>= <= == != > <`. Choices offer "
            "a did-you-mean."
        ),
        fails=(
            (
                '`temperature: 2.01`, `provider: opnai` (did you mean "openai"?), `outputs: []`, '
                '`timeout: "5m"`.'
            ),
        ),
        passes="`temperature: 2`, `provider: openai`, one output, `timeout: 300s`.",
        fix="use a value the message allows (the hint names the closest choice)",
        source=AGENT,
    ),
    Rule(
        code="AG008",
        level="error",
        summary="unknown top-level key",
        why="The runtime refuses unknown top-level keys.",
        fails=(
            (
                '`envirnment:` (did you mean "environment"?), or the older `permissions:`/`runtime:` '
                "sections (now `environment:`)."
            ),
        ),
        passes="`environment:`.",
        fix=(
            "remove the key or correct its spelling (older permissions:/runtime: sections are now "
            "environment:)"
        ),
        source=AGENT,
    ),
    Rule(
        code="AG009",
        level="warning",
        summary="unknown key in a nested object (skrun ignores it)",
        why=(
            "The runtime silently drops unknown keys inside `model`, tools, inputs, `environment`, "
            "`state`, tests and MCP servers, so a typo loses the setting without a word. "
            "(`input_schema` keeps every JSON Schema keyword, so nothing there is reported.)"
        ),
        fails=('`model: {..., temprature: 0.2}` (did you mean "temperature"?).',),
        passes="`temperature: 0.2`.",
        fix="correct the key's spelling, or remove it",
        source=AGENT,
    ),
    Rule(
        code="AG010",
        level="error",
        summary="a tool is a bare string (the pre-0.4 form)",
        why="`tools: [search]` is the pre-0.4 form, removed by the runtime.",
        fails=("`- Read`.",),
        passes=(
            "`- {name: search, description: Search the notes., input_schema: {type: object}}` "
            "(Claude Code's `Read`, `Bash` are host tools: they belong in SKILL.md "
            "`allowed-tools`, not here)."
        ),
        fix=(
            "declare the tool as a mapping with name, description and input_schema; host tools "
            "such as Read belong in SKILL.md allowed-tools"
        ),
        source=AGENT,
    ),
    Rule(
        code="AG011",
        level="error",
        summary="an MCP server has neither a url nor transport: stdio with a command",
        why="A server needs a `url`, or `transport: stdio` with a `command`.",
        fails=("`- {name: files, transport: stdio}`.",),
        passes=(
            "`- {name: files, transport: stdio, command: npx, args: [-y, "
            "@modelcontextprotocol/server-filesystem]}` or `- {name: docs, url: "
            "https://mcp.example.com/sse}`."
        ),
        fix="give the MCP server a url, or transport: stdio with a command",
        source=AGENT,
    ),
    Rule(
        code="AG012",
        level="error",
        summary="two tools have the same name",
        why="Two tools with the same `name`; reported at the second with the line of the first.",
        fails=("two tools named `count`.",),
        passes="`count` and `count_lines`.",
        fix="rename or remove one of the tools",
        source=AGENT,
    ),
    Rule(
        code="AG013",
        level="error",
        summary="two inputs have the same name",
        fails=("two inputs named `text`.",),
        passes="`text` and `language`.",
        fix="rename or remove one of the inputs",
        source=AGENT,
    ),
    Rule(
        code="AG014",
        level="error",
        summary="two outputs have the same name",
        fails=("two outputs named `result`.",),
        passes="`result` and `word_count`.",
        fix="rename or remove one of the outputs",
        source=AGENT,
    ),
    Rule(
        code="AG015",
        level="error",
        summary="tool_choice names a tool that is not declared",
        why="`tool_choice` is `auto` (default), `required`, `none`, or the name of a declared tool.",
        fails=('`tool_choice: cuont` (did you mean "count"?).',),
        passes="`tool_choice: count`.",
        fix="name a declared tool, or use auto, required or none",
        source=AGENT,
    ),
    Rule(
        code="AG016",
        level="warning",
        summary="the agent.yaml slug differs from the SKILL.md name",
        why=(
            "The part after `/` in `name` should equal the SKILL.md `name`. A warning because "
            "Skrun v0.7.0 only warns (NAME_MISMATCH) and names the bundle after the slug. The "
            "agent folder's own name is never checked, as Skrun v0.7.0 never checks it: `skrun "
            "validate .` and `skrun build .` work in a checkout named after its repository (SK016 "
            "applies to plain skills only)."
        ),
        fails=("`name: acme/demo-agent` with SKILL.md `name: demo`.",),
        passes="`name: acme/demo`, in a folder of any name.",
        fix="set the part of name after / to the SKILL.md name",
        source=f"{AGENT}; Skrun v0.7.0 warns NAME_MISMATCH",
    ),
    Rule(
        code="AG017",
        level="error",
        summary="a declared tool has no scripts/<tool>.py, .js or .ts",
        why=(
            "Skrun v0.7.0 runs a tool as `scripts/<tool>.py` (python3), `.js` (node) or `.ts` "
            "only; its script provider skips every other extension, so such a tool validates, "
            'builds, and fails at call time with "Script not found".'
        ),
        fails=(
            (
                "tool `count` and no `scripts/count.py|.js|.ts` (a directory `scripts/count.py/`, "
                "`scripts/Count.py`, `scripts/count.PY` or `scripts/count.sh` does not count; for "
                "`count.sh` the message names it and says why)."
            ),
        ),
        passes=(
            "`scripts/count.py`, `scripts/count.js` or `scripts/count.ts` (a `.py` may call a "
            "shell script). `skrun init --from-skill` declares tools only for names with such a "
            "script and says why it skipped the others."
        ),
        fix="add scripts/<tool>.py, .js or .ts (a .py may call another script)",
        source=f"{RUNTIME}: tools run as scripts/<tool>.py|.js|.ts, one dependency manifest installed",
    ),
    Rule(
        code="AG018",
        level="error",
        summary="context_mode: persistent without a non-empty AGENTS.md",
        why="Persistent context adds `AGENTS.md` to every run; it must exist and not be blank.",
        fails=("`context_mode: persistent` and no (or an empty) AGENTS.md.",),
        passes="an AGENTS.md with content, or `context_mode: skill`.",
        fix="write AGENTS.md with the persistent context, or use context_mode: skill",
        source=f"{RUNTIME}: context_mode persistent adds AGENTS.md to every run",
    ),
    Rule(
        code="AG019",
        level="warning",
        summary="a script imports a non-standard-library module the agent has no manifest for",
        why=(
            "Reported at the import, naming the script and the module. Python scripts are read "
            "with `ast` (any `import`, also inside functions; standard-library modules, relative "
            "imports and modules of `scripts/` itself are fine) and need `requirements.txt` or "
            "`pyproject.toml` at the agent root; JavaScript/TypeScript `import`, `export ... "
            "from`, `require()` and `import()` of npm packages (not `node:` or built-in modules, "
            "not relative paths, not TypeScript `import type`) need `package.json`. The runtime "
            "(Skrun v0.7.0) installs one ecosystem only and `package.json` wins over "
            "`pyproject.toml` and `requirements.txt`, so Python imports in an agent with a "
            "`package.json` are reported too, and the hint names the manifest the runtime would "
            "use (for a Python script beside a `package.json`: port the script, or drop "
            "`package.json` and use `requirements.txt`)."
        ),
        fails=("`scripts/report.py` with `import pandas` and no manifest.",),
        passes="the same with `requirements.txt` listing `pandas`.",
        fix=(
            "list the package in the manifest the runtime uses (requirements.txt or pyproject.toml "
            "for Python, package.json for JavaScript)"
        ),
        source=f"{RUNTIME}: tools run as scripts/<tool>.py|.js|.ts, one dependency manifest installed",
    ),
    Rule(
        code="AG020",
        level="warning",
        summary="a declared tool is never mentioned in SKILL.md",
        why=(
            "SKILL.md is the model's instructions; a tool it never names is one the model is never "
            "told when to call. skrun-dev's similar warning (TOOLS_NOT_IN_SKILL) compares tools "
            "with SKILL.md `allowed-tools`, but those are the host client's built-in tools "
            "(`Read`, `Bash(git:*)`), not scripts, so we look for the tool's name as a word "
            "anywhere in SKILL.md instead. Every agent in the corpus names its tools."
        ),
        fails=("tool `count` and a SKILL.md that never says `count`.",),
        passes='"Call `count` on the text."',
        fix="name the tool in SKILL.md and say when to call it",
        source=(
            "skrun-build: SKILL.md is the model's instructions (Skrun v0.7.0's TOOLS_NOT_IN_SKILL "
            "compares allowed-tools instead)"
        ),
    ),
    Rule(
        code="AG021",
        level="error",
        summary="a folder or script in scripts/ cannot be read",
        why=(
            "A folder of `scripts/` that cannot be listed, or a script that cannot be opened, "
            "would be skipped by every other check and fail at call time on the runtime; it is "
            "named instead of skipped."
        ),
        fails=(
            (
                "`scripts/lib/` of mode `000` → `scripts/lib: AG021 error cannot read lib: Permission "
                "denied; the runtime could not run it either (check the permissions with ls -l ...)`."
            ),
        ),
        passes="the same folder with mode `755` and its scripts `644`.",
        fix="check the permissions with ls -l and make the folder listable and the scripts readable",
        source=f"{RUNTIME}: tools run as scripts/<tool>.py|.js|.ts, one dependency manifest installed",
    ),
)
