"""Schemathesis against the local server's ASGI app, in process: the document and the server must agree.

Every operation gets positive and negative data under schemathesis's default checks (documented status codes,
response schemas, content types, headers, no 5xx, positive data accepted and negative data refused), then the
stateful phase follows the document's links. Settings come from schemathesis.toml, shared with the long CLI run
(``nox -s contract``, 50+ examples per operation); here the example counts are kept small for the test command.
Requests the schema allows but the server must refuse get a status the document lists, checked one by one below.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tinker.local import ServerConfig, create_app
from tinker_api import openapi_document

from .harness import (
    READ_ONLY_POSTS,
    OneLifespan,
    fresh_document,
    load_config,
    only_read_only,
    read_only_operations,
    register_hooks,
    register_keys,
)
from .recording import DocumentChecker

KEY = "tml-contract-suite"
SPARE_KEY = "tml-contract-suite-spare"
TINY = "tinker-local/tiny"
EXAMPLES = 10  # per operation and phase; the CLI run takes 50 and more
SCENARIOS = 50  # stateful runs of up to STEPS calls each
STEPS = 12
# derandomize: the test command explores the same cases on every run (the CLI run takes its own fixed seed)
SETTINGS = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck), print_blob=True
)


# The app is built by the module's fixture, so that collecting these tests starts no server.
SERVER = OneLifespan()
schema = schemathesis.openapi.from_dict(fresh_document(), config=load_config())
schema.app = SERVER
register_keys(schema.auth, KEY, SPARE_KEY)
register_hooks(schema.hook)
# the document's first server is the hosted service, whose base path the app does not have
schema.config.update(base_url="http://testserver")


@pytest.fixture(scope="module", autouse=True)
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # short waits: a pending future answers try_again after 0.2 s, a seq_id gap gives up after 0.5 s
    config = ServerConfig(
        data_dir=tmp_path_factory.mktemp("contract"),
        api_keys=(KEY, SPARE_KEY),
        long_poll_seconds=0.2,
        seq_gap_timeout_seconds=0.5,
    )
    with SERVER.serving(create_app(config)):
        yield


@schema.parametrize()
@settings(SETTINGS, max_examples=EXAMPLES)
def test_every_operation(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_stateful_phase_follows_the_links() -> None:
    """Its entry point is the session list, so there is a session to start from whatever ran before; from there
    the links make models (generated data never names an existing session), which shows they were followed."""
    call(schema, "POST", "/create_session", body={"tags": [], "user_metadata": {}, "sdk_version": "contract"})
    schema.as_state_machine().run(settings=settings(SETTINGS, max_examples=SCENARIOS, stateful_step_count=STEPS))
    assert SERVER.app.state.service.store.sync.scalar("SELECT COUNT(*) FROM training_runs")


def call(schema: OpenApiSchema, method: str, path: str, **parts: Any) -> Any:
    """One hand-made request under every check that applies to it; returns the response."""
    if "body" in parts:
        parts.setdefault("media_type", "application/json")
    case = schema[f"/api/v1{path}"][method].Case(headers={"X-API-Key": KEY}, **parts)
    return case.call_and_validate()


def refused(schema: OpenApiSchema, method: str, path: str, body: dict[str, Any]) -> str:
    """A schema-valid request the server must refuse: the answer is a 400 that the operation documents, and the
    positive-data check of this suite takes 400 for that operation rather than being switched off."""
    operation = schema[f"/api/v1{path}"][method]
    body_schema = operation.definition.raw["requestBody"]["content"]["application/json"]["schema"]
    assert DocumentChecker().schema_errors(body_schema, body, path) == []
    expected = schema.config.checks_config_for(operation=operation).positive_data_acceptance.expected_statuses
    assert "400" in expected and "400" in operation.definition.raw["responses"]
    response = call(schema, method, path, body=body)
    assert response.status_code == 400, response.text
    detail: str = response.json()["detail"]
    return detail


@pytest.fixture(scope="module")
def model() -> dict[str, str]:
    session = call(schema, "POST", "/create_session", body={"tags": [], "user_metadata": {}, "sdk_version": "x"})
    session_id = session.json()["session_id"]
    body = {"session_id": session_id, "model_seq_id": 0, "base_model": TINY, "lora_config": {"rank": 4}}
    future = call(schema, "POST", "/create_model", body=body).json()
    assert "model_id" in wait(schema, future["request_id"])
    return {"session_id": session_id, "model_id": future["model_id"]}


def wait(schema: OpenApiSchema, request_id: str) -> dict[str, Any]:
    while True:
        result: dict[str, Any] = call(schema, "POST", "/retrieve_future", body={"request_id": request_id}).json()
        if result.get("type") != "try_again":
            return result


def test_an_unknown_base_model_is_refused(model: dict[str, str]) -> None:
    body = {"session_id": model["session_id"], "model_seq_id": 1, "base_model": "no/such-model"}
    assert "unknown base model" in refused(schema, "POST", "/create_model", body)


def test_token_ids_beyond_the_vocabulary_are_refused(model: dict[str, str]) -> None:
    datum = {
        "model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 1_000_000]}]},
        "loss_fn_inputs": {"target_tokens": {"dtype": "int64", "data": [2, 3, 4], "shape": [3]}},
    }
    body = {"model_id": model["model_id"], "forward_backward_input": {"data": [datum], "loss_fn": "cross_entropy"}}
    assert "outside the vocabulary" in refused(schema, "POST", "/forward_backward", body)


def test_a_checkpoint_name_already_taken_is_refused(model: dict[str, str]) -> None:
    first = call(schema, "POST", "/save_weights", body={"model_id": model["model_id"], "path": "a"})
    assert "path" in wait(schema, first.json()["request_id"])
    body = {"model_id": model["model_id"], "path": "a"}
    assert "already" in refused(schema, "POST", "/save_weights", body)


def test_a_tensor_whose_shape_does_not_fit_its_data_is_refused(model: dict[str, str]) -> None:
    datum = {
        "model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 3]}]},
        "loss_fn_inputs": {"target_tokens": {"dtype": "int64", "data": [2, 3, 4], "shape": [2, 3]}},
    }
    body = {"model_id": model["model_id"], "forward_input": {"data": [datum], "loss_fn": "cross_entropy"}}
    assert "shape" in refused(schema, "POST", "/forward", body)


def test_the_remote_run_selects_only_operations_that_change_nothing() -> None:
    selected = set(read_only_operations())
    document = openapi_document()
    methods = {
        spec["operationId"]: method
        for item in document["paths"].values()
        for method, spec in item.items()
        if isinstance(spec, dict) and "operationId" in spec
    }
    assert {operation for operation, method in methods.items() if method == "get"} <= selected
    assert {methods[operation] for operation in selected - READ_ONLY_POSTS} == {"get"}
    assert not selected & {"create_session", "forward_backward", "delete_checkpoint", "delete_api_key"}
    filtered = only_read_only(schemathesis.openapi.from_dict(fresh_document(), config=load_config()))
    labels = {result.ok().label for result in filtered.get_all_operations()}
    assert len(labels) == len(selected) and "GET /api/v1/sessions" in labels
