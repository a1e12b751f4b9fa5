"""CPU time of `skrun inspect`, `verify` and `unpack` refusing a member-count bomb. Not a test.

The bomb is a ~1 MiB `.agent` holding 120,000 empty members (over the 100,000 bound).
Each command runs as a fresh process; its user+system CPU time comes from
`resource.getrusage(RUSAGE_CHILDREN)` read by a small wrapper whose only child is the
command (so the machine's load does not count). Goal: well under a second.
Run: `.venv/bin/python benchmarks/bundle_bomb.py [--skrun PATH]` (PATH: another
checkout's `skrun`, to compare).
"""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

MEMBERS = 120_000
RUNS = 3
_CPU = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); print(r.ru_utime + r.ru_stime)"
)


def make_bomb(path: Path, members: int = MEMBERS) -> Path:
    """`members` empty regular files in one gzip-compressed tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for i in range(members):
            tar.addfile(tarfile.TarInfo(f"f{i}"))
    path.write_bytes(gzip.compress(buf.getvalue(), compresslevel=9, mtime=0))
    return path


def cpu_seconds(argv: list[str]) -> float:
    """User+system CPU time of `argv` run as a child of a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", _CPU, *argv], capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skrun", default=str(Path(sys.executable).parent / "skrun"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bomb = make_bomb(Path(tmp) / "bomb.agent")
        print(f"bomb: {MEMBERS} members, {bomb.stat().st_size / 1024 / 1024:.1f} MiB")
        for command in ("inspect", "verify", "unpack"):
            extra = [str(Path(tmp) / "out")] if command == "unpack" else []
            runs = [cpu_seconds([args.skrun, command, str(bomb), *extra]) for _ in range(RUNS)]
            print(f"{command:8} refused in {min(runs):.2f} s CPU (best of {RUNS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
