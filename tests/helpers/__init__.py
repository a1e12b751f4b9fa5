"""What the tests share, imported one way: `from helpers.<module> import name`.

`tests/` is on sys.path (pyproject's `pythonpath`), so `helpers` is importable from every test
folder and from benchmarks/ (which puts `tests/` on sys.path itself). Fixtures stay in
conftest.py; `helpers.deps_fixtures` is the one pytest plugin (session fixtures of the deps tests).
"""
