"""Every component schema round-trips through both generated model families (attrs and pydantic)."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from pydantic import TypeAdapter

from tinker_api import models as attrs_models
from tinker_api import openapi_document, pydantic_models

SCHEMAS: dict[str, Any] = openapi_document()["components"]["schemas"]
EXAMPLES = [(name, example) for name, schema in SCHEMAS.items() for example in schema.get("examples", [])]


def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def is_object_schema(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and "properties" in schema


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_pydantic_round_trip(name: str, example: Any) -> None:
    model = getattr(pydantic_models, name, None)
    if model is None:
        pytest.skip(f"{name} is inlined by the generator (an alias of a union, enum or map)")
    if isinstance(model, type) and hasattr(model, "model_validate"):
        parsed = model.model_validate(example)
        dumped = parsed.model_dump(mode="json", exclude_unset=True, exclude_none=True, by_alias=True)
    else:
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        dumped = adapter.dump_python(adapter.validate_python(example), mode="json", exclude_none=True)
    assert drop_nulls(dumped) == drop_nulls(example)


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_attrs_round_trip(name: str, example: Any) -> None:
    model = getattr(attrs_models, name, None)
    if model is not None and hasattr(model, "from_dict"):
        assert drop_nulls(model.from_dict(example).to_dict()) == drop_nulls(example)
        return
    module = importlib.import_module(f"tinker_api.models.{snake(name)}") if model is not None else None
    checker = getattr(module, f"check_{snake(name)}", None) if module else None
    if checker is not None:
        assert checker(example) == example
        return
    assert not is_object_schema(SCHEMAS[name]), f"no attrs model for the object schema {name}"
    pytest.skip(f"{name} is inlined by openapi-python-client (an alias of a union, primitive or map)")
