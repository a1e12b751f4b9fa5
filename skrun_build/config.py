"""`[tool.skrun]` settings, from a `.skrun.toml` or `pyproject.toml` found upward.

The search starts at the given path (its directory for a file) and walks up to the
filesystem root. In each directory a `.skrun.toml` wins (its keys at the top level,
or under `[tool.skrun]`); a `pyproject.toml` counts only when it has a
`[tool.skrun]` table, like ruff and black do. The first hit is the config; none is
the default. Keys: `select`, `ignore` (lists of rule codes or prefixes), `strict`
(bool), `target` (`generic`, `claude-code` or `codex`), `per-file-ignores` (a table of
glob pattern -> codes, patterns relative to the config's folder, as in ruff) and the
`build` table (`[tool.skrun.build]`, `skrun build`'s settings, see `BuildConfig`).
Anything malformed raises `ConfigError` naming the file and key (and its line, for a
per-file-ignores entry); `max-body-lines` and `max-body-tokens` (positive integers:
SK060 and SK061's limits, default 500 and 5000). Whether the codes exist is the validator's question, not this
module's: the CLI asks it (`cli.validate_cmd.find_checked_config`), so settings
never import rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.errors import ConfigError, os_hint

KEYS = (
    "select",
    "ignore",
    "strict",
    "target",
    "per-file-ignores",
    "max-body-lines",
    "max-body-tokens",
    "build",
)
PER_FILE = "per-file-ignores"
TARGETS = ("generic", "claude-code", "codex")  # checks.clients.TARGETS; settings import no rules
BUILD_KEYS = ("output", "format", "max-size", "allow-secrets", "exclude", "targets", "jobs")


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """`[tool.skrun.build]`: defaults for `skrun build` (flags override each one).

    Paths (`output`, `targets`) are relative to the config file's folder and are
    stored resolved against it; None or () means "not set".
    """

    output: Path | None = None
    format: str | None = None  # "agent" | "skill"
    max_size: int | None = None
    allow_secrets: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # glob patterns, already joined to the config's folder
    jobs: int | None = None


FILES = (".skrun.toml", "pyproject.toml")


@dataclass(frozen=True, slots=True)
class Config:
    """The settings that apply to a path, and the file they came from (None: defaults)."""

    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    target: str | None = None
    # (glob pattern, codes or prefixes), in file order; patterns are relative to path's folder
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_body_lines: int = 500
    max_body_tokens: int = 5000
    build: BuildConfig = BuildConfig()

    def key(self, name: str) -> str:
        """How messages name key `name`: `tool.skrun.select` in pyproject.toml, else `select`."""
        in_pyproject = self.path is not None and self.path.name == "pyproject.toml"
        return f"tool.skrun.{name}" if in_pyproject else name


def find_config(start: str | os.PathLike[str]) -> Config:
    """The config for `start`: the nearest `.skrun.toml` or `pyproject.toml` with `[tool.skrun]`.

    A path that does not exist gets the defaults: its caller reports it as a usage
    error, which a malformed config above it must not pre-empt.
    """
    if not os.path.exists(start):
        return Config()
    here = Path(os.path.abspath(start))
    if not os.path.isdir(here):
        here = here.parent
    for d in (here, *here.parents):
        for name in FILES:
            candidate = d / name
            # os.path.isfile, unlike Path.is_file on 3.11, is False (not PermissionError)
            # in a directory that can be listed but not entered.
            if not os.path.isfile(candidate):
                continue
            candidate = _shown(candidate)
            table = _table(candidate)
            if table is not None:
                return _parse(candidate, table)
    return Config()


def _shown(path: Path) -> Path:
    # Messages name the file as the user sees it: relative when under the cwd.
    cwd = os.getcwd()
    text = str(path)
    if text.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(text, cwd))
    return path


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read one config file; a file without settings gives the defaults."""
    p = Path(path)
    table = _table(p)
    return Config(path=p) if table is None else _parse(p, table)


def _table(path: Path) -> dict[str, Any] | None:
    import tomllib

    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        # tomllib says "... (at line 3, column 9)": keep it, it is the location.
        raise ConfigError(f"invalid TOML: {e}", path=path, hint="fix the TOML syntax") from e
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"not UTF-8 (byte {e.start})", path=path, hint="save it as UTF-8 TOML"
        ) from e
    except (ValueError, RecursionError) as e:  # after UnicodeDecodeError, a ValueError
        # tomllib lets these escape: an integer of over 4300 digits, 100k nested arrays.
        deep = isinstance(e, RecursionError)
        what = "nesting is too deep" if deep else "a number has more than 4300 digits"
        fix = "flatten the arrays or tables" if deep else "quote the number as a string"
        raise ConfigError(f"invalid TOML: {what}", path=path, hint=fix) from e
    except OSError as e:
        raise ConfigError(
            f"cannot read the config: {e.strerror or e}", path=path, hint=os_hint(e)
        ) from e
    tool = data.get("tool")
    section = tool.get("skrun") if isinstance(tool, dict) else None
    if section is not None:
        if not isinstance(section, dict):
            raise ConfigError(
                "[tool.skrun] must be a table",
                path=path,
                hint="write a [tool.skrun] section with key = value lines below it",
            )
        return section
    if path.name == ".skrun.toml":
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def _parse(path: Path, table: dict[str, Any]) -> Config:
    where = "tool.skrun." if path.name == "pyproject.toml" else ""
    for key in table:
        if key not in KEYS:
            from skrun_build.suggest import hint_or_list

            hint = hint_or_list(key, KEYS, "known keys:")
            raise ConfigError(f"unknown key {where}{key}", path=path, hint=hint)
    select = _codes(path, table, "select", where)
    ignore = _codes(path, table, "ignore", where)
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(
            f"{where}strict must be true or false, not {strict!r}", path=path, hint="strict = true"
        )
    target = table.get("target")
    if target is not None and target not in TARGETS:
        raise ConfigError(
            f"{where}target must be one of {', '.join(TARGETS)}, not {target!r}",
            path=path,
            hint='target = "claude-code"',
        )
    per_file = _per_file(path, table.get(PER_FILE, {}), where)
    lines = _positive(path, table, "max-body-lines", where, 500)
    tokens = _positive(path, table, "max-body-tokens", where, 5000)
    build = _build(path, table.get("build", {}), where + "build.")
    return Config(
        path=path,
        select=select,
        ignore=ignore,
        strict=strict,
        target=target,
        per_file_ignores=per_file,
        max_body_lines=lines,
        max_body_tokens=tokens,
        build=build,
    )


def _positive(path: Path, table: dict[str, Any], key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    # bool is an int in Python, never in TOML's sense
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where}{key} must be a positive integer, not {value!r}",
            path=path,
            line=key_line(path, key),
            hint=f"{key} = {default}",
        )
    return value


def _per_file(path: Path, value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    example = f'{PER_FILE} = {{"skills/legacy/**" = ["SK050"]}}'
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where}{PER_FILE} must be a table of glob pattern = [rule codes]",
            path=path,
            line=key_line(path, PER_FILE),
            hint=example,
        )
    out: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in value.items():
        label = f"{where}{PER_FILE}.{pattern!r}"
        if isinstance(codes, str):
            codes = [codes]
        bad = not pattern.strip() or pattern.startswith(("/", "..")) or "/../" in pattern
        if bad:
            raise ConfigError(
                f"{label}: a pattern must be a path relative to this file's folder",
                path=path,
                line=key_line(path, PER_FILE, pattern),
                hint=example,
            )
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise ConfigError(
                f"{label} must be a list of rule codes, not {codes!r}",
                path=path,
                line=key_line(path, PER_FILE, pattern),
                hint=example,
            )
        out.append((pattern, tuple(codes)))
    return tuple(out)


def key_line(path: Path, table: str, key: str | None = None) -> int | None:
    """The line of `key` under `table` in the TOML file (tomllib keeps no positions)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    import re

    start = next((n for n, line in enumerate(lines) if table in line), None)
    if start is None:
        return None
    if key is None:
        return start + 1
    k = re.escape(key)
    quoted = re.compile(rf"""(?:^|[{{,\s])(?:"{k}"|'{k}'|{k})\s*=""")
    for n in range(start, len(lines)):
        if quoted.search(lines[n]):
            return n + 1
    return start + 1


def _build(path: Path, table: Any, where: str) -> BuildConfig:
    """`[tool.skrun.build]`, every value checked, paths joined to the file's folder."""
    if not isinstance(table, dict):
        raise ConfigError(
            f"{where[:-1]} must be a table", path=path, hint=f"write [{_section(path, where)}]"
        )
    for key in table:
        if key not in BUILD_KEYS:
            from skrun_build.suggest import hint_or_list

            hint = hint_or_list(key, BUILD_KEYS, "known keys:")
            raise ConfigError(f"unknown key {where}{key}", path=path, hint=hint)
    base = path.parent
    out = table.get("output")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        raise ConfigError(
            f"{where}output must be a folder path (a string), not {out!r}",
            path=path,
            hint='output = "dist"',
        )
    fmt = table.get("format")
    if fmt is not None and fmt not in ("agent", "skill"):
        raise ConfigError(
            f'{where}format must be "agent" or "skill", not {fmt!r}',
            path=path,
            hint='format = "agent"',
        )
    max_size = _max_size(path, table.get("max-size"), where)
    jobs = table.get("jobs")
    if jobs is not None and (type(jobs) is not int or not 1 <= jobs <= 1024):
        raise ConfigError(
            f"{where}jobs must be a whole number from 1 to 1024, not {jobs!r}",
            path=path,
            hint="jobs = 4, or leave it out to use every CPU",
        )
    targets = _strings(path, table, "targets", where, 'targets = ["agents/*"]')
    for t in targets:
        if os.path.isabs(t) or ".." in Path(t).parts:
            raise ConfigError(
                f"{where}targets: {t!r} must be a glob relative to the config's folder",
                path=path,
                hint='targets = ["agents/*"]',
            )
    return BuildConfig(
        output=None if out is None else base / out,
        format=fmt,
        max_size=max_size,
        allow_secrets=_strings(path, table, "allow-secrets", where, 'allow-secrets = ["*.pem"]'),
        exclude=_strings(path, table, "exclude", where, 'exclude = ["*.log", "data/"]'),
        targets=tuple(str(base / t) for t in targets),
        jobs=jobs,
    )


def _section(path: Path, where: str) -> str:
    return where[:-1] if path.name == "pyproject.toml" else "build"


def _max_size(path: Path, value: Any, where: str) -> int | None:
    if value is None:
        return None
    from skrun_build.errors import UsageError
    from skrun_build.fsutil import parse_size

    try:
        if type(value) is int:
            if value < 1:
                raise UsageError("not positive")
            return value
        if isinstance(value, str):
            return parse_size(value)
        raise UsageError("not a size")
    except UsageError:
        raise ConfigError(
            f'{where}max-size must be a size such as "20MiB" or a byte count, not {value!r}',
            path=path,
            hint='max-size = "20MiB"',
        ) from None


def _strings(path: Path, table: dict[str, Any], key: str, where: str, hint: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"{where}{key} must be a list of non-empty strings, not {value!r}",
            path=path,
            hint=hint,
        )
    return tuple(value)


def _codes(path: Path, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{where}{key} must be a list of rule codes", path=path, hint=f'{key} = ["SK050"]'
        )
    return tuple(value)
