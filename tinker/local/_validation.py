"""Each operation of the document, and the checks its requests pass before a handler sees them.

Bodies are checked against the document's JSON Schema first (Draft 2020-12, jsonschema-rs), then parsed by
the generated pydantic model: pydantic's lax mode alone would take ``false`` for a number. A body that fails the
schema is a 422; one that fits the schema but fails the model's own cross-field checks (a tensor shape that does not
fit its data, half of a CSR pair) is a 400, the document's status for a well-formed request that cannot be carried out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson
import pydantic

from tinker_api import openapi_document
from tinker_api import pydantic_models as models

from ._errors import bad_request, invalid, invalid_many

_METHODS = ("get", "put", "post", "delete", "patch")
JSON = "application/json"
PROTOBUF = "application/x-protobuf"
_INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    validator: Any = field(repr=False, compare=False)


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    authenticated: bool
    parameters: list[Parameter]
    body_model: type[pydantic.BaseModel] | None = None
    body_required: bool = False
    body_media_types: tuple[str, ...] = ()
    _body_validator: Any = field(default=None, repr=False)

    def parse_json_body(self, raw: bytes) -> pydantic.BaseModel | None:
        """Decode, schema-check and parse a JSON body; every failure is a 422 naming the field."""
        if is_blank(raw):
            if self.body_required:
                raise invalid(["body"], "Field required", "missing")
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise invalid(["body", exc.pos], f"JSON decode error: {exc.msg}", "json_invalid") from None
        return self.parse_json_value(data)

    def parse_json_value(self, data: Any) -> pydantic.BaseModel:
        assert self.body_model is not None and self._body_validator is not None
        try:
            errors = [
                (["body", *error.instance_path], error.message, _error_kind(error))
                for error in self._body_validator.iter_errors(data)
            ]
        except ValueError as exc:  # jsonschema-rs stops at its recursion limit where a value nests too deep
            raise invalid(["body"], f"JSON nested too deeply to check: {exc}", "json_invalid") from None
        if errors:
            raise invalid_many(errors[:20])
        try:
            return self.body_model.model_validate(data)
        except pydantic.ValidationError as exc:
            raise bad_request(
                "; ".join(f"{_where(err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False))
            ) from None

    def parse_parameters(self, location: str, raw: dict[str, str]) -> dict[str, Any]:
        """Query or path values converted to the types the document gives them."""
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            if parameter.location != location:
                continue
            if parameter.name not in raw:
                if parameter.required:
                    raise invalid([location, parameter.name], "Field required", "missing")
                values[parameter.name] = parameter.schema.get("default")
                continue
            values[parameter.name] = _convert(parameter, raw[parameter.name])
        return values


def is_blank(raw: bytes) -> bool:
    """Whether a body holds nothing but whitespace; unlike ``strip()``, this copies nothing, and stops at the first
    byte that is not whitespace (a protobuf body often begins with a newline byte)."""
    return not raw or raw.isspace()


def _where(loc: tuple[int | str, ...]) -> str:
    """A body location as the other 400s name fields: ``forward_input.data[0].loss_fn_inputs``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "body"


def _with_integer_bounds(node: Any) -> Any:
    """A copy of a schema in which ``format: int64`` (or int32) is also a range check.

    JSON Schema treats a format as a note, so a number past int64 would pass and reach a client or a
    protobuf field that cannot hold it.
    """
    if isinstance(node, list):
        return [_with_integer_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _with_integer_bounds(value) for key, value in node.items()}
    kind = copy.get("format")
    types = copy.get("type")
    integer = "integer" in (types if isinstance(types, list) else [types])
    if integer and isinstance(kind, str) and kind in _INTEGER_FORMATS:
        low, high = _INTEGER_FORMATS[kind]
        copy.setdefault("minimum", low)
        copy.setdefault("maximum", high)
    return copy


def _error_kind(error: Any) -> str:
    return type(error.kind).__name__.lower()


def _convert(parameter: Parameter, text: str) -> Any:
    schema = parameter.schema
    loc = [parameter.location, parameter.name]
    kind = schema.get("type")
    value: Any = text
    if kind == "integer":
        try:
            value = int(text)
        except ValueError:
            raise invalid(loc, "Input should be a valid integer", "int_parsing") from None
    elif kind == "boolean":
        if text.lower() not in ("true", "false", "1", "0"):
            raise invalid(loc, "Input should be a valid boolean", "bool_parsing")
        value = text.lower() in ("true", "1")
    errors = [error.message for error in parameter.validator.iter_errors(value)]
    if errors:
        raise invalid(loc, errors[0])
    return value


def _compile(schema: dict[str, Any]) -> Any:
    """A schema's validator, made once per schema when the document is loaded: compiling costs more than
    checking, so a request only checks."""
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _parameter(spec: dict[str, Any]) -> Parameter:
    schema = _with_integer_bounds(spec.get("schema", {}))
    return Parameter(spec["name"], spec["in"], spec.get("required", False), schema, _compile(schema))


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def load_operations() -> list[Operation]:
    """Every operation of the packaged document, with the validators of their JSON bodies and parameters."""
    document = openapi_document()
    components = _with_integer_bounds(document["components"])
    default_security = document.get("security", [])
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            if method not in item:
                continue
            op = item[method]
            parameters = [_resolve(document, p) for p in (*shared, *op.get("parameters", []))]
            operation = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                authenticated=bool(op.get("security", default_security)),
                parameters=[_parameter(p) for p in parameters if p["in"] in ("query", "path")],
            )
            body = op.get("requestBody")
            if body is not None:
                body = _resolve(document, body)
                content = body.get("content", {})
                operation.body_required = body.get("required", False)
                operation.body_media_types = tuple(content)
                schema = content.get(JSON, {}).get("schema")
                if schema is not None:
                    name = schema["$ref"].rsplit("/", 1)[-1]
                    operation.body_model = getattr(models, name)
                    operation._body_validator = _compile({"$ref": schema["$ref"], "components": components})
            found.append(operation)
    return found


def check_content_type(operation: Operation, content_type: str) -> str:
    """The media type the body is in; one the operation does not take fails validation (422), as in FastAPI."""
    media_type = content_type.split(";", 1)[0].strip().lower() or JSON
    if media_type not in operation.body_media_types:
        allowed = " or ".join(operation.body_media_types)
        raise invalid(["header", "content-type"], f"Content-Type {media_type!r} is not accepted here; use {allowed}")
    return media_type
