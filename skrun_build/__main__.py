"""`python -m skrun_build` runs the `skrun` CLI."""

from skrun_build._entry import main

if __name__ == "__main__":
    main()
