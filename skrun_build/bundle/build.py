"""`build_bundle()`: validate, collect, guard, and stream the bundle to disk atomically."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from skrun_build.bundle._config import Format, SourceInfo, check_source
from skrun_build.bundle.collect import SourceFile, collect
from skrun_build.bundle.format import (
    MAX_SIZE,
    MODE_FILE,
    NAME_FIELD,
    PAX_HEADER_NAME,
    RECORD_PATH,
    SNAPSHOT_PATH,
    WARN_SIZE,
    RecordEntry,
    build_mtime,
    canonical_json,
    record_bytes,
    server_drops,
    server_view,
)
from skrun_build.bundle.required import check_required, required_files
from skrun_build.bundle.secrets import Allow, ContentScanner, Finding, name_rule
from skrun_build.errors import BundleError, SecretFound, UsageError
from skrun_build.fsutil import human_size
from skrun_build.ignore import Rules, Verdict, normalize_rel, path_kind, relative_inside
from skrun_build.spec.issues import Issue

EXTENSIONS = {"agent": ".agent", "skill": ".skill"}


@dataclass(frozen=True, slots=True)
class BuildResult:
    """A written bundle: where, its sha256 and size in bytes, how many source files.

    `warnings` are the build's own (server-mangled names, binary content, size);
    `issues` are the validator's warnings, rendered by the CLI like `skrun validate`.
    """

    path: Path
    sha256: str
    size: int
    files: int
    warnings: tuple[str, ...] = field(default=())
    issues: tuple[Issue, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """JSON form for `skrun build --json`."""
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "files": self.files,
            "warnings": list(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }


def source_rules(source: Path, output: Path | None = None, exclude: Sequence[str] = ()) -> Rules:
    """The exclusion rules of `source`, excluding `output` when it lies inside it.

    `exclude`: extra gitignore patterns (`[tool.skrun.build] exclude`).
    """
    return Rules(source, output=output, exclude=exclude)


def list_files(
    source: Path,
    output: Path | None = None,
    *,
    format: Format = "agent",
    warn: Callable[[str], None] | None = None,
    exclude: Sequence[str] = (),
) -> list[SourceFile]:
    """What a build would pack (source files, in member order), without validating.

    `warn` gets each ignore-file warning (`.gitignore:3: ...`). Raises a BundleError
    when a rule excludes a file the bundle needs, as a build would.
    """
    source = _source_dir(source)
    _check_output(output)
    rules = source_rules(source, output, exclude)
    try:
        files = collect(source, rules)
    finally:
        _report(rules.warnings, warn)
    check_required(source, format, rules, {f.rel for f in files})
    return files


def explain(
    source: Path,
    path: str,
    output: Path | None = None,
    *,
    format: Format = "agent",
    base: Path | None = None,
    warn: Callable[[str], None] | None = None,
    exclude: Sequence[str] = (),
) -> Verdict:
    """The rule that includes or excludes `path`.

    A relative `path` is taken relative to `base` when given (the CLI passes the
    current directory, as for every path argument), else relative to `source`.
    The path must lie inside `source` (a UsageError otherwise). When nothing is
    there, `exists` is False and the verdict is for a file (or, with a trailing
    `/`, a folder) put there. `required` says why a bundle of `format` needs it.
    """
    source = _source_dir(source)
    _check_output(output)
    if base is not None or os.path.isabs(path):
        rel = _inside(source, path, base or Path.cwd())
    else:
        rel = normalize_rel(path)
    rules = source_rules(source, output, exclude)
    exists = bool(rel) and path_kind(source.joinpath(*rel.split("/"))) != "missing"
    try:
        if exists:
            verdict = rules.explain(rel)
        else:
            verdict = rules.explain(rel, is_dir=path.endswith(("/", os.sep)))
    finally:
        _report(rules.warnings, warn)
    why = next((r.why for r in required_files(source, format) if rel in r.candidates), "")
    return dataclasses.replace(verdict, exists=exists, required=why)


def _inside(source: Path, path: str, base: Path) -> str:
    """`path` (relative to `base`) as a POSIX path relative to `source`."""
    target = os.path.abspath(os.path.join(base, path))
    candidates = [
        (target, os.path.abspath(source)),
        # Through symlinks (a source given as a link, a cwd reached through one).
        (
            os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target)),
            os.path.realpath(source),
        ),
    ]
    for full, root in candidates:
        rel = os.path.relpath(full, root)
        if rel == os.curdir:
            raise UsageError(
                "--explain names the source directory itself",
                path=path,
                hint="name a file or folder inside it",
            )
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel.replace(os.sep, "/")
    raise UsageError(
        "--explain names a path outside the source directory",
        path=path,
        hint=f"name a path inside {source}; like every path argument, it is relative "
        "to the current directory",
    )


def _check_output(output: Path | str | None) -> None:
    if output is not None and path_kind(Path(output)) == "other":
        raise UsageError(
            "output must be a directory",
            path=output,
            hint="pass --output a directory; it is created if missing",
        )


def _report(warnings: list[str], warn: Callable[[str], None] | None) -> None:
    if warn is not None:
        for w in warnings:
            warn(w)


def build_bundle(
    source: Path | str,
    output: Path | str | None = None,
    *,
    format: Format = "agent",
    max_size: int = MAX_SIZE,
    allow_secrets: Sequence[str] = (),
    strict: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    exclude: Sequence[str] = (),
    workers: int = 0,
) -> BuildResult:
    """Validate `source` and write `<slug>-<version>.agent` (or `<name>.skill`) atomically.

    `output` is a directory (created if missing); the default is `source` itself.
    `strict`, `select` and `ignore` are the validator's (as for `skrun validate`);
    `exclude` adds gitignore patterns to the exclusion rules; `workers` threads
    compress (0: one per CPU); the bytes never depend on it.
    Raises `ValidationFailed`, `SecretFound` or `BundleError`; leaves nothing behind.
    """
    src = _source_dir(Path(source))
    _check_output(output)
    info = check_source(src, format, strict=strict, select=select, ignore=ignore)
    out_dir = Path(output) if output is not None else src
    final = out_dir / (info.stem + EXTENSIONS[format])
    rules = source_rules(src, out_dir if output is not None else None, exclude)
    warnings: list[str] = []
    try:
        files = collect(src, rules)
    finally:
        warnings += rules.warnings
    check_required(src, format, rules, {f.rel for f in files})
    if output is not None:
        _refuse_output_holding_sources(src, out_dir, files, exclude)
    if format == "skill":
        from skrun_build.bundle.skillzip import write_skill_zip

        result = write_skill_zip(final, info.name, files, max_size, Allow(allow_secrets), warnings)
    else:
        result = _write_agent(
            final, info, files, max_size, Allow(allow_secrets), warnings, workers=workers
        )
    return dataclasses.replace(result, issues=tuple(info.issues))


def _write_agent(
    final: Path,
    info: SourceInfo,
    files: list[SourceFile],
    max_size: int,
    allow: Allow,
    warnings: list[str],
    *,
    workers: int = 0,
) -> BuildResult:
    from skrun_build.bundle.writer import GzipSink, SizeExceeded, TarStream, atomic_output

    findings: list[Finding] = []
    entries: list[RecordEntry] = []
    digest = hashlib.sha256()
    output = atomic_output(final)
    sink: GzipSink | None = None
    try:
        try:
            with output as raw:
                sink = GzipSink(_HashingWriter(raw, digest), limit=max_size, workers=workers)
                with sink:
                    tar = TarStream(sink, build_mtime())
                    snapshot = canonical_json(info.snapshot)
                    tar.add_bytes(SNAPSHOT_PATH, snapshot, MODE_FILE)
                    entries.append(
                        RecordEntry(SNAPSHOT_PATH, len(snapshot), MODE_FILE, _sha(snapshot))
                    )
                    for f in files:
                        probe = FileProbe(f.rel, allow)
                        sha = tar.add_file(f.rel, f.path, f.size, f.mode, probe.feed)
                        entries.append(RecordEntry(f.rel, f.size, f.mode, sha))
                        finding, binary = probe.finish()
                        if finding is not None:
                            findings.append(finding)
                        warnings += name_warnings(f.rel)
                        if binary:
                            warnings.append(binary_warning(f.rel))
                    tar.add_bytes(RECORD_PATH, record_bytes(entries), MODE_FILE)
                    tar.close()
                    sink.close()
                if findings:
                    raise secret_error(findings)
                size = sink.written
        except BaseException:
            # Again here: an interrupt can land as an `__exit__` starts, before it does
            # anything. Both calls are idempotent and take no lock (see writer.py).
            if sink is not None:
                sink.abort()
            output.discard()
            raise
    except SizeExceeded:
        raise BundleError(
            f"bundle exceeds the size limit of {human_size(max_size)}; nothing was written",
            path=final,
            hint="exclude large files in .skrunignore, or raise --max-size",
        ) from None
    except OSError as e:  # the output side: permissions, disk full
        raise write_error(final, e) from e
    if size > WARN_SIZE:
        warnings.append(
            f"{final.name}: bundle is {human_size(size)}, over {human_size(WARN_SIZE)}; "
            "registries refuse bundles over 50 MiB"
        )
    return BuildResult(final, digest.hexdigest(), size, len(files), tuple(warnings))


class FileProbe:
    """Sees every chunk of one file: runs the secret guard and spots binary content."""

    def __init__(self, rel: str, allow: Allow) -> None:
        self.rel = rel
        self.allowed = allow.allows(rel)
        self._scanner = None if self.allowed else ContentScanner(rel)
        self._decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
        self.binary = False

    def feed(self, chunk: bytes) -> None:
        """Look at the next chunk."""
        if self._decoder is not None and b"\0" in chunk:
            # NUL bytes: binary data (or UTF-16). Content rules stop here, as in
            # gitleaks; name rules still apply.
            self.binary, self._decoder, self._scanner = True, None, None
        if self._scanner is not None:
            self._scanner.feed(chunk)
        # ASCII needs no decoding, unless it follows a chunk that ended inside a
        # multi-byte character (the decoder's buffered bytes): then it is invalid.
        if self._decoder is not None and not (chunk.isascii() and not self._decoder.getstate()[0]):
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.binary, self._decoder = True, None

    def finish(self) -> tuple[Finding | None, bool]:
        """(secret finding or None, whether the content is binary)."""
        if self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.binary = True
        if self.allowed:
            return None, self.binary
        rule = name_rule(self.rel)
        if rule is None and self._scanner is not None:
            rule = self._scanner.finish()
        return (Finding(self.rel, rule) if rule else None), self.binary


def name_warnings(rel: str) -> list[str]:
    """Warnings for a member name the Skrun v0.7.0 server would damage.

    Its reader takes only the 100-byte ustar name field and skips every name that
    contains `..` (see `format.server_view`); a non-ASCII name that fits is intact.
    """
    size = len(rel.encode("utf-8"))
    out = []
    if size > NAME_FIELD:
        out.append(
            f"{rel}: name is {size} bytes; the Skrun server reads only the first {NAME_FIELD} "
            f'and would see "{server_view(rel)}" plus a stray {PAX_HEADER_NAME} file '
            "(shorten the path)"
        )
    if server_drops(rel):
        out.append(
            f"{rel}: the Skrun server silently drops every file whose name contains '..' "
            "(rename it)"
        )
    return out


def binary_warning(rel: str) -> str:
    """Warning for content the Skrun server would mangle."""
    return (
        f"{rel}: binary content; the Skrun server reads every file as UTF-8 text "
        "and would mangle it"
    )


def _refuse_output_holding_sources(
    src: Path, out_dir: Path, files: list[SourceFile], exclude: Sequence[str] = ()
) -> None:
    # The output folder is never packed (so a second build does not pack the first's
    # leftovers); `-o scripts` would silently leave the agent's own scripts out.
    if not out_dir.is_dir():
        return  # a new folder holds no source files
    inside = relative_inside(out_dir, src)  # as Rules computed it for the exclusion
    if not inside:
        return
    rules = source_rules(src, exclude=exclude)
    if not rules.explain(inside, is_dir=True).included:
        # Excluded anyway (dist/, a dot-folder): both walks would be the same, so
        # the usual rebuild into dist/ does not walk the whole tree a second time.
        return
    kept = {f.rel for f in files}
    try:
        everything = collect(src, rules)
    except BundleError:
        return  # something unpackable inside the output folder: it stays excluded
    lost = [f.rel for f in everything if f.rel not in kept]
    if lost:
        raise BundleError(
            f"the output folder {inside}/ holds source files that would be left out of the "
            f"bundle ({lost[0]}{f' and {len(lost) - 1} more' if len(lost) > 1 else ''})",
            path=src,
            hint="write the bundle outside the agent, or into a folder of its own such as dist/",
        )


def write_error(final: Path, e: OSError) -> BundleError:
    """A failure to write the bundle (nothing is left behind)."""
    return BundleError(
        f"cannot write the bundle: {e.strerror or e}; nothing was written", path=final
    )


def secret_error(findings: list[Finding]) -> SecretFound:
    """One error naming every file the secret guard caught."""
    listed = "; ".join(f.format() for f in findings)
    first = findings[0].path
    return SecretFound(
        f"refusing to pack what looks like a credential: {listed}",
        hint=f"remove it, exclude it in .skrunignore, or allow it with --allow-secret {first}",
    )


class _HashingWriter:
    """Passes bytes to `out` and hashes them on the way (the bundle's sha256)."""

    def __init__(self, out: IO[bytes], digest: hashlib._Hash) -> None:
        self._out = out
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._out.write(data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_dir(source: Path) -> Path:
    kind = path_kind(source)  # a folder that cannot be looked at is a BundleError
    if kind == "missing":
        raise UsageError(
            "no such directory", path=source, hint="pass the agent's folder, the one with SKILL.md"
        )
    if kind != "dir":
        raise UsageError("not a directory", path=source, hint="pass the agent's folder")
    return source
