"""The searched tree (TR): the registry's entries, checked in `skrun_build.checks.discovery`."""

from __future__ import annotations

from skrun_build.checks.codes.rule import Rule

TR_RULES: tuple[Rule, ...] = (
    Rule(
        code="TR001",
        level="error",
        summary="a folder of the searched tree cannot be read or entered",
        why=(
            "A folder (or `PATH` itself) whose listing or entry the system refuses, so whatever "
            "skills it holds were not checked. Skipping it quietly would let the run pass clean."
        ),
        fails=(
            (
                "`skills/private/` of mode `000` → `skills/private: TR001 error cannot read this "
                "folder: Permission denied; nothing in it was checked (check the permissions with ls "
                "-l, or run as a user who may access it)`"
            ),
        ),
        passes="every folder under `PATH` readable, or `PATH` narrowed to leave it out.",
        fix=(
            "check the permissions with ls -l, or run as a user who may access the folder, or "
            "narrow PATH to leave it out"
        ),
        source=(
            "skrun-build: what the search of `skrun validate PATH` could not see (nothing is "
            "skipped silently)"
        ),
    ),
    Rule(
        code="TR002",
        level="warning",
        summary="a folder symlink leads out of the searched tree; not followed",
        why=(
            "A symlink under `PATH` to a folder outside it. Following it could walk anything (a "
            "link to `/` walks `/proc`), so it is named and left alone; validate its target on its "
            "own if it matters."
        ),
        fails=(
            (
                "`skills/shared -> /opt/skills` → `skills/shared: TR002 warning symlink to a folder "
                "outside the searched tree (/opt/skills); not followed (validate the target on its "
                "own: skrun validate /opt/skills)`"
            ),
        ),
        passes=(
            "`skills/shared -> ../common/shared` with `common/` inside `PATH`, or a copy of the "
            "folder."
        ),
        fix=(
            "validate the link's target on its own (skrun validate TARGET), or copy the folder "
            "into the tree"
        ),
        source=(
            "skrun-build: what the search of `skrun validate PATH` could not see (nothing is "
            "skipped silently)"
        ),
    ),
)
