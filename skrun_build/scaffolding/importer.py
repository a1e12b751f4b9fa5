"""`skrun init --from-skill`: write agent.yaml for an existing Agent Skill.

SKILL.md is never modified: it stays the source of the name, description and
every frontmatter key. It is checked as the SKILL.md of an agent:
what Skrun v0.7.0's push would refuse stops the import before anything is written,
and the folder's name does not matter. Tools are declared only for `allowed-tools`
names that have a script Skrun v0.7.0 can run, `scripts/<name>.py|.js|.ts`
(the only tool scripts Skrun v0.7.0 runs); a script of another kind is reported with the reason, and
the other names are the host client's built-in tools, reported as not mapped.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.checks.scripts import RUNNABLE_SUFFIXES, script_files
from skrun_build.checks.skill import SPEC_KEYS
from skrun_build.deps.detect import manifest_names
from skrun_build.errors import ScaffoldError, UsageError, ValidationFailed
from skrun_build.formats.agent_fields import VERSION_PATTERN
from skrun_build.formats.manifests import CANDIDATES
from skrun_build.scaffolding import values as names
from skrun_build.scaffolding.place import place_tree, write_file_atomic
from skrun_build.scaffolding.templates import DEFAULT_MODEL, DEFAULT_NAMESPACE

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.issues import Issue

DEFAULT_INPUTS: tuple[tuple[str, str, str], ...] = (
    ("request", "string", "What the user asks the agent to do."),
)
DEFAULT_OUTPUTS: tuple[tuple[str, str, str], ...] = (("result", "string", "The agent's answer."),)
# Never copied by --into: VCS data, installed dependencies, caches, secrets, bundles.
COPY_EXCLUDE = frozenset(
    {".git", "node_modules", "__pycache__", ".pytest_cache", ".venv", "venv", ".DS_Store", ".env"}
)
_SEMVER = re.compile(VERSION_PATTERN)
# Folders a skill copied by --into may nest; deeper is almost certainly hostile, and
# Path/os helpers recurse once per folder (RecursionError near 1,000 on Python 3.11).
MAX_COPY_DEPTH = 256


@dataclass
class ImportResult:
    """What `import_skill` wrote (or would write with `dry_run`) and what it found."""

    source: Path
    target: Path
    agent_name: str
    agent_yaml: str
    files: list[str]
    tools: list[str] = field(default_factory=list)
    host_tools: list[str] = field(default_factory=list)
    unmapped_keys: list[str] = field(default_factory=list)
    context_mode: str = "skill"
    manifest: str | None = None
    lockfile: str | None = None
    issues: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def import_skill(
    path: str | os.PathLike[str],
    *,
    into: str | os.PathLike[str] | None = None,
    namespace: str | None = None,
    model: str | None = None,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    allowed_hosts: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Write agent.yaml for the Agent Skill at `path` (in place, or into a copy at `into`)."""
    # Every flag value is checked before anything is read or written.
    namespace = names.check_namespace(namespace or DEFAULT_NAMESPACE)
    provider, model_name = names.parse_model(model or DEFAULT_MODEL)
    input_specs = [names.parse_io(s, "--input") for s in inputs]
    output_specs = [names.parse_io(s, "--output") for s in outputs]
    _no_duplicates(input_specs, "--input")
    _no_duplicates(output_specs, "--output")
    hosts = list(dict.fromkeys(names.check_host(h) for h in allowed_hosts))

    given = _skill_dir(Path(path))
    source = Path(os.path.abspath(given))
    target = source if into is None else Path(os.path.abspath(into))
    _check_destination(source, target, given, force=force)

    # The very check `skrun validate` runs, so the same issues come out, naming the path
    # as the user gave it.
    from skrun_build.checks.run import check_skill_dir

    skill, issues = check_skill_dir(given, agent=True)
    errors = [i for i in issues if i.level == "error"]
    if skill is None or errors:
        raise ValidationFailed(
            issues, f"{given / 'SKILL.md'} has {len(errors)} error(s); nothing was written"
        )
    frontmatter = skill.frontmatter
    skill_name = str(frontmatter["name"])

    result = ImportResult(
        source=source,
        target=target,
        agent_name=f"{namespace}/{skill_name}",
        agent_yaml="",
        files=[],
        issues=[i for i in issues if i.level != "error"],
        dry_run=dry_run,
    )
    config = _agent_config(
        result,
        source,
        frontmatter,
        provider=provider,
        model_name=model_name,
        inputs=input_specs or [(n, t, d) for n, t, d in DEFAULT_INPUTS],
        outputs=output_specs or [(n, t, d) for n, t, d in DEFAULT_OUTPUTS],
        hosts=hosts,
    )
    if not input_specs:
        result.notes.append("no --input given: declared the default input request:string")
    if not output_specs:
        result.notes.append("no --output given: declared the default output result:string")
    result.agent_yaml = _to_yaml(config, source)

    data = result.agent_yaml.encode("utf-8")
    if into is None:
        result.files = ["agent.yaml"]
        if not dry_run:
            write_file_atomic(target / "agent.yaml", data)
    else:
        copied = _copy_list(source)
        result.files = sorted({*copied, "agent.yaml"})
        if not dry_run:
            place_tree(target, _copy_writer(source, copied, data), force=force)
    return result


def split_allowed_tools(value: Any) -> list[str]:
    """Tool names of an `allowed-tools` value: space/comma-separated or a list, deduplicated.

    `Bash(git:*)` becomes `Bash`; order of first appearance is kept.
    """
    items: list[str] = []
    if isinstance(value, str):
        items = _split_outside_parens(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                # A list item is one tool spec, but people still put commas in them.
                items.extend(i.strip() for i in _split_outside_parens(item, spaces=False))
    out: dict[str, None] = {}
    for item in items:
        base = item.split("(", 1)[0].strip()
        if base:
            out.setdefault(base, None)
    return list(out)


def _split_outside_parens(text: str, *, spaces: bool = True) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and (ch == "," or (spaces and ch.isspace())):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _skill_dir(path: Path) -> Path:
    if path.name == "SKILL.md":
        path = path.parent  # as `skrun validate` reads it, even when SKILL.md is no file
    if not path.exists():
        raise UsageError(
            f"--from-skill: {path} does not exist",
            hint="pass the folder that holds the skill's SKILL.md",
        )
    if not path.is_dir():
        raise UsageError(f"--from-skill: {path} is not a directory", hint="pass the skill folder")
    md = path / "SKILL.md"
    if not (md.exists() or md.is_symlink()):
        raise ScaffoldError(
            f"{path} has no SKILL.md", hint="pass the folder that holds the skill's SKILL.md"
        )
    return path


def _check_destination(source: Path, target: Path, given: Path, *, force: bool) -> None:
    # An existing agent.yaml is the user's config: replacing it, even in a copy, needs --force.
    existing = source / "agent.yaml"
    shown = given / "agent.yaml"
    if (existing.exists() or existing.is_symlink()) and not force:
        what = "overwrite it" if target == source else "replace it in the copy"
        raise ScaffoldError(f"{shown} already exists", hint=f"pass --force to {what}")
    if existing.is_dir():
        raise ScaffoldError(
            f"{shown} is a directory", hint="remove or rename it; agent.yaml must be a file"
        )
    if target == source:
        return
    if target.is_relative_to(source):
        raise UsageError(
            f"--into: {target} is inside the skill folder {source}",
            hint="pick a directory outside the skill, or drop --into to write in place",
        )
    if source.is_relative_to(target):
        raise UsageError(
            f"--into: {target} contains the skill folder {source}",
            hint="pick a directory outside the skill, or drop --into to write in place",
        )
    from skrun_build.scaffolding.templates import check_target

    check_target(target, force=force)


def _no_duplicates(specs: Iterable[tuple[str, str]], flag: str) -> None:
    seen: set[str] = set()
    for name, _ in specs:
        if name in seen:
            raise UsageError(f"{flag}: {name!r} is given twice", hint=f"pass each {flag} name once")
        seen.add(name)


def _scripts(source: Path) -> dict[str, str]:
    """Stem -> file name in scripts/, a runnable script first; manifests and lockfiles are none."""
    return {
        stem: name
        for stem, name in script_files(source).items()
        if not stem.startswith((".", "_")) and not _is_manifest(name)
    }


def _is_manifest(name: str) -> bool:
    # Dependency and build files are never tools, whatever allowed-tools says.
    return (
        name in CANDIDATES
        or name.endswith((".lock", ".lockb", "-lock.json", "-lock.yaml"))
        or name in ("setup.py", "setup.cfg", "tsconfig.json", "jsconfig.json")
    )


def _agent_config(
    result: ImportResult,
    source: Path,
    frontmatter: dict[str, Any],
    *,
    provider: str,
    model_name: str,
    inputs: list[tuple[str, str]] | list[tuple[str, str, str]],
    outputs: list[tuple[str, str]] | list[tuple[str, str, str]],
    hosts: list[str],
) -> dict[str, Any]:
    version = "0.1.0"
    fm_version = frontmatter.get("version")
    if isinstance(fm_version, str) and _SEMVER.match(fm_version):
        version = fm_version
        result.notes.append(f"version {version} taken from the SKILL.md frontmatter")
    result.unmapped_keys = [str(k) for k in frontmatter if k not in SPEC_KEYS]
    if result.unmapped_keys:
        result.warnings.append(
            "frontmatter keys agent.yaml cannot hold (kept in SKILL.md): "
            + ", ".join(result.unmapped_keys)
        )

    scripts = _scripts(source)
    tools: list[dict[str, Any]] = []
    for tool in split_allowed_tools(frontmatter.get("allowed-tools")):
        script = scripts.get(tool)
        if script is not None and not script.endswith(RUNNABLE_SUFFIXES):
            result.notes.append(
                f"scripts/{script}: Skrun v0.7.0 runs only .py, .js, .ts tools,"
                f" so {tool} is not declared as a tool"
            )
        elif script is not None and names.TOOL_NAME_RE.match(tool):
            result.tools.append(tool)
            tools.append(
                {
                    "name": tool,
                    "description": f"Run scripts/{script} (JSON on stdin, JSON on stdout).",
                    "input_schema": {"type": "object", "properties": {}},
                    "required": False,
                }
            )
        else:
            result.host_tools.append(tool)
    if result.host_tools:
        result.notes.append(
            "host tools not mapped (no script in scripts/): " + ", ".join(result.host_tools)
        )
    unlisted = [
        f"scripts/{f}"
        for stem, f in scripts.items()
        if stem not in result.tools and f.endswith(RUNNABLE_SUFFIXES)
    ]
    if unlisted and frontmatter.get("allowed-tools") is not None:
        result.notes.append(
            "scripts not named in allowed-tools, so not declared as tools: " + ", ".join(unlisted)
        )

    agents_md = source / "AGENTS.md"
    if agents_md.is_file():
        if agents_md.read_bytes().strip():
            result.context_mode = "persistent"
            result.notes.append("AGENTS.md found: context_mode persistent")
        else:
            result.notes.append("AGENTS.md is empty: context_mode stays skill")

    # Skrun v0.7.0's own detection: the agent root only, in its precedence order.
    result.manifest, result.lockfile = manifest_names(
        {name for name in CANDIDATES if (source / name).is_file()}
    )
    if result.manifest is not None:
        lock = f" with {result.lockfile}" if result.lockfile else " without a lockfile"
        result.notes.append(f"dependency manifest: {result.manifest}{lock}")
        if result.lockfile is None:
            result.warnings.append(
                f"{result.manifest} has no lockfile: script dependencies are not reproducible"
            )

    return {
        "name": result.agent_name,
        "version": version,
        "model": {"provider": provider, "name": model_name},
        "tools": tools,
        "mcp_servers": [],
        "tool_choice": "auto",
        "parallel_tools": True,
        "inputs": [_io_entry(spec, is_input=True) for spec in inputs],
        "outputs": [_io_entry(spec, is_input=False) for spec in outputs],
        "environment": {
            "networking": {"allowed_hosts": hosts},
            "filesystem": "read-only",
            "secrets": [],
            "timeout": "300s",
            "sandbox": "strict",
        },
        "context_mode": result.context_mode,
        "state": {"type": "kv", "ttl": "30d"},
        "tests": [],
    }


def _io_entry(spec: tuple[str, ...], *, is_input: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": spec[0], "type": spec[1]}
    if is_input:
        entry["required"] = True
    if len(spec) > 2:
        entry["description"] = spec[2]
    return entry


def _to_yaml(config: dict[str, Any], source: Path) -> str:
    import yaml

    header = (
        f"# Skrun runtime configuration, written by `skrun init --from-skill` for the\n"
        f"# skill in {source.name}/ (SKILL.md stays the source of its name and description).\n"
    )
    body = yaml.dump(
        config,
        Dumper=_core_schema_dumper(),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + body


def _core_schema_dumper() -> Any:
    """A SafeDumper that double-quotes every string YAML 1.2 core would read as non-string.

    PyYAML's dumper quotes what YAML 1.1 would retype (`yes`, `1:30`) but leaves `0o17`,
    `1e3` or `.inf` plain; Skrun v0.7.0 reads agent.yaml as YAML 1.2 core (yaml_schema).
    """
    import yaml

    from skrun_build.formats.yaml_schema import plain_value

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        style = None if isinstance(plain_value(data), str) else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, represent_str)
    return Dumper


def _copy_list(source: Path) -> list[str]:
    # An explicit stack, not os.walk (which recurses once per folder on Python 3.11), and a
    # depth bound: a skill nested deeper than MAX_COPY_DEPTH folders is refused, named.
    out: list[str] = []
    stack: list[tuple[str, int]] = [("", 0)]
    while stack:
        rel_root, depth = stack.pop()
        folder = source / rel_root if rel_root else source
        try:
            with os.scandir(folder) as it:
                entries = [(e.name, e.is_dir() and not e.is_symlink()) for e in it]
        except OSError:
            continue  # as os.walk did: the copy itself then names what it cannot read
        subdirs: list[str] = []
        for name, is_dir in sorted(entries):
            rel = f"{rel_root}/{name}" if rel_root else name
            if name in COPY_EXCLUDE:
                continue
            if is_dir:
                if depth + 1 > MAX_COPY_DEPTH:
                    raise ScaffoldError(
                        f"{source / rel}: folders nested more than {MAX_COPY_DEPTH} deep",
                        hint="flatten the skill's folders, or import without --into",
                    )
                subdirs.append(rel)
            elif not (name.endswith(".agent") or (name == "agent.yaml" and not rel_root)):
                # A symlink (to a folder too) is copied as the link itself.
                out.append(rel)
        stack.extend((d, depth + 1) for d in reversed(subdirs))
    return out  # os.walk's order: a folder's files, then each sub-folder's, by name


def _copy_writer(source: Path, files: list[str], agent_yaml: bytes) -> Any:
    def write(root: Path) -> None:
        for rel in files:
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, dest, follow_symlinks=False)
        (root / "agent.yaml").write_bytes(agent_yaml)
        os.chmod(root / "agent.yaml", 0o644)

    return write
