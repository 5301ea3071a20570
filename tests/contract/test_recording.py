"""The recording check itself: it passes exchanges that follow the document and catches those that don't."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tinker import types
from tinker._base_client import BaseClient, ClientSettings
from tinker_api.api.checkpoints import delete_checkpoint, get_training_run, list_training_runs
from tinker_api.api.futures import retrieve_future
from tinker_api.api.sessions import create_session
from tinker_api.api.training import forward_backward
from tinker_api.proto import tinker_public_pb2 as pb
from tinker_api.types import EncodedBody, OperationRequest

from .recording import RecordingTransport

RUN = "3f2a6c1e:train:0"
RUN_JSON = {
    "training_run_id": RUN,
    "base_model": "tiny",
    "model_owner": "me",
    "is_lora": True,
    "last_request_time": "2026-11-28T10:00:00Z",
}


def recorded(answer: httpx.Response) -> tuple[BaseClient, RecordingTransport]:
    transport = RecordingTransport(httpx.MockTransport(lambda request: answer), prefix="/base")
    settings = ClientSettings.resolve(api_key="tml-test", base_url="http://test/base", max_retries=0)
    client = BaseClient(settings, http_client=httpx.AsyncClient(transport=transport))
    client._config = types.ClientConfigResponse()  # known already: only the exchange under test goes out
    return client, transport


def call(client: BaseClient, operation: Any, cast_to: Any, **arguments: Any) -> Any:
    async def go() -> Any:
        try:
            options = arguments.pop("options", None)
            return await client.request(operation.build_request(**arguments), cast_to, options=options)
        except Exception as error:  # the exchange is what is checked here, not the outcome
            return error

    return asyncio.run(go())


def test_conforming_exchanges_pass() -> None:
    client, transport = recorded(httpx.Response(200, json=RUN_JSON))
    call(client, get_training_run, types.TrainingRun, training_run_id=RUN, access_scope="accessible")
    client, second = recorded(httpx.Response(200, json={"request_id": "r", "model_id": RUN}))
    body = pb.ForwardBackwardRequest(model_id=RUN, seq_id=1, loss_fn="cross_entropy").SerializeToString()
    call(client, forward_backward, types.UntypedAPIFuture, body=EncodedBody(body, "application/x-protobuf"))
    assert transport.violations == [] and second.violations == []
    assert transport.covered == {"get_training_run"} and second.covered == {"forward_backward"}


@pytest.mark.parametrize(
    ("operation", "arguments", "answer", "expected"),
    [
        (list_training_runs, {"limit": "many"}, httpx.Response(200, json={}), "'many' is not of type 'integer'"),
        (
            create_session,
            {"body": EncodedBody(b'{"tags": "x", "user_metadata": {}, "sdk_version": "1"}')},
            httpx.Response(200, json={"session_id": "s"}),
            "'x' is not of type 'array'",
        ),
        (
            create_session,
            {"body": EncodedBody(b'{"tags": [], "user_metadata": {}, "sdk_version": "1", "extra": 1}')},
            httpx.Response(200, json={"session_id": "s"}),
            "Additional properties are not allowed",
        ),
        (
            forward_backward,
            {"body": EncodedBody(b"\xff\xff\xff", "application/x-protobuf")},
            httpx.Response(200, json={"request_id": "r"}),
            "none of the protobuf messages",
        ),
        (
            retrieve_future,
            {
                "body": EncodedBody(b'{"request_id": "r"}'),
                "options": {"headers": {"X-Tinker-Request-Iteration": "one"}},
            },
            httpx.Response(408, json={"type": "try_again", "request_id": "r", "queue_state": "active"}),
            "header X-Tinker-Request-Iteration: 'one' is not of type 'integer'",
        ),
        (
            delete_checkpoint,
            {"training_run_id": RUN, "checkpoint_kind": "bogus", "checkpoint_name": "step-1"},
            httpx.Response(204),
            "path checkpoint_kind: 'bogus' is not one of",
        ),
        (get_training_run, {"training_run_id": RUN}, httpx.Response(418, text="teapot"), "status not documented"),
        (get_training_run, {"training_run_id": RUN}, httpx.Response(200, json={"base_model": 1}), "is a required"),
    ],
)
def test_deviations_are_caught(
    operation: Any, arguments: dict[str, Any], answer: httpx.Response, expected: str
) -> None:
    client, transport = recorded(answer)
    call(client, operation, None, **arguments)
    assert any(expected in violation for violation in transport.violations), transport.violations


def test_an_undocumented_path_is_caught() -> None:
    client, transport = recorded(httpx.Response(200, json={}))

    class Undocumented:
        @staticmethod
        def build_request() -> OperationRequest:
            return OperationRequest("not_in_the_document", "GET", url="/api/v1/not_in_the_document")

    call(client, Undocumented, None)
    assert transport.violations == ["GET /api/v1/not_in_the_document: no such operation in the document"]
