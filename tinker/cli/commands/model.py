"""``tinker model list``: the base models the server offers."""

from __future__ import annotations

import click

from .._common import CliError, context, dump, format_bool, format_optional, print_table, rest_client, show


@click.group()
def cli() -> None:
    """List available models."""


@cli.command(name="list")
@click.argument("substring", required=False)
def list_models(substring: str | None) -> None:
    """List the models your organization can use.

    SUBSTRING keeps only the models whose name contains it, ignoring case. Pass the name in the Model column as
    base_model.
    """
    obj = context()
    models = rest_client(obj).get_server_capabilities().result().supported_models
    if substring is not None:
        models = [m for m in models if m.model_name is not None and substring.lower() in m.model_name.lower()]
        if not models:
            raise CliError(
                f"No model name contains '{substring}'",
                "Run 'tinker model list' to see every model this server offers.",
            )

    def table() -> None:
        print_table(
            ["Model", "Max Context", "Trainable", "Sampleable"],
            [
                [
                    format_optional(m.model_name),
                    format_optional(getattr(m, "max_context_length", None)),
                    format_bool(getattr(m, "trainable", None)),
                    format_bool(getattr(m, "sampleable", None)),
                ]
                for m in models
            ],
        )

    show(obj, {"models": dump(list(models))}, table)
