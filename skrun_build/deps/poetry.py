"""Translate `poetry.lock` into a hash-pinned requirements list, so uv installs
exactly the locked versions and files without poetry.

Which packages: those Skrun v0.7.0's `poetry install --no-root` installs, so
every group that pyproject.toml does not mark `optional = true` (`main`, `dev`,
...), never the project itself. Lock format 2.1 (poetry 2) records each
package's groups and per-group markers, used as they are. Older formats record
neither reliably, so the packages are found by walking the dependency graph from
pyproject.toml's main and non-optional group dependencies; an edge's marker is
kept when a package is reached only through marked edges (the markers of its
parents are not combined).
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
    markers: str | dict[str, str] | None  # one marker, or one per group (lock 2.1)
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
        raw_markers = raw.get("markers")
        markers: str | dict[str, str] | None = None
        if isinstance(raw_markers, dict):
            markers = {str(g): str(m) for g, m in raw_markers.items() if str(m).strip()}
        elif isinstance(raw_markers, str) and raw_markers.strip():
            markers = raw_markers
        out[name] = _Package(
            name=name,
            version=str(raw.get("version", "")),
            hashes=hashes,
            groups=None if groups is None else [str(g) for g in groups],
            markers=markers,
            deps={normalize(k): _dep_spec(v) for k, v in raw.get("dependencies", {}).items()},
            extras={str(k): [str(x) for x in v] for k, v in raw.get("extras", {}).items()},
            source=dict(raw.get("source", {})),
        )
    return out


def _optional_groups(pyproject: dict[str, Any]) -> set[str]:
    """Groups marked `optional = true`: `poetry install` leaves them out."""
    groups = pyproject.get("tool", {}).get("poetry", {}).get("group", {}) or {}
    return {
        str(name)
        for name, group in groups.items()
        if isinstance(group, dict) and group.get("optional") is True
    }


def _group_marker(pkg: _Package, groups: list[str]) -> str | None:
    """The marker under which `pkg` is installed for the selected `groups` (None: always)."""
    if not isinstance(pkg.markers, dict):
        return pkg.markers
    found: list[str] = []
    for group in groups:
        marker = pkg.markers.get(group)
        if marker is None:
            return None  # this group needs it unconditionally
        found.append(marker)
    return _any_of(sorted(set(found))) if found else None


def _roots(
    pyproject: dict[str, Any], optional: set[str]
) -> dict[str, tuple[str | None, list[str]]]:
    """Main and non-optional group dependencies of the project: name -> (marker, extras)."""
    roots: dict[str, tuple[str | None, list[str]]] = {}
    for req in pyproject.get("project", {}).get("dependencies", []) or []:
        m = _NAME.match(str(req))
        if m:
            marker = str(req).split(";", 1)[1].strip() if ";" in str(req) else None
            extras = [x.strip() for x in (m.group(3) or "").split(",") if x.strip()]
            roots[normalize(m.group(1))] = (marker or None, extras)
    poetry = pyproject.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}) or {}, poetry.get("dev-dependencies", {}) or {}]
    for group_name, group in (poetry.get("group", {}) or {}).items():
        if isinstance(group, dict) and str(group_name) not in optional:
            tables.append(group.get("dependencies", {}) or {})
    for table in tables:
        for name, spec in table.items():
            if normalize(name) == "python":
                continue
            marker, is_optional, extras = _dep_spec(spec)
            if not is_optional:
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
    """A `--require-hashes` requirements text for every non-optional group of the lock."""
    lock = _toml(lock_text, LOCK)
    pyproject = _toml(pyproject_text, "pyproject.toml")
    packages = _packages(lock)
    optional = _optional_groups(pyproject)
    roots = _roots(pyproject, optional)
    missing = sorted(n for n in roots if n not in packages)
    if missing:
        raise DepsError(
            f"out of date: pyproject.toml requires {', '.join(missing)}, which it does not lock",
            path=LOCK,
            hint="run `poetry lock` and commit the new poetry.lock",
        )
    if any(p.groups is not None for p in packages.values()):
        selected = {}
        for name, pkg in packages.items():
            wanted = [g for g in pkg.groups or [] if g not in optional]
            if wanted:
                selected[name] = _group_marker(pkg, wanted)
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
