"""Find the dependency manifest and lockfile the way the Skrun runtime does.

Only the root of a skill is looked at. `package.json` wins (lockfile order
`pnpm-lock.yaml` > `yarn.lock` > `package-lock.json`); else `pyproject.toml`
(lockfile `uv.lock` > `poetry.lock`); else `requirements.txt` (never a lockfile).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from skrun_build.errors import InputError, os_hint
from skrun_build.formats.manifests import RULES, Ecosystem


@dataclass(frozen=True)
class Manifest:
    """The manifest and (optional) lockfile that decide a cache entry."""

    ecosystem: Ecosystem
    kind: str  # "package.json" | "pyproject" | "requirements"
    name: str  # file name of the manifest
    text: str
    lock_kind: str | None = None  # "pnpm" | "yarn" | "npm" | "uv" | "poetry"
    lock_name: str | None = None
    lock_text: str | None = None

    def key_parts(self) -> list[str]:
        """The strings the runtime joins with newlines and hashes."""
        parts: list[str] = [self.ecosystem]
        if self.ecosystem == "python":
            parts.append(self.kind)
        parts.append(self.text)
        if self.lock_kind is not None and self.lock_text is not None:
            parts += [self.lock_kind, self.lock_text]
        return parts

    def files(self) -> dict[str, str]:
        """File name -> text of the manifest and lockfile (what an entry holds)."""
        out = {self.name: self.text}
        if self.lock_name is not None and self.lock_text is not None:
            out[self.lock_name] = self.lock_text
        return out


def manifest_names(names: Collection[str]) -> tuple[str | None, str | None]:
    """(manifest, lockfile) file names that detection picks among root `names`."""
    for manifest, _, _, locks in RULES:
        if manifest in names:
            return manifest, next((lock for lock, _ in locks if lock in names), None)
    return None, None


def _decode(data: bytes) -> str:
    # The runtime reads files as UTF-8 and does not normalise them (a BOM or CRLF
    # changes the key); invalid bytes become U+FFFD exactly as Node's decoder does.
    return data.decode("utf-8", errors="replace")


def detect_members(files: Mapping[str, bytes]) -> Manifest | None:
    """Detect from root file name -> bytes (a bundle's members or a directory's files)."""
    for manifest, ecosystem, kind, locks in RULES:
        if manifest not in files:
            continue
        for lock_name, lock_kind in locks:
            if lock_name in files:
                return Manifest(
                    ecosystem,
                    kind,
                    manifest,
                    _decode(files[manifest]),
                    lock_kind,
                    lock_name,
                    _decode(files[lock_name]),
                )
        return Manifest(ecosystem, kind, manifest, _decode(files[manifest]))
    return None


def detect_dir(path: Path) -> Manifest | None:
    """Detect the manifest and lockfile at the root of the skill directory `path`."""
    if not path.is_dir():
        raise InputError("not a directory", path=path, hint="give a skill directory")
    found: dict[str, bytes] = {}
    for manifest, _, _, locks in RULES:
        for name in (manifest, *(lock for lock, _ in locks)):
            file = path / name
            if not file.is_file():
                continue
            try:
                found[name] = file.read_bytes()
            except OSError as e:
                raise InputError(f"cannot read: {e.strerror}", path=file, hint=os_hint(e)) from e
        if manifest in found:
            break  # a higher-precedence manifest decides; don't read the others
    return detect_members(found)
