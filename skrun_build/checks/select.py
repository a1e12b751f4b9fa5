"""`--select` / `--ignore` (and the config's `select`/`ignore`): which codes are reported.

Selectors are full codes or prefixes, checked against the registry (`checks.codes`); the
longest matching prefix decides, as in flake8 and ruff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skrun_build.checks.codes import RULES
from skrun_build.errors import UsageError
from skrun_build.suggest import did_you_mean

UNKNOWN_CODE_HINT = "list the codes with: skrun rules"


@dataclass(frozen=True, slots=True)
class Selection:
    """`--select` / `--ignore` as code prefixes; the longest matching prefix decides."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        select: Sequence[str],
        ignore: Sequence[str],
        labels: tuple[str, str] = ("--select", "--ignore"),
    ) -> Selection:
        """Normalise and check the selectors; unknown ones raise `UsageError` with a hint."""
        # A bare string is one selector list ("SK0,AG"), not a sequence of letters.
        select = (select,) if isinstance(select, str) else select
        ignore = (ignore,) if isinstance(ignore, str) else ignore
        return cls(_selectors(select, labels[0]), _selectors(ignore, labels[1]))

    def keeps(self, code: str) -> bool:
        """Whether issues with `code` are reported."""
        if not self.select and not self.ignore:
            return True
        best_select = max((len(s) for s in self.select if code.startswith(s)), default=-1)
        if not self.select:
            best_select = 0
        best_ignore = max((len(s) for s in self.ignore if code.startswith(s)), default=-1)
        return best_select > best_ignore


def _selectors(values: Sequence[str], option: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not any(c.startswith(code) for c in RULES):
                # Codes are short: a looser cutoff than for words still finds SK999 -> SK009.
                close = did_you_mean(code, RULES, cutoff=0.5)
                hint = f"did you mean {close!r}?" if close else UNKNOWN_CODE_HINT
                raise UsageError(f"{option}: unknown rule code {part.strip()!r}", hint=hint)
            out.append(code)
    return tuple(out)
