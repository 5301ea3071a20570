"""Every component schema round-trips through both generated model families (attrs and pydantic)."""

from __future__ import annotations

import copy
import importlib
import json
import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter

from tinker import types
from tinker_api import Client, openapi_document, pydantic_models
from tinker_api import models as attrs_models

SCHEMAS: dict[str, Any] = openapi_document()["components"]["schemas"]
EXAMPLES = [(name, example) for name, schema in SCHEMAS.items() for example in schema.get("examples", [])]


DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def drop_nulls(value: Any) -> Any:
    """The JSON value without nulls; date-times compare as instants (``Z`` and ``+00:00`` are one)."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    if isinstance(value, str) and DATETIME.match(value):
        return datetime.fromisoformat(value)
    return value


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def references(schema: dict[str, Any], name: str) -> str | None:
    """How a property schema holds ``name``: as its value, or as array items; None if it does not."""
    if schema.get("$ref") == f"#/components/schemas/{name}":
        return "value"
    for alternative in schema.get("anyOf", []):
        how = references(alternative, name)
        if how:
            return how
    items = schema.get("items")
    if isinstance(items, dict) and references(items, name) == "value":
        return "item"
    return None


def embedded(name: str, example: Any, family: Any) -> tuple[str, Any] | None:
    """The example as a value of the nearest schema that has a class in ``family``.

    Generators inline unions, enums and maps (there is no class to parse them with), so such an
    example is placed in a property of a parent schema that refers to it, in a copy of the parent's example.
    """
    if isinstance(getattr(family, name, None), type):
        return name, example
    for parent, schema in SCHEMAS.items():
        if parent == name or not schema.get("examples"):
            continue
        for prop, prop_schema in schema.get("properties", {}).items():
            how = references(prop_schema, name)
            if how:
                outer = copy.deepcopy(schema["examples"][0])
                outer[prop] = example if how == "value" else [example]
                return embedded(parent, outer, family)
    return None


def primitive(schema: dict[str, Any]) -> bool:
    """A string, number or boolean schema (enums included): generators alias these rather than model them."""
    return schema.get("type") in ("string", "integer", "number", "boolean")


def referenced_anywhere(name: str) -> bool:
    return f'#/components/schemas/{name}"' in json.dumps(openapi_document())


def round_trip_or_skip(name: str, example: Any, family: Any) -> tuple[type, Any]:
    found = embedded(name, example, family)
    if found is None:
        if not primitive(SCHEMAS[name]) and referenced_anywhere(name):
            pytest.fail(f"{name}: no generated class, and no schema with an example refers to it")
        pytest.skip(f"{name}: an alias (of a primitive, an enum, or a union no operation uses) with no class")
    model_name, outer = found
    return getattr(family, model_name), outer


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_pydantic_round_trip(name: str, example: Any) -> None:
    model = getattr(pydantic_models, name)
    if isinstance(model, type) and issubclass(model, BaseModel):
        dumped = model.model_validate(example).model_dump(mode="json", exclude_unset=True, exclude_none=True)
    else:  # a type alias of an enum, union or map
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        dumped = adapter.dump_python(
            adapter.validate_python(example), mode="json", exclude_unset=True, exclude_none=True
        )
    assert drop_nulls(dumped) == drop_nulls(example)


def test_every_schema_is_a_public_type() -> None:
    # 0.38 has TopkLogprobs (its dataclass) only in tinker.types.topk_logprobs
    missing = [name for name in SCHEMAS if not hasattr(types, name) and name != "TopkLogprobs"]
    assert not missing, f"tinker.types lacks {missing}"


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_attrs_round_trip(name: str, example: Any) -> None:
    checker = getattr(attrs_models, f"check_{snake(name)}", None)
    if checker is not None:  # a literal enum
        assert checker(example) == example
        return
    parser = response_parser(name)
    if parser is not None:  # a union that only an operation's answer uses: parse it as the endpoint does
        parsed = parser(client=Client(base_url="http://test"), response=httpx.Response(200, json=example))
        assert drop_nulls(parsed.to_dict()) == drop_nulls(example)
        return
    model, outer = round_trip_or_skip(name, example, attrs_models)
    assert drop_nulls(model.from_dict(outer).to_dict()) == drop_nulls(outer)


def response_parser(name: str) -> Any:
    """The generated response parser of the first operation whose 200 JSON answer is ``name``."""
    ref = {"$ref": f"#/components/schemas/{name}"}
    for item in openapi_document()["paths"].values():
        for operation in (item[method] for method in ("get", "put", "post", "delete") if method in item):
            ok = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            if ok.get("schema") == ref and not isinstance(getattr(attrs_models, name, None), type):
                module = importlib.import_module(f"tinker_api.api.{operation['tags'][0]}.{operation['operationId']}")
                return module._parse_response
    return None
