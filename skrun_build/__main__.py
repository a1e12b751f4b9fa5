"""`python -m skrun_build` runs the `skrun` CLI."""

from skrun_build.cli import main

if __name__ == "__main__":
    main()
