"""The request pipeline on a mock transport: headers, redirects, retries, backoff, typed errors and closing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tinker import _credentials, types
from tinker import _exceptions as errors
from tinker._base_client import BaseClient, ClientSettings
from tinker._response import APIResponse, AsyncAPIResponse
from tinker.lib._resilience import retry_delay, should_retry
from tinker_api.api.checkpoints import get_training_run, list_training_runs
from tinker_api.api.sessions import create_session
from tinker_api.types import EncodedBody

RUN = "3f2a6c1e:train:0"
RUN_JSON = {
    "training_run_id": RUN,
    "base_model": "tiny",
    "model_owner": "me",
    "is_lora": True,
    "last_request_time": "2026-11-28T10:00:00Z",
}


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The machine's own key, credential command, Cloudflare token or stored credentials play no part."""
    for name in (
        "TINKER_API_KEY",
        "TINKER_CREDENTIAL_CMD",
        "CLOUDFLARE_ACCESS_CLIENT_ID",
        "CLOUDFLARE_ACCESS_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_credentials, "credentials_path", lambda: tmp_path / "credentials.json")


class Server:
    """A scripted mock server that records every request it gets; ``client/config``, which the pipeline asks
    for before anything else, answers ``config`` and is recorded apart."""

    def __init__(self, *answers: httpx.Response | Exception, config: dict[str, Any] | None = None) -> None:
        self.answers = list(answers)
        self.config = config or {}
        self.config_requests: list[httpx.Request] = []
        self.requests: list[httpx.Request] = []
        self.retry_counts: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/client/config"):
            self.config_requests.append(request)
            return httpx.Response(200, json=self.config)
        self.requests.append(request)
        self.retry_counts.append(request.headers.get("x-retry-count"))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(server: Server, **settings: Any) -> tuple[BaseClient, list[float]]:
    """A client whose pauses are recorded instead of waited, on a clock that they move."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    def clock() -> float:
        return 1000.0 + sum(slept)

    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    config = ClientSettings.resolve(**{"api_key": "tml-test", "base_url": "http://test/base", **settings})
    return BaseClient(config, http_client=http, sleep=sleep, clock=clock), slept


def run(call: Callable[[], Any]) -> Any:
    return asyncio.run(call())


def session_body() -> EncodedBody:
    return EncodedBody(b'{"tags":[],"user_metadata":{},"sdk_version":"0.1.0"}')


def test_a_call_sends_key_user_agent_and_idempotency_key() -> None:
    server = Server(httpx.Response(200, json={"session_id": "s1"}))
    client, _ = make_client(server)
    answer = run(lambda: client.request(create_session.build_request(body=session_body()), types.CreateSessionResponse))
    assert answer == types.CreateSessionResponse(session_id="s1")
    (request,) = server.requests
    assert request.url == "http://test/base/api/v1/create_session"
    assert request.headers["X-API-Key"] == "tml-test"
    assert request.headers["User-Agent"].startswith("tinker-openapi/")
    assert request.headers["X-Idempotency-Key"]
    assert request.headers["Content-Type"] == "application/json"


def test_path_ids_are_percent_encoded_and_queries_sent() -> None:
    server = Server(httpx.Response(200, json=RUN_JSON), httpx.Response(200, json={"training_runs": [], "cursor": None}))
    client, _ = make_client(server)
    run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert server.requests[0].url.raw_path == b"/base/api/v1/training_runs/3f2a6c1e%3Atrain%3A0?access_scope=owned"
    assert "X-Idempotency-Key" not in server.requests[0].headers
    with pytest.raises(errors.APIResponseValidationError):
        run(lambda: client.request(list_training_runs.build_request(limit=5), types.TrainingRunsResponse))
    assert server.requests[1].url.params["limit"] == "5"


def test_retries_reuse_the_idempotency_key_and_honour_retry_after() -> None:
    server = Server(
        httpx.Response(429, headers={"retry-after": "3"}, json={"detail": "slow down"}),
        httpx.Response(503, headers={"retry-after-ms": "250"}, text="busy"),
        httpx.Response(200, json={"session_id": "s1"}),
    )
    client, slept = make_client(server)
    run(lambda: client.request(create_session.build_request(body=session_body()), types.CreateSessionResponse))
    assert slept == [3.0, 0.25]
    keys = {request.headers["X-Idempotency-Key"] for request in server.requests}
    assert len(keys) == 1
    assert server.retry_counts == [None, "1", "2"]


@pytest.mark.parametrize("advice", ["soon", "Mon, 99 Foo 2026 25:61:61 GMT", "nan", "-3"])
def test_a_malformed_retry_after_is_ignored_and_the_retries_go_on(advice: str) -> None:
    server = Server(*[httpx.Response(429, headers={"retry-after": advice}, json={"detail": "slow down"})] * 3)
    client, slept = make_client(server, max_retries=2)
    with pytest.raises(errors.RateLimitError):
        run(lambda: client.request(create_session.build_request(body=session_body()), types.CreateSessionResponse))
    assert len(server.requests) == 3
    assert len(slept) == 2 and all(0 < delay <= 1.0 for delay in slept)  # its own backoff, never a busy loop


def test_client_mistakes_are_not_retried_and_raise_typed_errors() -> None:
    server = Server(httpx.Response(400, json={"detail": "seq_id 3 was already used"}, headers={"x-request-id": "r9"}))
    client, slept = make_client(server)
    with pytest.raises(errors.BadRequestError) as raised:
        run(lambda: client.request(create_session.build_request(body=session_body()), types.CreateSessionResponse))
    assert slept == [] and len(server.requests) == 1
    assert raised.value.status_code == 400
    assert raised.value.body == {"detail": "seq_id 3 was already used"}
    assert raised.value.request_id == "r9"
    assert "seq_id 3 was already used" in str(raised.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, errors.AuthenticationError),
        (402, errors.BillingError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.UnprocessableEntityError),
        (418, errors.APIStatusError),
    ],
)
def test_status_errors_map_to_their_classes(status: int, error: type[errors.APIStatusError]) -> None:
    client, _ = make_client(Server(httpx.Response(status, text="no")))
    with pytest.raises(error) as raised:
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert type(raised.value) is error and raised.value.body == "no"


def test_retries_give_up_after_max_retries_with_backoff() -> None:
    server = Server(*[httpx.Response(500, json={"detail": "boom"})] * 4)
    client, slept = make_client(server, max_retries=3)
    with pytest.raises(errors.InternalServerError):
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert len(server.requests) == 4
    assert [0.375 <= slept[0] <= 0.5, 0.75 <= slept[1] <= 1.0, 1.5 <= slept[2] <= 2.0] == [True] * 3


def test_x_should_retry_overrides_the_status() -> None:
    server = Server(httpx.Response(409, headers={"x-should-retry": "false"}, json={"detail": "taken"}))
    client, _ = make_client(server)
    with pytest.raises(errors.ConflictError):
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    server = Server(httpx.Response(400, headers={"x-should-retry": "true"}), httpx.Response(200, json=RUN_JSON))
    client, _ = make_client(server)
    assert (
        run(
            lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun)
        ).training_run_id
        == RUN
    )


def test_connection_errors_and_timeouts_are_retried_then_raised() -> None:
    server = Server(httpx.ConnectError("refused"), httpx.Response(200, json=RUN_JSON))
    client, slept = make_client(server)
    assert (
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun)) is not None
    )
    assert len(slept) == 1
    server = Server(httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"))
    client, _ = make_client(server, max_retries=1)
    with pytest.raises(errors.APITimeoutError):
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert isinstance(errors.APITimeoutError(server.requests[0]), errors.APIConnectionError)


def test_malformed_answers_raise_validation_errors() -> None:
    client, _ = make_client(Server(httpx.Response(200, text="<html>")))
    with pytest.raises(errors.APIResponseValidationError) as raised:
        run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert raised.value.body == "<html>"


def test_missing_optional_fields_and_unknown_keys_are_accepted() -> None:
    client, _ = make_client(Server(httpx.Response(200, json={**RUN_JSON, "new_field": 1})))
    answer = run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))
    assert answer.last_checkpoint is None and answer.corrupted is False


def test_settings_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-env")
    monkeypatch.setenv("TINKER_BASE_URL", "http://env:1")
    assert ClientSettings.resolve().api_key == "tml-env"
    assert ClientSettings.resolve().base_url == "http://env:1/"
    assert ClientSettings.resolve(api_key="tml-arg", base_url="http://arg").base_url == "http://arg/"
    with pytest.raises(errors.TinkerError, match="tml-"):
        ClientSettings.resolve(api_key="sk-wrong")
    monkeypatch.delenv("TINKER_API_KEY")
    with pytest.raises(errors.TinkerError, match="TINKER_API_KEY"):
        ClientSettings.resolve()


def test_retry_helpers() -> None:
    assert should_retry(httpx.Response(408)) and should_retry(httpx.Response(502))
    assert not should_retry(httpx.Response(404))
    assert retry_delay(0, httpx.Response(429, headers={"retry-after": "120"})) <= 0.5  # beyond 60 s: own backoff
    assert retry_delay(10, None) <= 10.0


def get_run(client: BaseClient) -> Any:
    return run(lambda: client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))


def test_cloudflare_access_headers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_ID", "cf-id")
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_SECRET", "cf-secret")
    server = Server(httpx.Response(200, json=RUN_JSON))
    get_run(make_client(server)[0])
    for request in (*server.config_requests, *server.requests):
        assert request.headers["CF-Access-Client-Id"] == "cf-id"
        assert request.headers["CF-Access-Client-Secret"] == "cf-secret"
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_SECRET", "")
    assert ClientSettings.resolve(api_key="tml-x").default_headers == {"CF-Access-Client-Id": "cf-id"}


def test_default_headers_overrides_win_over_the_sdks_headers_but_not_over_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_ID", "cf-id")
    server = Server(httpx.Response(200, json=RUN_JSON))
    overrides = {"cf-access-client-id": "mine", "user-agent": "mine/1", "X-API-Key": "tml-ignored", "X-Team": "a"}
    get_run(make_client(server, default_headers={"X-Team": "old"}, default_headers_overrides=overrides)[0])
    (request,) = server.requests
    assert request.headers.get_list("CF-Access-Client-Id") == ["mine"]  # one header, whatever the case
    assert request.headers.get_list("User-Agent") == ["mine/1"]
    assert request.headers["X-Team"] == "a"
    assert request.headers.get_list("X-API-Key") == ["tml-test"]


@pytest.mark.parametrize(
    ("location", "same_origin"),
    [
        ("/base/api/v1/moved", True),
        ("http://test:80/base/api/v1/moved", True),
        ("http://test:8080/base/api/v1/moved", False),
        ("https://test/base/api/v1/moved", False),
        ("http://elsewhere.example/landing", False),
    ],
)
def test_a_redirect_carries_credentials_only_within_the_origin(
    monkeypatch: pytest.MonkeyPatch, location: str, same_origin: bool
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_ID", "cf-id")
    server = Server(httpx.Response(307, headers={"Location": location}), httpx.Response(200, json={"session_id": "s"}))
    client, _ = make_client(server, default_headers_overrides={"X-Proxy-Token": "secret"})
    run(lambda: client.request(create_session.build_request(body=session_body()), types.CreateSessionResponse))
    first, redirected = server.requests
    assert redirected.url == first.url.join(location) and redirected.method == "POST"
    assert redirected.content == first.content and redirected.headers["Content-Type"] == "application/json"
    assert redirected.headers["X-Idempotency-Key"] == first.headers["X-Idempotency-Key"]
    for secret in ("X-API-Key", "CF-Access-Client-Id", "X-Proxy-Token"):
        assert (secret in redirected.headers) is same_origin, secret


def test_a_see_other_redirect_becomes_a_get_without_the_body() -> None:
    server = Server(
        httpx.Response(303, headers={"Location": "/base/api/v1/training_runs/" + RUN}),
        httpx.Response(200, json=RUN_JSON),
    )
    client, _ = make_client(server)
    answer = run(lambda: client.request_raw(create_session.build_request(body=session_body()), types.TrainingRun))
    assert run(answer.parse).training_run_id == RUN
    redirected = server.requests[1]
    assert redirected.method == "GET" and redirected.content == b"" and "Content-Type" not in redirected.headers
    assert redirected.headers["X-API-Key"] == "tml-test"


def test_endless_redirects_end_in_a_connection_error() -> None:
    server = Server(*[httpx.Response(302, headers={"Location": "/base/again"})] * 21)
    client, slept = make_client(server)
    with pytest.raises(errors.APIConnectionError, match="redirects"):
        get_run(client)
    assert slept == [] and len(server.requests) == 21


def test_request_raw_gives_the_answer_and_parses_it_on_demand() -> None:
    server = Server(httpx.Response(503), httpx.Response(200, json={"session_id": "s1"}, headers={"x-request-id": "r"}))
    client, _ = make_client(server)
    answer = run(
        lambda: client.request_raw(create_session.build_request(body=session_body()), types.CreateSessionResponse)
    )
    assert isinstance(answer, AsyncAPIResponse)
    assert (answer.status_code, answer.retries_taken, answer.method, answer.headers["x-request-id"]) == (
        200,
        1,
        "POST",
        "r",
    )
    assert run(answer.parse) == types.CreateSessionResponse(session_id="s1")
    assert run(answer.json) == {"session_id": "s1"} and run(answer.read) == b'{"session_id":"s1"}'
    synchronous = APIResponse(answer.http_response, types.CreateSessionResponse)
    assert synchronous.parse().session_id == "s1" and synchronous.text() == '{"session_id":"s1"}'
    broken = APIResponse(httpx.Response(200, json={}, request=answer.http_request), types.CreateSessionResponse)
    with pytest.raises(errors.APIResponseValidationError):
        broken.parse()


def test_closing_releases_what_the_client_opened_and_nothing_the_caller_passed() -> None:
    server = Server(httpx.Response(200, json=RUN_JSON))
    client, _ = make_client(server)
    callers = client._http
    run(client.aclose)
    assert client.is_closed and not callers.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        get_run(client)
    assert server.requests == [] and server.config_requests == []
    own = BaseClient(ClientSettings.resolve(api_key="tml-test", base_url="http://test/base"))
    run(own.aclose)
    assert own.is_closed and own._http.is_closed
