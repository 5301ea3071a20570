"""The hand-kept OpenAPI document: valid, complete against the fact base, and self-consistent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from .fact_base_inventory import OPERATIONS, REMOVED_IN_0_38, TYPES

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
TAGS = {"training", "sampling", "futures", "sessions", "weights", "checkpoints", "service", "telemetry", "billing"} | {
    "auth"
}
SOURCE = Path(__file__).resolve().parents[1] / "openapi" / "tinker.yaml"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def shape(path: str) -> str:
    """A path with its parameter names dropped, so that only their positions compare."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.skipif(not SOURCE.exists(), reason="runs from a checkout of the repository")
def test_package_ships_the_document_as_written(document: dict[str, Any]) -> None:
    # generate.py copies the YAML and a JSON rendering of it; both must equal the source.
    import tinker_api

    packaged = Path(tinker_api.__file__).parent
    assert (packaged / "openapi.yaml").read_text() == SOURCE.read_text()
    assert json.loads(json.dumps(yaml.safe_load(SOURCE.read_text()), default=str)) == document


def test_every_operation_has_id_tag_and_error_responses(document: dict[str, Any]) -> None:
    ids = []
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        ids.append(operation.get("operationId"))
        assert operation.get("operationId"), where
        assert len(operation.get("tags", [])) == 1 and operation["tags"][0] in TAGS, where
        errors = [status for status in operation["responses"] if status[0] in "45"]
        assert errors, f"{where} documents no error response"
        if operation.get("security") != []:
            assert "401" in operation["responses"], f"{where} needs a key but documents no 401"
        if "requestBody" in operation:
            assert operation["requestBody"].get("required") is True, f"{where}: bodies are required"
            assert "422" in operation["responses"], f"{where} takes a body but documents no 422"
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    for ref in refs(document):
        assert ref.startswith("#/"), ref
        node: Any = document
        for part in ref[2:].split("/"):
            assert part in node, f"unresolved $ref {ref}"
            node = node[part]


def test_document_holds_every_operation_of_the_fact_base(document: dict[str, Any]) -> None:
    present = {(method, shape(path)) for method, path, _ in operations(document)}
    missing = [f"{method} {path}" for method, path in OPERATIONS if (method, path) not in present]
    assert not missing, f"operations missing from the document: {missing}"


def test_removed_operations_are_marked(document: dict[str, Any]) -> None:
    by_shape = {(method, shape(path)): operation for method, path, operation in operations(document)}
    for key in REMOVED_IN_0_38:
        assert by_shape[key].get("x-tinker-removed-in") == "0.38", key


def test_document_holds_every_wire_type_of_the_fact_base(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    missing = [name for name in TYPES if name not in schemas]
    assert not missing, f"types missing from the document: {missing}"


def test_future_operations_name_what_they_resolve_to(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    futures = [(m, p, op) for m, p, op in operations(document) if "x-tinker-future-result" in op]
    assert futures
    for method, path, operation in futures:
        assert operation["x-tinker-future-result"] in schemas, f"{method} {path}"
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/UntypedAPIFuture"}, f"{method} {path}"


def test_every_schema_has_an_example_that_validates(document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("examples"), f"{name} has no example"
        validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})
        for example in schema["examples"]:
            errors = [error.message for error in validator.iter_errors(example)]
            assert not errors, f"the example of {name} is invalid: {errors}"
