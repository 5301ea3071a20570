"""ServiceClient's remaining methods, settings and the public names."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import httpx
import pytest

import tinker
from tinker import types
from tinker.lib import _resilience

from .conftest import KEY, TINY


def test_settings_come_from_arguments_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-from-env")
    monkeypatch.setenv("TINKER_BASE_URL", "http://env.example")
    from_env = tinker.ServiceClient()
    assert from_env.holder.settings.api_key == "tml-from-env"
    assert from_env.holder.settings.base_url == "http://env.example/"
    explicit = tinker.ServiceClient(api_key="tml-explicit", base_url="http://arg.example")
    assert (explicit.holder.settings.api_key, explicit.holder.settings.base_url) == (
        "tml-explicit",
        "http://arg.example/",
    )
    with pytest.raises(tinker.TinkerError, match="tml-"):
        tinker.ServiceClient(api_key="sk-wrong")


def test_constructing_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_TELEMETRY", "1")  # (tests turn it off otherwise)
    client = tinker.ServiceClient(api_key=KEY, base_url="http://127.0.0.1:9")
    # reporting is on by default, as in 0.38, but nothing is sent until there is something to report
    assert client.holder._session_id is None and client.get_telemetry() is not None
    assert client.holder.client_if_started() is None
    monkeypatch.setenv("TINKER_TELEMETRY", "0")
    assert tinker.ServiceClient(api_key=KEY, base_url="http://127.0.0.1:9").get_telemetry() is None


def test_other_methods(service: tinker.ServiceClient, training: tinker.TrainingClient) -> None:
    path = training.save_state("service-copy").result().path
    copied = service.copy_weights(path).result()
    assert copied.endswith("/weights/service-copy") and copied != path
    with pytest.warns(FutureWarning):
        assert service.get_server_capabilities().supported_models
    with pytest.warns(FutureWarning):
        rest = service.create_rest_client()
    assert isinstance(rest, tinker.RestClient)
    with pytest.raises(ValueError, match="logprobs first"):  # a loss's first parameter is logprobs
        service.create_custom_loss(lambda *a: None, {"w": 1})
    assert service.get_console_url().startswith("http")
    with pytest.warns(FutureWarning, match="with_optimizer"):
        assert training.load_state_with_optimizer(path).result().path == path

    async def deprecated() -> None:
        with pytest.warns(FutureWarning):
            assert (await service.get_server_capabilities_async()).supported_models
        with pytest.warns(FutureWarning):
            client = await service.create_training_client_from_state_async(path)
        assert client.get_info().model_data.model_name == TINY
        with pytest.warns(FutureWarning):
            assert isinstance(await service.create_lora_training_client_async(TINY, rank=4), tinker.TrainingClient)

    asyncio.run(deprecated())


def test_public_names_and_deep_paths() -> None:
    for name in (
        "ServiceClient",
        "TrainingClient",
        "SamplingClient",
        "RestClient",
        "AdminClient",
        "APIFuture",
        "BackcompatTrainingClientFuture",
        "BackcompatSamplingClientFuture",
        "LossHandle",
        "PerDatumLossFn",
        "TinkerError",
        "APIError",
        "APIStatusError",
        "APITimeoutError",
        "APIConnectionError",
        "APIResponseValidationError",
        "RequestFailedError",
        "BadRequestError",
        "AuthenticationError",
        "BillingError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "ExperimentalWarning",
        "Timeout",
        "RequestOptions",
        "Datum",
        "ModelInput",
        "TensorData",
        "AdamParams",
        "SamplingParams",
        "ParsedCheckpointTinkerPath",
        "types",
        "__version__",
        "__title__",
    ):
        assert getattr(tinker, name) is not None, name
    public = importlib.import_module("tinker.lib.public_interfaces")
    assert public.APIFuture is tinker.APIFuture
    assert importlib.import_module("tinker.lib.public_interfaces.rest_client").RestClient is tinker.RestClient
    assert importlib.import_module("tinker.types.tensor_data").TensorData is types.TensorData
    assert importlib.import_module("tinker.lib.retry_handler").RetryConfig().max_connections == 1000


def test_class_level_methods_exist_for_mocks_and_patching() -> None:
    from unittest.mock import MagicMock

    sampler = MagicMock(spec=tinker.SamplingClient)
    assert callable(sampler.sample) and callable(sampler.sample_async) and callable(sampler.compute_logprobs_async)
    for name in (
        "forward_async",
        "forward_backward_async",
        "forward_backward_custom_async",
        "get_info_async",
        "optim_step_async",
        "save_state_async",
        "load_state_async",
        "load_state_with_optimizer_async",
        "save_weights_for_sampler_async",
        "save_weights_and_get_sampling_client_async",
        "create_sampling_client_async",
    ):
        assert hasattr(tinker.TrainingClient, name), name
    assert issubclass(tinker.BackcompatTrainingClientFuture, tinker.TrainingClient)
    assert issubclass(tinker.BackcompatSamplingClientFuture, tinker.SamplingClient)


def test_a_dropped_service_client_is_collected_and_stops_its_heartbeat(local: object) -> None:
    import gc
    import time
    import weakref

    from tinker.local import LocalServer

    assert isinstance(local, LocalServer)
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY)
    service.create_lora_training_client(TINY, rank=4).result()
    holder = weakref.ref(service.holder)
    del service
    for _ in range(10):
        gc.collect()
        if holder() is None:
            break
        time.sleep(0.05)
    assert holder() is None


def test_a_session_is_kept_alive_by_heartbeats(
    local: Any, monkeypatch: pytest.MonkeyPatch, events: list[_resilience.Event]
) -> None:
    import time

    from tinker.lib import _holder

    monkeypatch.setattr(_holder, "HEARTBEAT_INTERVAL", 0.05)

    def beats() -> int:
        return sum(e.operation == "session_heartbeat" and e.kind == "attempt_started" for e in events)

    with tinker.ServiceClient(base_url=local.base_url, api_key=KEY) as service:
        service.create_lora_training_client(TINY, rank=4).result()
        deadline = time.monotonic() + 30
        while beats() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert beats() >= 2


def finish_reason(local: object, session_id: str) -> Any:
    from tinker.local import LocalServer

    assert isinstance(local, LocalServer)
    rest = tinker.RestClient(base_url=local.base_url, api_key=KEY)
    status = rest.search_sessions(types.SessionSearchRequest(session_id=session_id)).result().sessions[0].status
    return status.model_dump(mode="json")


def test_the_service_client_is_a_context_manager_that_closes_on_leaving(local: Any) -> None:
    with tinker.ServiceClient(base_url=local.base_url, api_key=KEY) as service:
        service.create_lora_training_client(TINY, rank=4).result()
        holder = service.holder
    assert finish_reason(local, holder._session_id)["reason"]["type"] == "success"
    heartbeat = holder._here.get().heartbeat
    assert heartbeat is not None and heartbeat.done()
    assert holder.client.is_closed and holder.client._http.is_closed
    for use in (lambda: service.holder, lambda: service.create_sampling_client(base_model=TINY), service.__enter__):
        with pytest.raises(RuntimeError, match="ServiceClient is closed"):
            use()
    assert service.close("errored").result() is None  # closing again does nothing

    for raised, reason in ((ValueError, "errored"), (KeyboardInterrupt, "interrupted")):
        with pytest.raises(raised), tinker.ServiceClient(base_url=local.base_url, api_key=KEY) as service:
            service.create_lora_training_client(TINY, rank=4).result()
            holder = service.holder
            raise raised("stop")
        assert finish_reason(local, holder._session_id)["reason"]["type"] == reason


def test_close_leaves_a_callers_http_client_open(local: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinker.lib._loop import io_loop

    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_ID", "cf-id")
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    http = httpx.AsyncClient(event_hooks={"request": [record]})
    service = tinker.ServiceClient(
        base_url=local.base_url, api_key=KEY, http_client=http, default_headers_overrides={"X-Team": "research"}
    )
    service.create_lora_training_client(TINY, rank=4).result()
    service.close("success").result()
    assert not http.is_closed
    assert seen and all(r.headers["X-Team"] == "research" and r.headers["CF-Access-Client-Id"] == "cf-id" for r in seen)
    io_loop().submit(http.aclose()).result()  # the caller closes its own client


def test_unknown_keywords_are_ignored_with_a_future_warning(local: Any) -> None:
    with pytest.warns(FutureWarning, match="ignores unsupported arguments: bogus, other"):
        tinker.ServiceClient(base_url=local.base_url, api_key=KEY, bogus=1, other=2)
    # this SDK's own keywords are not warned about (warnings are errors in these tests)
    tinker.ServiceClient(
        {"a": "b"},
        "project",
        display_name="run",
        base_url=local.base_url,
        api_key=KEY,
        default_headers_overrides={"X-A": "b"},
        timeout=5.0,
        max_retries=1,
        default_headers={"X-B": "c"},
        wire_format="json",
    )
    with pytest.raises(TypeError):
        tinker.ServiceClient(None, None, "run", base_url=local.base_url, api_key=KEY)  # type: ignore[misc]
