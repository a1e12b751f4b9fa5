"""Write docs/rules.md and docs/rules-agent.md from the rule registry (skrun_build/checks/codes/).

The prose around the rules lives in scripts/templates/*.md.in; each `{{rules XX}}` line there
becomes the entries of prefix XX. Run it after changing a rule or a template:

    python scripts/gen_rules_docs.py          # rewrite the docs
    python scripts/gen_rules_docs.py --check  # exit 1 if a doc is out of date (CI, tests)
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from skrun_build.checks.codes import RULES, Rule  # noqa: E402
from skrun_build.fsutil import write_atomic  # noqa: E402

WIDTH = 100
# A wrapped line must not start with something Markdown reads as a block (list, heading, ...).
_BLOCK_START = re.compile(r"^(?:[-*+>#|]|\d+[.)])(?:\s|$)")


def _wrap(text: str, width: int = WIDTH, indent: str = "") -> list[str]:
    lines = textwrap.wrap(
        text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    if any(_BLOCK_START.match(line.strip()) for line in lines[1:]):
        return [text]  # one long line rather than a list item out of nowhere
    return lines


def _bullet(label: str, text: str) -> list[str]:
    if "\n" in text:  # an example with a code block keeps its own lines
        first, *rest = text.split("\n")
        head = f"- {label}: {first}" if first else f"- {label}:"
        return [head, *(f"  {line}" if line else "" for line in rest)]
    return [f"- {label}: {text}"]


def _body(rule: Rule) -> list[str]:
    lines = [*_wrap(rule.why), ""] if rule.why else []
    for example in rule.fails:
        lines += _bullet("fails", example)
    lines += _bullet("passes", rule.passes)
    lines += [
        *_wrap(f"- fix: {rule.fix}", indent="  "),
        *_wrap(f"- source: {rule.source}", indent="  "),
    ]
    return lines


def _skill_heading(rule: Rule) -> str:
    return f"### {rule.code} {rule.level}: {rule.summary}"


def _agent_heading(rule: Rule) -> str:
    return f"### {rule.code} {rule.summary} ({rule.level})"


# doc -> (template, heading style)
DOCS: dict[str, tuple[str, Callable[[Rule], str]]] = {
    "docs/rules.md": ("scripts/templates/rules.md.in", _skill_heading),
    "docs/rules-agent.md": ("scripts/templates/rules-agent.md.in", _agent_heading),
}


def render(doc: str) -> str:
    """The text of `doc` (a key of DOCS) as the registry and its template say."""
    template, heading = DOCS[doc]
    header = (
        f"<!-- Generated from skrun_build/checks/codes/ and {template}"
        " by scripts/gen_rules_docs.py: edit those, not this file. -->\n\n"
    )

    def rules(match: re.Match[str]) -> str:
        prefix = match.group(1)
        sections = [
            "\n".join([heading(rule), *_body(rule)])
            for code, rule in RULES.items()
            if code.startswith(prefix)
        ]
        if not sections:
            raise SystemExit(f"{template}: no rules with prefix {prefix}")
        return "\n\n".join(sections)

    text = (REPO / template).read_text(encoding="utf-8")
    return header + re.sub(r"^\{\{rules ([A-Z]{2})\}\}$", rules, text, flags=re.M)


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print("usage: gen_rules_docs.py [--check]", file=sys.stderr)
        return 2
    stale = []
    for doc in DOCS:
        text = render(doc)
        path = REPO / doc
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(doc)
        if not check:
            write_atomic(path, text.encode("utf-8"))
            print(f"wrote {doc}")
    if check and stale:
        print(
            f"out of date: {', '.join(stale)} (run: python scripts/gen_rules_docs.py)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
