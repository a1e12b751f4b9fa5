"""Script dependencies: detection, the runtime's cache key, installers and the cache store.

Entries are created exactly where the Skrun runtime looks for them:
`<root>/<key>/` with root `$SKRUN_DEPS_DIR` (else `~/.skrun/deps`), holding the
manifest, the lockfile and `venv/` or `node_modules/`, plus `skrun-entry.json`.
The runtime's own entries (the same payload, no `skrun-entry.json`) are hits too.

Public interface (each module is imported only when used; nothing here prints):
    detect.detect_dir(path) -> Manifest | None       manifest + lockfile at the root
    detect.detect_members(files) -> Manifest | None  the same from a bundle's root members
    detect.CANDIDATES                                 every root file detection may read
    key.cache_key(manifest) -> str                    the hex sha256 the runtime computes
    install.install(manifest, ...) -> InstallResult   hit, or lock + install + rename
    store.Store(root=None)                            lookup / scan / plan_clear / clear / prune
                                                      / sweep (dead temp dirs of a key) / locked
    entry.Entry, entry.Orphan                         an entry (ours, the runtime's, incomplete)
                                                      and a temp dir (its pid says if it is dead)
    meta.EntryMeta, meta.read_meta(entry)             the completion marker of an entry
Installers: python.install_python (uv), node.install_node (npm, pnpm, yarn),
poetry.requirements_from_poetry (poetry.lock -> hash-pinned requirements),
uvlock.sync_flags (a uv.lock's recorded [options] -> `uv sync` flags). Each
installs the package set the Skrun runtime installs for the same key.
Errors: DepsError, InstallFailed (an installer exited non-zero), CacheError.
Notify: the type of the progress and warning callbacks they take.
"""

from collections.abc import Callable

# How the library hands a progress or warning line to the CLI (it never prints).
Notify = Callable[[str], None]
