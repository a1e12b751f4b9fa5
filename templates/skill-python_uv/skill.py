"""Echo: return the JSON input unchanged (replace with what the skill does).

The contract: one JSON value on stdin, one JSON object on stdout, diagnostics on
stderr, a non-zero exit status for a failure.
"""

import json
import sys


def main() -> int:
    raw = sys.stdin.read().strip()
    value = json.loads(raw) if raw else {}
    if not isinstance(value, dict):
        print("the input must be a JSON object", file=sys.stderr)
        return 1
    print(json.dumps(value, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
