"""Reproducible `.agent` bundles and `.skill` zips: build, read, inspect, verify, unpack.

Modules: `build` (orchestration only), `source` (the one bridge to validation),
`collect` (walk + safety rules), `required` (files a bundle needs), `secrets` (the
credential guard), `probe` (what the guards see of each packed file), `result`
(`BuildResult`), `writer` (interrupt-safe tar.gz stream, atomic output), `agenttar`
(`--format agent`), `skillzip` (`--format skill`), `format` (fixed paths, canonical
JSON, the record, what the Skrun server reads of a name), `reader` (safe member checks, limits,
`read_members`), `zipreader` (reading `.skill` zips), `verify` (inspect, verify, unpack).
The format is specified in docs/bundle-format.md.
"""

from __future__ import annotations

from skrun_build.bundle.build import build_bundle
from skrun_build.bundle.result import BuildResult

__all__ = ["BuildResult", "build_bundle"]
