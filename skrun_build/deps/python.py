"""Python installs with uv (the binary of the `uv` PyPI package) into a relocatable venv.

The package set is the one Skrun v0.7.0 installs for the same key (its cache hit
is only "the folder exists"): `pip install -r requirements.txt`; `pip install
<entry dir>` for pyproject.toml alone (the project itself and its dependencies);
`uv sync --frozen` for uv.lock (default groups, so `dev` too, and the project
when it is a package); `poetry install --no-root` for poetry.lock (every
non-optional group). uv is faster and installs the same set.

The entry is built in a temp dir and renamed, so the venv must not hold its own
absolute path: `uv venv --relocatable` writes console scripts that find their
interpreter relative to themselves. `--python` is always passed, so uv never
picks whichever interpreter happens to be first on PATH.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from skrun_build.deps import Notify
from skrun_build.deps.detect import Manifest
from skrun_build.deps.installed import Installed

VENV = "venv"
POETRY_REQUIREMENTS = ".skrun-poetry-requirements.txt"

# pip's settings, for users whose index configuration predates uv.
_PIP_TO_UV = (
    ("PIP_INDEX_URL", "UV_DEFAULT_INDEX"),
    ("PIP_EXTRA_INDEX_URL", "UV_INDEX"),
    ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
    ("PIP_NO_INDEX", "UV_NO_INDEX"),
    ("PIP_TRUSTED_HOST", "UV_INSECURE_HOST"),
)


def uv_bin() -> str:
    """Path of the uv binary shipped by the `uv` PyPI package."""
    from uv import find_uv_bin

    return os.fsdecode(find_uv_bin())


def uv_env(base: Mapping[str, str]) -> dict[str, str]:
    """The user's environment for uv, with pip's index settings mapped when uv has none."""
    env = dict(base)
    for pip_name, uv_name in _PIP_TO_UV:
        value = env.get(pip_name)
        if value and not env.get(uv_name):
            if uv_name == "UV_DEFAULT_INDEX" and env.get("UV_INDEX_URL"):
                continue
            env[uv_name] = value
    # An activated venv must not pull uv away from the entry's own venv.
    env.pop("VIRTUAL_ENV", None)
    env.pop("CONDA_PREFIX", None)
    return env


def current_python() -> str:
    """The interpreter entries are built with: `$SKRUN_PYTHON`, else the one running skrun."""
    return os.environ.get("SKRUN_PYTHON") or sys.executable


def find_python(request: str, *, env: Mapping[str, str] | None = None) -> str:
    """The interpreter `--python request` names, as an absolute path; a UsageError if none.

    Checked before any install starts, so a bad value is a usage error and not an
    installer's failure. A path is made absolute (the venv is created in a temp dir,
    where a relative path would name something else); a version or name (`3.12`,
    `python3.12`) is resolved as `uv venv` resolves it, without downloads.
    """
    from skrun_build.errors import UsageError

    fix = "pass a path to a python executable or a version uv can find, e.g. --python 3.12"
    if not request.strip():
        raise UsageError("--python: empty", hint=fix)
    pathlike = "/" in request or os.sep in request or request.startswith("~")
    if pathlike:
        path = os.path.abspath(os.path.expanduser(request))
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            what = "not an executable file" if os.path.exists(path) else "no such interpreter"
            raise UsageError(f"--python {request}: {what}", hint=fix)
        request = path
    # Imported here: only an explicit --python pays for a subprocess.
    import subprocess

    argv = [uv_bin(), "python", "find", "--no-python-downloads", "--system", "--no-project"]
    try:
        done = subprocess.run(
            [*argv, request],
            env=uv_env(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise UsageError(f"--python {request}: cannot ask uv for it ({e})", hint=fix) from e
    found = done.stdout.strip()
    if done.returncode != 0 or not found:
        lines = [t.strip() for t in done.stderr.splitlines() if t.strip()]
        why = lines[0].removeprefix("error: ") if lines else "uv found none"
        what = "not a Python interpreter" if pathlike else "no such interpreter"
        raise UsageError(f"--python {request}: {what}; uv: {why}", hint=fix)
    return request if pathlike else found


def describe_python(python: str) -> str | None:
    """`cpython 3.11.7` for the interpreter `python` (cheap when it is this one)."""
    if python == sys.executable:
        v = sys.version_info
        return f"{sys.implementation.name} {v.major}.{v.minor}.{v.micro}"
    # Imported here: a cache hit calls this and must not pay for subprocess.
    from skrun_build.deps.run import output_of

    code = (
        "import sys; v = sys.version_info; print(sys.implementation.name, f'{v[0]}.{v[1]}.{v[2]}')"
    )
    return output_of([python, "-c", code])


def venv_runtime(venv: Path) -> str:
    """`cpython 3.11.7` read from the venv's pyvenv.cfg."""
    values: dict[str, str] = {}
    try:
        for line in (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
            k, sep, v = line.partition("=")
            if sep:
                values[k.strip()] = v.strip()
    except OSError:
        return "python unknown"
    impl = values.get("implementation", "python").lower()
    return f"{impl} {values.get('version_info', 'unknown')}"


def count_packages(venv: Path) -> int:
    """Installed distributions in the venv (its `*.dist-info` directories)."""
    total = 0
    for site in (venv / "lib").glob("*/site-packages"):
        total += sum(1 for p in site.iterdir() if p.name.endswith(".dist-info"))
    return total


def install_python(
    manifest: Manifest,
    work: Path,
    *,
    offline: bool = False,
    python: str | None = None,
    progress: Notify | None = None,
    env: Mapping[str, str] | None = None,
) -> Installed:
    """Create `work/venv` and install the manifest's dependencies into it."""
    from skrun_build.deps.run import output_of, run_installer

    uv = uv_bin()
    base = uv_env(os.environ if env is None else env)
    interpreter = python or current_python()
    off = ["--offline"] if offline else []
    venv_python = f"{VENV}/bin/python"

    def run(argv: list[str], extra: Mapping[str, str] | None = None) -> None:
        run_installer(
            argv, cwd=work, env={**base, **(extra or {})}, ecosystem="python", progress=progress
        )

    run([uv, "venv", "--relocatable", "--no-project", "--quiet", "--python", interpreter, VENV])
    common = ["--python", venv_python, "--compile-bytecode", *off]
    if manifest.lock_kind == "uv":
        _uv_sync(manifest, work, uv, common, run)
    elif manifest.lock_kind == "poetry":
        from skrun_build.deps.poetry import requirements_from_poetry

        assert manifest.lock_text is not None
        reqs = work / POETRY_REQUIREMENTS
        reqs.write_text(requirements_from_poetry(manifest.lock_text, manifest.text), "utf-8")
        try:
            run([uv, "pip", "install", "--require-hashes", *common, "-r", POETRY_REQUIREMENTS])
        finally:
            reqs.unlink(missing_ok=True)
    elif manifest.kind == "pyproject":
        # As Skrun's `pip install <entry dir>`: the project is built (its build backend,
        # or setuptools when [build-system] is missing) and installed with its
        # dependencies; extras and dependency groups are not.
        run([uv, "pip", "install", *common, "."])
    else:
        run([uv, "pip", "install", *common, "-r", manifest.name])
    version = (output_of([uv, "--version"]) or "uv unknown").split()
    return Installed(
        installer="uv",
        installer_version=version[1] if len(version) > 1 else "unknown",
        runtime=venv_runtime(work / VENV),
        packages=count_packages(work / VENV),
    )


def _uv_sync(
    manifest: Manifest,
    work: Path,
    uv: str,
    common: list[str],
    run: Callable[[list[str], Mapping[str, str] | None], None],
) -> None:
    """`uv sync --locked` with the options the lock records; a stale lock is refused."""
    from skrun_build.deps.uvlock import is_stale_lock, sync_flags
    from skrun_build.errors import DepsError, InstallFailed

    assert manifest.lock_text is not None
    # --locked (not the runtime's --frozen): a lock that no longer matches
    # pyproject.toml fails instead of installing stale pins.
    argv = [uv, "sync", "--locked", *sync_flags(manifest.lock_text), *common]
    try:
        run(argv, {"UV_PROJECT_ENVIRONMENT": str(work / VENV)})
    except InstallFailed as e:
        if not is_stale_lock(str(e)):
            raise
        raise DepsError(
            "out of date: it no longer matches pyproject.toml (uv sync --locked refuses it)",
            path="uv.lock",
            hint="run `uv lock` and commit uv.lock; the Skrun runtime runs `uv sync --frozen`, "
            "which would install the stale lock as it is",
        ) from e


def is_pinned_requirements(text: str) -> bool:
    """True when every requirement is `==`-pinned with a hash (pip-compile --generate-hashes)."""
    joined = text.replace("\\\r\n", " ").replace("\\\n", " ")
    found = False
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            if line.startswith(("-r", "-c", "-e", "--requirement", "--editable")):
                return False
            continue
        found = True
        if "==" not in line or "--hash=" not in line:
            return False
    return found
