"""The shipped examples work as documented in README.md."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

EXAMPLE = REPO / "examples" / "csv-summary"


def test_example_tool_follows_the_contract() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/summarize_csv.py"],
        input=json.dumps({"csv_path": "fixtures/sales.csv", "max_top_values": 2}),
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["row_count"] == 12
    by_name = {c["name"]: c for c in result["columns"]}
    assert by_name["revenue"] == {
        "name": "revenue",
        "kind": "number",
        "min": 9180.0,
        "max": 24790.0,
        "mean": 17062.5,
    }
    assert by_name["region"]["top_values"] == ["north", "south"]


def test_example_tool_reports_errors_on_stderr() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/summarize_csv.py"],
        input=json.dumps({"csv_path": "missing.csv"}),
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "missing.csv" in proc.stderr
