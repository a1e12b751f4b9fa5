"""What installs leave beside `<root>/<id>`: the names of their temp folders, and the clean-up
of a dead install's leftovers (see `skills.install` for the swap they come from).

Both `skills.install` (before an install) and `skills.locate` (before a lookup or a list)
call `recover`, so it lives here rather than in either of them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from skrun_build.fsutil import remove_tree

# `.<id><marker><pid>-<hex>`: a new install being filled, or an old one set aside.
NEW_MARKER = ".skrun-new-"
OLD_MARKER = ".skrun-old-"


def recover(base: Path) -> list[Path]:
    """Remove the temp dirs of dead installs under `base`; put back old installs left aside.

    Cheap when there is nothing to do (one listdir); `list` and id lookups call it too.
    """
    removed: list[Path] = []
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return removed
    for name in names:
        for marker in (NEW_MARKER, OLD_MARKER):
            at = name.find(marker)
            if not name.startswith(".") or at < 2:
                continue
            skill_id = name[1:at]
            pid_text = name[at + len(marker) :].split("-", 1)[0]
            if not pid_text.isdigit() or _alive(int(pid_text)):
                continue
            path = base / name
            target = base / skill_id
            if marker == OLD_MARKER and not (target.exists() or target.is_symlink()):
                # Killed between the fallback's two renames: the old install is whole, undo.
                with contextlib.suppress(OSError):
                    os.rename(path, target)
                continue
            remove_tree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
