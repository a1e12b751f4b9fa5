"""Sum up the pytest runs of scripts/test: one line per interpreter, then the total.

Usage: pytest_summary.py RUNS, where each line of the file RUNS is
`exit-status<TAB>python-version<TAB>venv<TAB>log-file` and the log holds that run's output.
The last line printed has the form of pytest's own closing line (`2862 passed in 301.12s
(0:05:01)`, `1 failed, 2861 passed in ...`), so whatever reads pytest's last line reads the
total of every interpreter. A run that ended without that line counts as one error.
"""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

# pytest's order of outcomes in its closing line.
ORDER = ["failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "warnings", "error"]
CLOSING = re.compile(r"((?:\d+ \w+(?:, )?)+|no tests ran) in ([\d.]+)s\b.*")


def closing_line(log: str) -> str:
    """The last non-blank line of a pytest log, without its `=` frame."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", log)  # --color=yes on a terminal
    lines = [line.strip("= ") for line in plain.splitlines() if line.strip("= ")]
    return lines[-1] if lines else ""


def plural(n: int, word: str) -> str:
    """`1 error`, `2 errors`, `1 warning`: pytest pluralises these two only."""
    if word in ("error", "warnings"):
        word = word.removesuffix("s") + ("" if n == 1 else "s")
    return f"{n} {word}"


def duration(seconds: float) -> str:
    """`51.32s`, or `130.00s (0:02:10)` from a minute on, as pytest shows it."""
    text = f"{seconds:.2f}s"
    return text + (f" ({timedelta(seconds=int(seconds))})" if seconds >= 60 else "")


def summarize(runs: list[tuple[str, str, str, str]]) -> list[str]:
    """The lines to print for `(status, version, venv, log text)` runs."""
    total: dict[str, int] = {}
    seconds = 0.0
    out = []
    for status, version, venv, log in runs:
        last = closing_line(log)
        found = CLOSING.fullmatch(last)
        if found is None:  # pytest did not get as far as its summary
            last = f"exit {status}, no pytest summary"
            total["error"] = total.get("error", 0) + 1
        else:
            for count, word in re.findall(r"(\d+) (\w+)", found[1]):
                word = {"errors": "error", "warning": "warnings"}.get(word, word)
                total[word] = total.get(word, 0) + int(count)
            seconds += float(found[2])
        out.append(f"Python {version} ({venv}): {last}")
    known = sorted((w for w in total if w in ORDER), key=ORDER.index)
    parts = [plural(total[w], w) for w in known + sorted(set(total) - set(ORDER))]
    out.append(f"{', '.join(parts) or 'no tests ran'} in {duration(seconds)}")
    return out


def main(argv: list[str]) -> None:
    runs = []
    for line in Path(argv[1]).read_text().splitlines():
        status, version, venv, log = line.split("\t")
        runs.append((status, version, venv, Path(log).read_text(errors="replace")))
    print("== summary")
    print("\n".join(summarize(runs)))


if __name__ == "__main__":
    main(sys.argv)
