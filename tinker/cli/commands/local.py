"""``tinker local serve``: the local Tinker-compatible server. Every flag of it is defined in this module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from .._common import CliError, usage_error

# The server's limits (tinker.local._config.LIMITS, whose defaults these repeat: the command line is built without
# importing the server); tests/local/test_cli_and_plugin.py checks that they agree.
_LIMIT_FLAGS = (
    ("--max-body-bytes", 64 * 1024 * 1024, "largest request body, as sent and as decoded (413)"),
    ("--max-queued-per-model", 1_000, "training requests waiting on one model (then 429)"),
    ("--max-queued-per-tenant", 4_000, "training requests waiting over all models of one API key (then 429)"),
    ("--max-sampling-requests-per-tenant", 256, "sample requests running or waiting for one API key (then 429)"),
    ("--max-sessions-per-tenant", 1_000, "active sessions of one API key (then 400)"),
    ("--max-training-runs-per-tenant", 64, "training runs loaded for one API key (then 400)"),
    ("--max-samplers-per-tenant", 1_000, "samplers held for one API key (then 400)"),
    ("--max-sampled-tokens", 65_536, "max_tokens x num_samples of one sample request (then 400)"),
)
# How long and how many of the server's own records are kept (tinker.local._config.RETENTION), checked the same way.
_RETENTION_FLAGS = (
    ("--telemetry-retention-seconds", 30 * 86_400, "telemetry batches older than this are pruned"),
    ("--max-telemetry-batches", 100_000, "telemetry batches kept in all, the newest"),
    ("--audit-retention-seconds", 90 * 86_400, "audit events older than this are pruned"),
    ("--max-audit-events-per-tenant", 10_000, "audit events kept per API key, the newest"),
    ("--result-retention-seconds", 86_400, "finished futures' results older than this are pruned"),
    ("--max-results-per-tenant", 10_000, "finished futures' results kept per API key, the newest"),
)


def _serve(**args: Any) -> None:
    try:
        from tinker.local import ServerConfig, default_data_dir, serve
        from tinker.local._config import API_KEYS_ENV, LIMITS, RETENTION, hub_cache_setting, stored_api_key
        from tinker.local._faults import FaultSpec
    except ImportError as exc:
        extra = "pip install 'tinker-openapi[local]'"
        raise usage_error(f"tinker local serve needs the local extra ({extra}): {exc}") from None
    try:
        faults = FaultSpec.parse(args["faults"]) if args["faults"] is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--faults'") from None
    data_dir = Path(args["data_dir"]) if args["data_dir"] else default_data_dir()
    keys = tuple(args["api_key"]) or tuple(k for k in os.environ.get(API_KEYS_ENV, "").split(",") if k)
    if not keys:
        key, created = stored_api_key(data_dir)
        keys = (key,)
        click.echo(f"{'Generated' if created else 'Using'} API key {key} (stored in {data_dir / 'api_key'})")
    config = ServerConfig(
        data_dir=data_dir,
        api_keys=keys,
        long_poll_seconds=args["long_poll_seconds"],
        session_timeout_seconds=args["session_timeout_seconds"],
        seq_gap_timeout_seconds=args["seq_gap_timeout_seconds"],
        **{setting: args[setting] for setting in LIMITS + RETENTION},
        device=args["device"],
        hf_hub_cache=hub_cache_setting(args["hf_hub_cache"]),
        faults=faults,
        metrics_public=args["metrics_public"],
        log_format=args["log_format"],
        public_url=args["public_url"],
    )
    if faults is not None:
        click.echo(f"Injecting faults: {faults}")
    try:
        serve(config, args["host"], args["port"], log_level=args["log_level"])
    except OSError as exc:
        raise CliError(f"cannot serve on {args['host']}:{args['port']}: {exc}") from exc


def _public_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter(f"{value!r} is not an http(s) URL without a query", ctx=ctx, param=param)
    return value.rstrip("/")


def _serve_options(command: Any) -> Any:
    """The flags of ``tinker local serve``, in the order its help lists them."""
    options = [
        click.option("--host", default="127.0.0.1", show_default=True),
        click.option("--port", type=int, default=8000, show_default=True, help="0 picks a free port"),
        click.option("--data-dir", help="where sessions, runs and checkpoints are kept (default: per-user data dir)"),
        click.option(
            "--api-key",
            multiple=True,
            help="a key to accept, one tenant each (repeatable); without one, a key is generated and stored in the "
            "data dir",
        ),
        click.option(
            "--long-poll-seconds", type=float, default=30.0, show_default=True, help="how long retrieve_future waits"
        ),
        click.option(
            "--session-timeout-seconds",
            type=float,
            default=600.0,
            show_default=True,
            help="sessions silent this long are closed",
        ),
        click.option(
            "--seq-gap-timeout-seconds",
            type=float,
            default=60.0,
            show_default=True,
            help="how long a request waits for a missing earlier seq_id before failing",
        ),
        *(
            click.option(
                flag, type=click.IntRange(min=1), default=default, metavar="N", help=f"{text} (default: {default:,})"
            )
            for flag, default, text in _LIMIT_FLAGS + _RETENTION_FLAGS
        ),
        click.option("--device", default=None, help="torch device (default: cuda when available, else cpu)"),
        click.option(
            "--hf-hub-cache",
            metavar="DIR",
            help="the Hugging Face hub cache to publish the tokenizer to under each model name, so that "
            "transformers loads it offline (default: the one transformers uses; 'none': the data dir only)",
        ),
        click.option(
            "--faults",
            metavar="SPEC",
            help="fail requests on purpose, for testing clients: e.g. 'rate=0.2,seed=7,kinds=429,5xx,408,410,slow,"
            "drop_before,drop_after' (kinds default to all; also delay=SECONDS for slow, retry_after=SECONDS for "
            "429)",
        ),
        click.option(
            "--log-level",
            default="info",
            show_default=True,
            type=click.Choice(["critical", "error", "warning", "info", "debug"]),
        ),
        click.option(
            "--log-format",
            default="text",
            show_default=True,
            type=click.Choice(["text", "json"]),
            help="json: one JSON object a log line, one line per request (method, path, operation, status, duration)",
        ),
        click.option(
            "--metrics-public",
            is_flag=True,
            help="serve the Prometheus figures at /metrics without a key (by default it needs one, as every route)",
        ),
        click.option(
            "--public-url",
            callback=_public_url,
            help="the URL clients reach this server at behind a proxy (https://host/prefix): signed checkpoint file "
            "URLs start with it (default: http:// and the Host each request came to)",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def cli() -> None:
    """The local Tinker-compatible server."""


@cli.command(name="serve")
@_serve_options
def serve_command(**args: Any) -> None:
    """Serve the Tinker API on this machine."""
    _serve(**args)
