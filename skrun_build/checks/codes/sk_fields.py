"""SKILL.md rules (SK) on the other fields, the body and what Skrun's push refuses: the registry's
entries, checked in `skrun_build.checks.skill` and `skrun_build.checks.skill_push`.
"""

from __future__ import annotations

from skrun_build.checks.codes.rule import PUSH, SPEC, Rule

SK_FIELD_RULES: tuple[Rule, ...] = (
    Rule(
        code="SK020",
        level="error",
        summary="description is missing",
        fails=("no `description:` key (a near miss such as `descripton:` is named in the hint).",),
        passes="`description: Summarises CSV files. Use when the user shares a CSV.`",
        fix="add description: saying what the skill does and when to use it",
        source=f"{SPEC}, `description`",
    ),
    Rule(
        code="SK021",
        level="error",
        summary="description must be a string",
        fails=(
            (
                "`description: true` → `SK021 error description must be a string, got a boolean (true) "
                '(quote it: description: "true")`'
            ),
        ),
        passes=(
            '`description: "true"` (better: a real description); `description: yes` is the string\n'
            '"yes" in YAML 1.2.'
        ),
        fix="quote the value, or better write a real description",
        source=f"{SPEC}, `description`",
    ),
    Rule(
        code="SK022",
        level="error",
        summary="description is empty",
        fails=("`description:`, `description: ''`, `description: \"   \"`",),
        passes="any non-blank text.",
        fix="write a description saying what the skill does and when to use it",
        source=f"{SPEC}, `description`",
    ),
    Rule(
        code="SK023",
        level="error",
        summary="description is longer than 1024 characters",
        why=(
            "Counted in Unicode code points, not bytes. In an agent folder, counted as Skrun "
            "v0.7.0's push counts it, in UTF-16 code units (a character beyond U+FFFF, such as "
            "most emoji, counts 2), so a description Skrun would refuse never passes here."
        ),
        fails=(
            (
                "1,025 characters → `SK023 error description is 1025 characters; the limit is 1024 "
                "(shorten it and move details into the body)`"
            ),
        ),
        passes="1,024 characters or fewer.",
        fix="shorten the description and move details into the body",
        source=f"{SPEC}, `description`; Skrun v0.7.0 counts UTF-16 code units",
    ),
    Rule(
        code="SK024",
        level="warning",
        summary="description contains '<' or '>'",
        why="claude.ai uploads reject angle brackets in descriptions.",
        fails=("`description: Converts <csv> files`",),
        passes="`description: Converts CSV files`",
        fix="write the description without < and >",
        source="claude.ai skill uploads (Anthropic's client docs)",
    ),
    Rule(
        code="SK030",
        level="error",
        summary="license must be a non-empty string",
        fails=(
            (
                "`license: 2.0`, `license:` → `SK030 error license must be a string, got a number "
                '(2.0) (quote it: license: "2.0")`'
            ),
        ),
        passes="`license: Apache-2.0`, `license: Complete terms in LICENSE.txt`",
        fix=(
            'quote the license (license: "2.0") or name it (license: Apache-2.0); leave the key '
            "out if there is none"
        ),
        source=f"{SPEC}, `license`",
    ),
    Rule(
        code="SK031",
        level="error",
        summary="compatibility must be a string",
        fails=("`compatibility: 3.11`",),
        passes="`compatibility: Requires Python 3.11+`",
        fix="quote the value or write it as a sentence: compatibility: Requires Python 3.11+",
        source=f"{SPEC}, `compatibility`",
    ),
    Rule(
        code="SK032",
        level="error",
        summary="compatibility is empty",
        why="The spec allows leaving the key out, not an empty value.",
        fails=("`compatibility: ''`, `compatibility:`",),
        passes="`compatibility: Requires git` or no key.",
        fix="write what the skill needs, or leave the key out",
        source=f"{SPEC}, `compatibility`",
    ),
    Rule(
        code="SK033",
        level="error",
        summary="compatibility is longer than 500 characters",
        why=(
            "In an agent folder, counted in UTF-16 code units as Skrun v0.7.0's push does (see "
            "SK023)."
        ),
        fails=("501 characters.",),
        passes="500 characters or fewer.",
        fix="shorten compatibility to 500 characters or fewer",
        source=f"{SPEC}, `compatibility`; Skrun v0.7.0 counts UTF-16 code units",
    ),
    Rule(
        code="SK034",
        level="error",
        summary="metadata must be a mapping",
        fails=("`metadata: [a, b]`, `metadata:` (null)",),
        passes=("\n```yaml\nmetadata:\n  author: me\n```"),
        fix="write metadata as a mapping of key: value lines, or leave it out",
        source=f"{SPEC}, `metadata` (a map of string keys to string values)",
    ),
    Rule(
        code="SK035",
        level="warning",
        summary="metadata keys and values should be strings",
        why=(
            'The spec says "a map of string keys to string values"; skrun-dev rejects other values '
            "and skills-ref turns them into Python reprs. One issue per entry, at its value. In an "
            "agent folder a non-string value is SK073 (an error) instead."
        ),
        fails=("`  version: 1.0` (a number), `  tags: [a, b]` (a list)",),
        passes='`  version: "1.0"`, `  tags: "a b"`',
        fix="quote the value, or flatten a list or mapping into one string",
        source=f"{SPEC}, `metadata` (a map of string keys to string values)",
    ),
    Rule(
        code="SK040",
        level="error",
        summary="allowed-tools must be a string",
        fails=("`allowed-tools: {Read: true}`",),
        passes="`allowed-tools: Bash(git:*) Read`",
        fix="write allowed-tools as one space-separated string: allowed-tools: Bash(git:*) Read",
        source=f"{SPEC}, `allowed-tools` (a space-separated string)",
    ),
    Rule(
        code="SK041",
        level="warning",
        summary="allowed-tools is a YAML list, not a space-separated string",
        why=(
            "The spec's form is one space-separated string; skrun-dev rejects the list form. In an "
            "agent folder this is SK072 (an error) instead."
        ),
        fails=(
            (
                "`allowed-tools: [Read, Grep]` → `SK041 warning allowed-tools is a YAML list; the spec "
                "uses a space-separated string (write allowed-tools: Read Grep)`"
            ),
        ),
        passes="`allowed-tools: Read Grep`",
        fix="write the list as one space-separated string: allowed-tools: Read Grep",
        source=f"{SPEC}, `allowed-tools` (a space-separated string)",
    ),
    Rule(
        code="SK042",
        level="warning",
        summary="allowed-tools is comma-separated, not space-separated",
        why="Commas inside parentheses (`Bash(git:a,b)`) do not count.",
        fails=("`allowed-tools: Read, Grep`",),
        passes="`allowed-tools: Read Grep`",
        fix="separate the tools with spaces: allowed-tools: Read Grep",
        source=f"{SPEC}, `allowed-tools` (a space-separated string)",
    ),
    Rule(
        code="SK050",
        level="warning",
        summary="unknown frontmatter key",
        why=(
            "The spec lists `name`, `description`, `license`, `compatibility`, `metadata` and "
            "`allowed-tools`. Other keys are kept (round-trip) but skills-ref and claude.ai "
            "uploads reject them. Near misses get a did-you-mean (`Name`, `descripton`, "
            "`allowed_tools`); Claude Code's own keys (`argument-hint`, "
            "`disable-model-invocation`, `user-invocable`, `model`, `effort`, `context`, `agent`, "
            "`hooks`, `paths`, `shell`, `when_to_use`) are named as such, and with `--target "
            "claude-code` they are recognised instead (their values checked by SK051-SK053)."
        ),
        fails=(
            (
                "`version: 1.0.0` → `SK050 warning unknown frontmatter key 'version' (kept; skills-ref "
                "and claude.ai uploads reject it: move it under metadata:)`"
            ),
        ),
        passes=('\n```yaml\nmetadata:\n  version: "1.0.0"\n```'),
        fix="move the key under metadata:, or drop it",
        source=f"{SPEC} (its field list); skills-ref 0.1.1 and claude.ai uploads reject other keys",
    ),
    Rule(
        code="SK060",
        level="warning",
        summary="the body is longer than 500 lines",
        why=(
            "The spec recommends keeping `SKILL.md` under 500 lines and moving detail into "
            "`references/`. Located at the body's 501st line."
        ),
        fails=("a body of 501 lines.",),
        passes="500 lines or fewer, with details in `references/*.md`.",
        fix="move details from the body into references/*.md and link to them",
        source=f"{SPEC}: keep SKILL.md under 500 lines (progressive disclosure)",
    ),
    Rule(
        code="SK070",
        level="error",
        summary="an agent's SKILL.md starts with a UTF-8 BOM",
        why=(
            "Agent folders only. Skrun v0.7.0 reads SKILL.md as text without dropping a BOM and "
            'requires `---` at its very start, so `skrun push` fails with "SKILL.md must start '
            'with YAML frontmatter". A plain skill with a BOM is fine.'
        ),
        fails=(
            (
                '`my-agent/SKILL.md` saved as "UTF-8 with BOM" → `SKILL.md:1:1: SK070 error SKILL.md '
                'starts with a UTF-8 BOM; Skrun v0.7.0 push refuses it ("SKILL.md must start with YAML '
                'frontmatter") (save SKILL.md as UTF-8 without a BOM, so its first bytes are ---)`'
            ),
        ),
        passes="the same file saved as UTF-8 without a BOM.",
        fix="save SKILL.md as UTF-8 without a BOM, so its first bytes are ---",
        source=PUSH,
    ),
    Rule(
        code="SK071",
        level="error",
        summary="an agent's SKILL.md fences are not where Skrun reads them",
        why=(
            "Agent folders only. Skrun v0.7.0 needs `---` alone on the first line (no trailing "
            "blanks) and ends the frontmatter at the first line that *starts* with `---`; we "
            "accept trailing blanks and end it only at a line that is `---` alone."
        ),
        fails=(
            (
                "a first line `--- ` (a trailing space) → `SKILL.md:1:4: SK071 error the opening '---' "
                "is followed by blanks; Skrun v0.7.0 push needs '---' alone on the first line`; a "
                "frontmatter key line `---note: x` before the closing fence."
            ),
        ),
        passes="`---` alone on the first line, and no frontmatter line starting with `---`.",
        fix="put --- alone on the first line, and start no frontmatter line with ---",
        source=PUSH,
    ),
    Rule(
        code="SK072",
        level="error",
        summary="an agent's allowed-tools is a YAML list",
        why=(
            "Agent folders only (a plain skill gets SK041, a warning). Skrun v0.7.0's push schema "
            "takes `allowed-tools` as a string and refuses the list."
        ),
        fails=(
            (
                "`allowed-tools: [Read, Grep]` → `SK072 error allowed-tools is a YAML list; Skrun "
                "v0.7.0 push needs one string (write allowed-tools: Read Grep)`"
            ),
        ),
        passes="`allowed-tools: Read Grep`",
        fix="write the list as one space-separated string: allowed-tools: Read Grep",
        source=PUSH,
    ),
    Rule(
        code="SK073",
        level="error",
        summary="an agent's metadata value is not a string",
        why=(
            "Agent folders only (a plain skill gets SK035, a warning). Skrun v0.7.0's push schema "
            "takes `metadata` as a map of strings to strings: a number, boolean, null, list or "
            "mapping value fails. (Keys are not affected: JavaScript makes every key a string; "
            "SK035 still warns about them.)"
        ),
        fails=(
            (
                "`  version: 1.0` → `SK073 error metadata value of 'version' is a number (1.0), not a "
                'string; Skrun v0.7.0 push refuses it (quote it: version: "1.0")`'
            ),
        ),
        passes='`  version: "1.0"`',
        fix='quote the value: version: "1.0"',
        source=PUSH,
    ),
)
