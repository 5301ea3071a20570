"""``tinker version``."""

from __future__ import annotations

import click

from .._common import context, print_json


@click.command()
def cli() -> None:
    """Show version information."""
    from tinker._version import SDK_VERSION, __version__

    if context().json:
        print_json({"version": __version__, "sdk_version": SDK_VERSION})
    else:
        click.echo(f"tinker {__version__} (tinker-openapi {SDK_VERSION})")
