"""`skrun validate --format sarif`: the issues as one SARIF 2.1.0 log, for code scanning.

One run; `tool.driver.rules` is the whole registry (id, name, descriptions, help, default
level, the rule's section of docs/rules*.md), each result points at its rule by
`ruleIndex`. Locations are relative to the git work tree holding the current directory
(found by its `.git`, no git process), else to the current directory, with `uriBaseId`
`%SRCROOT%`, as GitHub code scanning resolves them; a file outside that root gets an absolute
`file://` URI. No timestamps or machine paths: the same tree gives the same bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from skrun_build import __version__
from skrun_build.checks.codes import RULES, Rule
from skrun_build.issues import Issue

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
# The project publishes no web address yet: with one, set it here and every rule gets a
# `helpUri` (SARIF wants an absolute URI) and the driver an `informationUri`.
HOME_URL: str | None = None
# Where each prefix's rules are documented (docs/rules*.md, generated from the registry).
_DOCS = {"AG": "docs/rules-agent.md", "AR": "docs/rules-agent.md"}
_LEVELS = {"error": "error", "warning": "warning"}  # anything else (a note) is "note"


def sarif_document(issues: Sequence[Issue], cwd: str) -> dict[str, object]:
    """The SARIF 2.1.0 log of `issues`, locations relative to the source root above `cwd`."""
    root = source_root(cwd)
    index = {code: n for n, code in enumerate(RULES)}
    results = [_result(issue, index, root) for issue in issues]
    driver = {
        "name": "skrun",
        "fullName": "skrun-build validate",
        "version": __version__,
        "semanticVersion": __version__,
        **({"informationUri": HOME_URL} if HOME_URL else {}),
        "rules": [rule_descriptor(rule) for rule in RULES.values()],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def source_root(cwd: str) -> str:
    """The git work tree holding `cwd` (a `.git` folder or file), else `cwd` itself."""
    here = Path(os.path.abspath(cwd))
    for d in (here, *here.parents):
        if os.path.lexists(d / ".git"):
            return str(d)
    return str(here)


def sarif_level(level: str) -> str:
    """A skrun level as a SARIF `level`: error, warning, else note."""
    return _LEVELS.get(level, "note")


def rule_name(rule: Rule) -> str:
    """A PascalCase identifier from the summary (`name must be lowercase` -> NameMustBeLowercase)."""
    words = re.findall(r"[A-Za-z0-9]+", rule.summary)
    return "".join(w[0].upper() + w[1:].lower() for w in words) or rule.code


def docs_anchor(rule: Rule) -> str:
    """The rule's section of the generated docs (`docs/rules.md#...`), as GitHub anchors it."""
    doc = _DOCS.get(rule.code[:2], "docs/rules.md")
    if doc == "docs/rules.md":
        heading = f"{rule.code} {rule.level}: {rule.summary}"
    else:
        heading = f"{rule.code} {rule.summary} ({rule.level})"
    anchor = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
    return f"{doc}#{quote(anchor)}"


def rule_descriptor(rule: Rule) -> dict[str, object]:
    """A `reportingDescriptor` for one registry entry."""
    fails = "\n".join(f"- fails: {f}" for f in rule.fails)
    markdown = "\n\n".join(
        part
        for part in (
            rule.why,
            fails,
            f"- passes: {rule.passes}",
            f"**Fix:** {rule.fix}",
            f"Source: {rule.source}",
            f"More: `{docs_anchor(rule)}`, or `skrun explain {rule.code}`.",
        )
        if part
    )
    descriptor: dict[str, object] = {
        "id": rule.code,
        "name": rule_name(rule),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why or rule.summary},
        "help": {
            "text": f"{rule.summary}. Fix: {rule.fix}. See skrun explain {rule.code}.",
            "markdown": markdown,
        },
        "defaultConfiguration": {"level": sarif_level(rule.level)},
        "properties": {"tags": [rule.code[:2]], "docs": docs_anchor(rule)},
    }
    if HOME_URL:
        descriptor["helpUri"] = f"{HOME_URL}/blob/main/{docs_anchor(rule)}"
    return descriptor


def _result(issue: Issue, index: dict[str, int], root: str) -> dict[str, object]:
    message = issue.message + (f" ({issue.hint})" if issue.hint else "")
    physical: dict[str, object] = {"artifactLocation": artifact_location(issue.file, root)}
    if issue.line > 0:  # line 0: the whole file, no region
        region: dict[str, int] = {"startLine": issue.line}
        if issue.col > 0:
            region["startColumn"] = issue.col
        physical["region"] = region
    result: dict[str, object] = {"ruleId": issue.code}
    if issue.code in index:
        result["ruleIndex"] = index[issue.code]
    result["level"] = sarif_level(issue.level)
    result["message"] = {"text": message}
    result["locations"] = [{"physicalLocation": physical}]
    return result


def artifact_location(file: str, root: str) -> dict[str, str]:
    """`{uri, uriBaseId}` relative to `root`; an absolute `file:` URI outside it."""
    path = os.path.abspath(file)
    rel = os.path.relpath(path, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": Path(path).as_uri() if _encodable(path) else _file_uri(path)}
    return {"uri": _quote(Path(rel).as_posix()), "uriBaseId": SRCROOT}


def _quote(posix: str) -> str:
    # os.fsencode keeps a file name's undecodable bytes as they are on disk.
    return quote(os.fsencode(posix), safe="/")


def _encodable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _file_uri(path: str) -> str:
    return "file://" + _quote(Path(path).as_posix())
