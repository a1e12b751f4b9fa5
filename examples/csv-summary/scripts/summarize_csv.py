#!/usr/bin/env python3
"""summarize_csv tool: JSON object on stdin, JSON object on stdout, errors on stderr."""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def summarize(csv_path: str, max_top_values: int = 3) -> dict[str, object]:
    with Path(csv_path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        names = reader.fieldnames or []
    columns = []
    for name in names:
        values = [row[name] for row in rows if row.get(name) not in (None, "")]
        numbers = [n for n in map(_number, values) if n is not None]
        if values and len(numbers) == len(values):
            columns.append(
                {
                    "name": name,
                    "kind": "number",
                    "min": min(numbers),
                    "max": max(numbers),
                    "mean": round(sum(numbers) / len(numbers), 4),
                }
            )
        else:
            top = Counter(values).most_common(max_top_values)
            columns.append({"name": name, "kind": "text", "top_values": [v for v, _ in top]})
    return {"row_count": len(rows), "columns": columns}


def main() -> int:
    try:
        request = json.load(sys.stdin)
        result = summarize(str(request["csv_path"]), int(request.get("max_top_values", 3)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"summarize_csv: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
