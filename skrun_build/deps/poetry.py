"""Translate `poetry.lock` into a hash-pinned requirements list, so uv installs
exactly the locked versions and files without poetry.

Which packages: the `main` group. Lock format 2.1 (poetry 2) records each
package's groups and markers, used as they are. Older formats record neither
reliably, so the packages are found by walking the dependency graph from
pyproject.toml's main dependencies; an edge's marker is kept when a package is
reached only through marked edges (the markers of its parents are not combined).
Limits: packages from git, url, file or directory sources cannot be hash-checked
and are refused; extras of the project itself are not installed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from skrun_build.errors import DepsError

LOCK = "poetry.lock"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?")


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class _Package:
    name: str
    version: str
    hashes: list[str]
    groups: list[str] | None
    marker: str | None
    deps: dict[str, tuple[str | None, bool, list[str]]]  # name -> (marker, optional, extras)
    extras: dict[str, list[str]]
    source: dict[str, Any] = field(default_factory=dict)


def _toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DepsError(
            f"not valid TOML: {e}",
            path=file,
            hint="fix it, or regenerate the lock with `poetry lock`",
        ) from e
    except (ValueError, RecursionError) as e:
        # tomllib lets these escape: an integer of over 4300 digits, 100k nested arrays.
        deep = isinstance(e, RecursionError)
        what = "nesting is too deep" if deep else "a number has more than 4300 digits"
        fix = "flatten the arrays or tables" if deep else "quote the number as a string"
        raise DepsError(f"not valid TOML: {what}", path=file, hint=fix) from e


def _dep_spec(spec: Any) -> tuple[str | None, bool, list[str]]:
    # A dependency is "1.0", {version, markers, optional, extras}, or a list of those.
    specs = spec if isinstance(spec, list) else [spec]
    markers: list[str] = []
    optional = True
    extras: list[str] = []
    unconditional = False
    for s in specs:
        if not isinstance(s, dict):
            optional, unconditional = False, True
            continue
        optional = optional and bool(s.get("optional", False))
        extras += [str(x) for x in s.get("extras", [])]
        m = s.get("markers")
        if isinstance(m, str) and m.strip():
            markers.append(m)
        else:
            unconditional = True
    marker = None if unconditional or not markers else _any_of(markers)
    return marker, optional, extras


def _packages(lock: dict[str, Any]) -> dict[str, _Package]:
    meta_files = lock.get("metadata", {}).get("files", {})
    out: dict[str, _Package] = {}
    for raw in lock.get("package", []):
        name = normalize(str(raw.get("name", "")))
        files = raw.get("files") or meta_files.get(raw.get("name"), []) or meta_files.get(name, [])
        hashes = sorted({str(f["hash"]) for f in files if isinstance(f, dict) and "hash" in f})
        groups = raw.get("groups")
        if groups is None and "category" in raw:
            groups = [str(raw["category"])]
        markers = raw.get("markers")
        marker = markers.get("main") if isinstance(markers, dict) else markers
        out[name] = _Package(
            name=name,
            version=str(raw.get("version", "")),
            hashes=hashes,
            groups=None if groups is None else [str(g) for g in groups],
            marker=str(marker) if isinstance(marker, str) and marker.strip() else None,
            deps={normalize(k): _dep_spec(v) for k, v in raw.get("dependencies", {}).items()},
            extras={str(k): [str(x) for x in v] for k, v in raw.get("extras", {}).items()},
            source=dict(raw.get("source", {})),
        )
    return out


def _roots(pyproject: dict[str, Any]) -> dict[str, tuple[str | None, list[str]]]:
    """Main dependencies of the project: name -> (marker, extras)."""
    roots: dict[str, tuple[str | None, list[str]]] = {}
    for req in pyproject.get("project", {}).get("dependencies", []) or []:
        m = _NAME.match(str(req))
        if m:
            marker = str(req).split(";", 1)[1].strip() if ";" in str(req) else None
            extras = [x.strip() for x in (m.group(3) or "").split(",") if x.strip()]
            roots[normalize(m.group(1))] = (marker or None, extras)
    poetry_deps = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    for name, spec in poetry_deps.items():
        if normalize(name) == "python":
            continue
        marker, optional, extras = _dep_spec(spec)
        if not optional:
            roots.setdefault(normalize(name), (marker, extras))
    return roots


def _walk(
    packages: dict[str, _Package], roots: dict[str, tuple[str | None, list[str]]]
) -> dict[str, str | None]:
    """Package -> marker (None: always) reachable from the roots."""
    markers: dict[str, set[str] | None] = {}  # None: reached unconditionally
    queue: list[tuple[str, str | None, list[str]]] = [(n, m, e) for n, (m, e) in roots.items()]
    seen: set[tuple[str, str | None, tuple[str, ...]]] = set()
    while queue:
        name, marker, extras = queue.pop()
        state = (name, marker, tuple(sorted(extras)))
        if state in seen or name not in packages:
            continue
        seen.add(state)
        if marker is None:
            markers[name] = None
        elif name not in markers:
            markers[name] = {marker}
        elif (current := markers[name]) is not None:
            current.add(marker)
        pkg = packages[name]
        wanted: set[str] = set()
        for extra in extras:
            for req in pkg.extras.get(extra, []):
                if found := _NAME.match(req):
                    wanted.add(normalize(found.group(1)))
        for dep, (dep_marker, optional, dep_extras) in pkg.deps.items():
            if optional and dep not in wanted:
                continue
            queue.append((dep, dep_marker, dep_extras))
    return {n: None if m is None else _any_of(sorted(m)) for n, m in markers.items()}


def _any_of(markers: list[str]) -> str:
    return markers[0] if len(markers) == 1 else " or ".join(f"({m})" for m in markers)


def requirements_from_poetry(lock_text: str, pyproject_text: str) -> str:
    """A `--require-hashes` requirements text for the main group of the lock."""
    lock = _toml(lock_text, LOCK)
    pyproject = _toml(pyproject_text, "pyproject.toml")
    packages = _packages(lock)
    roots = _roots(pyproject)
    missing = sorted(n for n in roots if n not in packages)
    if missing:
        raise DepsError(
            f"out of date: pyproject.toml requires {', '.join(missing)}, which it does not lock",
            path=LOCK,
            hint="run `poetry lock` and commit the new poetry.lock",
        )
    if any(p.groups is not None for p in packages.values()):
        selected = {n: p.marker for n, p in packages.items() if p.groups and "main" in p.groups}
    else:
        selected = _walk(packages, roots)
    return _render(packages, selected)


def _render(packages: dict[str, _Package], selected: dict[str, str | None]) -> str:
    lines: list[str] = []
    indexes: list[str] = []
    for name in sorted(selected):
        pkg = packages[name]
        kind = str(pkg.source.get("type", ""))
        if kind == "legacy" and pkg.source.get("url"):
            indexes.append(str(pkg.source["url"]))
        elif kind:
            raise DepsError(
                f"package {pkg.name} comes from a {kind} source, which cannot be installed "
                "hash-checked",
                path=LOCK,
                hint="publish it to an index, or use uv.lock",
            )
        if not pkg.hashes:
            raise DepsError(
                f"package {pkg.name} {pkg.version} has no file hashes",
                path=LOCK,
                hint="run `poetry lock` with a recent poetry",
            )
        marker = selected[name]
        line = f"{pkg.name}=={pkg.version}" + (f" ; {marker}" if marker else "")
        lines.append(line + "".join(f" \\\n    --hash={h}" for h in pkg.hashes))
    head = [f"--extra-index-url {u}" for u in _unique(indexes)]
    return "\n".join([*head, *lines]) + "\n"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
