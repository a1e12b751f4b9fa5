"""What a build does by default: zlib level 6, the 50 MiB limit, the config's select, and
what `inspect --json` reports of each member."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from skrun_build import cli


def test_inspect_json_gives_each_members_mode_size_and_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import build_bundle, scaffold

    agent = tmp_path / "tool-agent"
    scaffold("agent-python", agent)
    built = build_bundle(agent, output=tmp_path / "out")
    assert cli.run(["inspect", "--json", str(built.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    members = {m["name"]: m for m in doc["members"]}
    script = agent / "scripts" / "tool_agent.py"
    for name, path, mode in (
        ("scripts/tool_agent.py", script, 0o755),
        ("SKILL.md", agent / "SKILL.md", 0o644),
    ):
        data = path.read_bytes()
        got = members[name]
        assert (got["size"], got["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert got["mode"] == f"{mode:04o}"
    assert (doc["manifest"], doc["lockfile"]) == ("pyproject.toml", "uv.lock")


def test_the_gzip_layer_is_zlib_level_6_exactly(tmp_path: Path) -> None:
    import gzip
    import zlib

    from skrun_build import build_bundle, scaffold

    agent = tmp_path / "lvl"
    scaffold("agent-python", agent)
    (agent / "notes.txt").write_text("some words to compress, " * 2000)
    data = build_bundle(agent, output=tmp_path / "out").path.read_bytes()
    raw = gzip.decompress(data)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    body = deflate.compress(raw) + deflate.flush()
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    assert data[10:-8] == body  # the documented level: any other level changes the bytes
    assert data[-8:] == zlib.crc32(raw).to_bytes(4, "little") + len(raw).to_bytes(4, "little")


def test_the_default_size_limit_is_50_mib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import scaffold

    agent = tmp_path / "big"
    scaffold("agent", agent)
    blob = agent / "blob.bin"
    with blob.open("wb") as f:  # incompressible: the bundle ends up over 50 MiB
        for _ in range(51):
            f.write(os.urandom(1024 * 1024))
    assert cli.run(["build", str(agent), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bundle exceeds the size limit of 50.0 MiB; nothing was written" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    from skrun_build import build_bundle
    from skrun_build.errors import BundleError

    with pytest.raises(BundleError, match=r"exceeds the size limit of 50\.0 MiB"):
        build_bundle(agent, output=tmp_path / "out")  # the library's default too


def test_build_applies_the_configs_select_like_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build import scaffold

    agent = tmp_path / "sel"
    scaffold("agent", agent)
    skill_md = agent / "SKILL.md"
    skill_md.write_text(skill_md.read_text().replace("---\n", "---\nversion: 1\n", 1))
    (tmp_path / ".skrun.toml").write_text("strict = true\n")
    assert cli.run(["validate", str(agent)]) == 1  # SK050, made an error by strict
    assert cli.run(["build", str(agent)]) == 1
    assert "SK050 error" in capsys.readouterr().err
    (tmp_path / ".skrun.toml").write_text('strict = true\nselect = ["AG"]\n')
    assert cli.run(["validate", str(agent)]) == 0
    assert cli.run(["build", str(agent)]) == 0
    assert "SK050" not in capsys.readouterr().err
