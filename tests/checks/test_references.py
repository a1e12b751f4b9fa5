"""SK080 (a file SKILL.md refers to is missing), SK081 (a resource never mentioned), SK082 (a
reference chain), and the note level through text, JSON and GitHub output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.run import check_paths
from skrun_build.issues import Issue

from helpers.trees import make_tree

HEAD = "---\nname: demo\ndescription: Does x.\n---\n"  # the body starts on line 5


def refs(tmp_path: Path, body: str, files: dict[str, str] | None = None) -> list[Issue]:
    d = make_tree(tmp_path / "demo", {"SKILL.md": HEAD + body, **(files or {})})
    return [i for i in check_paths([d]).issues if i.code in ("SK080", "SK081", "SK082")]


def where(issues: list[Issue]) -> list[tuple[int, int, str, str]]:
    return [(i.line, i.col, i.code, i.message) for i in issues]


def test_missing_link_target_is_a_warning_at_its_line_and_column(tmp_path: Path) -> None:
    issues = refs(tmp_path, "# Demo\n\nSee [the guide](references/guide.md) first.\n")
    assert where(issues) == [
        (7, 17, "SK080", "references/guide.md does not exist in the skill"),
    ]
    assert issues[0].level == "warning"


def test_passing_when_the_file_exists(tmp_path: Path) -> None:
    body = "See [the guide](references/guide.md), run `python scripts/run.py --in x`.\n"
    files = {"references/guide.md": "g\n", "scripts/run.py": "print()\n"}
    assert refs(tmp_path, body, files) == []


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Run `scripts/run.py`.\n", [(5, 6, "scripts/run.py")]),
        ("Read references/api.md when needed.\n", [(5, 6, "references/api.md")]),
        # a command with arguments: only the script path is checked
        ("`python scripts/run.py --in data.csv`\n", [(5, 9, "scripts/run.py")]),
        ("![logo](assets/logo.png)\n", [(5, 9, "assets/logo.png")]),
        ("[guide]: references/guide.md\n", [(5, 10, "references/guide.md")]),
        ("Open [FORMS](FORMS.md).\n", [(5, 14, "FORMS.md")]),
        # {baseDir} and ${CLAUDE_SKILL_DIR} stand for the skill root: the rest is checked
        ("`python {baseDir}/scripts/run.py`\n", [(5, 9, "scripts/run.py")]),
        ("Run ${CLAUDE_SKILL_DIR}/scripts/x.sh now\n", [(5, 5, "scripts/x.sh")]),
        # a link with a fragment: the file part is checked
        ("[api](references/api.md#auth)\n", [(5, 7, "references/api.md")]),
        ("[a](<references/my guide.md>)\n", [(5, 6, "references/my guide.md")]),
        ("[a](references/my%20guide.md)\n", [(5, 5, "references/my guide.md")]),
    ],
)
def test_what_counts_as_a_reference(
    tmp_path: Path, body: str, found: list[tuple[int, int, str]]
) -> None:
    issues = refs(tmp_path, body)
    assert [(i.line, i.col, i.code) for i in issues] == [(ln, c, "SK080") for ln, c, _ in found]
    assert all(path in i.message for i, (_, _, path) in zip(issues, found, strict=True))


@pytest.mark.parametrize(
    "body",
    [
        "See [docs](https://example.com/references/x.md) and <https://a.b/scripts/c.py>.\n",
        "[mail](mailto:a@b.c) [ftp](ftp://h/scripts/x.py) [proto](//cdn.example/assets/x.js)\n",
        "[up](#usage) and [top](#)\n",
        "`/etc/scripts/x.py`, ~/references/x.md, [abs](/references/x.md)\n",
        "[other](../other-skill/references/x.md) and `../scripts/x.py`\n",
        "`scripts/*.py`, references/**/*.md, assets/x?.png, scripts/[ab].py\n",
        "`{baseDir}/<your-script>.py`, `references/<topic>.md`, `scripts/$NAME.py`\n",
        "`scripts/{name}.py` and `%APPDATA%/scripts/x.py`\n",
        "```\npython scripts/missing.py\n[x](references/missing.md)\n```\n",
        "~~~bash\nscripts/missing.sh\n~~~\n",
        "````md\n```\n````\nok\n" + "````\n",
        "Text.\n\n    python scripts/missing.py\n    cat references/missing.md\n",
        "<!-- see references/old.md -->\n<!--\nscripts/old.py\n-->\n",
        "- **Example**: `scripts/rotate_pdf.py` for PDF rotation\n",
        "Examples: `references/finance.md`, e.g. `assets/logo.png`\n",
        "Example: a pdf skill.\n\n1. A `scripts/rotate_pdf.py` script would help\n",
        "`src/main.rs` of your project, `docs/intro.md`, lib/util.py\n",
        "`scripts/` holds the tools; `references/` the docs\n",
        "Use `[text](url)` for links.\n",
        "Set `--out=scripts/out.py` or `scripts/run`\n",
    ],
)
def test_no_false_alarm(tmp_path: Path, body: str) -> None:
    # the skill has scripts/ (so `scripts/...` paths are candidates); only SK080 matters here
    found = refs(tmp_path, body, {"scripts/ok.py": "x = 1  # ok\n"})
    assert [i for i in found if i.code == "SK080"] == []


def test_a_path_under_a_folder_the_skill_has_is_checked(tmp_path: Path) -> None:
    # `templates/` is no conventional folder, but this skill has one.
    issues = refs(tmp_path, "Copy `templates/base.html`.\n", {"templates/page.html": "<p>\n"})
    assert where(issues) == [(5, 7, "SK080", "templates/base.html does not exist in the skill")]


def test_example_paragraph_ends_at_the_next_heading(tmp_path: Path) -> None:
    body = "Example: a pdf skill.\n\n- `scripts/a.py`\n\n## Real\n\nRun `scripts/b.py`.\n"
    assert [i.message for i in refs(tmp_path, body)] == ["scripts/b.py does not exist in the skill"]


def test_the_hint_names_a_case_mismatch_or_a_near_name(tmp_path: Path) -> None:
    files = {"references/Guide.md": "g\n", "scripts/render.py": "x\n"}
    issues = refs(tmp_path, "[g](references/guide.md) `scripts/rendr.py`\n", files)
    assert [i.hint for i in issues if i.code == "SK080"] == [
        "the file is references/Guide.md: the case differs, which works on macOS but not on Linux",
        "did you mean 'scripts/render.py'?",
    ]


def test_each_occurrence_is_reported(tmp_path: Path) -> None:
    issues = refs(tmp_path, "`scripts/x.py`\n\nthen `scripts/x.py` again\n")
    assert [(i.line, i.col) for i in issues] == [(5, 2), (7, 7)]


def test_crlf_body_keeps_columns(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "demo", {})
    (d / "SKILL.md").write_bytes(HEAD.replace("\n", "\r\n").encode() + b"x\r\n[a](b.md)\r\n")
    issues = [i for i in check_paths([d]).issues if i.code == "SK080"]
    assert [(i.line, i.col) for i in issues] == [(6, 5)]


# -- SK081: resources never mentioned -----------------------------------------------------


def test_unmentioned_resource_is_a_note_on_the_file(tmp_path: Path) -> None:
    files = {"references/used.md": "u\n", "references/old.md": "o\n", "assets/x.png": "p"}
    issues = refs(tmp_path, "Read `references/used.md`.\n", files)
    shown = [(Path(i.file).relative_to(tmp_path).as_posix(), i.line, i.code) for i in issues]
    assert sorted(shown) == [
        ("demo/assets/x.png", 0, "SK081"),
        ("demo/references/old.md", 0, "SK081"),
    ]
    assert {i.level for i in issues} == {"note"}


@pytest.mark.parametrize(
    ("body", "files"),
    [
        # named by file name only, inside a code block too: the model reads it
        ("```\npython run.py\n```\n", {"scripts/run.py": "x\n"}),
        # as a module, and a helper imported by it
        (
            "`python -m scripts.main`\n",
            {"scripts/main.py": "from scripts.util import f\n", "scripts/util.py": "f = 1\n"},
        ),
        # a folder below a conventional one names its files
        ("Templates are in `assets/templates/`.\n", {"assets/templates/a.md": "a\n"}),
        # named by a top-level file SKILL.md names
        ("See GUIDE.md.\n", {"GUIDE.md": "Use scripts/tool.py\n", "scripts/tool.py": "x\n"}),
        # package markers and manifests
        (
            "Run `scripts/a.py`.\n",
            {"scripts/a.py": "x\n", "scripts/__init__.py": "", "scripts/requirements.txt": "x\n"},
        ),
        # Codex's agents/openai.yaml names the icon
        ("Body.\n", {"agents/openai.yaml": "icon: assets/i.svg\n", "assets/i.svg": "<svg/>\n"}),
    ],
)
def test_mentioned_resources_are_no_note(tmp_path: Path, body: str, files: dict[str, str]) -> None:
    assert [i for i in refs(tmp_path, body, files) if i.code == "SK081"] == []


# -- SK082: chains ------------------------------------------------------------------------


def test_chain_deeper_than_one_level_is_a_note_where_it_is_made(tmp_path: Path) -> None:
    files = {
        "references/a.md": "# A\n\nThen read [b](b.md).\n",
        "references/b.md": "# B\n",
    }
    issues = refs(tmp_path, "Read [a](references/a.md).\n", files)
    assert [(Path(i.file).name, i.line, i.col, i.code, i.level) for i in issues] == [
        ("a.md", 3, 15, "SK082", "note")
    ]
    assert issues[0].message.startswith(
        "references/b.md is reached only through references/a.md "
        "(SKILL.md -> references/a.md -> references/b.md)"
    )


def test_no_chain_when_skill_md_names_both(tmp_path: Path) -> None:
    files = {"references/a.md": "See [b](b.md).\n", "references/b.md": "# B\n"}
    body = "Read [a](references/a.md) and [b](references/b.md).\n"
    assert refs(tmp_path, body, files) == []


# -- the note level through the CLI -------------------------------------------------------


def test_notes_never_fail_even_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(Path("demo"), {"SKILL.md": HEAD + "Body.\n", "references/old.md": "o\n"})
    assert cli.run(["validate", "--strict", "demo"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "demo/references/old.md: SK081 note references/old.md is never mentioned in SKILL.md, "
        "nor in a file it mentions (say in SKILL.md when to read or run it, or delete it)\n"
        "1 file checked: 0 errors, 0 warnings, 1 note.\n"
    )
    assert cli.run(["validate", "--format", "json", "demo"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"] == {"files": 1, "errors": 0, "warnings": 0, "notes": 1}
    assert document["issues"][0]["level"] == "note"
    assert cli.run(["validate", "--format", "github", "demo"]) == 0
    assert capsys.readouterr().out.startswith(
        "::notice file=demo/references/old.md,title=SK081::references/old.md is never"
    )


def test_sk080_fails_only_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(Path("demo"), {"SKILL.md": HEAD + "Run `scripts/x.py`.\n"})
    assert cli.run(["validate", "demo"]) == 0
    assert cli.run(["validate", "--strict", "demo"]) == 1
    assert "SK080 error scripts/x.py does not exist" in capsys.readouterr().out
