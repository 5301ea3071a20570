"""The ``tinker`` command: a group of subcommands that later parts of the SDK extend."""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tinker_api import openapi_document

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinker", description="Tinker SDK command line.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    api = commands.add_parser("api", help="list the operations of the Tinker API this SDK was generated from")
    api.set_defaults(handler=_show_api)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
