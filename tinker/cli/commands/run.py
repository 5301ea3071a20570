"""``tinker run``: training runs (list, info)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import click

from .._common import context, dump, format_time, listed_title, paged, print_properties, print_table, rest_client, show

if TYPE_CHECKING:
    from tinker.types import TrainingRun


def _lora(run: TrainingRun) -> str:
    if not run.is_lora:
        return "No"
    return f"Rank {run.lora_rank}" if run.lora_rank else "Yes"


# name: (header, cell, description); the names and defaults of the official CLI
COLUMNS: dict[str, tuple[str, Callable[[TrainingRun], str], str]] = {
    "id": ("Run ID", lambda r: r.training_run_id, "Training run ID"),
    "model": ("Base Model", lambda r: r.base_model, "Base model name"),
    "owner": ("Owner", lambda r: r.model_owner, "Model owner"),
    "lora": ("LoRA", _lora, "LoRA status and rank"),
    "updated": ("Last Update", lambda r: format_time(r.last_request_time), "Last request time"),
    "status": ("Status", lambda r: "Failed" if r.corrupted else "OK", "Run status (OK or Failed)"),
    "checkpoint": (
        "Last Checkpoint",
        lambda r: r.last_checkpoint.checkpoint_id if r.last_checkpoint else "None",
        "Most recent training checkpoint ID",
    ),
    "checkpoint_time": (
        "Checkpoint Time",
        lambda r: format_time(r.last_checkpoint.time) if r.last_checkpoint else "N/A",
        "Time of last checkpoint",
    ),
}
DEFAULT_COLUMNS = ["id", "model", "lora", "updated", "status"]
PAGE = 100


def _columns_help() -> str:
    listed = "; ".join(f"{name}: {description}" for name, (_, _, description) in COLUMNS.items())
    return f"Columns to display (comma-separated). Available: {listed}. Default: {','.join(DEFAULT_COLUMNS)}"


@click.group()
def cli() -> None:
    """Manage training runs."""


@cli.command(name="list")
@click.option(
    "--limit",
    type=int,
    default=20,
    show_default=True,
    help="Maximum number of runs to fetch (use --limit=0 to fetch all)",
)
@click.option("--columns", "-c", default=None, help=_columns_help())
def list_runs(limit: int, columns: str | None) -> None:
    """List all training runs."""
    obj = context()
    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else DEFAULT_COLUMNS
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise click.BadParameter(
            f"Unknown column(s): {', '.join(unknown)}. Available: {', '.join(COLUMNS)}", param_hint="'--columns'"
        )
    client = rest_client(obj)

    def fetch(size: int, offset: int) -> tuple[Sequence[TrainingRun], int | None]:
        answer = client.list_training_runs(limit=size, offset=offset).result()
        return answer.training_runs, answer.cursor.total_count if answer.cursor is not None else None

    runs, total = paged(fetch, limit, PAGE)

    def table() -> None:
        print_table(
            [COLUMNS[c][0] for c in chosen],
            [[COLUMNS[c][1](run) for c in chosen] for run in runs],
            title=listed_title(len(runs), total, "training run"),
            wide=("Base Model",),
        )

    show(obj, {"runs": dump(runs)}, table)


@cli.command()
@click.argument("run_id")
def info(run_id: str) -> None:
    """Show details of a specific run."""
    obj = context()
    run = rest_client(obj).get_training_run(run_id).result()

    def table() -> None:
        rows = [
            ["Run ID", run.training_run_id],
            ["Base Model", run.base_model],
            ["Owner", run.model_owner],
            ["LoRA", f"Yes (Rank {run.lora_rank})" if run.is_lora and run.lora_rank else _lora(run)],
            ["Last Update", format_time(run.last_request_time)],
            ["Status", "Failed" if run.corrupted else "OK"],
        ]
        for label, checkpoint in (("Training", run.last_checkpoint), ("Sampler", run.last_sampler_checkpoint)):
            if checkpoint is not None:
                rows += [
                    [f"Last {label} Checkpoint", checkpoint.checkpoint_id],
                    ["  - Time", format_time(checkpoint.time)],
                    ["  - Path", checkpoint.tinker_path],
                ]
        if run.user_metadata:
            rows.append(["Metadata", ""])
            rows += [[f"  - {key}", value] for key, value in run.user_metadata.items()]
        print_properties(rows, title=f"Training Run: {run.training_run_id}")

    show(obj, dump(run), table)
