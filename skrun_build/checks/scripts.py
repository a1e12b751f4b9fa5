"""What an agent's scripts/ holds: tool scripts, and imports that need a dependency manifest.

Skrun v0.7.0 runs a tool as `scripts/<tool>.py`, `.js` or `.ts` only (its script
provider skips every other extension, so such a tool fails at call time with
"Script not found"): `RUNNABLE_SUFFIXES`, case-sensitive as Node's `extname`.

Python imports are read with `ast` and compared with `sys.stdlib_module_names`;
JavaScript/TypeScript `import`/`require` are found by a tokenizing regex that
skips comments and string contents. Local modules of scripts/ are not
dependencies. Which manifest the runtime uses follows its detection order
(`skrun_build.formats.manifests.RULES`: package.json wins over pyproject.toml and
requirements.txt).
"""

from __future__ import annotations

import ast
import errno
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from skrun_build.formats.manifests import RULES

RUNNABLE_SUFFIXES = (".py", ".js", ".ts")
PY_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".venv", "venv", ".git"})
MAX_SCRIPT_BYTES = 2 * 1024 * 1024
MAX_AST_DEPTH = 500  # far beyond real code, far below where any parser gives up

NODE_BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
        "sqlite",
        "sea",
    ]
)

# One linear pass over the source: comments and strings are consumed whole, so
# an `import` inside them never matches. `from "x"` can only end an import or
# export statement in JS/TS, so it needs no look-back over the clause (which
# would make hostile input quadratic); the last `import`/`export` keyword seen
# says whether the statement is a TypeScript type-only one. An unclosed string
# or comment runs to the end of its line (or of the text) instead of failing,
# so no position is scanned twice.
_JS_TOKENS = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<bare>\bimport\s*(?P<q2>["'])(?P<m2>[^"'\n]+)(?P=q2))
  | (?P<call>(?<![\w$.])(?:require|import)\s*\(\s*(?P<q3>["'])(?P<m3>[^"'\n]+)(?P=q3)\s*\))
  | (?P<keyword>(?<![\w$.])(?:import|export)\b(?:\s+(?P<type>type)\b(?!\s*(?:from\b|,|=)))?)
  | (?P<from>(?<![\w$.])from\s*(?P<q1>["'])(?P<m1>[^"'\n]+)(?P=q1))
  | (?P<string>"[^"\\\n]*(?:\\.[^"\\\n]*)*(?:"|$)|'[^'\\\n]*(?:\\.[^'\\\n]*)*(?:'|$)
             |`[^`\\]*(?:\\.[^`\\]*)*(?:`|\Z))
    """,
    re.S | re.X | re.M,
)


def tool_scripts(dir: Path) -> set[str]:
    """Names `x` of the files `scripts/x.py|.js|.ts` (the tools the runtime can run)."""
    return {name for name, file in script_files(dir).items() if file.endswith(RUNNABLE_SUFFIXES)}


def script_files(dir: Path) -> dict[str, str]:
    """Stem -> file name of the files in `scripts/` with an extension; a runnable one wins."""
    found: dict[str, str] = {}
    for entry in _entries(dir / "scripts"):
        path = Path(entry.name)
        if not path.suffix or not _is_file(entry):
            continue
        if path.stem not in found or path.suffix in RUNNABLE_SUFFIXES:
            found[path.stem] = entry.name
    return found


def manifest_ecosystem(dir: Path) -> str:
    """ "node", "python" or "none": which dependencies the runtime would install."""
    manifest = runtime_manifest(dir)
    return "none" if manifest is None else _ECOSYSTEMS[manifest]


def runtime_manifest(dir: Path) -> str | None:
    """The root manifest the runtime would install from (its detection order), if any."""
    for manifest, _, _, _ in RULES:
        if (dir / manifest).is_file():
            return manifest
    return None


_ECOSYSTEMS = {manifest: ecosystem for manifest, ecosystem, _, _ in RULES}


Unreadable = list[tuple[Path, OSError]]


def scripts_without_manifest(
    dir: Path, unreadable: Unreadable | None = None
) -> list[tuple[Path, int, int, str, str]]:
    """(script, line, col, module, why) for each import no manifest of `dir` provides.

    Each folder of scripts/ that cannot be listed and each script that cannot be read
    is appended to `unreadable` (path, error), so no caller skips it silently.
    """
    scripts = dir / "scripts"
    if not scripts.is_dir():
        return []
    ecosystem = manifest_ecosystem(dir)
    found: list[tuple[Path, int, int, str, str]] = []
    modules: dict[Path, set[str]] = {}  # folder -> its local modules, listed once
    for script in _walk(scripts, unreadable):
        if unreadable is not None:
            try:
                os.close(os.open(script, os.O_RDONLY | os.O_NONBLOCK))
            except OSError as e:
                unreadable.append((script, e))
                continue
        if script.suffix in PY_SUFFIXES and ecosystem != "python":
            why = (
                "and package.json takes precedence, so no Python dependencies are installed"
                if ecosystem == "node"
                else "and the agent has no requirements.txt or pyproject.toml"
            )
            local = _python_modules(scripts, modules) | _python_modules(script.parent, modules)
            for line, col, module in python_imports(script):
                if module not in local:
                    found.append((script, line, col, module, why))
        elif script.suffix in JS_SUFFIXES and ecosystem != "node":
            why = "and the agent has no package.json"
            for line, col, module in js_imports(script):
                found.append((script, line, col, module, why))
    return found


def _entries(folder: Path, unreadable: Unreadable | None = None) -> list[os.DirEntry[str]]:
    """The entries of `folder` by name; none if it cannot be listed (noted in `unreadable`)."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as e:
        if unreadable is not None and e.errno != errno.ENOENT:
            unreadable.append((folder, e))
        return []


def _is_file(entry: os.DirEntry[str]) -> bool:
    # The listing's file type answers without a stat; an entry that needs one which
    # fails (a directory listed but not entered) is no script we can read.
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _walk(root: Path, unreadable: Unreadable | None = None) -> Iterator[Path]:
    # Depth first in name order, with a stack of its own: a folder tree deeper than
    # Python's recursion limit must not crash the check (Issue 15).
    folders = [root]
    pending = [iter(_entries(root, unreadable))]
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
            folders.pop()
            continue
        path = folders[-1] / entry.name
        if _is_dir(entry):
            if entry.name not in _SKIP_DIRS:
                folders.append(path)
                pending.append(iter(_entries(path, unreadable)))
        elif path.suffix in PY_SUFFIXES + JS_SUFFIXES and _is_file(entry):
            yield path


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _python_modules(folder: Path, cache: dict[Path, set[str]]) -> set[str]:
    """The modules and packages an import can find in `folder` (cached per folder)."""
    names = cache.get(folder)
    if names is None:
        names = cache[folder] = set()
        try:
            for entry in folder.iterdir():
                if entry.suffix == ".py" or (entry.is_dir() and entry.name not in _SKIP_DIRS):
                    names.add(entry.stem if entry.suffix == ".py" else entry.name)
        except OSError:
            pass
    return names


def python_imports(script: Path) -> list[tuple[int, int, str]]:
    """(line, col, top-level module) of each absolute non-stdlib import, first use only."""
    text = _read(script)
    if text is None:
        return []
    try:
        tree = ast.parse(text, filename=str(script))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # not ours to judge; running it will say
    seen: dict[str, tuple[int, int]] = {}
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".", 1)[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            at = (node.lineno, node.col_offset + 1)
            if top not in seen or at < seen[top]:
                seen[top] = at
    return sorted((line, col, module) for module, (line, col) in seen.items())


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of `tree`; none when it nests deeper than `MAX_AST_DEPTH`.

    How deep an expression `ast.parse` can build differs between interpreters (Python
    3.11 and 3.12 raise RecursionError near 3,000 levels, 3.13 builds it): a tree deeper
    than any real script is skipped like one the parser gave up on, on every version.
    """
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_AST_DEPTH:
            return []
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return found


def js_imports(script: Path) -> list[tuple[int, int, str]]:
    """(line, col, package) of each import of an npm package (not node: or built-in)."""
    text = _read(script)
    if text is None:
        return []
    seen: dict[str, tuple[int, int]] = {}
    type_only = False
    for match in _JS_TOKENS.finditer(text):
        if match.group("keyword"):
            type_only = match.group("type") is not None
            continue
        if match.group("from"):
            if type_only:
                type_only = False
                continue  # TypeScript `import type`: erased at run time
            spec, start = match.group("m1"), match.start("m1")
        elif match.group("bare"):
            spec, start = match.group("m2"), match.start("m2")
        elif match.group("call"):
            spec, start = match.group("m3"), match.start("m3")
        else:
            continue
        package = npm_package(spec)
        if package is None or package in seen:
            continue
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1)  # the opening quote, 1-based
        seen[package] = (line, col)
    return sorted((line, col, module) for module, (line, col) in seen.items())


def npm_package(spec: str) -> str | None:
    """The npm package a module specifier needs, or None for built-ins and local files."""
    if spec.startswith((".", "/", "node:", "bun:", "data:", "http:", "https:", "file:")):
        return None
    if spec.startswith("@"):
        parts = spec.split("/")
        return "/".join(parts[:2]) if len(parts) >= 2 else spec
    top = spec.split("/", 1)[0]
    return None if top in NODE_BUILTINS else top


def missing_script(tool: str, file: str | None) -> tuple[str, str] | None:
    """(message, hint) when Skrun v0.7.0 has no script to run for `tool`, else None."""
    if file is not None and file.endswith(RUNNABLE_SUFFIXES):
        return None
    add = f"add scripts/{tool}.py, scripts/{tool}.js or scripts/{tool}.ts"
    if file is None:
        return f'tool "{tool}" has no script scripts/{tool}.py, .js or .ts', add
    return (
        f'tool "{tool}" has only scripts/{file}; Skrun v0.7.0 runs only .py, .js and .ts'
        ' tools, so a call fails with "Script not found"',
        f"rewrite it as scripts/{tool}.py, .js or .ts (or have one of those run it)",
    )


def manifest_hint(script: Path, manifest: str | None) -> str:
    """Where the import must be listed for Skrun v0.7.0 to install it (one manifest, at the root)."""
    if script.suffix != ".py":
        if manifest is None:
            return "list it in package.json at the agent root"
        return (
            f"list it in package.json at the agent root; package.json then wins over"
            f" {manifest}, whose Python dependencies are no longer installed"
        )
    if manifest == "package.json":
        return (
            "the runtime installs only package.json's dependencies (package.json wins over"
            " requirements.txt and pyproject.toml): port the script to JavaScript or"
            " TypeScript, or remove package.json and list it in requirements.txt"
        )
    return "list it in requirements.txt or pyproject.toml at the agent root"
