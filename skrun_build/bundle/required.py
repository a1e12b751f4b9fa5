"""The files a bundle cannot do without, and the error when an ignore rule drops one.

`.gitignore` and `.skrunignore` are honoured, but a rule there must never leave
out what the Skrun runtime (v0.7.0) needs to run the bundle: SKILL.md,
agent.yaml, the script of each declared tool (`scripts/<tool>.py`, `.js` or
`.ts`, the only extensions the runtime runs), the dependency manifest its
detection would pick at the root and that manifest's lockfile (so `skrun deps
hash` of the folder and of the bundle always agree), and AGENTS.md when
`context_mode: persistent` needs it. A plain skill (`--format skill`) needs
only SKILL.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.bundle.format import Format
from skrun_build.bundle.ignore import Rules, Verdict
from skrun_build.errors import BundleError, SkrunError

# The runtime's script extensions (Skrun v0.7.0 script-provider): anything else is
# "not found" when the tool is called.
SCRIPT_EXTENSIONS = (".py", ".js", ".ts")


@dataclass(frozen=True, slots=True)
class Required:
    """Files of which at least one must be packed (a tool may have a .py and a .js)."""

    candidates: tuple[str, ...]
    why: str


def required_files(source: Path, fmt: Format) -> list[Required]:
    """What `source` holds that its bundle needs, in the order errors name them."""
    out = [Required(("SKILL.md",), "the skill itself")]
    if fmt == "skill":
        return [r for r in out if _exists(source, r.candidates[0])]
    out.append(Required(("agent.yaml",), "the agent's config"))
    tools, persistent = _declared(source)
    for tool in tools:
        scripts = tuple(f"scripts/{tool}{ext}" for ext in SCRIPT_EXTENSIONS)
        out.append(Required(scripts, f"the script of tool {tool!r}"))
    if persistent:
        out.append(Required(("AGENTS.md",), "context_mode: persistent reads it"))
    from skrun_build.deps.detect import manifest_names
    from skrun_build.formats.manifests import CANDIDATES

    manifest, lock = manifest_names([n for n in CANDIDATES if _exists(source, n)])
    if manifest is not None:
        out.append(Required((manifest,), "the dependency manifest the Skrun runtime detects"))
    if lock is not None:
        out.append(Required((lock,), f"the lockfile of {manifest}"))
    kept = []
    for r in out:
        present = tuple(c for c in r.candidates if _exists(source, c))
        if present:
            kept.append(Required(present, r.why))
    return kept


def check_required(source: Path, fmt: Format, rules: Rules, packed: Collection[str]) -> None:
    """Raise a BundleError naming the rule that excludes each required file."""
    problems: list[tuple[Verdict, str]] = []
    for r in required_files(source, fmt):
        if any(c in packed for c in r.candidates):
            continue
        verdict = rules.explain(r.candidates[0])
        if not verdict.included:
            problems.append((verdict, r.why))
    if not problems:
        return
    listed = "; ".join(f"{v.path} ({why}) is {v.reason()}" for v, why in problems)
    first = problems[0][0]
    if "/" in first.source:
        fix = f"remove or change that rule in {first.source}"
    else:
        again = f"!/{first.parent}/" if first.parent else f"!/{first.path}"
        fix = f'remove that rule, or re-include it with "{again}" at the end of .skrunignore'
    raise BundleError(
        f"the bundle would lack what it needs to run: {listed}", path=source, hint=fix
    )


def _exists(source: Path, rel: str) -> bool:
    try:
        return source.joinpath(*rel.split("/")).is_file()
    except OSError:
        return False  # the walk reports what it cannot read


def _declared(source: Path) -> tuple[list[str], bool]:
    """(tool names, context_mode is persistent) read loosely from agent.yaml.

    Loose on purpose: `--list` does not validate, and a build has validated already.
    """
    from skrun_build.formats.yaml import load_yaml

    try:
        text = (source / "agent.yaml").read_text(encoding="utf-8")
        data: Any = load_yaml(text, file="agent.yaml").data
    except (OSError, ValueError, SkrunError):
        return [], False
    if not isinstance(data, dict):
        return [], False
    tools = data.get("tools")
    names = [
        t["name"]
        for t in (tools if isinstance(tools, list) else [])
        if isinstance(t, dict) and isinstance(t.get("name"), str) and "/" not in t["name"]
    ]
    return names, data.get("context_mode") == "persistent"
