"""Member names as the Skrun v0.7.0 server reads them: only the 100-byte ustar name field.

The server's reader takes the name field up to its first NUL (at most 100 bytes),
decodes it as UTF-8 and skips names that contain `..` or start with `/`. A name that
fits goes raw into that field, with no PAX header; the build warns about the rest.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from skrun_build import build_bundle
from skrun_build.bundle.verify import inspect_bundle, unpack_bundle, verify_bundle

from helpers.bundle import agent_tree

NAMES = {
    "references/café-notes.md": "café\n",
    "日本語.md": "nihongo\n",
    "中文.md": "zhongwen\n",
    "한국어.md": "hangugeo\n",
    "é.md": "e acute\n",
    "ü.md": "u umlaut\n",
    # 100 UTF-8 bytes exactly: the field is full, with no NUL inside it.
    "d/" + "é" * 49: "full field\n",
}


def skrun_server_read(bundle: Path) -> dict[str, bytes]:
    """What the Skrun server's reader makes of a bundle: name field only, `..` skipped."""
    data = gzip.decompress(bundle.read_bytes())
    files: dict[str, bytes] = {}
    offset = 0
    while offset < len(data) - 512:
        header = data[offset : offset + 512]
        offset += 512
        if header == b"\0" * 512:
            break
        end = header.find(b"\0")
        name = header[: min(end, 100) if end >= 0 else 100].decode("utf-8", "replace")
        size = int(header[124:136].strip(b" \0") or b"0", 8)
        content = data[offset : offset + size]
        if not name.startswith("/") and ".." not in name:
            files[name] = content
        offset += size + (-size % 512)
    return files


def test_non_ascii_names_reach_the_skrun_server_intact(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, dict(NAMES))
    result = build_bundle(root, tmp_path / "out")
    assert result.warnings == ()
    seen = skrun_server_read(result.path)
    for name, text in NAMES.items():
        assert seen[name] == text.encode()
    # Nothing else arrives: no stray PAX header file, no '?'-mangled duplicate.
    assert sorted(seen) == sorted(
        [*NAMES, "SKILL.md", "agent.yaml", ".skrun/config.json", ".skrun/record.json"]
    )
    assert not any("PaxHeader" in n or "?" in n for n in seen)


def test_two_non_ascii_names_never_collide(tmp_path: Path) -> None:
    # Version 1 wrote "???.md" for both in the name field: the server kept one of them.
    pairs = {"日本語.md": "a\n", "中文字.md": "b\n", "éé.md": "c\n", "üü.md": "d\n"}
    root = agent_tree(tmp_path, dict(pairs))
    seen = skrun_server_read(build_bundle(root, tmp_path / "out").path)
    assert {n: seen[n] for n in pairs} == {n: t.encode() for n, t in pairs.items()}


def test_no_pax_header_for_a_name_that_fits(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, dict(NAMES))
    path = build_bundle(root, tmp_path / "out").path
    raw = gzip.decompress(path.read_bytes())
    assert b"PaxHeader" not in raw and b"path=" not in raw
    with tarfile.open(path, "r:gz", encoding="utf-8") as tf:
        members = tf.getmembers()
        assert all(not m.pax_headers for m in members)
        got = {m.name: tf.extractfile(m).read() for m in members}  # type: ignore[union-attr]
    for name, text in NAMES.items():
        assert got[name] == text.encode()


def test_gnu_tar_lists_and_extracts_the_raw_names(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, dict(NAMES))
    path = build_bundle(root, tmp_path / "out").path
    env = {"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    listing = subprocess.run(
        ["tar", "-tzf", str(path)], capture_output=True, check=True, env=env
    ).stdout.decode("utf-8")
    assert "PaxHeader" not in listing
    assert set(NAMES) <= set(listing.splitlines())
    dest = tmp_path / "gnu"
    dest.mkdir()
    subprocess.run(["tar", "-xzf", str(path), "-C", str(dest)], check=True, env=env)
    for name, text in NAMES.items():
        assert (dest / name).read_text(encoding="utf-8") == text


def test_our_readers_take_the_raw_names(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, dict(NAMES))
    path = build_bundle(root, tmp_path / "out").path
    assert set(NAMES) <= {m.name for m in inspect_bundle(path).members}
    assert verify_bundle(path, root).ok
    unpack_bundle(path, tmp_path / "un")
    for name, text in NAMES.items():
        assert (tmp_path / "un" / name).read_text(encoding="utf-8") == text


LONG = "references/" + "a-long-folder-name/" * 5 + "notes-café.md"


def test_warnings_name_each_member_the_server_would_damage(tmp_path: Path) -> None:
    root = agent_tree(
        tmp_path,
        {
            LONG: "long\n",
            "references/v1..v2-migration.md": "dots\n",
            "assets/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "references/café-notes.md": "fine\n",
        },
    )
    result = build_bundle(root, tmp_path / "out")
    size = len(LONG.encode())
    cut = LONG.encode("ascii", "replace")[:100].decode()
    assert list(result.warnings) == [
        "assets/logo.png: binary content; the Skrun server reads every file as UTF-8 text "
        "and would mangle it",
        f"{LONG}: name is {size} bytes; the Skrun server reads only the first 100 and would "
        f'see "{cut}" plus a stray ././@PaxHeader file (shorten the path)',
        "references/v1..v2-migration.md: the Skrun server silently drops every file whose "
        "name contains '..' (rename it)",
    ]
    seen = skrun_server_read(result.path)
    # What the warnings say is what the server does.
    assert "references/v1..v2-migration.md" not in seen
    assert cut in seen and LONG not in seen and "././@PaxHeader" in seen
    # The bundle itself keeps every member whole (a PAX header for the long name only).
    with tarfile.open(result.path, "r:gz", encoding="utf-8") as tf:
        assert [m.name for m in tf.getmembers() if m.pax_headers] == [LONG]
        assert LONG in tf.getnames() and "references/v1..v2-migration.md" in tf.getnames()


def test_record_says_format_version_2(tmp_path: Path) -> None:
    root = agent_tree(tmp_path)
    path = build_bundle(root, tmp_path / "out").path
    with tarfile.open(path, "r:gz") as tf:
        record = json.loads(tf.extractfile(".skrun/record.json").read())  # type: ignore[union-attr]
    assert (record["format"], record["format_version"]) == ("skrun-agent-bundle", 2)


def _rewrite(src: Path, dest: Path, version: object) -> None:
    """`src` re-packed by tarfile (PAX names, as version 1 wrote them), record at `version`."""
    with tarfile.open(src, "r:gz") as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(dest, "w:gz", format=tarfile.PAX_FORMAT) as out:
        for info, body in members:
            if info.name == ".skrun/record.json":
                record = json.loads(body)
                record["format_version"] = version
                body = json.dumps(record).encode()
                info.size = len(body)
            out.addfile(info, io.BytesIO(body))


def test_a_version_1_bundle_still_verifies(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"café.md": "x\n"})
    path = build_bundle(root, tmp_path / "out").path
    old = tmp_path / "v1.agent"
    _rewrite(path, old, 1)
    result = verify_bundle(old)
    assert result.ok and result.checked == 4


@pytest.mark.parametrize("version", [3, True, "2", None])
def test_an_unknown_format_version_is_refused(tmp_path: Path, version: object) -> None:
    from skrun_build.errors import BundleError

    root = agent_tree(tmp_path)
    path = build_bundle(root, tmp_path / "out").path
    bad = tmp_path / "bad.agent"
    _rewrite(path, bad, version)
    with pytest.raises(BundleError, match="unsupported format_version"):
        verify_bundle(bad)


def test_a_member_name_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    from skrun_build.errors import BundleError

    bad = tmp_path / "latin1.agent"
    with tarfile.open(bad, "w:gz", format=tarfile.USTAR_FORMAT, encoding="latin-1") as tf:
        info = tarfile.TarInfo("caf\u00e9.md")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BundleError, match=r"member 'caf\\udce9.md': the name is not valid UTF-8"):
        inspect_bundle(bad)
