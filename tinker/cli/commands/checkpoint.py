"""``tinker checkpoint``: list, info, download, delete, publish, unpublish, set-ttl, push-hf."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from .._common import (
    CliContext,
    CliError,
    context,
    describe,
    dump,
    format_bool,
    format_size,
    format_time,
    interactive,
    listed_title,
    note,
    paged,
    parse_date,
    print_json,
    print_properties,
    print_table,
    rest_client,
    service_client,
    show,
    usage_error,
)

if TYPE_CHECKING:
    from tinker import RestClient
    from tinker.types import Checkpoint, ParsedCheckpointTinkerPath

PATH_HINT = "Checkpoint path must be in the format: tinker://run-id/weights/0001"
DOWNLOADABLE_HINT = (
    "Only training (tinker://run-id/weights/name) and external weights (tinker://run-id/external_weights/name) "
    "checkpoints can be downloaded."
)
TEMPORARY_EXPORT_TTL_SECONDS = 3600
"""How long the export a training checkpoint is downloaded through lives (renewed when its URLs are signed)."""
PAGE = 1000
_DATES = "ISO 8601, e.g. 2024-01-01, 2024-01-01T08:00:00Z"
TYPES = {
    "weights": "training",
    "sampler_weights": "sampler",
    "external_weights": "external",
    "training": "training",
    "sampler": "sampler",
    "external": "external",
}


def _require_tinker_path(path: str) -> None:
    if not path.startswith("tinker://"):
        raise usage_error(f"Invalid checkpoint path: {path}", PATH_HINT)


def parse_path(path: str) -> ParsedCheckpointTinkerPath:
    from tinker.types import ParsedCheckpointTinkerPath

    try:
        return ParsedCheckpointTinkerPath.from_tinker_path(path)
    except ValueError as error:
        raise usage_error(f"Invalid checkpoint path: {error}", PATH_HINT) from None


def downloadable(path: str) -> ParsedCheckpointTinkerPath:
    try:
        parsed = parse_path(path)
    except CliError as error:
        raise usage_error(error.message, DOWNLOADABLE_HINT) from None
    if parsed.checkpoint_type == "sampler":
        raise usage_error(f"Sampler checkpoints cannot be downloaded: {path}", DOWNLOADABLE_HINT)
    return parsed


def find_checkpoint(client: RestClient, path: str) -> Checkpoint:
    parsed = parse_path(path)
    for checkpoint in client.list_checkpoints(parsed.training_run_id).result().checkpoints:
        if checkpoint.tinker_path == path:
            return checkpoint
    raise CliError(f"Checkpoint not found: {path}")


def _checkpoint_row(checkpoint: Checkpoint) -> list[str]:
    return [
        checkpoint.checkpoint_id,
        str(checkpoint.checkpoint_type),
        format_size(checkpoint.size_bytes),
        format_bool(checkpoint.public),
        format_time(checkpoint.time),
        format_time(checkpoint.expires_at) if checkpoint.expires_at else "Never",
        checkpoint.tinker_path,
    ]


@click.group()
def cli() -> None:
    """Manage checkpoints."""


@cli.command(name="list")
@click.option("--run-id", help="Training run ID")
@click.option(
    "--limit",
    type=int,
    default=20,
    show_default=True,
    help="Maximum number of checkpoints to display when listing from all runs (use --limit=0 to show all)",
)
def list_checkpoints(run_id: str | None, limit: int) -> None:
    """List checkpoints.

    With --run-id, the checkpoints of that training run; otherwise those of all your runs, newest first.
    """
    obj = context()
    client = rest_client(obj)
    if run_id:
        checkpoints = list(client.list_checkpoints(run_id).result().checkpoints)
        total = len(checkpoints)
    else:

        def fetch(size: int, offset: int) -> tuple[Sequence[Checkpoint], int | None]:
            answer = client.list_user_checkpoints(limit=size, offset=offset).result()
            return answer.checkpoints, answer.cursor.total_count if answer.cursor is not None else None

        checkpoints, total = paged(fetch, limit, PAGE)

    def table() -> None:
        print_table(
            ["Checkpoint ID", "Type", "Size", "Public", "Created", "Expires", "Path"],
            [_checkpoint_row(c) for c in checkpoints],
            title=listed_title(len(checkpoints), total, "checkpoint", f" for run {run_id}" if run_id else ""),
            wide=("Path",),
        )

    data: dict[str, Any] = {"run_id": run_id} if run_id else {}
    show(obj, {**data, "checkpoints": dump(checkpoints)}, table)


@cli.command()
@click.argument("checkpoint_path")
def info(checkpoint_path: str) -> None:
    """Show details of a specific checkpoint.

    CHECKPOINT_PATH must be a tinker path (e.g., tinker://run-id/weights/0001).
    """
    obj = context()
    _require_tinker_path(checkpoint_path)
    parsed = parse_path(checkpoint_path)
    client = rest_client(obj)
    checkpoint = find_checkpoint(client, checkpoint_path)
    run = client.get_training_run(parsed.training_run_id).result()
    lora = (f"Yes (Rank {run.lora_rank})" if run.lora_rank else "Yes") if run.is_lora else "No"

    def table() -> None:
        rows = [
            ["Checkpoint ID", checkpoint.checkpoint_id],
            ["Type", str(checkpoint.checkpoint_type)],
            ["Tinker Path", checkpoint.tinker_path],
        ]
        if checkpoint.size_bytes is not None:
            rows.append(["Size", format_size(checkpoint.size_bytes)])
        rows += [
            ["Public", format_bool(checkpoint.public)],
            ["Created", format_time(checkpoint.time)],
            ["Expires", format_time(checkpoint.expires_at) if checkpoint.expires_at else "Never"],
            ["Training Run ID", parsed.training_run_id],
            ["LoRA", lora],
        ]
        print_properties(rows, title=f"Checkpoint: {checkpoint.checkpoint_id}")

    show(obj, {**dump(checkpoint), "is_lora": run.is_lora, "lora_rank": run.lora_rank}, table)


def _publish(checkpoint_path: str, public: bool) -> None:
    obj = context()
    _require_tinker_path(checkpoint_path)
    client = rest_client(obj)
    if public:
        client.publish_checkpoint_from_tinker_path(checkpoint_path).result()
    else:
        client.unpublish_checkpoint_from_tinker_path(checkpoint_path).result()
    if obj.json:
        print_json({"checkpoint_path": checkpoint_path, "public": public})
    else:
        click.echo(f"{'Published' if public else 'Unpublished'} {checkpoint_path}")


@cli.command()
@click.argument("checkpoint_path")
def publish(checkpoint_path: str) -> None:
    """Publish a checkpoint to make it publicly accessible.

    CHECKPOINT_PATH must be a tinker path (e.g., tinker://run-id/weights/0001). Only the owner of the training run
    can publish checkpoints.
    """
    _publish(checkpoint_path, True)


@cli.command()
@click.argument("checkpoint_path")
def unpublish(checkpoint_path: str) -> None:
    """Unpublish a checkpoint to make it private again.

    CHECKPOINT_PATH must be a tinker path (e.g., tinker://run-id/weights/0001). Only the owner of the training run
    can unpublish checkpoints.
    """
    _publish(checkpoint_path, False)


@cli.command(name="set-ttl")
@click.argument("checkpoint_path")
@click.option("--ttl", type=int, default=None, help="TTL in seconds (1 hour to 10 years)")
@click.option("--remove", is_flag=True, help="Remove the expiration from the checkpoint")
def set_ttl(checkpoint_path: str, ttl: int | None, remove: bool) -> None:
    """Set or remove the TTL (time-to-live) on a checkpoint.

    CHECKPOINT_PATH must be a tinker path (e.g., tinker://run-id/weights/0001). Only the owner of the training run
    can modify checkpoint TTL. Use --ttl to set an expiration (in seconds from now), or --remove to clear it.
    """
    obj = context()
    _require_tinker_path(checkpoint_path)
    if ttl is None and not remove:
        raise usage_error("Must specify either --ttl <seconds> or --remove")
    if ttl is not None and remove:
        raise usage_error("Cannot specify both --ttl and --remove")
    rest_client(obj).set_checkpoint_ttl_from_tinker_path(checkpoint_path, None if remove else ttl).result()
    if obj.json:
        print_json({"checkpoint_path": checkpoint_path, "ttl_seconds": None if remove else ttl})
    else:
        click.echo(f"{checkpoint_path}: {'no expiry' if remove else f'expires in {ttl} seconds'}")


def _filtered(
    checkpoints: list[Checkpoint], kind: str | None, before: datetime | None, after: datetime | None
) -> list[Checkpoint]:
    if kind:
        wanted = TYPES.get(kind)
        if wanted is None:
            valid = "Valid types: weights, sampler_weights, external_weights"
            raise usage_error(f"Invalid checkpoint type: {kind}", valid)
        checkpoints = [c for c in checkpoints if c.checkpoint_type == wanted]
    if before is not None:
        checkpoints = [c for c in checkpoints if c.time < before]
    if after is not None:
        checkpoints = [c for c in checkpoints if c.time > after]
    return checkpoints


def _confirmed(paths: list[str], checkpoints: list[Checkpoint] | None) -> bool:
    click.echo(f"Will delete {len(paths)} checkpoint(s):", err=True)
    if checkpoints is not None:
        for c in checkpoints:
            click.echo(f"  - {c.tinker_path} ({format_size(c.size_bytes)}, created {format_time(c.time)})", err=True)
        click.echo(f"\nTotal size: {format_size(sum(c.size_bytes or 0 for c in checkpoints))}", err=True)
    else:
        for path in paths:
            click.echo(f"  - {path}", err=True)
    click.echo("WARNING: This action is permanent and cannot be undone.", err=True)
    return click.confirm(f"Are you sure you want to delete {len(paths)} checkpoint(s)?", err=True)


@cli.command()
@click.argument("checkpoint_paths", nargs=-1, required=False)
@click.option("--run-id", default=None, help="Delete all checkpoints for a training run")
@click.option("--type", "checkpoint_type", default=None, help="Filter by type: weights or sampler_weights")
@click.option("--before", default=None, help=f"Filter: created before date in UTC ({_DATES})")
@click.option("--after", default=None, help=f"Filter: created after date in UTC ({_DATES})")
@click.option("--yes", "-y", is_flag=True, help="Skip confirmation prompt")
def delete(
    checkpoint_paths: tuple[str, ...],
    run_id: str | None,
    checkpoint_type: str | None,
    before: str | None,
    after: str | None,
    yes: bool,
) -> int:
    """Delete one or more checkpoints permanently.

    \b
    By path:    tinker checkpoint delete tinker://run-id/weights/0001 tinker://run-id/weights/0002
    By run:     tinker checkpoint delete --run-id <run-id>
    Filtered:   tinker checkpoint delete --run-id <run-id> --type weights --before 2024-06-01

    Dates are UTC. Only the owner of the training run can delete checkpoints. This cannot be undone.
    """
    obj = context()
    if not checkpoint_paths and not run_id:
        raise usage_error("Must specify checkpoint paths or --run-id")
    if checkpoint_paths and run_id:
        raise usage_error("Cannot specify both checkpoint paths and --run-id")
    if (checkpoint_type or before or after) and not run_id:
        raise usage_error("--type, --before, and --after require --run-id")
    for path in checkpoint_paths:
        _require_tinker_path(path)
    before_at = parse_date(before) if before else None
    after_at = parse_date(after) if after else None
    client = rest_client(obj)
    listed: list[Checkpoint] | None = None
    if run_id:
        every = list(client.list_checkpoints(run_id).result().checkpoints)
        listed = _filtered(every, checkpoint_type, before_at, after_at)
        if not listed:
            if obj.json:
                print_json({"deleted_count": 0, "failed": []})
            else:
                click.echo(f"No checkpoints found for run {run_id} matching filters")
            return 0
        paths = [c.tinker_path for c in listed]
    else:
        paths = list(checkpoint_paths)
    if not yes and not _confirmed(paths, listed):
        note(obj, "Deletion cancelled.")
        return 0
    futures = [(path, client.delete_checkpoint_from_tinker_path(path)) for path in paths]
    failed: list[tuple[str, str]] = []
    for path, future in futures:
        try:
            future.result()
        except Exception as refusal:
            message, details, _ = describe(refusal)
            failed.append((path, f"{message}: {details}" if details else message))
    if obj.json:
        print_json(
            {"deleted_count": len(paths) - len(failed), "failed": [{"tinker_path": p, "error": e} for p, e in failed]}
        )
    else:
        click.echo(f"Deleted {len(paths) - len(failed)} checkpoint(s)")
        if failed:
            click.echo(f"Failed to delete {len(failed)} checkpoint(s):", err=True)
            for path, error in failed:
                click.echo(f"  - {path}: {error}", err=True)
    return 1 if failed else 0


def download_into(obj: CliContext, client: RestClient, checkpoint_path: str, target: Path, *, force: bool) -> int:
    """Download the checkpoint into ``target`` (resuming what an interrupted run left there); its bytes. A training
    checkpoint is exported first through a temporary external weights checkpoint, deleted afterwards, as 0.38 does."""
    from .._download import download_listing, prepare_folder

    marker = prepare_folder(target, checkpoint_path, force=force)
    show_progress = interactive() and not obj.json

    def listing_of(path: str, renew_ttl: bool) -> Any:
        def sign() -> Any:
            listing = client.get_external_weights_urls(path).result()
            if renew_ttl:
                client.set_checkpoint_ttl_from_tinker_path(path, TEMPORARY_EXPORT_TTL_SECONDS).result()
            return listing

        return sign

    if downloadable(checkpoint_path).checkpoint_type == "external":
        return download_listing(listing_of(checkpoint_path, False), marker, show_progress=show_progress)
    note(obj, f"Exporting {checkpoint_path} as external weights (this starts a training session on its base model)...")
    service = service_client(obj)
    status: Literal["success", "errored"] = "errored"
    try:
        training = service.create_training_client_from_state(
            checkpoint_path, user_metadata={"created_by": "tinker checkpoint download"}
        ).result()
        export = training.save_weights_external("download", ttl_seconds=TEMPORARY_EXPORT_TTL_SECONDS).result().path
        try:
            size = download_listing(listing_of(export, True), marker, show_progress=show_progress)
        finally:
            try:
                client.delete_checkpoint_from_tinker_path(export).result()
            except Exception as error:
                note(obj, f"Warning: could not delete the temporary export {export} ({error}); it expires in an hour.")
        status = "success"
        return size
    finally:
        service.close(status).result()


@cli.command()
@click.argument("checkpoint_path")
@click.option(
    "--output", "-o", type=click.Path(), help="Parent directory for extracted checkpoint (default: current directory)"
)
@click.option("--force", is_flag=True, help="Overwrite existing directory if it exists")
def download(checkpoint_path: str, output: str | None, force: bool) -> None:
    """Download a training or external weights checkpoint.

    CHECKPOINT_PATH is a training checkpoint (tinker://run-id/weights/final, from save_state) or external weights
    (tinker://run-id/external_weights/final, from save_weights_external); a training checkpoint is exported through
    a temporary external weights checkpoint first. The files go into a folder named after the checkpoint under
    --output. An interrupted download is resumed by running the same command again (each file from where it
    stopped); an existing folder of anything else is refused unless --force.
    """
    obj = context()
    downloadable(checkpoint_path)
    parent = Path(output) if output else Path.cwd()
    parent.mkdir(parents=True, exist_ok=True)
    target = parent / checkpoint_path.replace("tinker://", "").replace("/", "_")
    size = download_into(obj, rest_client(obj), checkpoint_path, target, force=force)

    def table() -> None:
        print_properties(
            [["Checkpoint Path", checkpoint_path], ["Total Size", format_size(size)], ["Downloaded to", str(target)]],
            title=f"Checkpoint Download: {checkpoint_path}",
        )

    show(obj, {"checkpoint_path": checkpoint_path, "destination": str(target), "file_size_bytes": size}, table)


@cli.command(name="push-hf")
@click.argument("checkpoint_path")
@click.option(
    "--repo",
    "-r",
    "repo_id",
    default=None,
    help="Hugging Face repo ID (e.g., username/my-lora-adapter). If omitted, derive from run.",
)
@click.option("--public", is_flag=True, help="Create or upload to a public repo (default: private).")
@click.option("--revision", default=None, help="Target branch/revision to upload to (optional).")
@click.option("--commit-message", default=None, help="Commit message for the upload (optional).")
@click.option("--create-pr", is_flag=True, help="Create a pull request instead of pushing to the main branch.")
@click.option(
    "--allow-pattern", "allow_patterns", multiple=True, help="Only upload files matching this pattern (repeatable)."
)
@click.option(
    "--ignore-pattern", "ignore_patterns", multiple=True, help="Skip files matching this pattern (repeatable)."
)
@click.option("--no-model-card", is_flag=True, help="Do not create a README.md model card if one is missing.")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Write the folder that would be uploaded into DIR and upload nothing (no Hugging Face login needed).",
)
def push_hf(
    checkpoint_path: str,
    repo_id: str | None,
    public: bool,
    revision: str | None,
    commit_message: str | None,
    create_pr: bool,
    allow_patterns: tuple[str, ...],
    ignore_patterns: tuple[str, ...],
    no_model_card: bool,
    dry_run: str | None,
) -> None:
    """Upload a checkpoint to the Hugging Face Hub as a PEFT adapter.

    CHECKPOINT_PATH must be a training (tinker://run-id/weights/final) or external weights
    (tinker://run-id/external_weights/final) checkpoint path. Needs huggingface_hub (pip install
    'tinker-openapi[hf]') and a login (hf auth login), except with --dry-run.
    """
    from .._hub import push_to_hub

    obj = context()
    result = push_to_hub(
        obj,
        checkpoint_path,
        repo_id,
        private=not public,
        revision=revision,
        commit_message=commit_message,
        create_pr=create_pr,
        allow_patterns=list(allow_patterns) or None,
        ignore_patterns=list(ignore_patterns) or None,
        add_model_card=not no_model_card,
        dry_run=Path(dry_run) if dry_run else None,
    )

    def table() -> None:
        rows = [["Checkpoint Path", checkpoint_path], ["Repo ID", result["repo_id"]]]
        if result.get("revision") is not None:
            rows.append(["Revision", result["revision"]])
        rows.append(["Public", format_bool(public)])
        if dry_run:
            rows.append(["Written to (dry run)", str(dry_run)])
        print_properties(rows, title=f"Checkpoint Hub Upload: {checkpoint_path}")

    show(obj, result, table)
