"""What a file says, never an Issue: YAML and JSON loaders with positions, SKILL.md
splitting, the agent.yaml and artifact.json models, name rules, JSON Schemas.

Modules here raise `InputError` subclasses for a file that cannot be read as its format;
turning that into located `Issue`s is `skrun_build.checks`' job.
"""
