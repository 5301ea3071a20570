"""Contains some shared types for properties"""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, Generic, Literal, TypeVar

from attrs import define, field


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


@define
class EncodedBody:
    """A request body the caller has already encoded (orjson from numpy arrays, or protobuf).

    Endpoint functions send it as is, so large token and tensor payloads never pass through attrs models.
    """

    content: bytes
    content_type: str = "application/json"
    content_encoding: str | None = None


@define(frozen=True)
class OperationRequest:
    """One operation's request as its module's ``build_request`` makes it: what to send (method, path, parameters,
    headers, body), typed by the operation's arguments. How to send it (base URL, credentials, retries) is the
    caller's: ``httpx_kwargs()`` for a plain httpx client, or the SDK's request pipeline."""

    operation_id: str
    method: str
    url: str
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(factory=dict)
    content: bytes | None = None
    cookies: dict[str, str] | None = None

    def httpx_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``httpx.Client.request``."""
        kwargs: dict[str, Any] = {"method": self.method, "url": self.url, "headers": self.headers}
        if self.params is not None:
            kwargs["params"] = self.params
        if self.content is not None:
            kwargs["content"] = self.content
        if self.cookies is not None:
            kwargs["cookies"] = self.cookies
        return kwargs


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = ["UNSET", "EncodedBody", "OperationRequest", "File", "FileTypes", "RequestFiles", "Response", "Unset"]
