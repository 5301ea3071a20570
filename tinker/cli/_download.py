"""Downloading a checkpoint's files: the ones ``get_external_weights_urls`` lists, one after another over HTTP(S),
each into the target folder only (a name that would land outside it is refused before anything is fetched), each
resumed with an HTTP range where an interrupted run left it.

A folder being downloaded holds ``.tinker-download.json`` (the checkpoint and each file's ETag) and ``<name>.part``
files; a file is renamed to its name once complete, and the marker is removed when every file is. Running the same
command again resumes: a ``.part`` file continues with ``Range: bytes=<size>-`` and ``If-Range: <ETag>`` (a server
whose file changed answers the whole file, which starts it over).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import httpx

from ._common import CliError

if TYPE_CHECKING:
    from rich.progress import Progress

    from tinker.types import ExternalWeightsUrlsResponse

MARKER = ".tinker-download.json"
CHUNK = 1 << 16
RESIGN_BEFORE = timedelta(minutes=5)
"""URLs this close to their expiry are asked for again before the next file, as the official CLI does."""


def http_client() -> httpx.Client:
    """The client the files are fetched with (tests replace it to cut a download short)."""
    return httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True)


def safe_destinations(names: list[str], folder: Path) -> dict[str, Path]:
    """Where each listed file goes; CliError when one would land outside ``folder`` (``..``, an absolute path)."""
    base = folder.resolve()
    found = {}
    for name in names:
        destination = (base / name).resolve()
        if not name or destination == base or not destination.is_relative_to(base):
            raise CliError(f"Unsafe file path in checkpoint: {name!r}", "The checkpoint may be corrupted or malicious.")
        found[name] = destination
    return found


@dataclass
class Marker:
    """The state of a download in progress, kept in the folder so that a later run can resume it."""

    folder: Path
    checkpoint_path: str
    etags: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return self.folder / MARKER

    @classmethod
    def read(cls, folder: Path) -> Marker | None:
        try:
            data = json.loads((folder / MARKER).read_text())
            return cls(folder, str(data["checkpoint_path"]), {str(k): str(v) for k, v in data["etags"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self) -> None:
        partial = self.file.with_suffix(".tmp")
        partial.write_text(json.dumps({"checkpoint_path": self.checkpoint_path, "etags": self.etags}))
        partial.replace(self.file)


def prepare_folder(target: Path, checkpoint_path: str, *, force: bool) -> Marker:
    """The folder to download into: new, or one an interrupted run of the same checkpoint left (resumed); another
    existing folder is refused unless ``force`` (then it is replaced)."""
    if target.exists():
        marker = Marker.read(target)
        if force:
            shutil.rmtree(target)
        elif marker is not None and marker.checkpoint_path == checkpoint_path:
            return marker
        else:
            raise CliError(
                f"Target directory already exists: {target}",
                "Use --force to overwrite or choose a different output directory.",
            )
    target.mkdir(parents=True)
    marker = Marker(target, checkpoint_path)
    marker.write()
    return marker


@contextmanager
def progress_bars(show: bool) -> Iterator[Progress | None]:
    """rich progress bars with size and speed on stderr, or None (not a terminal, or JSON output)."""
    if not show:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from ._common import console

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=False,
    ) as progress:
        yield progress


def download_listing(
    sign: Callable[[], ExternalWeightsUrlsResponse],
    marker: Marker,
    *,
    show_progress: bool,
) -> int:
    """Fetch every file ``sign()`` lists into ``marker.folder``; the bytes of all files. ``sign`` is asked again
    when the URLs are about to expire."""
    listing = sign()
    if not listing.urls:
        raise CliError(f"External weights checkpoint has no files: {marker.checkpoint_path}")
    destinations = safe_destinations(sorted(listing.urls), marker.folder)
    total = 0
    with progress_bars(show_progress) as progress, http_client() as client:
        for name, destination in destinations.items():
            if datetime.now(UTC) >= listing.expires - RESIGN_BEFORE:
                listing = sign()
            url = listing.urls.get(name)
            if url is None:
                raise CliError(f"The server no longer lists {name!r} for {marker.checkpoint_path}")
            total += fetch_file(client, url, destination, name, marker, progress)
    marker.file.unlink(missing_ok=True)
    return total


def fetch_file(
    client: httpx.Client, url: str, destination: Path, name: str, marker: Marker, progress: Progress | None
) -> int:
    """One file, resumed from its ``.part`` when an earlier run left one and the server's ETag is the one recorded;
    its size."""
    if destination.exists() and name in marker.etags and not _part(destination).exists():
        return destination.stat().st_size  # finished by an earlier run
    destination.parent.mkdir(parents=True, exist_ok=True)
    if urlsplit(url).scheme == "file":
        return _copy_local(url, destination)
    part = _part(destination)
    have = part.stat().st_size if part.exists() else 0
    try:
        if not _fetch(client, url, name, marker, progress, part, have):
            _fetch(client, url, name, marker, progress, part, 0)  # the answer did not continue the part: restart
    except httpx.HTTPError as error:
        raise CliError(
            f"Download of {name} interrupted: {error}",
            f"The part fetched so far is kept in {marker.folder}; run the same command again to resume.",
        ) from error
    return _finish(part, destination)


def _fetch(
    client: httpx.Client, url: str, name: str, marker: Marker, progress: Progress | None, part: Path, have: int
) -> bool:
    """Fetch into ``part``, asking for the bytes after the ``have`` it holds (when it holds some and the ETag is
    known); whether ``part`` now holds the whole file. False, with nothing written, when the answer does not
    continue those bytes: a 206 of another range, or a 416 whose ``bytes */size`` is not the part's size."""
    etag = marker.etags.get(name)
    headers = {"Range": f"bytes={have}-", "If-Range": etag} if have and etag else {}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416 and headers:
            response.read()
            return _range(response) == (None, None, have)  # "bytes */size": the part is whole only at that size
        if response.status_code not in (200, 206):
            response.read()
            raise CliError(f"Failed to download {name}: HTTP {response.status_code}", _detail(response))
        if response.status_code == 206:
            start, end, size = _range(response)
            if start != (have if headers else 0) or end is None or (size is not None and end + 1 != size):
                if headers:
                    return False
                raise CliError(
                    f"Failed to download {name}: the server answered a part of it "
                    f"(Content-Range: {response.headers.get('content-range')!r}) when asked for the whole file"
                )
        resumed = response.status_code == 206 and bool(headers)
        if not resumed:
            have = 0
        if response.headers.get("etag"):
            marker.etags[name] = response.headers["etag"]
        else:
            marker.etags.setdefault(name, "")
        marker.write()
        length = int(response.headers.get("content-length", 0)) or None
        total = have + length if length else None
        task = progress.add_task(name, total=total, completed=have) if progress else None
        with part.open("ab" if resumed else "wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
                if progress is not None and task is not None:
                    progress.advance(task, len(chunk))
    return True


def _part(destination: Path) -> Path:
    return destination.with_name(destination.name + ".part")


def _finish(part: Path, destination: Path) -> int:
    part.replace(destination)
    return destination.stat().st_size


def _range(response: httpx.Response) -> tuple[int | None, int | None, int | None]:
    """``Content-Range: bytes first-last/size`` as (first, last, size); ``bytes */size`` (a 416's) as
    (None, None, size); a size of ``*``, or anything that does not parse, as None."""
    unit, _, rest = response.headers.get("content-range", "").strip().partition(" ")
    span, _, size_text = rest.partition("/")
    size = int(size_text) if size_text.isdigit() else None
    first, dash, last = span.partition("-")
    if unit.lower() != "bytes" or not (span == "*" or (dash and first.isdigit() and last.isdigit())):
        return None, None, None
    return (None, None, size) if span == "*" else (int(first), int(last), size)


def _detail(response: httpx.Response) -> str | None:
    try:
        body: Any = response.json()
    except ValueError:
        return None
    return str(body.get("detail")) if isinstance(body, dict) and body.get("detail") else None


def _copy_local(url: str, destination: Path) -> int:
    """A ``file://`` URL (a server on this machine that hands out paths): copied."""
    source = Path(unquote(urlsplit(url).path))
    try:
        shutil.copyfile(source, destination)
    except OSError as error:
        raise CliError(f"Failed to copy {source}: {error}") from error
    return destination.stat().st_size


def fetch_to(url: str, destination: Path, *, show_progress: bool) -> int:
    """One URL (http(s), or a ``file://`` URL of a server on this machine) into ``destination``; its size."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if urlsplit(url).scheme == "file":
        return _copy_local(url, destination)
    try:
        with progress_bars(show_progress) as progress, http_client() as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                response.read()
                raise CliError(f"Failed to download: HTTP {response.status_code}", _detail(response))
            length = int(response.headers.get("content-length", 0)) or None
            task = progress.add_task(destination.name, total=length) if progress else None
            with destination.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    if progress is not None and task is not None:
                        progress.advance(task, len(chunk))
    except httpx.HTTPError as error:
        raise CliError(f"Failed to download: {error}", "The URL may have expired; run the command again.") from error
    return destination.stat().st_size
