"""Everything `skrun validate` reports.

`codes.py` is the one rule registry (code, level, summary, why, examples, fix, source);
`skill.py`, `agent.py`, `artifact.py`, `scripts.py` hold the rules of each kind;
`discovery.py` finds what a path stands for; `select.py` applies --select/--ignore/--strict;
`run.py` runs it all (`validate`, `check_paths`).
"""
