"""A checkpoint's files, and a session's exported trace, over HTTP, as the hosted service hands out signed storage
URLs.

``get_external_weights_urls`` lists a checkpoint as a PEFT adapter folder: ``adapter_config.json`` and
``adapter_model.safetensors`` (the LoRA factors under PEFT's names, ``base_model.model.<layer>.lora_A.weight``).
Each URL is signed with the caller's API key (HMAC-SHA256 over the checkpoint, the file, the tenant and the expiry),
so that it works without headers, as a storage URL does, for as long as the URL lives, the key is not revoked and the
checkpoint is there and readable by that tenant. The route lives outside the OpenAPI document, as ``/openapi.json``
does: it is a storage download, not an operation of the API.

``export_session_trace`` writes the session's trace (``_trace``) and points at ``/files/traces/<session_id>.json``,
signed the same way (over the session, the tenant and the expiry): it works without headers for the session's owner
until it expires.

Nothing is written to disk for a checkpoint: the adapter file is the checkpoint file's tensor bytes behind a new
header, served as segments of it, and the config is made from the checkpoint's metadata. Single byte ranges
(``Range: bytes=N-`` or ``N-M``, with ``If-Range`` on the ETag) are answered with 206, so that a download resumes
where it stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ._errors import HTTPError, gone, not_found
from ._store import Row
from ._trace import trace_file

ROUTE = "/files/checkpoints/{training_run_id}/{checkpoint_kind}/{checkpoint_name}/{file_name}"
TRACE_ROUTE = "/files/traces/{session_id}.json"
URL_LIFETIME = timedelta(minutes=15)
LORA_ALPHA = 32.0
"""The engine's LoRA scale numerator (tinker.local.engine._lora.LORA_ALPHA, which imports torch; a test keeps them
equal): PEFT's ``lora_alpha``, so that ``lora_alpha / r`` scales the update as the engine does."""
CHUNK = 1 << 20
CONFIG_NAME = "adapter_config.json"
ADAPTER_NAME = "adapter_model.safetensors"


def _signature(api_key: str, owner: str, parts: tuple[str, ...], expires: int) -> str:
    """A checkpoint file's parts are (run, kind, name, file); a trace's are ("traces", session id)."""
    message = "\n".join((*parts, owner, str(expires)))
    return hmac.new(api_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def base_url(public_url: str | None, host: str | None) -> str:
    """Where signed URLs start: ``ServerConfig.public_url`` behind a proxy, else the Host the request came to."""
    return public_url or f"http://{host or 'localhost'}"


def _signed(base: str, path: str, api_key: str, owner: str, parts: tuple[str, ...], expires: int) -> str:
    signature = _signature(api_key, owner, parts, expires)
    return f"{base.rstrip('/')}{path}?owner={quote(owner, safe='')}&expires={expires}&signature={signature}"


def signed_urls(base_url: str, api_key: str, owner: str, row: Row, expires: datetime) -> dict[str, str]:
    """The URL of each file of the checkpoint's adapter folder, for ``owner`` until ``expires``."""
    when = int(expires.timestamp())
    urls = {}
    for file_name in (CONFIG_NAME, ADAPTER_NAME):
        parts = (row["training_run_id"], row["kind"], row["name"], file_name)
        path = "/files/checkpoints/" + "/".join(quote(part, safe="") for part in parts)
        urls[file_name] = _signed(base_url, path, api_key, owner, parts, when)
    return urls


def signed_trace_url(base_url: str, api_key: str, owner: str, session_id: str, expires: datetime) -> str:
    """The URL of the session's exported trace, for ``owner`` until ``expires``."""
    path = f"/files/traces/{quote(session_id, safe='')}.json"
    return _signed(base_url, path, api_key, owner, ("traces", session_id), int(expires.timestamp()))


@dataclass(frozen=True)
class Blob:
    """A file made of byte strings and ranges of files on disk, read only when served."""

    segments: tuple[bytes | tuple[Path, int, int], ...]
    etag: str
    media_type: str

    @property
    def size(self) -> int:
        return sum(len(s) if isinstance(s, bytes) else s[2] for s in self.segments)

    def read(self, start: int, stop: int) -> bytes:
        """Bytes ``start`` up to ``stop``: at most CHUNK of them at a time, read from disk."""
        out = bytearray()
        offset = 0
        for segment in self.segments:
            length = len(segment) if isinstance(segment, bytes) else segment[2]
            lo, hi = max(start, offset), min(stop, offset + length)
            if lo < hi:
                if isinstance(segment, bytes):
                    out += segment[lo - offset : hi - offset]
                else:
                    path, base, _ = segment
                    with path.open("rb") as file:
                        file.seek(base + lo - offset)
                        out += file.read(hi - lo)
            offset += length
            if offset >= stop:
                break
        return bytes(out)


def _safetensors_header(path: Path) -> tuple[int, dict[str, Any]]:
    with path.open("rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: not a safetensors file")
    return 8 + length, header


def adapter_folder(path: Path, base_model: str | None = None) -> dict[str, Blob]:
    """The checkpoint file at ``path`` as a PEFT adapter folder (optimizer state left out)."""
    data_start, header = _safetensors_header(path)
    metadata = header.pop("__metadata__", {}) or {}
    stat = path.stat()
    tag = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    factors = sorted(
        name
        for name in header
        if not name.startswith("optimizer.") and (name.endswith(".lora_A") or name.endswith(".lora_B"))
    )
    new_header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    segments: list[bytes | tuple[Path, int, int]] = []
    offset = 0
    for name in factors:
        entry = header[name]
        begin, end = entry["data_offsets"]
        new_header[f"base_model.model.{name}.weight"] = {
            "dtype": entry["dtype"],
            "shape": entry["shape"],
            "data_offsets": [offset, offset + end - begin],
        }
        segments.append((path, data_start + begin, end - begin))
        offset += end - begin
    encoded = json.dumps(new_header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    lora = _json_object(metadata.get("lora"))
    ranks = [header[name]["shape"][0] for name in factors if name.endswith(".lora_A")]
    rank = lora.get("rank") or (ranks[0] if ranks else 0)
    config = {
        "base_model_name_or_path": metadata.get("base_model") or base_model,
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "lora_alpha": LORA_ALPHA,
        "lora_dropout": 0.0,
        "peft_type": "LORA",
        "r": rank,
        "target_modules": sorted({name.rsplit(".", 2)[-2] for name in factors}),
        "task_type": "CAUSAL_LM",
    }
    return {
        CONFIG_NAME: Blob(
            (json.dumps(config, indent=2, sort_keys=True).encode() + b"\n",), f'"{tag}-config"', "application/json"
        ),
        ADAPTER_NAME: Blob(
            (struct.pack("<Q", len(encoded)) + encoded, *segments), f'"{tag}-adapter"', "application/octet-stream"
        ),
    }


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_RANGE = re.compile(r"bytes=[ \t]*([0-9]*)-([0-9]*)[ \t]*", re.IGNORECASE)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` of a single ``bytes=`` range; None for the whole file; HTTPError 416 when unsatisfiable.

    As RFC 9110 (14.2) asks, a header that is not a valid single range (``bytes=5--3``, ``bytes=9-3``, ``bytes=-``,
    several ranges) is ignored: the whole file is sent. A valid range that selects no byte of the file (it starts at
    or after its end, or asks for the last 0 bytes) is answered 416 with ``Content-Range: bytes */size``.
    """
    match = _RANGE.fullmatch(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if first == "":
        if last == "":
            return None
        start, stop = max(0, size - int(last)), size  # the last N bytes
    elif last and int(last) < int(first):
        return None
    else:
        start, stop = int(first), (min(int(last) + 1, size) if last else size)
    if start >= stop:
        raise HTTPError(416, f"range {header} is outside the file's {size} bytes", {"Content-Range": f"bytes */{size}"})
    return start, stop


def _signed_by(request: Request, parts: tuple[str, ...], operation: str) -> str:
    """The tenant the request's URL was signed for; HTTPError 403 unless its signature holds and it has not
    expired."""
    service = request.app.state.service
    owner = request.query_params.get("owner", "")
    signature = request.query_params.get("signature", "")
    try:
        expires = int(request.query_params.get("expires", ""))
    except ValueError:
        expires = 0
    api_key = service.keys.get(owner)
    if api_key is None or owner in service.revoked:
        raise HTTPError(403, "this URL was signed with an API key the server no longer accepts")
    expected = _signature(api_key, owner, parts, expires).encode()
    # compared as bytes, and only in the form a signature has: compare_digest refuses non-ASCII text (a TypeError)
    if _SIGNATURE.fullmatch(signature) is None or not hmac.compare_digest(signature.encode(), expected):
        raise HTTPError(403, f"the URL's signature does not match; ask {operation} for a new one")
    if expires <= time.time():
        raise HTTPError(403, f"the URL has expired; ask {operation} for a new one")
    return owner


async def _serve(request: Request) -> Response:
    service = request.app.state.service
    params = request.path_params
    parts = (params["training_run_id"], params["checkpoint_kind"], params["checkpoint_name"], params["file_name"])
    owner = _signed_by(request, parts, "get_external_weights_urls")
    row = await service.checkpoint(parts[0], parts[1], parts[2], owner, readable=True)
    try:
        files = await asyncio.to_thread(adapter_folder, Path(row["file"]))
    except FileNotFoundError:
        raise gone(
            f"the file of checkpoint tinker://{parts[0]}/{parts[1]}/{parts[2]} is no longer on the server's disk"
        ) from None
    blob = files.get(parts[3])
    if blob is None:
        raise not_found(f"the checkpoint has no file {parts[3]!r}")
    return await _send(request, blob)


async def _serve_trace(request: Request) -> Response:
    service = request.app.state.service
    session_id = request.path_params["session_id"]
    owner = _signed_by(request, ("traces", session_id), "export_session_trace")
    if await service.store.one("SELECT 1 FROM sessions WHERE session_id=? AND owner=?", [session_id, owner]) is None:
        raise not_found(f"session {session_id!r} not found")
    path = trace_file(service.config.data_dir, session_id)
    try:
        stat = await asyncio.to_thread(path.stat)
    except FileNotFoundError:
        raise gone(f"the trace of session {session_id} is no longer on the server; export it again") from None
    tag = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    return await _send(request, Blob(((path, 0, stat.st_size),), f'"{tag}-trace"', "application/json"))


async def _send(request: Request, blob: Blob) -> Response:
    """The blob, or the single byte range the request asks for."""
    size = blob.size
    if_range = request.headers.get("if-range")
    wanted = _byte_range(request.headers.get("range"), size) if if_range in (None, blob.etag) else None
    headers = {"Accept-Ranges": "bytes", "ETag": blob.etag}
    start, stop = wanted or (0, size)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(stop - start)
    status = 206 if wanted is not None else 200
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=blob.media_type)

    async def body() -> AsyncIterator[bytes]:
        for at in range(start, stop, CHUNK):
            yield await asyncio.to_thread(blob.read, at, min(at + CHUNK, stop))

    return StreamingResponse(body(), status_code=status, headers=headers, media_type=blob.media_type)


def _endpoint(serve: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await serve(request)
        except HTTPError as error:
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    return endpoint


def routes() -> list[Route]:
    return [
        Route(ROUTE, _endpoint(_serve), methods=["GET", "HEAD"]),
        Route(TRACE_ROUTE, _endpoint(_serve_trace), methods=["GET", "HEAD"]),
    ]
