"""What is the same for every operation, as middleware: who the request comes from, and the checks on its body.

``ApiKeyBackend`` (under Starlette's ``AuthenticationMiddleware``) names the tenant of every request's key; whether
an operation needs one is the route's to say (a health check does not), so a refusal is raised there. The body
checks work on ``receive``, so that they act when an operation reads its body: after that refusal, and never for
an operation that takes no body. Their errors are raised inside that read, so the app's exception handlers answer
them as they answer every other error.
"""

from __future__ import annotations

import asyncio
import zlib

from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser, UnauthenticatedUser
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._errors import HTTPError, bad_request, invalid

_DECODE_CHUNK = 1 << 20


class Refused(UnauthenticatedUser):
    """A request whose key names no tenant, and why (for the 401 of an operation that needs one)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class ApiKeyBackend(AuthenticationBackend):
    """The tenant that a request's X-API-Key (or a JWT traded for one) names."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser | Refused] | None:
        service = getattr(conn.app.state, "service", None)
        if service is None:  # the app has not started; the endpoint says so
            return None
        try:
            owner: str = service.authenticate(conn.headers.get("x-api-key"))
        except HTTPError as refusal:
            return AuthCredentials(), Refused(str(refusal.detail))
        return AuthCredentials(["tenant"]), SimpleUser(owner)


def too_large(what: str, limit: int) -> HTTPError:
    return HTTPError(
        413,
        f"{what} exceeds the server's max_body_bytes limit of {limit} bytes (tinker local serve --max-body-bytes); "
        "send less per request",
    )


class BodyLimit:
    """A body as sent is at most ``limit`` bytes (413): a Content-Length past it is refused before the body is
    read, and a body without one is counted as it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        size = 0
        first = True

        async def limited() -> Message:
            nonlocal size, first
            if first and declared is not None and declared.isdigit() and int(declared) > self.limit:
                raise too_large(f"request body of {declared} bytes", self.limit)
            first = False
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.limit:
                    raise too_large("request body", self.limit)
            return message

        await self.app(scope, limited, send)


class ContentDecoding:
    """A body sent with a Content-Encoding reaches the app decoded, in one message; the limit applies to what it
    decodes to, counted as it is inflated, whatever size the encoding states. The headers the app sees no longer
    name the encoding or the encoded length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = Headers(scope=scope).get("content-encoding") if scope["type"] == "http" else None
        if header is None:
            await self.app(scope, receive, send)
            return
        pending: list[Message] | None = None

        async def decoded() -> Message:
            nonlocal pending
            if pending is None:
                raw = await _whole_body(receive)
                # what a body decodes to is known only once decoded (a bomb is small), so each is decoded in a thread
                body = await asyncio.to_thread(_decode, raw, header, self.limit)
                pending = [{"type": "http.request", "body": body, "more_body": False}]
            return pending.pop() if pending else await receive()

        unencoded = [(name, value) for name, value in scope["headers"] if name not in _ENCODED_HEADERS]
        await self.app({**scope, "headers": unencoded}, decoded, send)


_ENCODED_HEADERS = (b"content-encoding", b"content-length")


def _coded(raw: bytes, encoding: str) -> bool:
    """Whether the body begins as its coding's output does: a gzip member, a zstd frame or skippable frame."""
    if encoding == "gzip":
        return raw.startswith(b"\x1f\x8b")
    return raw.startswith(b"\x28\xb5\x2f\xfd") or (raw[1:4] == b"\x2a\x4d\x18" and 0x50 <= raw[0] <= 0x5F)


async def _whole_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decode(raw: bytes, header: str, limit: int) -> bytes:
    """Undo a Content-Encoding (zstd needs the optional zstandard package).

    An empty header names none of the codings there are, and is refused like any other. A body that does not begin
    with its coding's magic number was not coded (a client or contract tester that sends the header the document
    offers with a plain body) and is read as sent; whatever it holds is checked as any body is.
    """
    encoding = header.strip().lower()
    if encoding == "identity":
        return raw
    if encoding not in ("gzip", "zstd"):
        raise invalid(["header", "content-encoding"], f"unsupported Content-Encoding {encoding!r}; use gzip or zstd")
    if not _coded(raw, encoding):  # no body, or one that was never coded: it is read as sent
        return raw
    try:
        return _gunzip(raw, limit) if encoding == "gzip" else _unzstd(raw, limit)
    except HTTPError:
        raise
    except Exception as exc:
        raise bad_request(f"Content-Encoding: cannot decode the {encoding} body: {exc}") from exc


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Each gzip member inflated to at most what is left of the limit, whatever its trailer says."""
    members, size, rest = [], 0, raw
    while rest:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        member = inflater.decompress(rest, limit + 1 - size)
        size += len(member)
        if size > limit:
            raise too_large("decoded request body", limit)
        if not inflater.eof:
            raise bad_request("Content-Encoding: the gzip body ends before its stream does")
        members.append(member)
        rest = inflater.unused_data
    return b"".join(members)


def _unzstd(raw: bytes, limit: int) -> bytes:
    """Decode zstd frames, counting the output as it streams and stopping past the limit, whatever size the frame
    header states (a one-shot decode would allocate that size first).

    The streaming reader decodes a frame cut short without an error, so a second pass, bounded now by the first,
    decodes frame by frame and checks that each one ends.
    """
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    size = 0
    with decompressor.stream_reader(raw, read_across_frames=True) as reader:
        while chunk := reader.read(_DECODE_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large("decoded request body", limit)
    frames, rest = [], raw
    while rest:
        frame = decompressor.decompressobj()
        frames.append(frame.decompress(rest))
        if not frame.eof:
            raise bad_request("Content-Encoding: the zstd body ends before its frame does")
        rest = frame.unused_data
    return b"".join(frames)
