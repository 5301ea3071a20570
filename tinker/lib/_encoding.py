"""Request bodies: pydantic models to JSON bytes, as the document wants them.

Optional fields that are None are left out and required ones are kept (null where the document allows it), at
every depth. Lists of numbers are handed to orjson as they are, so no token passes through Python one by one.
"""

from __future__ import annotations

from typing import Any

import orjson
import pydantic

from tinker_api.types import EncodedBody


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (orjson serialises datetimes and numpy arrays itself)."""
    if isinstance(value, pydantic.RootModel):
        return plain(value.root)
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
