"""`skrun validate --fix` / `--diff`: apply or show the safe fixes of `checks.fix`."""

from __future__ import annotations

import os
from collections.abc import Sequence

from skrun_build.cli._output import echo, relpath


def apply_fixes(paths: Sequence[str], *, diff: bool) -> int:
    """Print the diffs (`diff`) or rewrite the files; the number of files changed (or to be)."""
    from skrun_build.checks.fix import fix_paths, write_fix
    from skrun_build.errors import InputError, os_hint

    cwd = os.getcwd()
    changed = 0
    for path, fix in fix_paths(list(paths)):
        if not fix.changed:
            continue
        changed += 1
        shown = relpath(str(path), cwd)
        if diff:
            echo(fix.diff(shown), nl=False)
            continue
        try:
            write_fix(fix, path)
        except OSError as e:
            raise InputError(
                f"cannot write the fix: {e.strerror or e}", path=shown, hint=os_hint(e)
            ) from e
        for change in fix.changes:
            echo(f"{shown}: fixed: {change}", err=True)
    return changed
