"""The resolver options a uv.lock records in its `[options]` table, as `uv sync` flags.

`uv lock --exclude-newer ...` (or `--resolution`, `--prerelease`, ...) writes the
options it resolved with into the lock, and uv treats a lock made with other
options than the current command's as out of date: `uv sync --locked` without
them refuses a lock that is current for itself. Passing the recorded options
back makes the check compare the lock with pyproject.toml only. Skrun v0.7.0
runs `uv sync --frozen`, which installs the lock without any check.

The keys are those uv's lock writer emits (`resolution-mode`, `prerelease-mode`,
`fork-strategy`, `exclude-newer`, `exclude-newer-span`, and the per-package
tables `prerelease-package` and `exclude-newer-package`); any other key is
refused by name rather than dropped.
"""

from __future__ import annotations

import tomllib
from typing import Any

from skrun_build.errors import DepsError

LOCK = "uv.lock"
_SCALARS = {
    "resolution-mode": "--resolution",
    "prerelease-mode": "--prerelease",
    "fork-strategy": "--fork-strategy",
}


def _bad(key: str, why: str) -> DepsError:
    return DepsError(
        f"[options] {key}: {why}",
        path=LOCK,
        hint="regenerate the lock with `uv lock`",
    )


def _options(lock_text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(lock_text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as e:
        raise DepsError(
            f"not valid TOML: {e}", path=LOCK, hint="regenerate it with `uv lock`"
        ) from e
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise _bad("options", "is not a table")
    return options


def _package_table(key: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise _bad(key, "is not a table")
    flag = f"--{key}"
    out: list[str] = []
    for name, setting in value.items():
        if isinstance(setting, bool) and key == "exclude-newer-package":
            out += [flag, f"{name}={'true' if setting else 'false'}"]
        elif isinstance(setting, str):
            out += [flag, f"{name}={setting}"]
        elif isinstance(setting, dict) and isinstance(setting.get("span"), str):
            # A relative cut-off: the timestamp beside it is a placeholder.
            out += [flag, f"{name}={setting['span']}"]
        else:
            raise _bad(f"{key}.{name}", f"unexpected value {setting!r}")
    return out


def sync_flags(lock_text: str) -> list[str]:
    """The `uv sync` flags that repeat the options `lock_text` was resolved with."""
    options = _options(lock_text)
    flags: list[str] = []
    for key, value in options.items():
        if key in _SCALARS:
            if not isinstance(value, str):
                raise _bad(key, f"unexpected value {value!r}")
            flags += [_SCALARS[key], value]
        elif key == "exclude-newer":
            if "exclude-newer-span" in options:
                continue  # a placeholder kept for old uv versions; the span is the setting
            flags += ["--exclude-newer", str(value)]
        elif key == "exclude-newer-span":
            flags += ["--exclude-newer", str(value)]
        elif key in ("prerelease-package", "exclude-newer-package"):
            flags += _package_table(key, value)
        else:
            raise DepsError(
                f"[options] records `{key}`, which skrun-build does not know how to pass "
                "to `uv sync`",
                path=LOCK,
                hint="lock without that option, or report it so it can be supported",
            )
    return flags


def is_stale_lock(output: str) -> bool:
    """Whether `uv sync --locked` output says the lock does not match pyproject.toml."""
    return "needs to be updated" in output
