"""The shipped examples work as documented in README.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import REPO

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


# The golden digests of examples/csv-summary (bundle format version 2). A change here is a
# change of the bundle format or of the example: bump FORMAT_VERSION and update README.md.
CSV_SUMMARY_SHA256 = "be7782dc65d7a232e4e48283b3d49d02eadb12ce1d08f575a17f1bd09aafa6ab"
CSV_SUMMARY_TAR_SHA256 = "e17e3c5be30016026a1edf5630ddc6b78d02833f0d14d563650263968d5db7a4"


def test_example_bundle_has_the_golden_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip
    import hashlib

    from skrun_build import build_bundle

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = build_bundle(EXAMPLE, tmp_path)
    assert result.path == tmp_path / "csv-summary-1.0.0.agent"
    raw = gzip.decompress(result.path.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == CSV_SUMMARY_TAR_SHA256
    assert result.sha256 == CSV_SUMMARY_SHA256
    assert CSV_SUMMARY_SHA256 in (REPO / "README.md").read_text()
