"""Code and docs point only at files of this repository that exist (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.paths import REPO

# What users and contributors read: the package, the docs, the scripts and the README.
SOURCES = [
    *sorted((REPO / "skrun_build").rglob("*.py")),
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "scripts").rglob("*")),
    REPO / "README.md",
]
DOC_PATH = re.compile(r"\bdocs/[\w.-]+\.md\b")
# A skill's own file in the SKILL.md symlink examples (`SKILL.md -> docs/skill.md`), not ours.
EXAMPLES = {"docs/skill.md"}


def _texts() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in SOURCES if p.is_file()]


def test_no_reference_to_notes_outside_the_repository() -> None:
    # The format facts are stated where they are used, or in docs/ (SPEC-NOTES is not ours).
    assert [str(p.relative_to(REPO)) for p, text in _texts() if "SPEC-NOTES" in text] == []


def test_every_docs_path_mentioned_exists() -> None:
    missing = sorted(
        f"{p.relative_to(REPO)}: {ref}"
        for p, text in _texts()
        for ref in set(DOC_PATH.findall(text))
        if ref not in EXAMPLES and not (REPO / ref).is_file()
    )
    assert missing == []
