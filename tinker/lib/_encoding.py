"""Request bodies: pydantic models to JSON bytes as the document wants them, and forward_backward in the chosen wire.

Optional fields that are None are left out and required ones are kept (null where the document allows it), at
every depth. Lists of numbers are handed to orjson as they are, so no token passes through Python one by one.

forward_backward goes as protobuf by default, as the hosted service requires (zstd-compressed when the server's
client/config asks for it); the JSON form older SDKs used stays available: ``ServiceClient(wire_format="json")``
or ``TINKER_WIRE_FORMAT=json``. The wire format also decides how forward_backward and sample results are asked for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast, get_args

import orjson
import pydantic

from tinker import types
from tinker._tensor_wire import EncodedData, encode_data, encode_forward_backward_request, json_fields
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


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (orjson serialises datetimes and numpy arrays itself); the numpy-backed
    types in their JSON form."""
    if isinstance(value, pydantic.RootModel):
        return plain(value.root)
    fields = json_fields(value)
    if fields is not None:
        return {key: plain(item) for key, item in fields.items()}
    if isinstance(value, pydantic.BaseModel):
        out = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if item is not None or field.is_required():
                out[field.alias or name] = plain(item)
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
