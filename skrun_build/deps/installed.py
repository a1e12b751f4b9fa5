"""What an installer reports back: the type both installers (uv, npm/pnpm/yarn) return."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installed:
    """What an installer reports back for the metadata."""

    installer: str
    installer_version: str
    runtime: str
    packages: int
