"""The formats skrun-build reads, as data: no I/O in this package."""
