"""The runtime's (Skrun v0.7.0) detection order and cache key, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.deps.detect import Manifest, detect_dir, detect_members
from skrun_build.deps.key import cache_key, is_key, key_of_parts

from helpers.trees import make_tree

PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["attrs>=23"]\n'
PACKAGE = '{"name":"demo","version":"1.0.0","dependencies":{"is-number":"7.0.0"}}\n'

VECTORS = [
    (
        ["python", "requirements", "requests==2.32.3\n"],
        "73dedc385a6a3f1267541c11112cb9d3fc45a5acb5687079f4ea9283aa7f8e3b",
    ),
    (
        ["python", "pyproject", PYPROJECT, "uv", "version = 1\n"],
        "fd5595e44b1dac110bf4c2e3e3a698c0e0ee89a6d61b3228f047e0449043c68d",
    ),
    (["node", PACKAGE], "ab8a7e23d56fdf3bb1d21e89f112f3130b4cadaa0d635f98c3d833f51456b047"),
    (
        ["node", PACKAGE, "npm", '{"lockfileVersion":3}\n'],
        "7f7828719fb301ef3ad8e300b740f97cb06c51c3b957a9d672b64d6fd9830c7a",
    ),
]


@pytest.mark.parametrize(("parts", "expected"), VECTORS)
def test_key_vectors(parts: list[str], expected: str) -> None:
    assert key_of_parts(parts) == expected


def test_key_vectors_through_detection(tmp_path: Path) -> None:
    req = make_tree(tmp_path / "req", {"requirements.txt": "requests==2.32.3\n"})
    py = make_tree(tmp_path / "py", {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"})
    node = make_tree(tmp_path / "node", {"package.json": PACKAGE})
    npm = make_tree(
        tmp_path / "npm", {"package.json": PACKAGE, "package-lock.json": '{"lockfileVersion":3}\n'}
    )
    got = []
    for d in (req, py, node, npm):
        m = detect_dir(d)
        assert m is not None
        got.append(cache_key(m))
    assert got == [expected for _, expected in VECTORS]


def test_content_is_not_normalised(tmp_path: Path) -> None:
    lf = detect_members({"requirements.txt": b"requests==2.32.3\n"})
    crlf = detect_members({"requirements.txt": b"requests==2.32.3\r\n"})
    bom = detect_members({"requirements.txt": b"\xef\xbb\xbfrequests==2.32.3\n"})
    assert lf is not None and crlf is not None and bom is not None
    assert len({cache_key(lf), cache_key(crlf), cache_key(bom)}) == 3
    assert crlf.text == "requests==2.32.3\r\n"


ALL = {
    "package.json": PACKAGE,
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "yarn.lock": "# yarn lockfile v1\n",
    "package-lock.json": '{"lockfileVersion":3}\n',
    "pyproject.toml": PYPROJECT,
    "uv.lock": "version = 1\n",
    "poetry.lock": "# poetry\n",
    "requirements.txt": "attrs\n",
}


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        ((), ("node", "package.json", "package.json", "pnpm", "pnpm-lock.yaml")),
        (("pnpm-lock.yaml",), ("node", "package.json", "package.json", "yarn", "yarn.lock")),
        (
            ("pnpm-lock.yaml", "yarn.lock"),
            ("node", "package.json", "package.json", "npm", "package-lock.json"),
        ),
        (
            ("pnpm-lock.yaml", "yarn.lock", "package-lock.json"),
            ("node", "package.json", "package.json", None, None),
        ),
        (("package.json",), ("python", "pyproject", "pyproject.toml", "uv", "uv.lock")),
        (
            ("package.json", "uv.lock"),
            ("python", "pyproject", "pyproject.toml", "poetry", "poetry.lock"),
        ),
        (
            ("package.json", "uv.lock", "poetry.lock"),
            ("python", "pyproject", "pyproject.toml", None, None),
        ),
        (
            ("package.json", "pyproject.toml"),
            ("python", "requirements", "requirements.txt", None, None),
        ),
    ],
)
def test_lockfile_precedence(
    tmp_path: Path, removed: tuple[str, ...], expected: tuple[str | None, ...]
) -> None:
    d = make_tree(tmp_path / "s", {k: v for k, v in ALL.items() if k not in removed})
    m = detect_dir(d)
    assert m is not None
    assert (m.ecosystem, m.kind, m.name, m.lock_kind, m.lock_name) == expected
    assert m.text == ALL[m.name]
    assert detect_members({k: v.encode() for k, v in ALL.items() if k not in removed}) == m


def test_detection_is_root_only_and_ignores_directories(tmp_path: Path) -> None:
    d = make_tree(
        tmp_path / "s",
        {"scripts": {"requirements.txt": "attrs\n"}, "package.json": {"x": "y"}},
    )
    assert detect_dir(d) is None


def test_key_parts_without_lock_has_no_lock_pair() -> None:
    m = Manifest("python", "pyproject", "pyproject.toml", "x")
    assert m.key_parts() == ["python", "pyproject", "x"]
    assert m.files() == {"pyproject.toml": "x"}
    assert is_key(cache_key(m))
    assert not is_key("A" * 64)
    assert not is_key("a" * 63)
