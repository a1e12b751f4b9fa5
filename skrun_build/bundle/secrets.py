"""The secret guard: stop a build that would pack something that looks like a credential.

Two kinds of rules (docs/bundle-format.md, "Secret guard"):
- by name: `id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*`, `*.pem`, `*.p12`, `*.pfx`;
- by content: private-key blocks and well-known cloud/API token shapes, and an
  `.npmrc` / `.pypirc` that carries credentials.
A file is allowed explicitly with `skrun build --allow-secret PATTERN` (gitignore
syntax, relative to the source directory), whatever `.skrunignore` says.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from skrun_build.errors import SecretFound, UsageError

NAME_RULES: tuple[tuple[str, str], ...] = (
    ("id_rsa*", "SSH private key file name"),
    ("id_dsa*", "SSH private key file name"),
    ("id_ecdsa*", "SSH private key file name"),
    ("id_ed25519*", "SSH private key file name"),
    ("*.pem", "PEM key/certificate file"),
    ("*.p12", "PKCS#12 key store"),
    ("*.pfx", "PKCS#12 key store"),
)

# (rule name, pattern); each is specific enough that prose and examples rarely match.
CONTENT_RULES: tuple[tuple[str, bytes], ...] = (
    # A header alone (as in docs) is not a key: require the base64 body after it,
    # past optional `Proc-Type:`-style lines; `\\n` for keys inside JSON strings.
    (
        "private key block",
        rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\r?\n|\\n)"
        rb"(?:[A-Za-z-]+: [^\r\n]*(?:\r?\n|\\n))*(?:\r?\n|\\n)?[A-Za-z0-9+/=]{40,}",
    ),
    ("AWS access key id", rb"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    ("GitHub token", rb"\bgh[pousr]_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}"),
    ("GitLab token", rb"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("Slack token", rb"\bxox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{10,}"),
    (
        "Slack webhook URL",
        rb"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
    ),
    ("Stripe live key", rb"\b[rs]k_live_[A-Za-z0-9]{20,}"),
    ("Google API key", rb"\bAIza[0-9A-Za-z_-]{35}\b"),
    (
        "OpenAI API key",
        rb"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
    ),
    ("Anthropic API key", rb"\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}"),
    ("Hugging Face token", rb"\bhf_[A-Za-z]{34}\b"),
    ("npm token", rb"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PyPI token", rb"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
)
# Credentials inside package-manager config files, checked only in those files.
CONFIG_RULES: dict[str, tuple[str, bytes]] = {
    # `${NPM_TOKEN}`-style references to the environment are the safe practice: allowed.
    ".npmrc": (
        ".npmrc auth token",
        rb"(?m)^\s*(?://[^\s=]*:)?_(?:authToken|auth|password)\s*=\s*(?!\$\{)\S",
    ),
    ".pypirc": (".pypirc password", rb"(?m)^\s*password\s*[=:]\s*(?!\$\{)\S"),
    ".yarnrc.yml": (
        ".yarnrc.yml auth token",
        rb"(?m)^\s*npmAuthToken\s*:\s*[\"']?(?!\$\{)\w",
    ),
}
# Documentation examples everyone copies; never a real credential.
_PLACEHOLDERS = (b"EXAMPLE", b"XXXX", b"FAKE", b"DUMMY", b"0000000", b"REDACTED")
_COMBINED = re.compile(b"|".join(b"(?P<r%d>%s)" % (i, p) for i, (_, p) in enumerate(CONTENT_RULES)))
# The literal every content rule contains. Searching for these alone is ~25x faster
# than the full rules, which then only run in a window around each hit.
_NEEDLES = re.compile(
    rb"PRIVATE KEY|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-"
    rb"|hooks\.slack\.com|_live_|AIza|T3BlbkFJ|sk-ant-|hf_|npm_|pypi-AgEI"
)
# Every token rule needs a run of >= 20 token characters; prose and binary data rarely
# hold one, so a chunk without such a run (or a key header) skips the regexes. The
# check is two C-speed passes (translate + find).
_RUN_TABLE = bytes(
    ord("a") if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-") else ord(" ")
    for b in range(256)
)
_RUN = b"a" * 20
# How far a token can start before its needle / end after it (tokens are < 300 bytes).
_BEFORE, _AFTER = 320, 320
# A match can straddle two chunks; keep this much of the previous chunk.
OVERLAP = 640


@dataclass(frozen=True, slots=True)
class Finding:
    """A file that looks like a credential, and the rule that caught it."""

    path: str
    rule: str

    def format(self) -> str:
        """`path: rule`, for the error message."""
        return f"{self.path}: {self.rule}"


class Allow:
    """The explicit allow list (`--allow-secret`), gitignore patterns from the source root.

    Matched as git matches a `.gitignore` at the root (`skrun_build.bundle.gitignore`): the
    last matching pattern wins, and a pattern that matches a folder (`tests/`)
    allows everything inside it. A pattern git would never match is a usage error.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        from skrun_build.bundle.gitignore import compile_pattern

        self.patterns = list(patterns)
        self._compiled = []
        for text in self.patterns:
            pattern = compile_pattern(text.encode("utf-8", "surrogateescape"))
            if pattern.matcher is None:
                raise UsageError(
                    f"--allow-secret {text!r}: {pattern.note}",
                    hint="give a gitignore pattern relative to the agent directory, "
                    "e.g. 'tests/fixtures/*.pem'",
                )
            self._compiled.append(pattern)
        self._compiled.reverse()  # the last matching pattern decides

    def allows(self, rel: str) -> bool:
        """Whether the user allowed `rel` to be packed even if it looks like a secret."""
        if not self._compiled:
            return False
        parts = rel.encode("utf-8", "surrogateescape").split(b"/")
        for depth in range(1, len(parts) + 1):
            path = b"/".join(parts[:depth])
            is_dir = depth < len(parts)
            hit = next((p for p in self._compiled if p.matches(path, is_dir)), None)
            if hit is not None and not hit.negated:
                return True
        return False


# Every name pattern in one expression: most names match none, and one search says so.
_ANY_NAME = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p, _ in NAME_RULES))


def name_rule(rel: str) -> str | None:
    """The name rule `rel` trips, if any (the first of NAME_RULES that matches)."""
    base = rel.rsplit("/", 1)[-1]
    if _ANY_NAME.match(base) is None:
        return None
    for pattern, rule in NAME_RULES:
        if fnmatch.fnmatchcase(base, pattern):
            return f"{rule} ({pattern})"
    return None


def looks_fake(token: bytes) -> bool:
    """A documentation placeholder: `...EXAMPLE`, `XXXX`, or a run like `abcdef`/`A1B2C3D4E5`.

    A random token holds an ascending run of 6 with odds of about 1 in 10**8.
    """
    upper = token.upper()
    if any(p in upper for p in _PLACEHOLDERS):
        return True
    for stride in (1, 2):
        run = 1
        for i in range(stride, len(token)):
            run = run + 1 if token[i] - token[i - stride] == 1 else 1
            if run >= 6:
                return True
    return False


class ContentScanner:
    """Scans one file's content chunk by chunk; `.rule` is set at the first hit."""

    def __init__(self, rel: str) -> None:
        base = rel.rsplit("/", 1)[-1]
        self._config = CONFIG_RULES.get(base)
        self._config_text = b""
        self._tail = b""
        self.rule: str | None = None

    def feed(self, chunk: bytes) -> None:
        """Scan the next chunk (with an overlap from the previous one)."""
        if self.rule is not None:
            return
        if self._config is not None and len(self._config_text) < 1024 * 1024:
            self._config_text += chunk
        data = self._tail + chunk if self._tail else chunk
        self._tail = data[-OVERLAP:]
        if data.find(b"PRIVATE KEY") < 0 and data.translate(_RUN_TABLE).find(_RUN) < 0:
            return
        done = 0
        for hit in _NEEDLES.finditer(data):
            if hit.start() < done:
                continue
            start, done = max(0, hit.start() - _BEFORE), hit.end() + _AFTER
            for m in _COMBINED.finditer(data, start, done):
                if not looks_fake(m.group()):
                    self.rule = CONTENT_RULES[int(str(m.lastgroup)[1:])][0]
                    return

    def finish(self) -> str | None:
        """The rule that caught this file, or None."""
        if self.rule is None and self._config is not None:
            rule, pattern = self._config
            if re.search(pattern, self._config_text):
                self.rule = rule
        return self.rule


def secret_error(findings: list[Finding]) -> SecretFound:
    """One error naming every file the secret guard caught."""
    listed = "; ".join(f.format() for f in findings)
    first = findings[0].path
    return SecretFound(
        f"refusing to pack what looks like a credential: {listed}",
        hint=f"remove it, exclude it in .skrunignore, or allow it with --allow-secret {first}",
    )
