"""SKILL.md rules (SK) on the file, its frontmatter and the name: the registry's entries, checked in
`skrun_build.checks.skill`.
"""

from __future__ import annotations

from skrun_build.checks.codes.rule import SPEC, Rule

SK_FILE_RULES: tuple[Rule, ...] = (
    Rule(
        code="SK001",
        level="error",
        summary="SKILL.md is missing",
        why=(
            "An agent directory (with `agent.yaml`) has no `SKILL.md`; or a directory given to "
            "`validate` holds no `SKILL.md`, `agent.yaml` or `artifact.json` at all, at its top or "
            "below (then the issue is on the directory itself). Nothing checked is a failure, not "
            "a clean pass: a CI step pointed at the wrong folder must not pass. Like skills-ref, "
            "exit 1; the command line itself is fine, so not the usage code 2."
        ),
        fails=(
            (
                "`my-skill/` containing only `notes.md` → `my-skill: SK001 error nothing to validate: "
                "no SKILL.md, agent.yaml or artifact.json in this folder (a skill is a folder with a "
                "SKILL.md at its top: pass one, or create one with ...)`"
            ),
            (
                "`my-agent/` with `agent.yaml` only → `my-agent/SKILL.md: SK001 error SKILL.md not "
                "found in my-agent`"
            ),
        ),
        passes="`my-skill/SKILL.md` exists.",
        fix=(
            "create SKILL.md in the folder (skrun init writes one), or point skrun validate at the "
            "folder that holds it"
        ),
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK002",
        level="error",
        summary="SKILL.md is not a readable regular file",
        why=(
            "`SKILL.md` is a directory, a FIFO or device, or cannot be read (permissions, I/O "
            "error)."
        ),
        fails=("`mkdir my-skill/SKILL.md` → `SK002 error SKILL.md is a directory, not a file`",),
        passes="a regular, readable file.",
        fix="make SKILL.md a regular file you can read (check ls -l)",
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK003",
        level="error",
        summary="SKILL.md is a symlink that leaves the skill directory or dangles",
        fails=(
            (
                "`SKILL.md -> ../shared/skill.md` → `SK003 error SKILL.md is a symlink to "
                "'../shared/skill.md', outside the skill directory`"
            ),
        ),
        passes="`SKILL.md -> docs/skill.md` (inside the skill), or a plain file.",
        fix="replace the link with the file, or link to a file inside the skill directory",
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK004",
        level="error",
        summary="SKILL.md is not valid UTF-8",
        why="Located at the first bad byte.",
        fails=(
            (
                "a Latin-1 `description: café` → `SKILL.md:3:17: SK004 error SKILL.md is not valid "
                "UTF-8: byte 0xe9 at offset 35`"
            ),
        ),
        passes="the same file saved as UTF-8 (with or without a BOM).",
        fix="save SKILL.md as UTF-8",
        source=f"{SPEC}: SKILL.md is UTF-8 Markdown with YAML frontmatter",
    ),
    Rule(
        code="SK005",
        level="error",
        summary="SKILL.md does not start with a '---' frontmatter fence",
        fails=(
            (
                "\n"
                "```markdown\n"
                "# My skill\n"
                "```\n"
                "also `---name: my-skill` (fence glued to a key), blank lines before the first `---`, "
                "and an\n"
                "empty (or BOM-only) file, which is named as empty."
            ),
        ),
        passes=(
            "\n"
            "```markdown\n"
            "---\n"
            "name: my-skill\n"
            "description: Summarises CSV files. Use when the user shares a CSV.\n"
            "---\n"
            "# My skill\n"
            "```"
        ),
        fix="start the file with a line holding only ---, then the YAML keys",
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK006",
        level="error",
        summary="the frontmatter has no closing '---' line",
        why="The hint names a line that ends with a glued `---`, the usual cause.",
        fails=(
            (
                "\n"
                "```markdown\n"
                "---\n"
                "name: my-skill\n"
                "description: Summarises CSV files.---\n"
                "```\n"
                "→ `SKILL.md:1:1: SK006 error the frontmatter has no closing '---' line (line 3 ends "
                "with '---', but a closing fence must be alone on its line)`"
            ),
        ),
        passes="the same with `---` on a line of its own after the last key.",
        fix="close the frontmatter with a line holding only ---",
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK007",
        level="error",
        summary="the frontmatter is not valid YAML",
        why=(
            "Syntax errors, tab indentation and impossible values (`date: 2024-13-40`), located "
            "where the parser stopped, with a hint for the common causes."
        ),
        fails=(
            (
                "`description: Checks Django projects: migrations, tests` → `SKILL.md:3:36: SK007 "
                "error invalid YAML: mapping values are not allowed in this context (quote values that "
                "contain ': ')`"
            ),
        ),
        passes='`description: "Checks Django projects: migrations, tests"`',
        fix=(
            "fix the YAML where the message points; quote values that contain ': ' or start with a "
            "special character"
        ),
        source="YAML 1.2 (core schema), as Skrun v0.7.0 and JavaScript clients read the frontmatter",
    ),
    Rule(
        code="SK008",
        level="error",
        summary="the frontmatter has a duplicate key",
        why="YAML forbids duplicate keys; most parsers silently keep the last one.",
        fails=(
            (
                "two `name:` lines → `SKILL.md:4:1: SK008 error duplicate key 'name' (first defined on "
                "line 2) (keep one of them)`"
            ),
        ),
        passes="each key once.",
        fix="keep one of the duplicate keys",
        source="YAML 1.2 (core schema), as Skrun v0.7.0 and JavaScript clients read the frontmatter",
    ),
    Rule(
        code="SK009",
        level="error",
        summary="the frontmatter uses refused YAML (anchors, aliases, tags, depth, size)",
        why=(
            'Anchors and aliases (`&a`, `*a`: the "billion laughs" bomb), custom tags (`!foo`, '
            "`!!python/object`), nesting deeper than 32 levels, more than 1 MiB of YAML. Refused "
            "before anything large is built, so hostile input is answered in milliseconds."
        ),
        fails=(
            (
                "`description: &d text` / `license: *d` → `SK009 error YAML anchors and aliases "
                "(&name, *name) are not allowed (write the value out in full)`"
            ),
        ),
        passes="each value written out in full.",
        fix=(
            "write each value out in full, without anchors, aliases or tags, and keep the "
            "frontmatter small and flat"
        ),
        source=(
            "skrun-build: limits that keep hostile YAML (alias bombs, deep nesting) from stalling "
            "a check"
        ),
    ),
    Rule(
        code="SK010",
        level="error",
        summary="the frontmatter is not a mapping",
        fails=("a frontmatter that is a list (`- name: my-skill`) or a bare string.",),
        passes="`key: value` lines.",
        fix="write the frontmatter as key: value lines",
        source=f"{SPEC}: a skill is a folder with a SKILL.md of YAML frontmatter and Markdown",
    ),
    Rule(
        code="SK011",
        level="error",
        summary="name is missing or empty",
        fails=(
            (
                "no `name:` key, or `name:` with no value. A near miss (`Name:`) is named in the hint."
            ),
        ),
        passes="`name: my-skill`",
        fix="add name: with the skill directory's name",
        source=f"{SPEC}, `name`",
    ),
    Rule(
        code="SK012",
        level="error",
        summary="name must be lowercase",
        fails=(
            (
                '`name: My-Skill` → `SKILL.md:2:7: SK012 error name must be lowercase: "My-Skill" (try '
                '"my-skill")`'
            ),
        ),
        passes="`name: my-skill`",
        fix="write the name in lowercase",
        source=f"{SPEC}, `name`",
    ),
    Rule(
        code="SK013",
        level="error",
        summary="name may only contain ASCII a-z, 0-9 and '-'",
        why=(
            "Unicode letters, spaces, underscores and dots are refused (skrun-dev and most hosts "
            "use the name in URLs and paths)."
        ),
        fails=(
            (
                "`name: café` → `SK013 error name may only contain ASCII a-z, 0-9 and '-': \"café\" has "
                "'é' (try \"cafe\")`"
            ),
        ),
        passes="`name: cafe`",
        fix="use only ASCII a-z, 0-9 and - (the hint suggests an ASCII name)",
        source=f"{SPEC}, `name`; skrun-dev/skrun's name pattern (ASCII only)",
    ),
    Rule(
        code="SK014",
        level="error",
        summary="name must not start or end with '-' or contain '--'",
        fails=("`name: -my-skill`, `name: my-skill-`, `name: my--skill`",),
        passes="`name: my-skill`",
        fix="drop the leading or trailing - and collapse -- to -",
        source=f"{SPEC}, `name`",
    ),
    Rule(
        code="SK015",
        level="error",
        summary="name is longer than 64 characters",
        fails=("a 65-character name → `SK015 error name is 65 characters; the limit is 64`",),
        passes="64 characters or fewer.",
        fix="shorten the name to 64 characters or fewer (and rename the directory to match)",
        source=f"{SPEC}, `name`",
    ),
    Rule(
        code="SK016",
        level="error",
        summary="name must equal the skill directory's name",
        why=(
            "Reported only when the name is otherwise valid (an invalid name already says what to "
            "fix). The directory's real name is used, so `skrun validate .` works from inside the "
            "skill. Plain skills only: Skrun v0.7.0 never checks an agent folder's name (a CI "
            "checkout named after its repository builds), it compares SKILL.md's name with the "
            "agent.yaml slug (AG016, a warning)."
        ),
        fails=(
            (
                '`name: other` in `my-skill/` → `SK016 error name "other" must equal the skill '
                'directory\'s name "my-skill" (rename the directory to "other" or set name: my-skill)`'
            ),
        ),
        passes="`name: my-skill` in `my-skill/`",
        fix="rename the directory or set name: to the directory's name",
        source=f"{SPEC}, `name`",
    ),
    Rule(
        code="SK017",
        level="error",
        summary="name must be a string",
        fails=(
            (
                "`name: 12345` → `SK017 error name must be a string, got a number (12345) (quote it: "
                'name: "12345")`'
            ),
        ),
        passes='`name: "12345"` (in a directory named `12345`).',
        fix='quote the name: name: "12345"',
        source=f"{SPEC}, `name`",
    ),
)
