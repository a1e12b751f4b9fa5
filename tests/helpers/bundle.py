"""Helpers for the bundle tests: a minimal valid agent around any extra files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.trees import make_tree


def agent_yaml(slug: str, version: str = "0.1.0") -> str:
    return (
        f"name: tests/{slug}\n"
        f"version: {version}\n"
        "model:\n  provider: anthropic\n  name: claude-sonnet-4-5\n"
        "inputs:\n  - name: text\n    type: string\n"
        "outputs:\n  - name: text\n    type: string\n"
    )


def skill_md(name: str) -> str:
    return f"---\nname: {name}\ndescription: A test agent named {name}. Use in tests.\n---\n\n# {name}\n"


def agent_tree(parent: Path, files: dict[str, Any] | None = None, slug: str = "demo") -> Path:
    """`parent/<slug>/` holding agent.yaml, SKILL.md and `files` (a make_tree dict)."""
    return make_tree(
        parent / slug,
        {"agent.yaml": agent_yaml(slug), "SKILL.md": skill_md(slug), **(files or {})},
    )
