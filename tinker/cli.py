"""The ``tinker`` command: a group of subcommands that later parts of the SDK extend."""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinker_api import openapi_document

from ._demo import add_parser as add_demo
from ._version import __version__

_HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every operation of the document as (tag, METHOD, path, operation)."""
    found = []
    for path, item in document["paths"].items():
        for method in _HTTP_METHODS:
            if method in item:
                operation = item[method]
                found.append((operation["tags"][0], method.upper(), path, operation))
    return found


def _show_api(args: argparse.Namespace) -> int:
    document = openapi_document()
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for tag, method, path, operation in operations(document):
        by_tag[tag].append((method, path, operation))
    width = max(len(operation["operationId"]) for entries in by_tag.values() for _, _, operation in entries)
    print(f"{document['info']['title']} {document['info']['version']}: {sum(map(len, by_tag.values()))} operations")
    for tag in sorted(by_tag):
        print(f"\n[{tag}]")
        for method, path, operation in by_tag[tag]:
            future = operation.get("x-tinker-future-result")
            notes = [f"future of {future}"] if future else []
            notes += [f"{key[len('x-tinker-') :]} {value}" for key, value in operation.items() if key in _VERSION_MARKS]
            suffix = f"  ({'; '.join(notes)})" if notes else ""
            print(f"  {operation['operationId']:<{width}}  {method:<6} {path}{suffix}")
    return 0


_VERSION_MARKS = ("x-tinker-since", "x-tinker-removed-in")


def _serve_local(args: argparse.Namespace) -> int:
    try:
        from tinker.local import ServerConfig, default_data_dir, serve
        from tinker.local._config import API_KEYS_ENV, LIMITS, RETENTION, hub_cache_setting, stored_api_key
        from tinker.local._faults import FaultSpec
    except ImportError as exc:
        print(f"tinker local serve needs the local extra (pip install 'tinker-openapi[local]'): {exc}", file=sys.stderr)
        return 2
    try:
        faults = FaultSpec.parse(args.faults) if args.faults is not None else None
    except ValueError as exc:
        print(f"tinker local serve: --faults: {exc}", file=sys.stderr)
        return 2
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    keys = tuple(args.api_key) or tuple(k for k in os.environ.get(API_KEYS_ENV, "").split(",") if k)
    if not keys:
        key, created = stored_api_key(data_dir)
        keys = (key,)
        print(f"{'Generated' if created else 'Using'} API key {key} (stored in {data_dir / 'api_key'})", flush=True)
    config = ServerConfig(
        data_dir=data_dir,
        api_keys=keys,
        long_poll_seconds=args.long_poll_seconds,
        session_timeout_seconds=args.session_timeout_seconds,
        seq_gap_timeout_seconds=args.seq_gap_timeout_seconds,
        **{setting: getattr(args, setting) for setting in LIMITS + RETENTION},
        device=args.device,
        hf_hub_cache=hub_cache_setting(args.hf_hub_cache),
        faults=faults,
    )
    if faults is not None:
        print(f"Injecting faults: {faults}", flush=True)
    serve(config, args.host, args.port, log_level=args.log_level)
    return 0


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


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_local(commands: Any) -> None:
    local = commands.add_parser("local", help="the local Tinker-compatible server")
    local_commands = local.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    serve = local_commands.add_parser("serve", help="serve the Tinker API on this machine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--data-dir", help="where sessions, runs and checkpoints are kept (default: per-user data dir)")
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        help="a key to accept, one tenant each (repeatable); "
        "without one, a key is generated and stored in the data dir",
    )
    serve.add_argument("--long-poll-seconds", type=float, default=30.0, help="how long retrieve_future waits")
    serve.add_argument(
        "--session-timeout-seconds", type=float, default=600.0, help="sessions silent this long are closed"
    )
    serve.add_argument(
        "--seq-gap-timeout-seconds",
        type=float,
        default=60.0,
        help="how long a request waits for a missing earlier seq_id before failing",
    )
    for flag, default, text in _LIMIT_FLAGS + _RETENTION_FLAGS:
        serve.add_argument(flag, type=_positive, default=default, metavar="N", help=f"{text} (default: {default:,})")
    serve.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    serve.add_argument(
        "--hf-hub-cache",
        metavar="DIR",
        help="the Hugging Face hub cache to publish the tokenizer to under each model name, so that transformers "
        "loads it offline (default: the one transformers uses; 'none': the data dir only)",
    )
    serve.add_argument(
        "--faults",
        metavar="SPEC",
        help="fail requests on purpose, for testing clients: e.g. 'rate=0.2,seed=7,kinds=429,5xx,408,410,slow,"
        "drop_before,drop_after' (kinds default to all; also delay=SECONDS for slow, retry_after=SECONDS for 429)",
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve_local)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinker", description="Tinker SDK command line.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    api = commands.add_parser("api", help="list the operations of the Tinker API this SDK was generated from")
    api.set_defaults(handler=_show_api)
    _add_local(commands)
    add_demo(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
