"""What a build hands back: `BuildResult`, shared by the `.agent` and `.skill` writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.issues import Issue


@dataclass(frozen=True, slots=True)
class BuildResult:
    """A written bundle: where, its sha256 and size in bytes, how many source files.

    `warnings` are the build's own (server-mangled names, binary content, size);
    `issues` are the validator's warnings, rendered by the CLI like `skrun validate`;
    `inputs` is the inputs digest of what was packed (as a build manifest records it).
    `temp` is set only by `build_bundle(publish=False)`: the finished bundle still under
    its temp name, which `writer.publish(temp, path)` makes durable and moves into place.
    `name` and `version` are what validation read (agent.yaml's; a skill's name, no version).
    """

    path: Path
    sha256: str
    size: int
    files: int
    warnings: tuple[str, ...] = field(default=())
    issues: tuple[Issue, ...] = field(default=())
    inputs: str = ""
    temp: Path | None = None
    name: str = ""
    version: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON form for `skrun build --json`."""
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "files": self.files,
            "warnings": list(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }
