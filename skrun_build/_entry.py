"""The `skrun` console script: import the CLI under a Ctrl-C guard.

Ctrl-C while Python is still importing click and the CLI (the first ~50 ms) used to
print a KeyboardInterrupt traceback; `cli.run` only guards what happens after.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Import and run the CLI; Ctrl-C during the import exits 130 with one line."""
    try:
        from skrun_build.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("skrun: error: interrupted\n")
        sys.exit(130)
    cli_main()
