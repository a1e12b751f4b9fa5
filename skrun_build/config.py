"""`[tool.skrun]` settings, from a `.skrun.toml` or `pyproject.toml` found upward.

The search starts at the given path (its directory for a file) and walks up to the
filesystem root. In each directory a `.skrun.toml` wins (its keys at the top level,
or under `[tool.skrun]`); a `pyproject.toml` counts only when it has a
`[tool.skrun]` table, like ruff and black do. The first hit is the config; none is
the default. Keys: `select`, `ignore` (lists of rule codes or prefixes),
`strict` (bool), `max-body-lines` and `max-body-tokens` (positive integers: SK060
and SK061's limits, default 500 and 5000). Anything malformed raises `ConfigError` naming the file and key.
Whether the codes exist is the validator's question, not this module's: the CLI
asks it (`cli.validate_cmd.find_checked_config`), so settings never import rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.errors import ConfigError, os_hint

KEYS = ("select", "ignore", "strict", "max-body-lines", "max-body-tokens")
FILES = (".skrun.toml", "pyproject.toml")


@dataclass(frozen=True, slots=True)
class Config:
    """The settings that apply to a path, and the file they came from (None: defaults)."""

    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    max_body_lines: int = 500
    max_body_tokens: int = 5000

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
            from skrun_build.suggest import hint as suggestion

            hint = suggestion(key, KEYS) or "known keys: " + ", ".join(KEYS)
            raise ConfigError(f"unknown key {where}{key}", path=path, hint=hint)
    select = _codes(path, table, "select", where)
    ignore = _codes(path, table, "ignore", where)
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(
            f"{where}strict must be true or false, not {strict!r}", path=path, hint="strict = true"
        )
    lines = _positive(path, table, "max-body-lines", where, 500)
    tokens = _positive(path, table, "max-body-tokens", where, 5000)
    return Config(
        path=path,
        select=select,
        ignore=ignore,
        strict=strict,
        max_body_lines=lines,
        max_body_tokens=tokens,
    )


def _positive(path: Path, table: dict[str, Any], key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    # bool is an int in Python, never in TOML's sense
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where}{key} must be a positive integer, not {value!r}",
            path=path,
            line=_key_line(path, key),
            hint=f"{key} = {default}",
        )
    return value


def _key_line(path: Path, key: str) -> int | None:
    """The 1-based line where `key` is set in `path` (tomllib gives no positions)."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _codes(path: Path, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{where}{key} must be a list of rule codes", path=path, hint=f'{key} = ["SK050"]'
        )
    return tuple(value)
