"""``tinker billing``: usage events and current checkpoint storage, as tables, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from .._common import admin_client, context, print_table, show

TOKEN_TYPES = frozenset({"training", "sampling_prefill", "sampling_sample"})


def _dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [row if isinstance(row, dict) else row.model_dump(mode="json") for row in rows]


def _flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its nested ``event_info`` spread into it, for rectangular output."""
    out = []
    for row in rows:
        info = row.get("event_info")
        out.append({**{k: v for k, v in row.items() if k != "event_info"}, **info} if isinstance(info, dict) else row)
    return out


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the table: an applicable cost or rate that is unknown reads ``null`` (one that does not apply,
    nothing)."""
    out = []
    for row in _flat(rows):
        rate = {"storage": "effective_rate_usd_per_gigabyte_month"}.get(
            row.get("type", ""), "effective_rate_usd_per_million_tokens" if row.get("type") in TOKEN_TYPES else ""
        )
        if rate:
            row = {**row}
            for key in ("estimated_cost_usd", rate):
                if row.get(key) is None:
                    row[key] = "null"
        out.append(row)
    return out


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    return columns


def _cells(rows: list[dict[str, Any]], columns: list[str]) -> list[list[str]]:
    return [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]


def _write_csv(rows: list[dict[str, Any]], path: str) -> None:
    def write(out: Any) -> None:
        writer = csv.DictWriter(out, fieldnames=_columns(rows), restval="")
        writer.writeheader()
        writer.writerows(rows)

    if path == "-":
        write(sys.stdout)
    else:
        with open(path, "w", newline="") as out:
            write(out)
        click.echo(f"Wrote {len(rows)} row(s) to {path}", err=True)


@click.group()
def cli() -> None:
    """View billing usage."""


@cli.command(name="usage")
@click.argument("starting_on")
@click.argument("ending_before")
@click.option(
    "--csv",
    "csv_path",
    default=None,
    metavar="PATH",
    help="Write usage rows as CSV to PATH instead of table/JSON output ('-' for stdout)",
)
@click.option(
    "--sessions-csv",
    "sessions_csv_path",
    default=None,
    metavar="PATH",
    help="Also write the per-session side-table (session_id + user_metadata) as CSV to PATH ('-' for stdout); "
    "join it against the usage rows on session_id",
)
def usage(starting_on: str, ending_before: str, csv_path: str | None, sessions_csv_path: str | None) -> None:
    """Show hourly billing usage for your organization.

    STARTING_ON and ENDING_BEFORE are RFC 3339 timestamps on UTC hour boundaries (e.g. 2026-07-13T00:00:00Z), at
    most 14 days apart. One row per hour, usage type, base model, session and user; costs are estimates before
    credits, not invoice amounts. JSON keeps the response's shape (data, sessions, cost_data_through).
    """
    obj = context()
    response = admin_client(obj).get_billing_usage(starting_on, ending_before).result()
    rows = _dicts(response.data)
    if sessions_csv_path is not None:
        sessions = [
            {"session_id": sid, "user_metadata": None if s.user_metadata is None else json.dumps(s.user_metadata)}
            for sid, s in response.sessions.items()
        ]
        _write_csv(sessions, sessions_csv_path)
    if csv_path is not None:
        _write_csv(_flat(rows), csv_path)
    if csv_path is not None or sessions_csv_path is not None:
        return
    through = response.cost_data_through
    data = {
        "data": rows,
        "sessions": {sid: s.model_dump(mode="json") for sid, s in response.sessions.items()},
        "cost_data_through": None if through is None else through.isoformat().replace("+00:00", "Z"),
    }

    def table() -> None:
        shown = _shown(rows)
        columns = _columns(shown)
        title = f"{len(rows)} hourly usage row(s)" if rows else "No billing usage in this window"
        print_table(columns, _cells(shown, columns), title=title)

    show(obj, data, table)


@cli.command(name="checkpoint-storage")
@click.option("--project-id", default=None, help="Only show storage in this project")
@click.option(
    "--csv",
    "csv_path",
    default=None,
    metavar="PATH",
    help="Write storage rows as CSV to PATH instead of table/JSON output ('-' for stdout)",
)
def checkpoint_storage(project_id: str | None, csv_path: str | None) -> None:
    """Show current checkpoint storage and its projected run rate.

    Grouped by project and session owner; --project-id limits it to one project. Monthly costs are 720-hour
    projections at current public rates, before credits; not invoice amounts.
    """
    obj = context()
    response = admin_client(obj).get_current_checkpoint_storage_usage(project_id=project_id).result()
    rate = response.effective_rate_usd_per_gigabyte_month
    rows = _dicts(response.data)
    table_rows = [{"effective_rate_usd_per_gigabyte_month": rate, **row} for row in rows]
    if csv_path is not None:
        _write_csv(table_rows, csv_path)
        return

    def table() -> None:
        columns = _columns(table_rows)
        title = "Current checkpoint storage" if rows else "No active checkpoint storage"
        print_table(columns, _cells(table_rows, columns), title=title)

    show(obj, {"effective_rate_usd_per_gigabyte_month": rate, "data": rows}, table)
