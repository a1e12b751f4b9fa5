"""The Agent Skills frontmatter rules (`SK...`), as checks over a split SKILL.md.

Levels: errors for what the Agent Skills spec forbids (ASCII
`a-z0-9-` names, typed YAML so `name: 12345` is no string, duplicate keys, ...);
warnings for portability problems (unknown keys, non-string metadata values,
`allowed-tools` as a list or comma-separated, `<`/`>` in the description, a body
over 500 lines). In an agent folder, SK016 is skipped and what Skrun v0.7.0 push
refuses is an error (`skill_push.py`). Each code's level is the registry's
(`checks/codes/`). Every issue is located at
`file:line:col`: the value's column for value problems, the key's for key problems.
No I/O here; no pydantic either, so `skrun validate SKILL.md` starts fast.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skrun_build.checks.codes import level, summaries, table
from skrun_build.formats.names import MAX_NAME, NAME_RE, normalize_name, type_name
from skrun_build.issues import Issue, Level
from skrun_build.suggest import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.budget import Limits
    from skrun_build.errors import InputError
    from skrun_build.formats.skillmd import Skill

SPEC_KEYS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500
MAX_BODY_LINES = 500  # the default; `Limits` in checks/budget.py holds the configured one
_SKRUN = "Skrun v0.7.0"  # the runtime whose push the agent-only rules follow

# code -> (level, summary) and code -> summary: views of the registry (checks/codes/sk_*.py).
RULES: dict[str, tuple[Level, str]] = table("SK")
CODES: dict[str, str] = summaries("SK")

# SkillMdError / YamlError kind -> code
_READ_CODES = {
    "missing": "SK001",
    "not-file": "SK002",
    "unreadable": "SK002",
    "symlink": "SK003",
    "encoding": "SK004",
    "no-frontmatter": "SK005",
    "unclosed": "SK006",
    "syntax": "SK007",
    "value": "SK007",
    "duplicate-key": "SK008",
    "alias": "SK009",
    "tag": "SK009",
    "depth": "SK009",
    "size": "SK009",
    "not-mapping": "SK010",
}

# Keys some hosts define on top of the spec: worth a precise hint, still not portable.
_HOST_KEYS = {
    "argument-hint": "Claude Code",
    "disable-model-invocation": "Claude Code",
    "user-invocable": "Claude Code",
    "model": "Claude Code",
    "context": "Claude Code",
    "agent": "Claude Code",
    "hooks": "Claude Code",
    "effort": "Claude Code",
    "paths": "Claude Code",
    "shell": "Claude Code",
    "when_to_use": "Claude Code",
}


def read_error_issue(err: InputError, file: str) -> Issue:
    """The issue for a SKILL.md that could not be read or split (`SkillMdError`/`YamlError`)."""
    kind = str(getattr(err, "kind", "unreadable"))
    code = _READ_CODES.get(kind, "SK002")
    line = err.line or 0
    col = int(getattr(err, "col", 0) or 0)
    return Issue(file, line, col, code, level(code), err.message, err.hint)


Problem = tuple[str, str, str | None]
"""(code, message, hint) of a value checked on its own, without a location."""


def name_problems(name: str) -> list[Problem]:
    """The SK012-SK015 problems of a non-empty string `name` (empty list: a valid name)."""
    fixed = normalize_name(name)
    try_ = f'try "{fixed}"' if fixed and fixed != name else None
    out: list[Problem] = []
    if len(name) > MAX_NAME:
        out.append(
            (
                "SK015",
                f"name is {len(name)} characters; the limit is {MAX_NAME}",
                "shorten it (and rename the directory to match)",
            )
        )
    if any(c.isupper() for c in name):
        out.append(("SK012", f"name must be lowercase: {_q(name)}", try_))
    bad = sorted({c for c in name.lower() if not ("a" <= c <= "z" or "0" <= c <= "9" or c == "-")})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        out.append(
            (
                "SK013",
                f"name may only contain ASCII a-z, 0-9 and '-': {_q(name)} has {shown}",
                try_ or "transliterate it to ASCII a-z, 0-9 and '-'",
            )
        )
    if name.startswith("-") or name.endswith("-") or "--" in name:
        out.append(
            ("SK014", f"name must not start or end with '-' or contain '--': {_q(name)}", try_)
        )
    return out


def description_problems(desc: str, *, agent: bool = False) -> list[Problem]:
    """The SK022-SK024 problems of a string description (SK024 is a warning).

    `agent`: count the length as Skrun v0.7.0 push does (UTF-16 code units).
    """
    if not desc.strip():
        what = "empty" if not desc else "only whitespace"
        return [("SK022", f"description is {what}", "say what the skill does and when to use it")]
    out: list[Problem] = []
    too_long = _length_problem("description", desc, MAX_DESCRIPTION, agent)
    if too_long:
        out.append(("SK023", too_long, "shorten it and move details into the body"))
    if "<" in desc or ">" in desc:
        out.append(
            (
                "SK024",
                "description contains '<' or '>'",
                "claude.ai uploads reject angle brackets in descriptions; reword without them",
            )
        )
    return out


def check_skill(
    skill: Skill,
    dir_name: str | None,
    *,
    agent: bool = False,
    target: str = "generic",
    limits: Limits | None = None,
) -> list[Issue]:
    """Every frontmatter and body issue of a split SKILL.md, in file order.

    `dir_name` is the skill directory's name (None skips the name == directory rule).
    `agent`: the SKILL.md of an agent folder (agent.yaml present). Skrun never checks
    an agent's folder name (SK016 is skipped; AG016 compares the slug), and what its
    push refuses is an error (SK070-SK073, lengths in UTF-16 code units).
    `target`: the client whose own keys are recognised (`skrun_build.checks.clients`).
    """
    return _Checker(skill, agent, target, limits).run(None if agent else dir_name, dir_name)


class _Checker:
    __slots__ = ("_lines", "agent", "fm", "issues", "limits", "skill", "target")

    def __init__(
        self, skill: Skill, agent: bool, target: str = "generic", limits: Limits | None = None
    ) -> None:
        self.skill = skill
        self.agent = agent
        self.target = target
        self.limits = limits
        self.fm: dict[Any, Any] = skill.frontmatter
        self.issues: list[Issue] = []
        self._lines: list[str] | None = None

    def add(self, code: str, at: tuple[int, int], message: str, hint: str | None = None) -> None:
        self.issues.append(Issue(self.skill.file, at[0], at[1], code, level(code), message, hint))

    def value_at(self, *path: str | int) -> tuple[int, int]:
        return self.skill.doc.locate(path)

    def key_at(self, *path: str | int) -> tuple[int, int]:
        return self.skill.doc.locate_key(path)

    def source(self, at: tuple[int, int]) -> str:
        """The YAML text of a one-line value at `at`, comment stripped (for hints)."""
        if self._lines is None:
            self._lines = self.skill.yaml_text.split("\n")
        lines = self._lines
        index = at[0] - 2
        if not 0 <= index < len(lines):
            return ""
        text = lines[index][at[1] - 1 :].rstrip("\r ")
        return re.sub(r"\s+#.*$", "", text)

    def run(self, dir_name: str | None, hint_name: str | None) -> list[Issue]:
        if self.agent:
            from skrun_build.checks.skill_push import fence_issues

            self.issues.extend(fence_issues(self.skill))
        self.check_keys()
        self.check_name(dir_name, hint_name)
        self.check_description()
        self.check_license()
        self.check_compatibility()
        self.check_metadata()
        self.check_allowed_tools()
        self.check_body()
        if self.target != "generic":
            from skrun_build.checks.clients import client_issues

            self.issues.extend(client_issues(self.skill, self.target))
        self.issues.sort(key=lambda i: (i.line, i.col, i.code))
        return self.issues

    # -- keys -------------------------------------------------------------------------

    def near_miss(self, wanted: str) -> str | None:
        """A present unknown key that looks like a misspelling of `wanted`."""
        for key in self.fm:
            if isinstance(key, str) and key not in SPEC_KEYS and did_you_mean(key, [wanted]):
                return key
        return None

    def check_keys(self) -> None:
        known: frozenset[str] = frozenset()
        if self.target != "generic":
            from skrun_build.checks.clients import known_keys

            known = known_keys(self.target)
        for key in self.fm:
            if key in SPEC_KEYS or key in known:
                continue
            shown = str(key)
            at = self.key_at(shown)
            guess = did_you_mean(shown, SPEC_KEYS) if isinstance(key, str) else None
            if guess is not None and guess not in self.fm:
                hint = f"did you mean {guess!r}?"
            elif shown in _HOST_KEYS:
                hint = (
                    f"a {_HOST_KEYS[shown]} extension; skills-ref and claude.ai uploads "
                    "reject keys outside the spec"
                )
            else:
                hint = "kept; skills-ref and claude.ai uploads reject it: move it under metadata:"
            self.add("SK050", at, f"unknown frontmatter key {shown!r}", hint)

    def wrong_type_hint(self, key: str, value: object, at: tuple[int, int]) -> str:
        if isinstance(value, dict | list):
            return f"write {key} as one string"
        if value is None:
            return f'give it a value, e.g. {key}: "...", or remove the line'
        text = self.source(at) or str(value)
        if text.startswith(("'", '"')):
            return f"write {key} as one string"
        return f'quote it: {key}: "{text}"'

    # -- name ---------------------------------------------------------------------------

    def check_name(self, dir_name: str | None, hint_name: str | None) -> None:
        if "name" not in self.fm:
            miss = self.near_miss("name")
            hint = (
                f"rename {miss!r} to 'name'"
                if miss
                else f"add name: {hint_name}"
                if hint_name and NAME_RE.match(hint_name)
                else "add name: followed by the skill directory's name"
            )
            self.add("SK011", (1, 1), "the frontmatter has no 'name'", hint)
            return
        name = self.fm["name"]
        at = self.value_at("name")
        if name is None or name == "":
            self.add("SK011", at, "name is empty", "give the skill directory's name")
            return
        if not isinstance(name, str):
            self.add(
                "SK017",
                at,
                f"name must be a string, got {type_name(name, show=True)}",
                self.wrong_type_hint("name", name, at),
            )
            return
        problems = name_problems(name)
        for code, message, fix in problems:
            self.add(code, at, message, fix)
        valid = not problems
        if valid and dir_name is not None and name != dir_name:
            self.add(
                "SK016",
                at,
                f"name {_q(name)} must equal the skill directory's name {_q(dir_name)}",
                f'rename the directory to "{name}" or set name: {dir_name}'
                if NAME_RE.match(dir_name)
                else f'rename the directory to "{name}"',
            )

    # -- description --------------------------------------------------------------------

    def check_description(self) -> None:
        if "description" not in self.fm:
            miss = self.near_miss("description")
            hint = (
                f"rename {miss!r} to 'description'"
                if miss
                else "add description: saying what the skill does and when to use it"
            )
            self.add("SK020", (1, 1), "the frontmatter has no 'description'", hint)
            return
        desc = self.fm["description"]
        at = self.value_at("description")
        if desc is None:
            self.add(
                "SK022", at, "description is empty", "say what the skill does and when to use it"
            )
            return
        if not isinstance(desc, str):
            self.add(
                "SK021",
                at,
                f"description must be a string, got {type_name(desc, show=True)}",
                self.wrong_type_hint("description", desc, at),
            )
            return
        for code, message, fix in description_problems(desc, agent=self.agent):
            self.add(code, at, message, fix)

    # -- optional fields ----------------------------------------------------------------

    def check_license(self) -> None:
        if "license" not in self.fm:
            return
        value = self.fm["license"]
        at = self.value_at("license")
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(
                "SK030", at, "license is empty", "give a license name or file, or remove the key"
            )
        elif not isinstance(value, str):
            self.add(
                "SK030",
                at,
                f"license must be a string, got {type_name(value, show=True)}",
                self.wrong_type_hint("license", value, at),
            )

    def check_compatibility(self) -> None:
        if "compatibility" not in self.fm:
            return
        value = self.fm["compatibility"]
        at = self.value_at("compatibility")
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(
                "SK032",
                at,
                "compatibility is empty; if present it must be 1-500 characters",
                "say what the skill needs (e.g. 'Requires git and Python 3.11+'), or remove the key",
            )
        elif not isinstance(value, str):
            self.add(
                "SK031",
                at,
                f"compatibility must be a string, got {type_name(value, show=True)}",
                self.wrong_type_hint("compatibility", value, at),
            )
        elif too_long := _length_problem("compatibility", value, MAX_COMPATIBILITY, self.agent):
            self.add("SK033", at, too_long, "shorten it and move details into the body")

    def check_metadata(self) -> None:
        if "metadata" not in self.fm:
            return
        meta = self.fm["metadata"]
        if not isinstance(meta, dict):
            self.add(
                "SK034",
                self.value_at("metadata"),
                f"metadata must be a mapping of strings, got {type_name(meta, show=True)}",
                "write metadata: followed by indented `key: value` lines, or remove it",
            )
            return
        for key, value in meta.items():
            shown = str(key)
            if not isinstance(key, str):
                self.add(
                    "SK035",
                    self.key_at("metadata", shown),
                    f"metadata key {shown} is {type_name(key, show=True)}, not a string",
                    f'quote it: "{shown}":',
                )
            if isinstance(value, str):
                continue
            at = self.value_at("metadata", shown)
            hint = (
                "skills-ref and skrun-dev accept only string values; encode it as one string"
                if isinstance(value, dict | list)
                else self.wrong_type_hint(shown, value, at)
            )
            what = f"metadata value of {shown!r} is {type_name(value, show=True)}, not a string"
            if self.agent:  # Skrun's schema is a record of strings
                self.add("SK073", at, f"{what}; {_SKRUN} push refuses it", hint)
            else:
                self.add("SK035", at, what, hint)

    def check_allowed_tools(self) -> None:
        if "allowed-tools" not in self.fm:
            return
        tools = self.fm["allowed-tools"]
        at = self.value_at("allowed-tools")
        if isinstance(tools, list):
            if all(isinstance(t, str) and " " not in t for t in tools):
                hint = (
                    f"write allowed-tools: {' '.join(tools)}" if tools else "write it as a string"
                )
            else:
                hint = "write it as one space-separated string"
            if self.agent:
                message = f"allowed-tools is a YAML list; {_SKRUN} push needs one string"
                self.add("SK072", at, message, hint)
            else:
                message = "allowed-tools is a YAML list; the spec uses a space-separated string"
                self.add("SK041", at, message, hint)
        elif not isinstance(tools, str):
            self.add(
                "SK040",
                at,
                f"allowed-tools must be a space-separated string, got {type_name(tools, show=True)}",
                "e.g. allowed-tools: Bash(git:*) Read",
            )
        elif _comma_outside_parens(tools):
            fixed = re.sub(r"\s*,\s*", " ", tools).strip()
            self.add(
                "SK042",
                at,
                "allowed-tools is comma-separated; the spec separates tools with spaces",
                f"write allowed-tools: {fixed}",
            )

    # -- body ---------------------------------------------------------------------------

    def check_body(self) -> None:
        skill = self.skill
        self.issues.extend(body_issues(skill.file, skill.body, skill.body_line, self.limits))


def body_issues(file: str, body: str, body_line: int, limits: Limits | None = None) -> list[Issue]:
    """The rules on the Markdown body (lines, tokens), independent of the frontmatter."""
    from skrun_build.checks.budget import body_issues as budget_issues

    return budget_issues(file, body, body_line, limits)


def _length_problem(field: str, text: str, limit: int, agent: bool) -> str | None:
    """The message when `text` is over `limit`; an agent's counts as Skrun push does."""
    if agent:
        from skrun_build.checks.skill_push import js_length, too_long

        return too_long(field, text, limit, agent) if js_length(text) > limit else None
    return f"{field} is {len(text)} characters; the limit is {limit}" if len(text) > limit else None


def _comma_outside_parens(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            return True
    return False


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
