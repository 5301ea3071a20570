"""What every command shares: the context the root group makes, the error a command raises to fail with a message,
the SDK clients it talks through, and its output (a rich table, or JSON and nothing else)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from tinker import RestClient, ServiceClient
    from tinker.lib.public_interfaces.admin_client import AdminClient

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

CLI_MAX_RETRIES = 3
"""The CLI waits for a server that does not answer a few seconds, not the SDK's minutes."""


@dataclass(frozen=True)
class CliContext:
    """The root options: the output format and where the clients connect (None: the SDK's usual sources)."""

    format: Literal["table", "json"] = "table"
    base_url: str | None = None
    api_key: str | None = None

    @property
    def json(self) -> bool:
        return self.format == "json"


class CliError(Exception):
    """A failure the command reports: ``Error: message`` (and ``details``) on stderr, exit ``exit_code``."""

    def __init__(self, message: str, details: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.exit_code = exit_code


def usage_error(message: str, details: str | None = None) -> CliError:
    """A command line that cannot be right whatever the server holds: exit 2."""
    return CliError(message, details, exit_code=2)


def context(ctx: click.Context | None = None) -> CliContext:
    ctx = ctx or click.get_current_context()
    obj = ctx.find_object(CliContext)
    return obj if obj is not None else CliContext()


# --- clients --------------------------------------------------------------------------------------------------------
def rest_client(obj: CliContext) -> RestClient:
    from tinker import RestClient

    return RestClient(api_key=obj.api_key, base_url=obj.base_url, max_retries=CLI_MAX_RETRIES)


def admin_client(obj: CliContext) -> AdminClient:
    from tinker import AdminClient

    return AdminClient(api_key=obj.api_key, base_url=obj.base_url, max_retries=CLI_MAX_RETRIES)


def service_client(obj: CliContext) -> ServiceClient:
    from tinker import ServiceClient

    return ServiceClient(api_key=obj.api_key, base_url=obj.base_url, max_retries=CLI_MAX_RETRIES)


# --- errors ---------------------------------------------------------------------------------------------------------
def report(error: BaseException) -> int:
    """Print why a command failed, without a traceback; the exit code."""
    message, details, code = describe(error)
    click.echo(f"Error: {message}", err=True)
    if details:
        click.echo(details, err=True)
    return code


def describe(error: BaseException) -> tuple[str, str | None, int]:
    """(message, details, exit code) of a failure."""
    if isinstance(error, CliError):
        return error.message, error.details, error.exit_code
    from tinker import _exceptions as e

    hints: list[tuple[type[BaseException], str, str | None]] = [
        (e.NotFoundError, "Resource not found", None),
        (e.AuthenticationError, "Authentication failed", "Check the API key (--api-key, TINKER_API_KEY)."),
        (e.BillingError, "Billing issue", "Check that billing is set up for your account."),
        (e.PermissionDeniedError, "Permission denied", None),
        (e.BadRequestError, "Invalid request", None),
        (e.UnprocessableEntityError, "Invalid data provided", None),
        (e.RateLimitError, "Rate limit exceeded", "Wait a moment before trying again."),
        (e.InternalServerError, "Internal server error", "The server failed; try again later."),
        (e.APITimeoutError, "Request timeout", None),
        (e.APIConnectionError, "Connection failed", "Check the server's address (--base-url, TINKER_BASE_URL)."),
        (e.APIStatusError, "API error", None),
    ]
    for kind, message, hint in hints:
        if isinstance(error, kind):
            status = getattr(error, "status_code", None)
            text = _server_message(error)
            if status is not None:
                message = f"{message} (HTTP {status})"
            return message, "\n".join(part for part in (text, hint) if part) or None, 1
    if isinstance(error, e.TinkerError):
        return str(error), None, 1
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error}", None, 1
    return f"unexpected {type(error).__name__}: {error}", None, 1


def _server_message(error: BaseException) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    message = getattr(error, "message", None)
    return str(message) if message else str(error)


# --- output ---------------------------------------------------------------------------------------------------------
def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, emoji=False, highlight=False)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def print_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None, wide: Sequence[str] = ()
) -> None:
    """An aligned table that fits the terminal: when it is too narrow, the ``wide`` columns (paths, names) are
    shortened first, then the other columns, the first (an id) last; a shortened cell ends with an ellipsis."""
    from rich.table import Table

    out = console()
    if not rows and title:
        out.print(title)
        return
    cells = [[str(cell) for cell in row] for row in rows]
    widths = fitted_widths(columns, cells, out.width, wide)
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        style = "bright_cyan" if index == 0 else None
        table.add_column(column, style=style, no_wrap=True, overflow="ellipsis", width=widths[index])
    for row in cells:
        table.add_row(*row)
    out.print(table)


def fitted_widths(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int, wide: Sequence[str]) -> list[int]:
    """Column widths that fit ``width`` (borders and padding take 3 per column, plus 1) where they can."""
    widths = [max([len(column), *(len(row[index]) for row in cells)]) for index, column in enumerate(columns)]
    excess = sum(widths) + 3 * len(columns) + 1 - width
    rest = [i for i in range(1, len(columns)) if columns[i] not in wide]
    passes = [([i for i, c in enumerate(columns) if c in wide and i > 0], 12), (rest, 6), ([0], 12), (rest, 3)]
    for group, floor in passes:
        for index in group:
            if excess <= 0:
                return widths
            cut = min(excess, widths[index] - floor)
            if cut > 0:
                widths[index] -= cut
                excess -= cut
    return widths


def paged(fetch: Callable[[int, int], tuple[Sequence[T], int | None]], limit: int, page: int) -> tuple[list[T], int]:
    """Up to ``limit`` items (0: all) of a listing answered a page at a time: ``fetch(limit, offset)`` gives a page
    and the total the server counts (None: unknown); returns the items and that total."""
    first, total = fetch(min(page, limit) if limit > 0 else page, 0)
    items = list(first)
    total = len(items) if total is None else total
    wanted = min(limit if limit > 0 else total, total)
    while len(items) < wanted:
        size = min(page, wanted - len(items))
        more, _ = fetch(size, len(items))
        items.extend(more)
        if len(more) < size:
            break
    return items, total


def listed_title(count: int, total: int, noun: str, where: str = "") -> str:
    """A list's title as 0.38 words it: how many are shown, of how many."""
    if count == 0:
        return f"No {noun}s found{where}"
    title = f"{count} {noun}{'s' if count != 1 else ''}{where}"
    if total > count:
        title += f" ({total - count} more not shown, use --limit to see more)"
    return title


def print_properties(rows: Sequence[Sequence[str]], *, title: str | None = None) -> None:
    """A two-column Property / Value table; values wrap rather than vanish."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("Property", style="bright_cyan", no_wrap=True)
    table.add_column("Value", overflow="fold")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    console().print(table)


def show(obj: CliContext, data: Any, table: Callable[[], None]) -> None:
    """JSON of ``data`` with ``--format json``, else the table ``table`` prints."""
    if obj.json:
        print_json(data)
    else:
        table()


def note(obj: CliContext, message: str) -> None:
    """A line for the person at the terminal (stderr); nothing with ``--format json``."""
    if not obj.json:
        click.echo(message, err=True)


def dump(model: Any) -> Any:
    """A pydantic model (or a list of them) as JSON-ready data."""
    if isinstance(model, list):
        return [dump(item) for item in model]
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json")
    return model


def format_size(size: int | None) -> str:
    if size is None or size < 0:
        return "N/A"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if value < 1024.0:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024.0
    return f"{value:.1f} EB"


def format_bool(value: bool | None) -> str:
    return "N/A" if value is None else "Yes" if value else "No"


def format_optional(value: Any) -> str:
    return "N/A" if value is None else str(value)


def format_time(when: datetime | str | None, now: datetime | None = None) -> str:
    """``3 minutes ago``, ``in 2 days``, or the date when it is over a month away."""
    if not when:
        return "N/A"
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return when
        when = parsed
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    seconds = ((now or datetime.now(UTC)) - when).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "in less than a minute" if future else "just now"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day" and count > 30:
                return when.strftime("%Y-%m-%d")
            if unit == "day" and count >= 7:
                unit, count = "week", count // 7
            text = f"{count} {unit}{'s' if count > 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return when.isoformat()  # pragma: no cover


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or time; without a zone it is UTC."""
    text = value.strip()
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise usage_error(f"Invalid date: {value}", "Use ISO 8601: 2024-01-01, 2024-01-01T12:00:00Z") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def interactive() -> bool:
    """Whether progress may be drawn: only for a person at a terminal."""
    return sys.stderr.isatty()
