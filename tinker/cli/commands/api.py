"""``tinker api``: the operations of the Tinker API this SDK was generated from."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import click

from .._common import context, print_json

_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_VERSION_MARKS = ("x-tinker-since", "x-tinker-removed-in")


def operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every operation of the document as (tag, METHOD, path, operation)."""
    found = []
    for path, item in document["paths"].items():
        for method in _HTTP_METHODS:
            if method in item:
                operation = item[method]
                found.append((operation["tags"][0], method.upper(), path, operation))
    return found


@click.command()
def cli() -> int:
    """List the operations of the Tinker API this SDK was generated from."""
    from tinker_api import openapi_document

    document = openapi_document()
    if context().json:
        print_json(
            [
                {"tag": tag, "method": method, "path": path, "operation_id": operation["operationId"]}
                for tag, method, path, operation in operations(document)
            ]
        )
        return 0
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for tag, method, path, operation in operations(document):
        by_tag[tag].append((method, path, operation))
    width = max(len(operation["operationId"]) for entries in by_tag.values() for _, _, operation in entries)
    count = sum(map(len, by_tag.values()))
    click.echo(f"{document['info']['title']} {document['info']['version']}: {count} operations")
    for tag in sorted(by_tag):
        click.echo(f"\n[{tag}]")
        for method, path, operation in by_tag[tag]:
            future = operation.get("x-tinker-future-result")
            notes = [f"future of {future}"] if future else []
            notes += [f"{key[len('x-tinker-') :]} {value}" for key, value in operation.items() if key in _VERSION_MARKS]
            suffix = f"  ({'; '.join(notes)})" if notes else ""
            click.echo(f"  {operation['operationId']:<{width}}  {method:<6} {path}{suffix}")
    return 0
