"""The `skrun` command: a thin click app whose subcommands load lazily.

Each subcommand lives in its own module under `skrun_build.cli` and is imported
only when it runs, so `skrun validate` never pays for pydantic, tarfile or the
dependency installers. `main()` is the single place that turns exceptions into
exit codes (see `skrun_build.errors`).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from skrun_build import __version__
from skrun_build.cli._output import echo_error, silence_stdout
from skrun_build.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    SkrunError,
    Terminated,
    exit_code_for,
    handle_interrupts,
)

# command name -> ("module:attribute", short help shown by `skrun --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": (
        "skrun_build.cli.validate_cmd:validate",
        "Check SKILL.md, agent.yaml and artifact.json.",
    ),
    "rules": (
        "skrun_build.cli.rules_cmd:rules",
        "List every rule code with its level and summary.",
    ),
    "explain": (
        "skrun_build.cli.rules_cmd:explain",
        "Explain a rule code: why, examples, the fix.",
    ),
    "stats": (
        "skrun_build.cli.stats_cmd:stats",
        "Show each skill's token cost by disclosure layer.",
    ),
    "schema": (
        "skrun_build.cli.schema_cmd:schema",
        "Print the JSON Schema of skill, agent or artifact.",
    ),
    "build": (
        "skrun_build.cli.bundle_cmd:build",
        "Build a reproducible .agent bundle (or .skill zip).",
    ),
    "inspect": (
        "skrun_build.cli.bundle_cmd:inspect",
        "List a bundle's members, config snapshot and manifest.",
    ),
    "verify": (
        "skrun_build.cli.bundle_cmd:verify",
        "Check a bundle against its record (and its source).",
    ),
    "unpack": ("skrun_build.cli.bundle_cmd:unpack", "Extract a bundle safely into a directory."),
    "plan": (
        "skrun_build.cli.plan_cmd:plan",
        "List a tree's build targets and what changed (CI matrix).",
    ),
    "deps": ("skrun_build.cli.deps_cmd:deps", "Resolve script dependencies into the cache."),
    "cache": ("skrun_build.cli.deps_cmd:cache", "List, clear and prune the dependency cache."),
    "init": ("skrun_build.cli.init_cmd:init", "Scaffold a skill or agent, or import a skill."),
    "skill": (
        "skrun_build.cli.skill_cmd:skill",
        "Executable skills: new, build, run, install-local, list, show.",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if ctx.resilient_parsing or _listing_help(ctx):
            # `skrun --help` needs only the short help: don't import the module.
            return click.Command(cmd_name, help=entry[1], short_help=entry[1])
        module_name, _, attr = entry[0].partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-"):
            from skrun_build.suggest import did_you_mean

            # difflib's default cutoff, as click's own suggestions use
            close = did_you_mean(name, COMMANDS, cutoff=0.6)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise click.UsageError(f"No such command '{name}'{hint}.", ctx)
        return super().resolve_command(ctx, args)


def _listing_help(ctx: click.Context) -> bool:
    # True while click formats the group's own --help page.
    return bool(getattr(ctx, "_skrun_listing", False))


class _Group(LazyGroup):
    # click turns EPIPE into a silent exit 1 inside `main`, before `run` could see it, so
    # a reader that goes away (`skrun inspect X | head -1`) would fail a pipefail CI step.
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:  # `skrun --help | head -0`
            silence_stdout()
            raise click.exceptions.Exit(0) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            silence_stdout()
            raise click.exceptions.Exit(0) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx._skrun_listing = True  # type: ignore[attr-defined]
        try:
            super().format_commands(ctx, formatter)
        finally:
            ctx._skrun_listing = False  # type: ignore[attr-defined]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="skrun")
def cli() -> None:
    """skrun: validate, build, cache and scaffold AI agent skills.

    \b
    Exit codes: 0 ok, 1 invalid input or failed operation, 2 usage error,
    3 unexpected error (a bug: please report it), 130 interrupted, 143 terminated.
    """


def handle_sigterm() -> None:
    """From now on SIGTERM raises `Terminated` in the main thread, as SIGINT raises
    KeyboardInterrupt: the same clean-up runs, then `run` exits 143 with one line.
    An interrupt that lands in a finalizer, where Python can only print it, is sent
    again (`errors.redeliver_lost_interrupts`)."""
    handle_interrupts()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented exit code; never show a traceback."""
    handle_sigterm()
    code = run(argv)
    try:
        sys.stdout.flush()  # here, not at interpreter exit, where a failure means exit 120
    except OSError:
        silence_stdout()
        code = code or 1
    except (KeyboardInterrupt, Terminated) as exc:  # while blocked on a reader that stalls
        silence_stdout()  # or the interpreter's own final flush blocks again
        echo_error("terminated" if isinstance(exc, Terminated) else "interrupted")
        code = exit_code_for(exc)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by `main` and by tests)."""
    try:
        result: Any = cli.main(args=argv, prog_name="skrun", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort as exc:
        # click turns Ctrl-C (and end of input at a prompt) into Abort.
        ctrl_c = isinstance(exc.__context__, KeyboardInterrupt)
        echo_error("interrupted" if ctrl_c else "aborted")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except SkrunError as exc:
        echo_error(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt as exc:
        echo_error("interrupted")
        return exit_code_for(exc)
    except Terminated as exc:
        echo_error("terminated")
        return exit_code_for(exc)
    except BrokenPipeError:
        # The reader went away (`skrun cache list | head`): not an error of ours.
        silence_stdout()
        return 0
    except Exception as exc:  # the last line of defence
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename}:{where.lineno}" if where else ""
        echo_error(
            f"internal error: {type(exc).__name__}: {exc}{at}. This is a bug in skrun-build "
            f"{__version__}; please report it with the command you ran."
        )
        return exit_code_for(exc)
    return int(result) if isinstance(result, int) else 0
