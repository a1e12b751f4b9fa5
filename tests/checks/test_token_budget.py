"""Token budgets (issue 14): the estimate, the tiktoken fallback, SK060/SK061 with their
configurable limits, and `skrun stats`."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.budget import Limits, body_issues, skill_budget
from skrun_build.checks.run import check_paths
from skrun_build.tokens import counter, estimate_counter, estimate_tokens, may_exceed

from helpers.paths import CORPUS
from helpers.trees import make_tree

HEAD = "---\nname: demo\ndescription: Does x.\n---\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# -- the estimate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("the", 1),
        ("hello world", 2),  # a word takes its leading space
        ("description", 2),  # one token per 9 letters begun
        ("12345", 2),  # digits in groups of three
        ("a, b.", 4),
        ("----", 2),  # a punctuation run: one, plus one per 2 marks after the first
        ("(see", 1),  # a single mark joins the word after it
        ("a\n\nb", 3),  # a blank line: two newlines count once
        ("\n\n", 1),
        ("café", 2),  # a non-ASCII letter is one token
        ("snake_case", 2),
    ],
)
def test_estimate_is_deterministic_and_word_aware(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


def test_estimate_never_exceeds_the_utf8_size_so_short_bodies_are_not_counted() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md"))[:80]]
    texts += ["日本語のテキスト", "😀😀😀", "é" * 50, "-" * 99, "x" * 1000]
    for text in texts:
        assert estimate_tokens(text) <= len(text.encode("utf-8"))
        assert not may_exceed(text, len(text.encode("utf-8")))


# -- the counter: tiktoken when it loads, else the estimate with the reason -----------------


def test_without_tiktoken_the_estimate_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # import raises ImportError
    got = counter()
    assert (got.name, got.exact, got.note) == ("estimate", False, "tiktoken is not installed")


def test_tiktoken_that_cannot_load_its_encoding_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = types.ModuleType("tiktoken")

    def get_encoding(name: str) -> object:
        # what tiktoken raises offline: its download of the encoding file fails
        raise ConnectionError(f"Failed to resolve host for {name}\nmore detail")

    fake.get_encoding = get_encoding  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    got = counter()
    assert (got.name, got.exact) == ("estimate", False)
    assert got.note == (
        "tiktoken cannot load cl100k_base (ConnectionError: Failed to resolve host for cl100k_base)"
    )
    assert got.count("hello world") == 2


def test_tiktoken_that_loads_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("tiktoken")

    class Encoding:
        def encode(self, text: str, disallowed_special: object = ()) -> list[int]:
            return [0] * len(text.split())

    fake.get_encoding = lambda name: Encoding()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    got = counter()
    assert (got.name, got.exact, got.note, got.count("a b c")) == (
        "tiktoken cl100k_base",
        True,
        "",
        3,
    )
    assert counter(exact=False).name == "estimate"  # what validate uses, installed or not


# -- SK060 / SK061 --------------------------------------------------------------------------


def test_body_over_the_token_budget_warns_at_the_line_past_it() -> None:
    body = "".join(f"Line {n} has some ordinary words in it.\n" for n in range(700))
    issues = body_issues("SKILL.md", body, 5)
    assert [(i.code, i.level) for i in issues] == [("SK060", "warning"), ("SK061", "warning")]
    sk061 = issues[1]
    assert sk061.message == (
        f"the body is about {estimate_tokens(body)} tokens (estimated); "
        "the spec recommends under 5000"
    )
    assert 5 < sk061.line < 5 + 700


def test_body_under_both_limits_passes() -> None:
    assert body_issues("SKILL.md", "word " * 4000, 5) == []  # 4,000 tokens, one line


def test_limits_are_configurable() -> None:
    body = "word " * 300 + "\n" + "x\n" * 9
    assert [i.code for i in body_issues("f", body, 5, Limits(max_body_tokens=200))] == ["SK061"]
    assert [i.code for i in body_issues("f", body, 5, Limits(max_body_lines=9))] == ["SK060"]
    sk060 = body_issues("f", body, 5, Limits(max_body_lines=9))[0]
    assert (sk060.line, sk060.message) == (14, "the body is 10 lines; the spec recommends under 9")


def test_config_keys_reach_validate(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("demo"), {"SKILL.md": HEAD + "word " * 300 + "\n"})
    assert cli.run(["validate", "-q", "demo"]) == 0
    assert capsys.readouterr().out == ""
    Path(".skrun.toml").write_text("max-body-tokens = 100\nmax-body-lines = 1\n")
    assert cli.run(["validate", "-q", "--strict", "demo"]) == 1
    out = capsys.readouterr().out
    assert (
        "SK061 error the body is about 301 tokens (estimated); the spec recommends under 100" in out
    )


@pytest.mark.parametrize("value", ["0", "-5", "true", '"5000"', "1.5"])
def test_a_bad_limit_is_a_located_config_error(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    make_tree(Path("demo"), {"SKILL.md": HEAD + "Body.\n"})
    Path("pyproject.toml").write_text(
        f"[project]\nname = 'x'\n\n[tool.skrun]\nmax-body-tokens = {value}\n"
    )
    assert cli.run(["validate", "demo"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "skrun: error: pyproject.toml:5: tool.skrun.max-body-tokens must be a positive integer"
    )
    assert "max-body-tokens = 5000" in err


def test_library_validate_takes_limits(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "demo", {"SKILL.md": HEAD + "one two three four\n"})
    assert check_paths([d]).issues == []
    assert [i.code for i in check_paths([d], limits=Limits(max_body_tokens=3)).issues] == ["SK061"]


# -- skrun stats ----------------------------------------------------------------------------


BODY = "Intro line.\n\n## Setup\n\nRun it.\n\n```md\n## not a heading\n```\n\n## Use\n\nCall it.\n"


def test_skill_budget_by_layer(tmp_path: Path) -> None:
    d = make_tree(
        tmp_path / "demo",
        {
            "SKILL.md": HEAD + BODY,
            "references/a.md": "alpha beta\n",
            "scripts/run.py": "print(1)\n",
            "assets/logo.png": b"\x89PNG\x00\x01",
            ".hidden": "x",
        },
    )
    budget = skill_budget(d, estimate_counter())
    assert budget.catalogue == estimate_tokens("name: demo\ndescription: Does x.\n")
    assert budget.body == estimate_tokens(BODY)
    assert [(s.heading, s.line, s.lines) for s in budget.sections] == [
        ("(top)", 5, 2),
        ("Setup", 7, 8),
        ("Use", 15, 3),
    ]
    assert sum(s.tokens for s in budget.sections) == budget.body
    assert [(r.path, r.tokens, r.skipped) for r in budget.resources] == [
        ("assets/logo.png", None, "binary"),
        ("references/a.md", 3, ""),
        ("scripts/run.py", estimate_tokens("print(1)\n"), ""),
    ]


def test_stats_text_and_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    make_tree(Path("demo"), {"SKILL.md": HEAD + BODY, "references/a.md": "alpha beta\n"})
    assert cli.run(["stats", "demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "tokens counted with: estimate (tiktoken is not installed)"
    assert out[2] == "demo  demo"
    assert out[3].split() == ["catalogue", "11", "every", "turn", "(name", "+", "description)"]
    assert out[4].startswith("  body ") and "on activation (13 lines)" in out[4]
    assert out[-2].split()[:2] == ["resources", "3"]
    assert out[-1].split() == ["3", "references/a.md"]
    assert cli.run(["stats", "--json", "demo"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["counter"] == {
        "name": "estimate",
        "exact": False,
        "note": "tiktoken is not installed",
    }
    [skill] = document["skills"]
    assert (skill["dir"], skill["name"], skill["catalogue"]) == ("demo", "demo", {"tokens": 11})
    assert [s["heading"] for s in skill["body"]["sections"]] == ["(top)", "Setup", "Use"]
    assert skill["resources"]["files"] == [
        {"path": "references/a.md", "bytes": 11, "tokens": 3, "skipped": ""}
    ]


def test_stats_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("good"), {"SKILL.md": HEAD + "Body.\n"})
    make_tree(Path("bad"), {"SKILL.md": "no frontmatter\n"})
    assert cli.run(["stats", "good", "bad"]) == 1
    captured = capsys.readouterr()
    assert "demo  good" in captured.out
    assert captured.err.startswith("skrun: error: bad/SKILL.md:1")
    assert cli.run(["stats", "missing"]) == 2
    Path("empty").mkdir()
    assert cli.run(["stats", "empty"]) == 1
    assert "no SKILL.md found" in capsys.readouterr().out


def test_stats_over_the_corpus_never_fails_on_a_readable_skill(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 39 skills; django-verification (SK007) and python-echo (SK005) cannot be split
    assert cli.run(["stats", "--json", "--estimate", str(CORPUS)]) == 1
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["skills"]) == 37
    assert len(captured.err.splitlines()) == 2 and "Traceback" not in captured.err
