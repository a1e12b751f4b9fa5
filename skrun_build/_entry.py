"""The `skrun` console script: import the CLI under a Ctrl-C and SIGTERM guard.

Ctrl-C while Python is still importing click and the CLI (the first ~50 ms) used to
print a KeyboardInterrupt traceback; `cli.run` only guards what happens after. SIGTERM
is handled from here on too, so it always ends in one line and exit 143.
"""

from __future__ import annotations

import sys

from skrun_build.errors import Terminated, handle_interrupts


def main() -> None:
    """Import and run the CLI; Ctrl-C or SIGTERM during the import exit 130/143 with one line."""
    handle_interrupts()
    try:
        from skrun_build.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("skrun: error: interrupted\n")
        sys.exit(130)
    except Terminated:
        sys.stderr.write("skrun: error: terminated\n")
        sys.exit(143)
    cli_main()
