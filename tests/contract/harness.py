"""What the schemathesis suites share: their settings, the read-only operations, and the app wrapper."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from tinker_api import openapi_document
from tinker_api.proto import tinker_public_pb2

CONFIG = Path(__file__).parent / "schemathesis.toml"
PROTOBUF = "application/x-protobuf"

# POST operations that only read: they take their question as a body. Every GET reads only as well.
READ_ONLY_POSTS = frozenset(
    (
        "get_client_config",
        "get_client_dynamic_config",
        "get_info",
        "get_weights_info",
        "retrieve_future",
        "search_sessions",
    )
)


def fresh_document() -> dict[str, Any]:
    """A copy of the document for schemathesis, which rewrites the dict it loads (it inlines shared responses
    and adds the links it infers); ``openapi_document()`` hands every caller the same cached dict."""
    return copy.deepcopy(openapi_document())


def load_config() -> SchemathesisConfig:
    """schemathesis.toml, the settings every schemathesis run here shares."""
    return SchemathesisConfig.from_path(CONFIG)


def register_keys(register: Callable[..., Any], api_key: str, spare_key: str) -> None:
    """Send ``api_key`` in X-API-Key, and ``spare_key`` for delete_api_key, which revokes the key it is sent with.

    ``register`` is ``schema.auth`` for one schema or ``schemathesis.auth`` for a whole CLI run. Auth providers
    rather than fixed headers, so that schemathesis knows the header is the key and its ignored_auth check can
    send requests without it.
    """

    class ApiKey:
        def __init__(self, key: str) -> None:
            self.key = key

        def get(self, case: Any, context: Any) -> str:
            return self.key

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "X-API-Key": data}

    class MainKey(ApiKey):
        def __init__(self) -> None:
            super().__init__(api_key)

    class SpareKey(ApiKey):
        def __init__(self) -> None:
            super().__init__(spare_key)

    register(refresh_interval=None).skip_for(operation_id="delete_api_key")(MainKey)
    register(refresh_interval=None).apply_to(operation_id="delete_api_key")(SpareKey)


def register_protobuf() -> None:
    """How to send a protobuf body (the document can only call it a string)."""
    schemathesis.serializer(PROTOBUF)(_protobuf_body)


def register_hooks(hook: Callable[[str], Callable[..., Any]]) -> None:
    """Hooks for ``schema.hook`` (one schema) or ``schemathesis.hook`` (a CLI run), and how to send protobuf."""
    register_protobuf()

    # A link fills in a field of a JSON body (the model_id of a new model). Put into a protobuf body, that makes
    # a JSON object sent as protobuf, which no client would send; such cases are dropped.
    @hook("filter_case")
    def no_json_as_protobuf(context: Any, case: Any) -> bool:
        return not (case.media_type == PROTOBUF and isinstance(case.body, dict | list))


def _protobuf_body(context: Any, value: Any) -> bytes:
    """A protobuf body is bytes on the wire, and the document can only call it a string (naming the message in
    x-tinker-proto-message). A generated string becomes a message of that type holding the string in its first
    string field (a model id: the server looks for the model); anything else, the negative data, becomes bytes that
    no message decodes from (a varint cut short)."""
    if not isinstance(value, str):
        return b"\x80"
    media = context.case.operation.definition.raw["requestBody"]["content"][PROTOBUF]
    message = getattr(tinker_public_pb2, media["x-tinker-proto-message"].rsplit(".", 1)[-1])()
    first = next(f for f in message.DESCRIPTOR.fields if f.type == f.TYPE_STRING)
    setattr(message, first.name, value.encode("utf-8", "replace").decode("utf-8"))
    body: bytes = message.SerializeToString()
    return body


def read_only_operations(document: dict[str, Any] | None = None) -> list[str]:
    """The operation ids safe to run against a server that holds someone's real data."""
    document = document or openapi_document()
    return sorted(
        spec["operationId"]
        for item in document["paths"].values()
        for method, spec in item.items()
        if method == "get" or (isinstance(spec, dict) and spec.get("operationId") in READ_ONLY_POSTS)
    )


def only_read_only(schema: BaseSchema) -> BaseSchema:
    """``schema`` without the operations that change something. (By exclusion: an include would be or-ed with
    the filter that schemathesis.toml's [[operations]] table puts on the schema, and select everything.)"""
    keep = set(read_only_operations(schema.raw_schema))
    others = [operation for item in schema.raw_schema["paths"].values() for operation in _operation_ids(item)]
    return schema.exclude(operation_id=[operation for operation in others if operation not in keep])


def _operation_ids(item: dict[str, Any]) -> list[str]:
    return [spec["operationId"] for spec in item.values() if isinstance(spec, dict) and "operationId" in spec]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


class OneLifespan:
    """The local server's ASGI app for a whole test module, its lifespan run once around all of the tests.

    Schemathesis's ASGI transport starts an app's lifespan with the first request of a test and ends it with the
    test; the local server closes its store at shutdown and is not built to start again. This wrapper answers
    schemathesis's lifespan messages itself: the first startup starts the app's own lifespan (on the event loop
    the requests run on), and ``serving`` shuts it down on that loop when the module's fixture ends.
    """

    def __init__(self) -> None:
        self.app: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def serving(self, app: Any) -> Iterator[None]:
        self.app = app
        try:
            yield
        finally:
            if self._loop is not None:  # else no request came, so the app's lifespan (and its Service) never began
                asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=60)
            self.app, self._loop = None, None

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = self._loop.create_task(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        answer = await self._from_app.get()
        assert answer["type"] == "lifespan.startup.complete", answer

    async def _shutdown(self) -> None:
        await self._to_app.put({"type": "lifespan.shutdown"})
        answer = await self._from_app.get()
        assert answer["type"] == "lifespan.shutdown.complete", answer
        assert self._task is not None
        await self._task

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            assert self.app is not None, "no server: the module's fixture is not running"
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._loop is None:
                    await self._start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
