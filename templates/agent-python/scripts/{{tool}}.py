#!/usr/bin/env python3
"""Tool `{{tool}}`: count the words, lines and characters of a text.

Contract: one JSON object on stdin, one JSON object on stdout, diagnostics on
stderr, a non-zero exit status on error.
Example: echo '{"text": "hello world"}' | python3 scripts/{{tool}}.py
"""

import json
import sys


def measure(text: str) -> dict:
    """The counts the tool returns for `text`."""
    return {
        "words": len(text.split()),
        "lines": len(text.splitlines()),
        "characters": len(text),
    }


def main() -> int:
    try:
        request = json.load(sys.stdin)
    except json.JSONDecodeError as exc:
        print(f"error: stdin is not valid JSON: {exc}", file=sys.stderr)
        return 1
    if not isinstance(request, dict) or not isinstance(request.get("text"), str):
        print('error: expected a JSON object like {"text": "..."}', file=sys.stderr)
        return 2
    json.dump(measure(request["text"]), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
