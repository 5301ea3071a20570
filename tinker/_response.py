"""One answer of the service with the model it parses into, under the official SDK's names.

``AsyncAPIResponse`` is what the request pipeline's ``BaseClient.request_raw`` returns (and what
``BaseClient.request`` parses); ``APIResponse`` is the same answer for synchronous code. The body has been read
in full by then, so the answer outlives its connection.
"""

from __future__ import annotations

import datetime
from typing import Generic, TypeVar

import httpx
import orjson
import pydantic

from ._exceptions import APIResponseValidationError

__all__ = ["APIResponse", "AsyncAPIResponse", "decoded_body"]

R = TypeVar("R", bound=pydantic.BaseModel)


class _Answer(Generic[R]):
    def __init__(self, response: httpx.Response, cast_to: type[R], *, retries_taken: int = 0) -> None:
        self.http_response = response
        self.retries_taken = retries_taken
        self._cast_to = cast_to
        self._parsed: R | None = None

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def http_request(self) -> httpx.Request:
        return self.http_response.request

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_request.method

    @property
    def http_version(self) -> str:
        return self.http_response.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        return self.http_response.elapsed

    @property
    def is_closed(self) -> bool:
        return self.http_response.is_closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] type={self._cast_to.__name__}>"

    def _parse(self) -> R:
        if self._parsed is None:
            try:
                self._parsed = self._cast_to.model_validate_json(self.http_response.content)
            except pydantic.ValidationError as error:
                body = decoded_body(self.http_response)
                raise APIResponseValidationError(self.http_response, body, message=str(error)) from error
        return self._parsed


class APIResponse(_Answer[R]):
    """An answer for synchronous code: ``parse()`` gives the model (once parsed, the same object)."""

    def parse(self) -> R:
        return self._parse()

    def read(self) -> bytes:
        return self.http_response.content

    def text(self) -> str:
        return self.http_response.text

    def json(self) -> object:
        return orjson.loads(self.http_response.content)

    def close(self) -> None:
        if not self.http_response.is_closed:
            self.http_response.close()


class AsyncAPIResponse(_Answer[R]):
    """An answer for asynchronous code: the same methods, awaited."""

    async def parse(self) -> R:
        return self._parse()

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def text(self) -> str:
        await self.http_response.aread()
        return self.http_response.text

    async def json(self) -> object:
        return orjson.loads(await self.http_response.aread())

    async def close(self) -> None:
        await self.http_response.aclose()


def decoded_body(response: httpx.Response) -> object | None:
    """The answer's JSON if it has any, else its text (error bodies are read liberally)."""
    try:
        decoded: object = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text or None
    return decoded
