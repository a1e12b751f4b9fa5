"""`--fix` round trip on every SKILL.md of the vendored corpus, in a temp copy.

Each fixable skill's change is pinned as a golden diff (fixtures/fix/<corpus folder>.diff);
every other skill is left byte-for-byte alone. After the fix the skill no longer has the
issues --fix targets (its remaining codes are pinned), and a second --fix changes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skrun_build.checks.fix import fix_file, fix_paths, write_fix
from skrun_build.checks.run import check_skill_dir

from helpers.paths import CORPUS, FIXTURES

GOLDEN = FIXTURES / "fix"

# skill dir relative to the corpus -> (codes before, codes after --fix)
FIXED: dict[str, tuple[list[str], list[str]]] = {
    # `description: ... projects: migrations, ...`: YAML misreads the ': ' (quoted)
    "affaan-m__everything-claude-code__django-verification/django-verification": (["SK007"], []),
    # no newline at the end of the file
    "anthropics__skills__algorithmic-art/algorithmic-art": ([], []),
    "anthropics__skills__web-artifacts-builder/web-artifacts-builder": ([], []),
    "anthropics__skills__webapp-testing/webapp-testing": ([], []),
    # allowed-tools as a YAML block list of single words
    "github__awesome-copilot__qdrant-monitoring/qdrant-monitoring": (["SK041"], []),
    "trailofbits__skills__trailmark-finding-triage/trailmark-finding-triage": (["SK041"], []),
}

SKILLS = sorted(p.parent.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("SKILL.md"))


def codes(skill_dir: Path) -> list[str]:
    return sorted({i.code for i in check_skill_dir(skill_dir)[1]})


@pytest.mark.parametrize("key", SKILLS)
def test_fix_round_trip(key: str, tmp_path: Path) -> None:
    top = key.split("/", 1)[0]
    copy = tmp_path / top
    shutil.copytree(CORPUS / top, copy, symlinks=True)
    skill = tmp_path / key
    md = skill / "SKILL.md"
    original = md.read_bytes()
    fixes = {path: fix for path, fix in fix_paths([str(skill)]) if path == md}
    fix = fixes.get(md)
    if key not in FIXED:
        assert fix is None or not fix.changed, fix and fix.diff("SKILL.md")
        return
    before, after = FIXED[key]
    assert codes(skill) == before
    assert fix is not None and fix.changed
    assert fix.diff("SKILL.md") == (GOLDEN / f"{top}.diff").read_bytes().decode("utf-8")
    write_fix(fix, md)
    assert md.read_bytes() == fix.after.encode("utf-8") != original
    assert codes(skill) == after
    again = fix_file(md)
    assert again is not None and not again.changed and again.changes == ()
    # nothing else in the skill folder changed
    for path in sorted((CORPUS / top).rglob("*")):
        rel = path.relative_to(CORPUS)
        if path.is_file() and rel != Path(key) / "SKILL.md":
            assert (tmp_path / rel).read_bytes() == path.read_bytes()


def test_every_golden_diff_is_used() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.diff")) == sorted(
        k.split("/", 1)[0] for k in FIXED
    )


def test_crlf_corpus_file_keeps_crlf(tmp_path: Path) -> None:
    """A CRLF corpus file with a misread colon and a number in metadata: CRLF stays."""
    top = "Orchestra-Research__AI-research-SKILLs__ml-training-recipes"
    shutil.copytree(CORPUS / top, tmp_path / top)
    md = tmp_path / top / "ml-training-recipes" / "SKILL.md"
    text = md.read_bytes().decode("utf-8")
    text = text.replace("author: dailycafi\r\n", "author: daily: cafi\r\nmetadata:\r\n  v: 2\r\n")
    md.write_bytes(text.encode("utf-8"))
    [(_, fix)] = fix_paths([str(md.parent)])
    assert fix.changes == (
        "line 5: quoted the value of author (': ' inside it)",
        "line 7: quoted metadata value of v (2)",
    )
    assert "\r\nauthor: 'daily: cafi'\r\nmetadata:\r\n  v: \"2\"\r\n" in fix.after
    assert fix.after.count("\n") == fix.after.count("\r\n")
    assert fix.after.replace("'daily: cafi'", "daily: cafi").replace('"2"', "2") == text
