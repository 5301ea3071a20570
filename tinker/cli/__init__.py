"""The ``tinker`` command: the official 0.38 command tree (auth, billing, checkpoint, model, run, session, version)
and this SDK's own commands (api, demo, local serve), on any Tinker server.

Each command's module is imported when that command runs (``_lazy.LazyGroup``), so ``tinker --help`` loads click
and none of the SDK's clients, torch or the local server. Exit codes: 0 success, 1 a failure (what the server
said, or why it could not be asked, on stderr without a traceback), 2 a usage error, 130 an interrupt.

The ``local serve`` flags are defined in ``tinker/cli/commands/local.py`` (``_LIMIT_FLAGS``/``_RETENTION_FLAGS``
with them); ``_common`` holds the shared context, errors, client factories and output helpers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from .._version import __version__
from ._lazy import LazyGroup

__all__ = ["cli", "main"]

COMMANDS = {
    "api": "tinker.cli.commands.api:cli",
    "auth": "tinker.cli.commands.auth:cli",
    "billing": "tinker.cli.commands.billing:cli",
    "checkpoint": "tinker.cli.commands.checkpoint:cli",
    "demo": "tinker.cli.commands.demo:cli",
    "local": "tinker.cli.commands.local:cli",
    "model": "tinker.cli.commands.model:cli",
    "run": "tinker.cli.commands.run:cli",
    "session": "tinker.cli.commands.session:cli",
    "version": "tinker.cli.commands.version:cli",
}
SUMMARIES = {
    "api": "List the operations of the Tinker API this SDK was generated from.",
    "auth": "Manage authentication credentials.",
    "billing": "View billing usage.",
    "checkpoint": "Manage checkpoints.",
    "demo": "Fine-tune a small model on a bundled dataset and sample from it.",
    "local": "The local Tinker-compatible server.",
    "model": "List available models.",
    "run": "Manage training runs.",
    "session": "Manage sessions.",
    "version": "Show version information.",
}


@click.group(
    cls=LazyGroup,
    lazy_subcommands=COMMANDS,
    summaries=SUMMARIES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    help="Output format (default: table); json prints machine-readable output on stdout and nothing else.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="The Tinker server (default: TINKER_BASE_URL, else the hosted service), e.g. a `tinker local serve`.",
)
@click.option(
    "--api-key",
    default=None,
    metavar="KEY",
    help="The API key (default: TINKER_API_KEY, else TINKER_CREDENTIAL_CMD, else the key `tinker auth login` stored).",
)
@click.version_option(__version__, "--version", prog_name="tinker", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, output_format: str, base_url: str | None, api_key: str | None) -> None:
    """Tinker command line: runs, checkpoints, models and credentials on any Tinker server, and a local one."""
    from ._common import CliContext

    ctx.obj = CliContext(format="json" if output_format == "json" else "table", base_url=base_url, api_key=api_key)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the ``tinker`` script exits with it)."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="tinker", standalone_mode=False)
    except click.ClickException as error:  # usage errors (2) and the like: click shows them with the usage line
        error.show()
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as error:
        from ._common import report

        return report(error)
    return result if isinstance(result, int) else 0


def __getattr__(name: str) -> Any:
    # the flag tables of `tinker local serve`, where tests and other modules have always found them
    if name in ("_LIMIT_FLAGS", "_RETENTION_FLAGS"):
        from .commands import local

        return getattr(local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
