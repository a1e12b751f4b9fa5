"""Safety rules of `skrun build`: symlinks, loops, FIFOs, names, secrets, size, kill -9."""

from __future__ import annotations

import os
import random
import signal
import string
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from skrun_build import build_bundle
from skrun_build.bundle.format import MIB
from skrun_build.errors import BundleError, SecretFound

from helpers.bundle import agent_tree


def names(path: Path) -> list[str]:
    with tarfile.open(path, "r:gz") as tf:
        return tf.getnames()


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or sorted(os.listdir(out)) == []


def test_symlinks_inside_become_regular_files(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"lib": {"util.py": "x = 1\n", "run.sh": "#!/bin/sh\n"}})
    (root / "lib" / "run.sh").chmod(0o755)
    (root / "alias.py").symlink_to("lib/util.py")
    (root / "tool").symlink_to("lib/run.sh")
    (root / "mirror").symlink_to("lib", target_is_directory=True)
    result = build_bundle(root, tmp_path / "out")
    with tarfile.open(result.path, "r:gz") as tf:
        members = {m.name: m for m in tf.getmembers()}
        assert all(m.isreg() for m in members.values())
        assert tf.extractfile(members["alias.py"]).read() == b"x = 1\n"  # type: ignore[union-attr]
    assert members["tool"].mode == 0o755
    assert [n for n in members if n.startswith(("mirror/", "lib/"))] == [
        "lib/run.sh",
        "lib/util.py",
        "mirror/run.sh",
        "mirror/util.py",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda r: (r / "leak").symlink_to("/etc/hostname"),
            "leak: symlink leads outside the source directory (to /etc/hostname) "
            "(copy the file in, or exclude the link in .skrunignore)",
        ),
        (
            lambda r: (r / "gone").symlink_to("missing.txt"),
            "gone: dangling symlink to 'missing.txt' (fix the link or exclude it in .skrunignore)",
        ),
        (
            lambda r: ((r / "a").symlink_to("b"), (r / "b").symlink_to("a")),
            "a: symlink loop (fix the link or exclude it)",
        ),
        (
            lambda r: ((r / "sub").mkdir(), (r / "sub" / "up").symlink_to("..")),
            "sub/up: symlink loop: it points back to the source directory "
            "(remove the link or exclude it in .skrunignore)",
        ),
        (
            lambda r: os.mkfifo(r / "pipe"),
            "pipe: is a FIFO (named pipe); only regular files can be bundled "
            "(remove it or exclude it in .skrunignore)",
        ),
    ],
    ids=["outside", "dangling", "loop", "ancestor-loop", "fifo"],
)
def test_unsafe_entries_stop_the_build(tmp_path: Path, make: object, message: str) -> None:
    root = agent_tree(tmp_path)
    make(root)  # type: ignore[operator]
    with pytest.raises(BundleError) as info:
        build_bundle(root, tmp_path / "out")
    assert str(info.value) == message
    assert_nothing_written(tmp_path / "out")


def test_symlink_to_an_excluded_path_is_refused(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {".env": "TOKEN=abc\n", "node_modules": {"x": {"i.js": ""}}})
    (root / "config").symlink_to(".env")
    with pytest.raises(BundleError) as info:
        build_bundle(root, tmp_path / "out")
    assert str(info.value) == (
        'config: symlink to .env, which is excluded by Skrun default ".env" '
        "(exclude the link, or re-include its target in .skrunignore)"
    )
    (root / "config").unlink()
    (root / "lib").symlink_to("node_modules/x", target_is_directory=True)
    with pytest.raises(
        BundleError,
        match=r"^lib: symlink to node_modules/x, which is excluded \(its directory node_modules/",
    ):
        build_bundle(root, tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_mutual_directory_symlinks_are_a_loop(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"a": {"f": ""}, "b": {"g": ""}})
    (root / "a" / "to-b").symlink_to("../b", target_is_directory=True)
    (root / "b" / "to-a").symlink_to("../a", target_is_directory=True)
    with pytest.raises(BundleError, match=r"^a/to-b/to-a/to-b: symlink loop"):
        build_bundle(root, tmp_path / "out")


def test_non_utf8_name_is_refused(tmp_path: Path) -> None:
    root = agent_tree(tmp_path)
    fd = os.open(os.fsencode(root) + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY, 0o644)
    os.close(fd)
    with pytest.raises(BundleError) as info:
        build_bundle(root, tmp_path / "out")
    assert str(info.value) == (
        "bad\\xff.txt: file name is not valid UTF-8 (rename it; bundle member names must be UTF-8)"
    )


def test_member_names_are_nfc_and_normalised_clashes_are_refused(tmp_path: Path) -> None:
    nfd = "cafe\u0301.md"  # how macOS may store "café.md"
    root = agent_tree(tmp_path, {nfd: "x\n"})
    assert "caf\u00e9.md" in names(build_bundle(root, tmp_path / "out").path)
    (root / "caf\u00e9.md").write_text("y\n")
    with pytest.raises(BundleError, match="two files have the same name once Unicode-normalised"):
        build_bundle(root, tmp_path / "out")


def test_unsafe_entries_inside_excluded_folders_do_not_matter(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {".venv": {"bin": {}}, "node_modules": {}})
    (root / ".venv" / "bin" / "python").symlink_to("/usr/bin/python3")
    os.mkfifo(root / "node_modules" / "pipe")
    assert names(build_bundle(root, tmp_path / "out").path) == [
        ".skrun/config.json",
        "SKILL.md",
        "agent.yaml",
        ".skrun/record.json",
    ]


def rnd(n: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 7) -> str:
    """A random-looking token (deterministic), like a real credential."""
    r = random.Random(seed)
    return "".join(r.choice(alphabet) for _ in range(n))


UPPER = string.ascii_uppercase + string.digits
B64 = string.ascii_letters + string.digits + "+/"
AWS = "AKIA" + rnd(16, UPPER)
SECRETS = {
    "private key block": ("notes.txt", f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{rnd(60, B64)}\n"),
    "OpenSSH key": ("deploy", f"-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3Bl{rnd(64, B64)}\r\n"),
    "encrypted PEM key": (
        "k.txt",
        "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,9F3A\n\n"
        f"{rnd(64, B64)}\n",
    ),
    "key inside JSON": (
        "sa.json",
        f'{{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv{rnd(60, B64)}\\n"}}',
    ),
    "AWS access key id": ("config.py", f'KEY = "{AWS}"\n'),
    "GitHub token": ("ci.sh", f"export T=ghp_{rnd(36)}\n"),
    "Slack token": ("s.txt", f"xoxb-{rnd(12, string.digits)}-{rnd(24)}\n"),
    "Stripe live key": ("pay.js", f"const k = 'sk_live_{rnd(24)}';\n"),
    "Google API key": ("maps.js", f"key=AIza{rnd(35)}\n"),
    "OpenAI API key": ("o.py", f"sk-proj-{rnd(20)}T3BlbkFJ{rnd(20, seed=8)}\n"),
    "Anthropic API key": ("a.py", f"sk-ant-api03-{rnd(95)}\n"),
    "Hugging Face token": ("hf.txt", f"hf_{rnd(34, string.ascii_letters)}\n"),
}


def test_documentation_placeholders_are_not_secrets() -> None:
    from skrun_build.bundle.secrets import looks_fake

    for fake in (
        "AKIAIOSFODNN7EXAMPLE",
        "AIzaSyA1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q",
        "ghp_abcdefxyz",
    ):
        assert looks_fake(fake.encode()), fake
    for real in SECRETS.values():
        assert not looks_fake(real[1].encode()), real


@pytest.mark.parametrize("rule", sorted(SECRETS))
def test_secret_content_stops_the_build(tmp_path: Path, rule: str) -> None:
    name, text = SECRETS[rule]
    root = agent_tree(tmp_path, {"data": {name: "before\n" * 3 + text}})
    with pytest.raises(SecretFound) as info:
        build_bundle(root, tmp_path / "out")
    keys = ("OpenSSH key", "encrypted PEM key", "key inside JSON")
    shown = "private key block" if rule in keys else rule
    assert str(info.value) == (
        f"refusing to pack what looks like a credential: data/{name}: {shown} "
        f"(remove it, exclude it in .skrunignore, or allow it with --allow-secret data/{name})"
    )
    assert_nothing_written(tmp_path / "out")


def test_secret_straddling_two_chunks_is_found(tmp_path: Path) -> None:
    pad = "x" * (MIB - 10)
    root = agent_tree(tmp_path, {"big.txt": pad + f" {AWS} tail\n"})
    with pytest.raises(SecretFound, match=r"big\.txt: AWS access key id"):
        build_bundle(root, tmp_path / "out")


@pytest.mark.parametrize(
    ("files", "caught"),
    [
        ({"keys": {"id_rsa": "x"}}, "keys/id_rsa: SSH private key file name (id_rsa*)"),
        (
            {"id_ed25519.pub": "ssh-ed25519 AAAA"},
            "id_ed25519.pub: SSH private key file name (id_ed25519*)",
        ),
        ({"cert.pem": "x"}, "cert.pem: PEM key/certificate file (*.pem)"),
        (
            {".skrunignore": "!.npmrc\n", ".npmrc": "//registry.npmjs.org/:_authToken=abc123\n"},
            ".npmrc: .npmrc auth token",
        ),
    ],
    ids=["id_rsa", "id_ed25519", "pem", "npmrc"],
)
def test_secret_names_stop_the_build(tmp_path: Path, files: dict[str, object], caught: str) -> None:
    root = agent_tree(tmp_path, files)
    with pytest.raises(SecretFound) as info:
        build_bundle(root, tmp_path / "out")
    assert f"credential: {caught} (" in str(info.value)


def test_harmless_lookalikes_pass(tmp_path: Path) -> None:
    root = agent_tree(
        tmp_path,
        {
            "docs.md": (
                "Use AKIAIOSFODNN7EXAMPLE as the key id; set ANTHROPIC_API_KEY=sk-ant-...\n"
                "A PEM key starts with\n-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
            ),
            ".skrunignore": "!.npmrc\n",
            ".npmrc": "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
        },
    )
    assert "docs.md" in names(build_bundle(root, tmp_path / "out").path)


def test_allow_secret_packs_the_file_and_reports_every_finding(tmp_path: Path) -> None:
    root = agent_tree(
        tmp_path,
        {"tests": {"fake.pem": "-----BEGIN PRIVATE KEY-----\n"}, "id_rsa": "x"},
    )
    with pytest.raises(SecretFound) as info:
        build_bundle(root, tmp_path / "out")
    assert "id_rsa: SSH private key file name (id_rsa*); tests/fake.pem: PEM" in str(info.value)
    result = build_bundle(root, tmp_path / "out", allow_secrets=["tests/*.pem", "/id_rsa"])
    assert {"id_rsa", "tests/fake.pem"} <= set(names(result.path))


def test_oversize_fails_and_leaves_nothing(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"blob.bin": os.urandom(300_000)})
    out = tmp_path / "out"
    with pytest.raises(BundleError) as info:
        build_bundle(root, out, max_size=100_000)
    assert str(info.value) == (
        f"{out}/demo-0.1.0.agent: bundle exceeds the size limit of 97.7 KiB; nothing was written "
        "(exclude large files in .skrunignore, or raise --max-size)"
    )
    assert not out.exists()
    root_before = sorted(os.listdir(root))
    with pytest.raises(BundleError):
        build_bundle(root, max_size=100_000)
    assert sorted(os.listdir(root)) == root_before


@pytest.mark.parametrize("fmt", ["agent", "skill"])
def test_a_failing_output_disk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    import errno

    root = agent_tree(tmp_path, {"data.txt": "x" * 1000})

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(BundleError) as info:
        build_bundle(root, tmp_path / "out", format="skill" if fmt == "skill" else "agent")
    suffix = ".skill" if fmt == "skill" else "-0.1.0.agent"
    assert str(info.value) == (
        f"{tmp_path}/out/demo{suffix}: cannot write the bundle: No space left on device; "
        "nothing was written"
    )
    assert not (tmp_path / "out").exists()


def test_a_write_error_in_the_gzip_thread_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from skrun_build.bundle import deflate

    root = agent_tree(tmp_path, {"data.bin": os.urandom(3 * MIB)})
    real = deflate.GzipSink._emit

    def emit(self: deflate.GzipSink, data: bytes) -> None:
        if self.written > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, data)

    monkeypatch.setattr(deflate.GzipSink, "_emit", emit)
    with pytest.raises(BundleError, match="cannot write the bundle: No space left on device"):
        build_bundle(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_over_ten_mib_warns(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"blob.bin": os.urandom(10 * MIB + 4096)})
    result = build_bundle(root, tmp_path / "out")
    assert result.size > 10 * MIB
    assert (
        "demo-0.1.0.agent: bundle is 10.0 MiB, over 10.0 MiB; registries refuse bundles over 50 MiB"
        in result.warnings
    )
    assert (
        "blob.bin: binary content; the Skrun server reads every file as UTF-8 text and would mangle it"
        in result.warnings
    )


_SLOW_BUILD = """
import sys, time
from skrun_build.bundle import writer
real = writer.TarStream.data
def slow(self, chunk):
    real(self, chunk)
    print("writing", flush=True)
    time.sleep(30)
writer.TarStream.data = slow
from skrun_build import build_bundle
build_bundle(sys.argv[1], sys.argv[2])
"""


def test_kill_during_build_leaves_no_agent(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"data.txt": "x" * 100_000})
    out = tmp_path / "out"
    with subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(root), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "writing\n"
        temps = os.listdir(out)
        assert len(temps) == 1
        assert temps[0].startswith(".demo-0.1.0.agent.") and temps[0].endswith(".tmp")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    assert [n for n in os.listdir(out) if n.endswith(".agent")] == []
    # the next build clears the dead build's temp file and succeeds
    result = build_bundle(root, out)
    assert sorted(os.listdir(out)) == ["demo-0.1.0.agent"]
    assert result.files == 3


@pytest.mark.parametrize(
    ("chunks", "binary"),
    [
        ([b"caf\xc3", b"\xa9 ok"], False),  # a character split across two chunks
        ([b"caf\xc3", b"abc", b"\xa9"], True),  # ASCII in the middle of a character
        ([b"caf\xc3", b"abc"], True),  # the file ends inside a character
        ([b"plain", b"ascii"], False),
    ],
)
def test_binary_probe_sees_characters_split_across_chunks(
    chunks: list[bytes], binary: bool
) -> None:
    # An all-ASCII chunk skipped the decoder even when it held half a character.
    from skrun_build.bundle.probe import FileProbe
    from skrun_build.bundle.secrets import Allow

    probe = FileProbe("notes.md", Allow([]))
    for chunk in chunks:
        probe.feed(chunk)
    assert probe.finish() == (None, binary)


_CHANGED = """
import os, sys
from pathlib import Path
from skrun_build.bundle import build as build_mod
from skrun_build.bundle.agenttar import write_agent_tar
from skrun_build.bundle.collect import collect
from skrun_build.bundle.secrets import Allow
from skrun_build.bundle.source import check_source
from skrun_build.errors import BundleError

root, how = Path(sys.argv[1]), sys.argv[2]
info = check_source(root, "agent")
files = collect(root, build_mod.source_rules(root))  # sizes recorded here
data = root / "data.txt"
if how == "grew":
    data.write_text("x" * 5000)
elif how == "shrank":
    data.write_text("x" * 10)
else:  # swapped for a FIFO nobody writes to
    data.unlink()
    os.mkfifo(data)
out = root.parent / "out"
try:
    write_agent_tar(out / "demo-0.1.0.agent", info.snapshot, files, 2**30, Allow(()), [])
except BundleError as e:
    print(e)
print(sorted(os.listdir(out)) if out.exists() else "no output folder")
"""


@pytest.mark.parametrize("how", ["grew", "shrank", "fifo"])
def test_a_file_that_changes_while_it_is_packed_fails_the_build(tmp_path: Path, how: str) -> None:
    root = agent_tree(tmp_path, {"data.txt": "x" * 1000})
    # In a process of its own: a regression that waited on the FIFO would hang only it.
    done = subprocess.run(
        [sys.executable, "-c", _CHANGED, str(root), how],
        capture_output=True,
        text=True,
        timeout=120,  # generous: only a bound, never a race
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "data.txt: file changed while the bundle was written "
        "(build again once nothing writes into the source directory)",
        "no output folder",  # the temp file is gone, and the folder made for it
    ]
