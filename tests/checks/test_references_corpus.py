"""Every reference issue (SK080 warnings, SK081/SK082 notes) on the vendored corpus, pinned.

Each SK080 was checked by hand against the skill's upstream repository at the vendored commit
(fixtures/corpus/INDEX.json): the file is missing there too, so the warning is a real missing
file. The corpus left out a few binary files when it was vendored (INDEX.json "skipped"): the
test puts an empty stand-in back for each, in a copy, so a reference to one is not reported
as missing when upstream has it. The notes are pinned too, so a change in what counts as a
mention shows up here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skrun_build.checks.run import check_paths

from helpers.paths import CORPUS

REFERENCE_CODES = ("SK080", "SK081", "SK082")

# (skill folder in the corpus, file relative to it, line, col, code, what is named)
PINNED: list[tuple[str, str, int, int, str, str]] = [
    # "See references/workflows.md for sequential workflows": openai/skills at f6b8344 has no
    # references/ folder in skills/.system/skill-creator (LICENSE.txt, SKILL.md, 3 scripts).
    (
        "openai__skills__skill-creator/skill-creator",
        "SKILL.md",
        304,
        33,
        "SK080",
        "references/workflows.md",
    ),
    # Same list, next line: "See references/output-patterns.md": missing upstream as well.
    (
        "openai__skills__skill-creator/skill-creator",
        "SKILL.md",
        305,
        57,
        "SK080",
        "references/output-patterns.md",
    ),
    # Notes. mcp-builder: no file names scripts/example_evaluation.xml (evaluation.md shows
    # the XML format inline).
    (
        "anthropics__skills__mcp-builder/mcp-builder",
        "scripts/example_evaluation.xml",
        0,
        0,
        "SK081",
        "scripts/example_evaluation.xml",
    ),
    # dotnet: "the topic-specific reference files listed below" are listed by topic
    # ("Async patterns"), never by file name; only critical-patterns.md is named.
    *(
        (
            "dotnet__skills__analyzing-dotnet-performance/analyzing-dotnet-performance",
            f"references/{name}.md",
            0,
            0,
            "SK081",
            f"references/{name}.md",
        )
        for name in (
            "async-patterns",
            "collections-and-linq",
            "io-and-serialization",
            "memory-and-strings",
            "regex-patterns",
            "structural-patterns",
        )
    ),
    # skill-writer: SKILL.md names SPEC.md and references/skill-evals.md, which name files
    # SKILL.md does not (one note per intermediate file and target).
    (
        "getsentry__skills__skill-writer/skill-writer",
        "SPEC.md",
        76,
        6,
        "SK082",
        "scripts/quick_validate.py",
    ),
    (
        "getsentry__skills__skill-writer/skill-writer",
        "SPEC.md",
        116,
        13,
        "SK082",
        "evals/axis.config.json",
    ),
    (
        "getsentry__skills__skill-writer/skill-writer",
        "references/skill-evals.md",
        12,
        4,
        "SK082",
        "evals/axis.config.json",
    ),
    # brainstorming: the server's page template and helper are described in
    # visual-companion.md only.
    (
        "obra__superpowers__brainstorming/brainstorming",
        "visual-companion.md",
        297,
        36,
        "SK082",
        "scripts/frame-template.html",
    ),
    (
        "obra__superpowers__brainstorming/brainstorming",
        "visual-companion.md",
        298,
        33,
        "SK082",
        "scripts/helper.js",
    ),
    # let-fate-decide: a test of the card-drawing script, named by nothing.
    (
        "trailofbits__skills__let-fate-decide/let-fate-decide",
        "scripts/test_draw_cards.py",
        0,
        0,
        "SK081",
        "scripts/test_draw_cards.py",
    ),
]


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus with an empty stand-in for each binary left out when it was vendored."""
    dest = tmp_path_factory.mktemp("refs") / "corpus"
    shutil.copytree(CORPUS, dest, symlinks=True)
    for entry in json.loads((CORPUS / "INDEX.json").read_text(encoding="utf-8")):
        for rel, _why in entry["skipped"]:
            stand_in = dest / entry["key"] / entry["skill_dir"] / rel
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_bytes(b"")
    return dest


def _found(root: Path) -> list[tuple[str, str, int, int, str, str]]:
    out = []
    for issue in check_paths([root]).issues:
        if issue.code not in REFERENCE_CODES:
            continue
        path = Path(issue.file).relative_to(root)
        skill = next(
            str(Path(*path.parts[:n]))
            for n in range(len(path.parts), 0, -1)
            if (root / Path(*path.parts[:n]) / "SKILL.md").is_file()
            and str(Path(*path.parts[:n])).count("/") == 1
        )
        rel = str(path.relative_to(skill))
        named = issue.message.split(" ", 1)[0]
        out.append((skill, rel, issue.line, issue.col, issue.code, named))
    return sorted(out)


def test_every_reference_issue_of_the_corpus_is_pinned(corpus_copy: Path) -> None:
    assert _found(corpus_copy) == sorted(PINNED)


def test_reference_warnings_are_warnings_and_the_rest_notes(corpus_copy: Path) -> None:
    levels = {i.code: i.level for i in check_paths([corpus_copy]).issues}
    assert (levels["SK080"], levels["SK081"], levels["SK082"]) == ("warning", "note", "note")


def test_strict_promotes_sk080_but_never_a_note(corpus_copy: Path) -> None:
    # --strict promotes SK080 to an error but never a note.
    strict = check_paths([corpus_copy], strict=True, select=REFERENCE_CODES).issues
    assert {(i.code, i.level) for i in strict} == {
        ("SK080", "error"),
        ("SK081", "note"),
        ("SK082", "note"),
    }
