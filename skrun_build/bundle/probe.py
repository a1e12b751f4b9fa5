"""What the guards see of each file as it is packed: secrets, binary content, names.

`FileProbe` watches every chunk of one source file on its way into a bundle or a
skill zip; `name_warnings` and `binary_warning` word what the Skrun v0.7.0 server
would damage.
"""

from __future__ import annotations

import codecs

from skrun_build.bundle.format import NAME_FIELD, PAX_HEADER_NAME, server_drops, server_view
from skrun_build.bundle.secrets import Allow, ContentScanner, Finding, name_rule

_UTF8 = codecs.getincrementaldecoder("utf-8")


class FileProbe:
    """Sees every chunk of one file: runs the secret guard and spots binary content."""

    def __init__(self, rel: str, allow: Allow) -> None:
        self.rel = rel
        self.allowed = allow.allows(rel)
        self._scanner = None if self.allowed else ContentScanner(rel)
        self._decoder: codecs.IncrementalDecoder | None = _UTF8()
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
