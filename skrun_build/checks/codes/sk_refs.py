"""SKILL.md rules (SK) on the body's budget and the files it refers to: the registry's entries,
checked in `skrun_build.checks.budget` (SK061) and `skrun_build.checks.references` (SK080-SK082).
"""

from __future__ import annotations

from skrun_build.checks.codes.rule import SPEC, Rule

_REFS = f"{SPEC}: file references relative to the skill root, one level deep from SKILL.md"

SK_REF_RULES: tuple[Rule, ...] = (
    Rule(
        code="SK061",
        level="warning",
        summary="the body is longer than 5,000 tokens",
        why=(
            "The body is loaded into the context when the skill activates; the spec recommends "
            "under 5,000 tokens, with details in `references/` read on demand. Counted with the "
            "deterministic estimate of `skrun stats` (the same on every machine, so CI agrees "
            "with a laptop), located at the first line past the budget. The limit is "
            "`max-body-tokens` in `[tool.skrun]` (and SK060's is `max-body-lines`)."
        ),
        fails=("a body of about 6,000 tokens (24 KB of English prose).",),
        passes="a body under 5,000 tokens that links to `references/*.md` for the details.",
        fix=(
            "move detailed material into files under references/ and link to them, or raise "
            "max-body-tokens in [tool.skrun]"
        ),
        source=f"{SPEC}: keep the body under 5,000 tokens (progressive disclosure)",
    ),
    Rule(
        code="SK080",
        level="warning",
        summary="SKILL.md refers to a file of the skill that does not exist",
        why=(
            "A client resolves `references/x.md`, `scripts/run.py` or a Markdown link against "
            "the skill folder; a missing file fails when the model follows it. Checked: link "
            "targets (`[t](x.md)`, `![i](assets/a.png)`, `[id]: x.md`) and paths in backticks or "
            "prose whose first folder is `references/`, `scripts/`, `assets/` or another folder "
            "of the skill and whose last part has an extension (`python scripts/run.py --in x` "
            "checks `scripts/run.py` only). Never checked: URLs (any scheme, `//host`, "
            "`mailto:`), anchors (`#usage`), absolute paths, `~`, paths leaving the skill "
            "(`../`), glob patterns, placeholders (`<file>`, `{name}`, `$VAR`, `%VAR%`), fenced "
            "(```, ~~~) and indented code blocks, and HTML comments. `{baseDir}/`, "
            "`${CLAUDE_SKILL_DIR}/` and `$CLAUDE_SKILL_DIR/` stand for the skill root, so the "
            "path after them is checked. A name that differs only in case is named in the hint "
            "(it works on macOS, not on Linux)."
        ),
        fails=(
            (
                "`See [the guide](references/guide.md).` with no `references/guide.md` → "
                "`SKILL.md:9:15: SK080 warning references/guide.md does not exist in the skill "
                "(create it, or fix the path)`"
            ),
        ),
        passes=(
            "the file exists; or the path is an example: in a fenced block, a URL, "
            "`{baseDir}/scripts/run.py` with `scripts/run.py` present, `<your-file>.md`."
        ),
        fix="create the file, or correct the path (relative to the skill folder)",
        source=_REFS,
    ),
    Rule(
        code="SK081",
        level="note",
        summary="a file in references/, scripts/ or assets/ is never mentioned",
        why=(
            "A resource the model is never told about is never read or run: either SKILL.md "
            "should say when to use it, or it is dead weight in every upload and bundle. A file "
            "counts as mentioned when SKILL.md (or agent.yaml), or a file they mention, names "
            "its path or its file name (a script may also be imported by its module name). "
            "`__init__.py`, dependency manifests and dot-files are never reported. A note: "
            "it never fails a run, not even with `--strict`."
        ),
        fails=("`references/old-notes.md` that no file of the skill names.",),
        passes="`Read [references/old-notes.md](references/old-notes.md) when ...` in SKILL.md.",
        fix="say in SKILL.md when to read or run the file, or delete it",
        source=_REFS,
    ),
    Rule(
        code="SK082",
        level="note",
        summary="a reference chain deeper than one level",
        why=(
            "A file SKILL.md does not name, reached only through another file SKILL.md names "
            "(`SKILL.md -> references/a.md -> references/b.md`). Clients may read such a file "
            "only in part, or not at all; the spec keeps references one level deep. Located "
            "where the intermediate file refers to it. A note: it never fails a run."
        ),
        fails=(
            (
                "SKILL.md links `references/a.md`, which links `b.md` → `references/a.md:3:5: "
                "SK082 note references/b.md is reached only through references/a.md "
                "(SKILL.md -> references/a.md -> references/b.md)`"
            ),
        ),
        passes="SKILL.md links both `references/a.md` and `references/b.md`.",
        fix="link the file from SKILL.md directly, or merge it into the file that names it",
        source=_REFS,
    ),
)
