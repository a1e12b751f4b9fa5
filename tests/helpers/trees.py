"""File trees written from a dict, and the agent.yaml defaults a snapshot fills in."""

from __future__ import annotations

from pathlib import Path


def make_tree(root: Path, spec: dict[str, str | bytes | dict]) -> Path:  # type: ignore[type-arg]
    """Build a file tree from a dict: str/bytes values are files, dicts are folders."""
    root.mkdir(parents=True, exist_ok=True)
    for name, value in spec.items():
        path = root / name
        if isinstance(value, dict):
            make_tree(path, value)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, bytes):
                path.write_bytes(value)
            else:
                path.write_text(value, encoding="utf-8", newline="")
    return root


# The agent.yaml fields a config snapshot fills with their defaults (skrun-dev's schema),
# for tests that compare a whole snapshot or a scaffolded agent.yaml.
AGENT_DEFAULTS: dict[str, object] = {
    "mcp_servers": [],
    "tool_choice": "auto",
    "parallel_tools": True,
    "environment": {
        "networking": {"allowed_hosts": []},
        "filesystem": "read-only",
        "secrets": [],
        "timeout": "300s",
        "sandbox": "strict",
    },
    "context_mode": "skill",
    "state": {"type": "kv", "ttl": "30d"},
    "tests": [],
}
