"""``tinker session export-trace``: a session's timeline as a trace file."""

from __future__ import annotations

from pathlib import Path

import click

from .._common import context, format_size, interactive, note, print_json, print_properties, rest_client, show


@click.group()
def cli() -> None:
    """Manage sessions."""


@cli.command(name="export-trace")
@click.argument("session_id")
@click.option(
    "--output",
    "-o",
    type=click.Path(),
    help="Output file path (default: ./<session-id>.json when the server sends a JSON trace, else "
    "./<session-id>.pftrace)",
)
@click.option("--url-only", is_flag=True, help="Print the signed download URL instead of downloading the trace")
def export_trace(session_id: str, output: str | None, url_only: bool) -> None:
    """Export a session's timeline as a Perfetto trace.

    The server builds a trace of the session's training and sampling requests; it is downloaded to --output (open
    it in https://ui.perfetto.dev), or with --url-only its URL is printed. The local server sends Chrome's JSON
    trace format, which Perfetto and chrome://tracing open, so the default name ends in .json, as its URL does; a
    server whose URL names another file (the hosted service's protobuf trace) is saved as <session-id>.pftrace.
    """
    from .._download import fetch_to

    obj = context()
    note(obj, f"Exporting trace for session {session_id} (this may take a while)...")
    url = rest_client(obj).export_session_trace(session_id).result()
    if url_only:
        if obj.json:
            print_json({"session_id": session_id, "url": url})
        else:
            click.echo(url)
        return
    destination = Path(output) if output else Path.cwd() / f"{session_id}{_suffix(url)}"
    size = fetch_to(url, destination, show_progress=interactive() and not obj.json)

    def table() -> None:
        rows = [["Session ID", session_id], ["Saved to", str(destination)], ["Size", format_size(size)]]
        print_properties(rows, title=f"Trace Export: {session_id}")

    show(obj, {"session_id": session_id, "destination": str(destination), "file_size_bytes": size}, table)


def _suffix(url: str) -> str:
    """The default file name's suffix: what the URL's path ends with when it is a JSON trace, else .pftrace."""
    from urllib.parse import urlsplit

    return ".json" if urlsplit(url).path.lower().endswith(".json") else ".pftrace"
