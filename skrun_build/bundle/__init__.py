"""Reproducible `.agent` bundles and `.skill` zips: build, read, inspect, verify, unpack.

Modules: `build` (orchestration, `BuildResult`), `collect` (walk + safety rules),
`secrets` (the credential guard), `writer` (interrupt-safe tar.gz stream, atomic
output), `skillzip` (`--format skill`), `format` (fixed paths, canonical JSON, the
record, what the Skrun server reads of a name), `reader` (safe member checks, limits,
`read_members`), `zipreader` (reading `.skill` zips), `verify` (inspect, verify, unpack).
The format is specified in docs/bundle-format.md.
"""

from __future__ import annotations

from skrun_build.bundle.build import BuildResult, build_bundle

__all__ = ["BuildResult", "build_bundle"]
