"""`Issue`: what every check reports, with its location, code, level and hint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "note": informational, never fails a run and never promoted by --strict.
Level = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True, order=True)
class Issue:
    """One finding of a check: `file:line:col: CODE level message (hint)`."""

    file: str
    line: int = 0
    col: int = 0
    code: str = field(default="", compare=True)
    level: Level = "error"
    message: str = ""
    hint: str | None = None

    def location(self) -> str:
        """`file:line:col`, leaving out the unknown parts (0 = unknown)."""
        text = self.file
        if self.line:
            text += f":{self.line}"
            if self.col:
                text += f":{self.col}"
        return text

    def format(self) -> str:
        """The one-line text form used by `skrun validate` and every command that validates."""
        text = f"{self.location()}: {self.code} {self.level} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (the `--format json` schema)."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "hint": self.hint,
        }
