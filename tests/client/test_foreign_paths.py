"""Checkpoint paths of forms other than the hosted service's. A server names its weights as it likes after
``tinker://`` (SkyRL tx answers save_weights_for_sampler with ``tinker://<model id>/<name>``), and the SDK sends a
path a server returned back as it came, checking only the prefix, as the official SDK does. The local server, which
makes ``tinker://<run>/<kind>/<name>``, answers a path of another form with a 404 that names the field and its form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

import tinker
from tinker import types

from .conftest import TINY, text_datum

SKYRL_STYLE = "tinker://model_31cba0e1/compat-sampler"
FORM = "tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>"
LOCAL_FORM = re.compile(r"^tinker://([^/]+)/sampler_weights/([^/]+)$")
SKYRL_FORM = re.compile(r"^tinker://([^/]+)/([^/]+)$")


def _rewritten(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """``value`` with each string that matches ``pattern`` replaced, at any depth of JSON."""
    if isinstance(value, dict):
        return {key: _rewritten(item, pattern, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewritten(item, pattern, replacement) for item in value]
    return pattern.sub(replacement, value) if isinstance(value, str) else value


def _without(headers: httpx.Headers, *names: str) -> list[tuple[str, str]]:
    return [(key, value) for key, value in headers.multi_items() if key.lower() not in names]


class SkyrlPaths(httpx.AsyncBaseTransport):
    """The local server with sampler weights named as SkyRL tx names them: each JSON answer's
    ``tinker://<run>/sampler_weights/<name>`` becomes ``tinker://<run>/<name>``, and each such path in a JSON request
    body goes on to the server in its own form again. Keeps every JSON body as the SDK sent it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = await request.aread()
        json_body = request.headers.get("content-type", "").startswith("application/json")
        if raw and json_body and "content-encoding" not in request.headers:
            body = orjson.loads(raw)
            self.sent.append((request.url.path.rsplit("/", 1)[-1], body))
            content = orjson.dumps(_rewritten(body, SKYRL_FORM, r"tinker://\1/sampler_weights/\2"))
            headers = _without(request.headers, "content-length")
            request = httpx.Request(request.method, request.url, headers=headers, content=content)
        response = await self.inner.handle_async_request(request)
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response
        answer = orjson.loads(await response.aread())  # decoded, whatever its Content-Encoding
        await response.aclose()
        content = orjson.dumps(_rewritten(answer, LOCAL_FORM, r"tinker://\1/\2"))
        headers = _without(response.headers, "content-length", "content-encoding")
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _sent(transport: SkyrlPaths, operation: str) -> list[Any]:
    return [body for name, body in transport.sent if name == operation]


def test_a_path_the_server_returned_goes_back_unchanged(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    transport = SkyrlPaths()
    service = through(transport)
    training = service.create_lora_training_client(TINY, rank=8, seed=0).result()
    saved = training.save_weights_for_sampler("skyrl-style").result()
    assert saved.path == f"tinker://{training.model_id}/skyrl-style"  # what SkyRL tx answers

    sampler = training.create_sampling_client(saved.path).result()
    params = types.SamplingParams(max_tokens=3, temperature=0.0)
    sampled = sampler.sample(types.ModelInput.from_ints([*b"the quick"]), 1, params).result()
    assert len(sampled.sequences) == 1 and len(sampled.sequences[0].tokens) == 3
    assert [body.get("model_path") for body in _sent(transport, "create_sampling_session")] == [saved.path]

    info = tinker.RestClient(service.holder).get_weights_info_by_tinker_path(saved.path).result()
    assert info.base_model == TINY and info.lora_rank == 8
    assert [body["tinker_path"] for body in _sent(transport, "weights_info")] == [saved.path]

    resumed = service.create_training_client_from_state(saved.path).result()
    assert resumed.get_info().model_data.model_name == TINY
    with pytest.warns(FutureWarning, match="create_training_client_from_state"):
        training.load_state(saved.path).result()
    assert [body["path"] for body in _sent(transport, "load_weights")] == [saved.path, saved.path]


def test_the_local_server_answers_a_path_of_another_form_with_a_clear_404(service: tinker.ServiceClient) -> None:
    with pytest.raises(tinker.NotFoundError) as refused:
        service.create_sampling_client(model_path=SKYRL_STYLE).result()
    assert "model_path" in str(refused.value) and SKYRL_STYLE in str(refused.value) and FORM in str(refused.value)

    training = service.create_lora_training_client(TINY, rank=8, seed=0).result()
    refused_load = pytest.raises(tinker.NotFoundError, match=re.escape(f"path: checkpoint {SKYRL_STYLE!r} not found"))
    with refused_load, pytest.warns(FutureWarning, match="create_training_client_from_state"):
        training.load_state(SKYRL_STYLE).result()
    # the refused load used up its seq_id on the server as on the client: the next request runs
    assert training.forward([text_datum()], "cross_entropy").result().metrics["loss:sum"] > 0


def test_the_prefix_is_all_the_sdk_checks(service: tinker.ServiceClient) -> None:
    with pytest.raises(ValueError, match="tinker:// path"):
        service.create_sampling_client(model_path="model_31cba0e1/compat-sampler")
    for request in (
        types.CreateSamplingSessionRequest(session_id="s", sampling_session_seq_id=0, model_path=SKYRL_STYLE),
        types.SampleRequest(
            prompt=types.ModelInput.from_ints([1]), sampling_params=types.SamplingParams(), model_path=SKYRL_STYLE
        ),
        types.LoadWeightsRequest(path=SKYRL_STYLE, optimizer=False),
        types.WeightsInfoRequest(tinker_path=SKYRL_STYLE),
        types.CopyWeightsRequest(source_path=SKYRL_STYLE),
    ):
        assert SKYRL_STYLE in request.model_dump_json()
