"""A transport that checks every exchange against the OpenAPI document as it passes.

Wrap the transport of the client under test in ``RecordingTransport``: each request must match a
documented operation (method, path, query and header parameters, body as JSON Schema or as the
named protobuf message), and each answer the client gets must be a documented status whose body
matches its schema. Deviations are collected in ``violations``; ``covered`` names the operations seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import orjson
from jsonschema import Draft202012Validator

from tinker_api import openapi_document
from tinker_api.proto import tinker_public_pb2

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass
class Operation:
    operation_id: str
    method: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    parameters: list[dict[str, Any]]


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        shared = [_resolve(document, p) for p in item.get("parameters", [])]
        pattern = re.compile("^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", path) + "$")
        for method in HTTP_METHODS:
            if method in item:
                spec = item[method]
                own = [_resolve(document, p) for p in spec.get("parameters", [])]
                found.append(Operation(spec["operationId"], method.upper(), pattern, spec, shared + own))
    return found


@dataclass
class DocumentChecker:
    """Checks requests and responses against the document."""

    document: dict[str, Any] = field(default_factory=openapi_document)

    def __post_init__(self) -> None:
        self.operations = _operations(self.document)

    def match(self, request: httpx.Request, prefix: str) -> tuple[Operation | None, list[str]]:
        path = _path(request, prefix)
        for operation in self.operations:
            if operation.method == request.method and operation.pattern.match(path):
                return operation, []
        return None, [f"{request.method} {path}: no such operation in the document"]

    def schema_errors(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        return [f"{where}: {error.message} at {list(error.absolute_path)}" for error in validator.iter_errors(value)]

    def check_request(self, operation: Operation, request: httpx.Request, prefix: str = "") -> list[str]:
        where = f"{operation.operation_id} request"
        problems: list[str] = []
        query = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        for name, value in request.url.params.multi_items():
            if name not in query:
                problems.append(f"{where}: undocumented query parameter {name!r}")
                continue
            problems += self.schema_errors(query[name]["schema"], _typed(value, query[name]["schema"]), where)
        found = operation.pattern.match(_path(request, prefix))
        for parameter in operation.parameters:
            name, schema = parameter["name"], parameter.get("schema", {})
            if parameter["in"] == "path" and found is not None:
                problems += self.schema_errors(schema, _typed(found[name], schema), f"{where} path {name}")
            elif parameter["in"] == "header" and name in request.headers:
                problems += self.schema_errors(schema, _typed(request.headers[name], schema), f"{where} header {name}")
            elif parameter["in"] == "header" and parameter.get("required"):
                problems.append(f"{where}: missing header {name}")
        body_spec = operation.spec.get("requestBody")
        content_type = request.headers.get("content-type", "").split(";")[0]
        if body_spec is None:
            if request.content:
                problems.append(f"{where}: a body where the document has none")
            return problems
        media = body_spec["content"].get(content_type)
        if media is None:
            return [*problems, f"{where}: content type {content_type!r} is not documented"]
        return problems + self._check_body(media, request.content, request.headers, where)

    def check_response(self, operation: Operation, response: httpx.Response) -> list[str]:
        where = f"{operation.operation_id} answer {response.status_code}"
        responses = operation.spec["responses"]
        spec = responses.get(str(response.status_code)) or responses.get("default")
        if spec is None:
            return [f"{where}: status not documented"]
        spec = _resolve(self.document, spec)
        content_type = response.headers.get("content-type", "").split(";")[0]
        if "content" not in spec:
            return [f"{where}: a body where the document has none"] if response.content else []
        media = spec["content"].get(content_type)
        if media is None:
            return [f"{where}: content type {content_type!r} is not documented"]
        if content_type == "text/event-stream":
            return []  # a stream of events, not one JSON value; its events are checked by the streaming tests
        return self._check_body(media, response.content, response.headers, where)

    def _check_body(self, media: dict[str, Any], content: bytes, headers: httpx.Headers, where: str) -> list[str]:
        message_names = media.get("x-tinker-proto-message")
        if message_names is not None:
            if headers.get("content-encoding") == "zstd":
                return []  # the compressed form is checked by the server's tests
            names = message_names if isinstance(message_names, list) else [message_names]
            for name in names:
                message = getattr(tinker_public_pb2, name.split(".")[-1])()
                try:
                    message.ParseFromString(content)
                except Exception:  # protobuf raises its own DecodeError
                    continue
                return []
            return [f"{where}: body is none of the protobuf messages {names}"]
        try:
            value = orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            return [f"{where}: body is not JSON"]
        return self.schema_errors(media.get("schema", {}), value, where)


def _path(request: httpx.Request, prefix: str) -> str:
    """The request's path below the base URL's path, decoded."""
    raw = request.url.raw_path.split(b"?")[0].decode()
    return unquote(raw[len(prefix) :] if raw.startswith(prefix) else raw)


def _typed(value: str, schema: dict[str, Any]) -> Any:
    """A parameter's text as the JSON type its schema declares."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def _is_stream(response: httpx.Response) -> bool:
    """An event stream is handed on unread: reading it here would hold every event back until the last."""
    return str(response.headers.get("content-type", "")).startswith("text/event-stream")


class _Recorder:
    def __init__(self, *, prefix: str = "", checker: DocumentChecker | None = None, check_requests: bool = True):
        self.prefix = prefix.rstrip("/")
        self.checker = checker or DocumentChecker()
        self.check_requests = check_requests
        self.violations: list[str] = []
        self.covered: set[str] = set()

    def _before(self, request: httpx.Request) -> tuple[Operation | None, list[str]]:
        operation, problems = self.checker.match(request, self.prefix)
        if operation is not None:
            self.covered.add(operation.operation_id)
            if self.check_requests:
                problems += self.checker.check_request(operation, request, self.prefix)
        return operation, problems

    def _after(self, operation: Operation | None, response: httpx.Response, problems: list[str]) -> None:
        if operation is not None:
            problems += self.checker.check_response(operation, response)
        self.violations += problems


class RecordingTransport(_Recorder, httpx.AsyncBaseTransport):
    """Passes exchanges to ``inner`` and checks each against the document."""

    def __init__(self, inner: httpx.AsyncBaseTransport, **options: Any):
        super().__init__(**options)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation, problems = self._before(request)
        response = await self.inner.handle_async_request(request)
        if not _is_stream(response):
            await response.aread()
        self._after(operation, response, problems)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class SyncRecordingTransport(_Recorder, httpx.BaseTransport):
    """The same for synchronous clients; ``check_requests=False`` lets tests send bad requests on purpose."""

    def __init__(self, inner: httpx.BaseTransport, **options: Any):
        super().__init__(**options)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation, problems = self._before(request)
        response = self.inner.handle_request(request)
        if not _is_stream(response):
            response.read()
        self._after(operation, response, problems)
        return response

    def close(self) -> None:
        self.inner.close()
