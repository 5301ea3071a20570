"""Where the credential comes from, as in 0.38: the key, TINKER_CREDENTIAL_CMD, the stored default, and the JWT
a server with ``pjwt_auth_enabled`` trades them for (on a mock transport, then against the local server)."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

import httpx
import orjson
import pytest

import tinker
from tests.test_base_client import RUN, RUN_JSON, Server, get_run, make_client, no_ambient_credentials  # noqa: F401
from tinker import auth, types
from tinker._base_client import ClientSettings
from tinker._credentials import run_command
from tinker.local import LocalServer
from tinker_api.api.checkpoints import get_training_run

from .conftest import KEY

JWT_CONFIG = {"pjwt_auth_enabled": True}
COMMAND_CONFIG = {"pjwt_auth_enabled": True, "credential_default_source": "credential_cmd"}


def jwt(lifetime: float = 3600.0) -> str:
    now = time.time()
    claims = base64.urlsafe_b64encode(orjson.dumps({"iat": int(now), "exp": int(now + lifetime)}))
    return f"eyJhbGciOiJub25lIn0.{claims.rstrip(b'=').decode()}.signature"


def token(value: str) -> httpx.Response:
    return httpx.Response(200, json={"jwt": value})


class Command:
    """A TINKER_CREDENTIAL_CMD that prints the given outputs in turn and counts its runs."""

    def __init__(self, tmp_path: Path, *outputs: str) -> None:
        self.runs_file = tmp_path / "runs"
        self.runs_file.touch()
        outputs_file = tmp_path / "outputs"
        outputs_file.write_text("".join(f"{output}\n" for output in outputs))
        self.line = f'n=$(wc -l < {self.runs_file}); echo run >> {self.runs_file}; sed -n "$((n + 1))p" {outputs_file}'

    @property
    def runs(self) -> int:
        return len(self.runs_file.read_text().splitlines())


def sent_keys(requests: list[httpx.Request]) -> list[str]:
    return [request.headers["X-API-Key"] for request in requests]


def test_without_jwt_auth_every_request_carries_the_key() -> None:
    server = Server(httpx.Response(200, json=RUN_JSON))
    get_run(make_client(server)[0])
    assert sent_keys(server.config_requests + server.requests) == ["tml-test", "tml-test"]


def test_with_jwt_auth_the_key_is_traded_once_for_a_jwt() -> None:
    issued = jwt()
    server = Server(
        token(issued), httpx.Response(200, json=RUN_JSON), httpx.Response(200, json=RUN_JSON), config=JWT_CONFIG
    )
    client, _ = make_client(server)
    get_run(client)
    get_run(client)
    exchange, *calls = server.requests
    assert exchange.url.path.endswith("/auth/token") and orjson.loads(exchange.content) == {}
    assert sent_keys([*server.config_requests, exchange]) == ["tml-test", "tml-test"]
    assert sent_keys(calls) == [issued, issued]


def test_the_command_is_run_afresh_for_each_base_credential(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    command = Command(tmp_path, "tml-first", "tml-second")
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", command.line)
    issued = jwt()
    server = Server(token(issued), httpx.Response(200, json=RUN_JSON), config=JWT_CONFIG)
    client, _ = make_client(server, api_key=None)
    assert command.runs == 0  # constructing runs nothing
    get_run(client)
    assert sent_keys(server.config_requests) == ["tml-first"]
    assert sent_keys(server.requests) == ["tml-second", issued]  # the exchange, then the call with the JWT
    assert command.runs == 2


def test_credential_cmd_as_the_default_source_wins_over_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    command = Command(tmp_path, "tml-from-command")
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", command.line)
    server = Server(token(jwt()), httpx.Response(200, json=RUN_JSON), config=COMMAND_CONFIG)
    get_run(make_client(server)[0])
    assert sent_keys(server.config_requests) == ["tml-test"]  # the key serves client/config: no run for it
    assert sent_keys(server.requests[:1]) == ["tml-from-command"] and command.runs == 1
    server = Server(config=COMMAND_CONFIG)
    monkeypatch.delenv("TINKER_CREDENTIAL_CMD")
    with pytest.raises(tinker.TinkerError, match="TINKER_CREDENTIAL_CMD"):
        get_run(make_client(server)[0])
    assert server.requests == []


def test_a_server_without_jwt_auth_needs_a_static_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    command = Command(tmp_path, "tml-from-command")
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", command.line)
    server = Server(httpx.Response(200, json=RUN_JSON))
    with pytest.raises(tinker.TinkerError, match="api_key client option must be set"):
        get_run(make_client(server, api_key=None)[0])
    assert sent_keys(server.config_requests) == ["tml-from-command"] and server.requests == []


def test_a_command_that_never_answers_is_killed_at_its_bound(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; exec sleep 30"
    started = time.monotonic()
    with pytest.raises(tinker.TinkerError, match=r"no credential within 0\.5 s"):
        asyncio.run(run_command(command, timeout=0.5))
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_secrets_stay_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_SECRET", "cf-secret-value")
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", "print-secret-key")
    settings = ClientSettings.resolve(api_key="tml-secret-key")
    for secret in ("cf-secret-value", "tml-secret-key", "print-secret-key"):
        assert secret not in repr(settings)


@pytest.mark.parametrize(
    ("output", "error"),
    [("", "empty credential"), (jwt(-10), "expired JWT"), ("eyJnot-a-token", "malformed JWT")],
)
def test_what_the_command_prints_is_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, output: str, error: str
) -> None:
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", Command(tmp_path, output).line)
    server = Server()
    with pytest.raises(tinker.TinkerError, match=error):
        get_run(make_client(server, api_key=None)[0])
    assert server.config_requests == []


def test_a_jwt_near_its_expiry_is_renewed_before_the_request() -> None:
    short, fresh = jwt(30), jwt()
    server = Server(
        token(short),
        httpx.Response(200, json=RUN_JSON),
        token(fresh),
        httpx.Response(200, json=RUN_JSON),
        config=JWT_CONFIG,
    )
    client, _ = make_client(server)
    get_run(client)
    get_run(client)
    assert sent_keys(server.requests)[1::2] == [short, fresh]


def test_a_jwt_past_half_its_life_is_renewed_in_the_background() -> None:
    first, second = jwt(), jwt()
    answers = [httpx.Response(200, json=RUN_JSON)] * 3
    server = Server(token(first), answers[0], answers[1], token(second), answers[2], config=JWT_CONFIG)
    client, _ = make_client(server)

    async def three_calls() -> None:
        for _ in range(3):
            await client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun)
            if client._jwt._renewal is None and client._jwt._token == first:
                client._jwt._renew_at = 0.0  # half its life has passed
            elif client._jwt._renewal is not None:
                await client._jwt._renewal

    asyncio.run(three_calls())
    assert sent_keys([r for r in server.requests if not r.url.path.endswith("/auth/token")]) == [first, first, second]


def test_a_jwt_refused_as_invalid_is_replaced_and_the_request_sent_again_once() -> None:
    first, second = jwt(), jwt()
    refused = httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, json={"detail": "no"})
    server = Server(token(first), refused, token(second), httpx.Response(200, json=RUN_JSON), config=JWT_CONFIG)
    client, slept = make_client(server)
    assert get_run(client).training_run_id == RUN
    assert sent_keys(server.requests) == ["tml-test", first, "tml-test", second] and slept == []
    server = Server(token(first), refused, token(second), refused, config=JWT_CONFIG)
    with pytest.raises(tinker.AuthenticationError):
        get_run(make_client(server)[0])


def test_the_stored_default_key_serves_when_nothing_else_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stored = {
        "version": 1,
        "default": "main",
        "keys": {"main": {"type": "manual", "key": "tml-stored", "name": "main"}},
    }
    (tmp_path / "credentials.json").write_bytes(orjson.dumps(stored))
    assert ClientSettings.resolve().api_key == "tml-stored"
    assert auth.get_tinker_token() == "tml-stored" and auth.tinker_has_credentials()
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", "echo tml-x")
    assert ClientSettings.resolve().api_key is None  # the command takes precedence over the stored key
    monkeypatch.delenv("TINKER_CREDENTIAL_CMD")
    (tmp_path / "credentials.json").write_text("{not json")
    with pytest.raises(tinker.TinkerError, match="stored credentials"):
        ClientSettings.resolve()
    assert auth.get_tinker_token() is None and not auth.tinker_has_credentials()


def test_an_expired_jwt_given_as_the_key_is_refused_before_sending() -> None:
    server = Server()
    with pytest.raises(tinker.TinkerError, match="api_key JWT has expired"):
        get_run(make_client(server, api_key=jwt(-10))[0])
    assert server.requests == []


# --- against the local server ---------------------------------------------------------------------------------
def test_the_local_server_takes_the_jwt_it_issued_for_the_key(local: LocalServer) -> None:
    rest = tinker.RestClient(base_url=local.base_url, api_key=KEY)
    rest.holder.client._config = types.ClientConfigResponse(pjwt_auth_enabled=True)  # as such a server answers
    assert rest.get_server_capabilities().result().supported_models
    assert rest.holder.client._jwt._token.startswith("eyJ")


def test_the_local_server_takes_the_jwt_traded_for_the_commands_credential(
    local: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINKER_CREDENTIAL_CMD", f"echo {KEY}")
    rest = tinker.RestClient(base_url=local.base_url)
    rest.holder.client._config = types.ClientConfigResponse(**COMMAND_CONFIG)  # type: ignore[arg-type]
    assert rest.list_training_runs().result() is not None
    assert rest.holder.client._jwt._token.startswith("eyJ")


def test_auth_checks_the_configured_credential(local: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_BASE_URL", local.base_url)
    assert not auth.tinker_has_credentials() and auth.get_tinker_token() is None
    with pytest.raises(tinker.TinkerError, match="api_key"):
        auth.raise_if_tinker_not_accessible()
    monkeypatch.setenv("TINKER_API_KEY", "tml-unknown")
    with pytest.raises(tinker.AuthenticationError):
        auth.raise_if_tinker_not_accessible()
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    auth.raise_if_tinker_not_accessible()
    assert auth.get_tinker_token() == KEY and auth.tinker_has_credentials()
