"""Script dependencies: detection, the runtime's cache key, installers and the cache store.

Entries are created exactly where the Skrun runtime looks for them:
`<root>/<key>/` with root `$SKRUN_DEPS_DIR` (else `~/.skrun/deps`), holding the
manifest, the lockfile and `venv/` or `node_modules/`.

Public interface (each module is imported only when used):
    detect.detect_dir(path) -> Manifest | None      manifest + lockfile at the root
    detect.detect_members(files) -> Manifest | None  the same from a bundle's members
    key.cache_key(manifest) -> str                   hex sha256 the runtime computes
    store.Store(root=None)                           list / lookup / clear / prune
    install.install(manifest, ...) -> InstallResult  lock, hit or install, rename
"""
