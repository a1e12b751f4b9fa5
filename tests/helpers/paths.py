"""Where things are: the repository, its fixtures and vendored corpus, and the running venv."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
# Real skills written by others, vendored (with SOURCE.json and licence) so the suite
# passes on a clone of the repository alone.
CORPUS = FIXTURES / "corpus"
# The bin folder of the venv running the suite (`.venv`, `.venvs/py3.12`, ...): tests that run
# the installed `skrun`, `python` or `pre-commit` take them from here, so that each
# interpreter scripts/test runs the suite on tests its own install.
BIN = Path(sys.executable).parent
