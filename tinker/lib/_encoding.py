"""Request bodies: pydantic models to JSON bytes as the document wants them, and forward_backward in the chosen wire.

Conservative in what is sent, at every depth and for the pydantic models and the numpy-backed dataclasses alike: a
field whose value equals the default the document gives it is left out (None for an optional field without one), so
servers built on older request models that forbid unknown fields (official 0.25's, as TuFT uses; SkyRL tx) accept
what a caller who never asked for a newer feature sends. A field stays whatever its value when the document lists it
as required (null where the document allows it), when it is a tag (a one-value ``Literal`` such as ``type``), or
when the official SDKs' own wire models require it (``OFFICIAL_REQUIRED``). Lists of numbers are handed to orjson as
they are, so no token passes through Python one by one.

forward_backward goes as protobuf by default, as the hosted service requires (zstd-compressed when the server's
client/config asks for it); the JSON form older SDKs used stays available: ``ServiceClient(wire_format="json")``
or ``TINKER_WIRE_FORMAT=json``. The wire format also decides how forward_backward and sample results are asked for.
"""

from __future__ import annotations

import functools
import os
import types as pytypes
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import orjson
import pydantic
import pydantic_core

from tinker import types
from tinker._tensor_wire import EncodedData, encode_data, encode_forward_backward_request, json_fields
from tinker_api import pydantic_models
from tinker_api.types import EncodedBody

WireFormat = Literal["protobuf", "json"]
WIRE_FORMAT_ENV = "TINKER_WIRE_FORMAT"
PROTOBUF = "application/x-protobuf"


def resolve_wire_format(choice: str | None = None) -> WireFormat:
    """The argument, else ``TINKER_WIRE_FORMAT``, else protobuf; anything else is refused at once."""
    value = (choice or os.environ.get(WIRE_FORMAT_ENV) or "protobuf").strip().lower()
    if value not in get_args(WireFormat):
        source = "wire_format" if choice else WIRE_FORMAT_ENV
        raise ValueError(f"{source} must be 'protobuf' or 'json', got {value!r}")
    return cast(WireFormat, value)


# (schema, field) pairs sent even at the document's default, because the official SDKs' wire models require them:
# 0.25 and 0.38 both read a JSON datum with a pydantic Datum whose loss_fn_inputs has no default, so a server built
# on them refuses a datum without it, while the document (as 0.38's public dataclass) gives it the default {}. These
# are the only such fields apart from tags, which the general rule keeps anyway; tests/client/
# test_conservative_requests.py checks every request against both releases' models, so a new one shows up there.
OFFICIAL_REQUIRED: frozenset[tuple[str, str]] = frozenset({("Datum", "loss_fn_inputs")})


@dataclass(frozen=True)
class _Field:
    name: str  # the attribute; the wire name is the key of the table
    required: bool  # by the document or by the official models: sent whatever its value
    tag: bool  # a discriminator: sent unless None
    default: Any  # the document's default as JSON-ready data (None: the field has none but null)
    adapter: pydantic.TypeAdapter[Any] | None  # dumps a value to compare it with a default other than None

    def sent(self, value: Any) -> bool:
        return self.required or (self.tag and value is not None) or not _at_default(self, value)


def _is_tag(annotation: Any) -> bool:
    """A one-value Literal (``type: Literal["sample"]``), alone or with None: the discriminator of its schema."""
    if typing.get_origin(annotation) in (typing.Union, pytypes.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else None
    return typing.get_origin(annotation) is Literal and len(get_args(annotation)) == 1


@functools.cache
def _fields(model: type[pydantic.BaseModel]) -> dict[str, _Field]:
    """How each field of ``model`` (a schema of the document) is sent, by wire name."""
    table = {}
    for name, field in model.model_fields.items():
        required = field.is_required() or (model.__name__, name) in OFFICIAL_REQUIRED
        default = None if required else field.get_default(call_default_factory=True)
        adapter = None
        if default is not None:
            adapter = pydantic.TypeAdapter[Any](Any if field.annotation is None else field.annotation)
            default = adapter.dump_python(adapter.validate_python(default), mode="json", by_alias=True)
        table[field.alias or name] = _Field(name, required, _is_tag(field.annotation), default, adapter)
    return table


def _at_default(field: _Field, value: Any) -> bool:
    """Whether ``value`` is the document's default of ``field``: numbers by value (1 and 1.0 alike, never a bool
    for a number), anything else by its JSON form."""
    if value is None or field.default is None:
        return value is None and field.default is None
    if isinstance(value, bool) or isinstance(field.default, bool):
        return value is field.default
    if isinstance(value, int | float | str):
        return type(field.default) in (int, float, str) and value == field.default
    assert field.adapter is not None
    try:
        dumped = field.adapter.dump_python(value, mode="json", by_alias=True, warnings=False)
    except (pydantic_core.PydanticSerializationError, TypeError, ValueError):
        return False  # a value the schema's type cannot write is not its default: it goes out
    return bool(dumped == field.default)


def _sent(model: Any, key: str, value: Any) -> bool:
    """Whether the dataclass field ``key`` goes out, by the rules of ``model`` (the generated model of its name)."""
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        return True
    field = _fields(model).get(key)
    return field is None or field.sent(value)


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (orjson serialises datetimes and numpy arrays itself), the numpy-backed types in
    their JSON form; every field the document's default covers is left out (see the module's docstring)."""
    if isinstance(value, pydantic.RootModel):
        return plain(value.root)
    fields = json_fields(value)
    if fields is not None:
        # the dataclass types keep the document's field names; the generated model of the same name has its rules
        model = getattr(pydantic_models, type(value).__name__, None)
        return {key: plain(item) for key, item in fields.items() if _sent(model, key, item)}
    if isinstance(value, pydantic.BaseModel):
        out = {}
        for key, field in _fields(type(value)).items():
            item = getattr(value, field.name)
            if field.sent(item):
                out[key] = plain(item)
        return out
    if isinstance(value, list | tuple):
        if not value or isinstance(value[0], int | float | str | bool):
            return value
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def json_body(value: Any) -> EncodedBody:
    return EncodedBody(orjson.dumps(plain(value), option=orjson.OPT_SERIALIZE_NUMPY))


def prepare_data(wire_format: WireFormat, data: Sequence[types.Datum]) -> Sequence[types.Datum] | EncodedData:
    """The datums of one chunk ready for ``forward_backward_body``: encoded already for protobuf, where the work
    (and any refusal of a datum) happens before a seq_id is taken."""
    return encode_data(data) if wire_format == "protobuf" else data


def forward_backward_body(
    *,
    wire_format: WireFormat,
    compress: bool,
    model_id: str,
    seq_id: int,
    data: Sequence[types.Datum] | EncodedData,
    loss_fn: str,
    loss_fn_config: Mapping[str, float | str] | None,
    forward_only: bool,
) -> EncodedBody:
    """One forward_backward chunk: protobuf (zstd when ``compress``), or the legacy JSON form.

    In JSON a forward is the legacy ``forward`` operation's body (``forward_input``), for ``forward_op``: servers
    that speak JSON ignore a JSON ``forward_only`` (SkyRL tx trained on such "forwards"), so it is sent only in
    protobuf."""
    if wire_format == "json":
        if isinstance(data, EncodedData):
            raise TypeError("the JSON form needs the datums, not their protobuf encoding")
        batch: dict[str, Any] = {"data": data, "loss_fn": loss_fn}
        if loss_fn_config is not None:  # a field the caller never set stays out
            batch["loss_fn_config"] = loss_fn_config
        field = "forward_input" if forward_only else "forward_backward_input"
        return json_body({field: batch, "model_id": model_id, "seq_id": seq_id})
    content = encode_forward_backward_request(
        model_id=model_id,
        seq_id=seq_id,
        data=data,
        loss_fn=loss_fn,
        loss_fn_config=loss_fn_config,
        forward_only=forward_only,
    )
    if not compress:
        return EncodedBody(content, content_type=PROTOBUF)
    import zstandard

    return EncodedBody(zstandard.ZstdCompressor().compress(content), content_type=PROTOBUF, content_encoding="zstd")
