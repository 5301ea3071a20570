"""Nothing the telemetry reporter sends, and no debug log line, carries a credential (issue 19): a recognisable API
key, the JWT traded for it and a Cloudflare Access secret, all in the environment, are searched for in every byte
sent to the telemetry operation and every log line of the ``tinker`` logger at DEBUG, in two runs: the compat
scenario (every public method of this SDK, tests/compat/official_scenario.py, in a child process) and a run under
injected faults. Each run also reports an exception whose message, repr and traceback hold all three on purpose."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

import tinker
from tests.client.conftest import TINY, text_datum
from tinker import types
from tinker.lib._loop import io_loop
from tinker.local import LocalServer
from tinker.local._faults import FaultSpec

KEY = "tml-SECRETSCAN-4f1c2a9e7b3d5068"
CF_ID = "cf-id-SECRETSCAN-77aa"
CF_SECRET = "cfsecret-SECRETSCAN-9d8c7b6a5f4e3d2c1b0a"
SCENARIO = Path(__file__).parents[1] / "compat" / "official_scenario.py"

# Run in the child: the scenario with every telemetry body and every X-API-Key sent written down, the server's
# client/config asking for JWTs (as the hosted service's does), the tinker logger at DEBUG into a file; then an
# exception that holds the credentials, reported.
CHILD = r"""
import asyncio, json, logging, os, runpy, sys
import httpx

out = sys.argv[1]
record = {"telemetry": [], "credentials": []}
_send = httpx.AsyncClient.send

async def send(self, request, *args, **kwargs):
    if request.url.path.endswith("/api/v1/telemetry"):
        record["telemetry"].append(request.content.decode("latin-1"))
    record["credentials"].append(request.headers.get("x-api-key", ""))
    response = await _send(self, request, *args, **kwargs)
    if request.url.path.endswith("/client/config") and response.status_code == 200:
        body = json.loads(await response.aread())
        response = httpx.Response(200, json={**body, "pjwt_auth_enabled": True}, request=request)
    return response

httpx.AsyncClient.send = send
handler = logging.FileHandler(out + ".log")
handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
logging.getLogger("tinker").addHandler(handler)
logging.getLogger("tinker").setLevel(logging.DEBUG)
try:
    sys.argv = [sys.argv[2], out + ".scenario.json"]
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit:
        pass
    import tinker

    service = tinker.ServiceClient()
    service.create_lora_training_client(os.environ.get("COMPAT_BASE_MODEL", "tinker-local/tiny"), rank=4).result()
    jwt = service.holder.client.secrets_seen()[0]

    async def leaky():
        headers = httpx.Headers({"X-API-Key": jwt, "Authorization": "Bearer " + jwt, "Cookie": "session=" + jwt})
        raise RuntimeError(
            f"failed with key {os.environ['TINKER_API_KEY']} at https://user:{os.environ['TINKER_API_KEY']}@example.com/"
            f"?api_key={os.environ['TINKER_API_KEY']} cf={os.environ['CLOUDFLARE_ACCESS_CLIENT_SECRET']} {headers!r}"
        )

    try:
        service.holder.submit(leaky()).result()
    except RuntimeError:
        pass
    service.close("errored").result()
finally:
    with open(out, "w") as file:
        json.dump(record, file)
"""


def _scan(texts: list[str], secrets: list[str]) -> list[str]:
    """Where a secret (or its URL- or JSON-escaped form) appears: 'secret in text #n'."""
    found = []
    for index, text in enumerate(texts):
        for secret in secrets:
            forms = {secret, json.dumps(secret)[1:-1], httpx.QueryParams({"x": secret}).get("x") or secret}
            if any(form in text for form in forms):
                found.append(f"{secret[:12]}... in #{index}: {text[:200]}")
    return found


@pytest.mark.timeout(600)
def test_the_compat_scenario_sends_no_credential(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "server", api_keys=(KEY,), long_poll_seconds=5.0) as server:
        env = {
            **os.environ,
            "TINKER_BASE_URL": server.base_url,
            "TINKER_API_KEY": KEY,
            "CLOUDFLARE_ACCESS_CLIENT_ID": CF_ID,
            "CLOUDFLARE_ACCESS_CLIENT_SECRET": CF_SECRET,
            "TINKER_TELEMETRY": "1",
            "PYTHONPATH": str(Path(__file__).parents[2]),
        }
        env.pop("TINKER_CREDENTIAL_CMD", None)
        out = tmp_path / "run.json"
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(out), str(SCENARIO)], env=env, capture_output=True, text=True, timeout=540
        )
        assert out.exists(), child.stderr[-3000:]
    record = json.loads(out.read_text())
    jwts = sorted({c for c in record["credentials"] if c.startswith("eyJ")})
    assert jwts, "the SDK never traded its key for a JWT"
    sent: list[str] = record["telemetry"]
    logs = (tmp_path / "run.json.log").read_text(errors="replace").splitlines()
    assert sent and any("UNHANDLED_EXCEPTION" in body and "[REDACTED]" in body for body in sent)
    assert any(" DEBUG " in f" {line} " or line.startswith("DEBUG") for line in logs)
    assert not _scan(sent, [KEY, CF_SECRET, *jwts])
    assert not _scan(logs, [KEY, CF_SECRET, *jwts])
    assert not _scan([child.stdout, child.stderr], [CF_SECRET, *jwts])


class _Wire(httpx.AsyncBaseTransport):
    """Writes down every telemetry body and credential sent; the server's client/config asks for JWTs."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.telemetry: list[str] = []
        self.credentials: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/v1/telemetry"):
            self.telemetry.append(request.content.decode("latin-1"))
        self.credentials.add(request.headers.get("x-api-key", ""))
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/client/config") and response.status_code == 200:
            body = orjson.loads(await response.aread())
            return httpx.Response(200, json={**body, "pjwt_auth_enabled": True})
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_fault_run_sends_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TINKER_TELEMETRY", "1")
    monkeypatch.setenv("TINKER_API_KEY", KEY)
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_ID", CF_ID)
    monkeypatch.setenv("CLOUDFLARE_ACCESS_CLIENT_SECRET", CF_SECRET)
    monkeypatch.delenv("TINKER_CREDENTIAL_CMD", raising=False)
    faults = FaultSpec.parse("rate=0.3,seed=19,kinds=429,5xx,408,drop_before,delay=0.2,retry_after=0.2")
    wire = _Wire()
    http = httpx.AsyncClient(transport=wire)
    failures: list[Exception] = []
    with (
        caplog.at_level(logging.DEBUG, logger="tinker"),
        LocalServer(
            tmp_path / "server", api_keys=(KEY,), faults=faults, long_poll_seconds=2.0, seq_gap_timeout_seconds=2.0
        ) as server,
    ):
        service = tinker.ServiceClient(base_url=server.base_url, http_client=http, max_retries=3)
        training = service.create_lora_training_client(TINY, rank=4, seed=0).result()
        for _ in range(4):
            try:  # with three retries, a call may fail under 30 % faults: such failures are reported too
                training.forward_backward([text_datum()], "cross_entropy").result()
                training.optim_step(types.AdamParams(learning_rate=1e-3)).result()
            except tinker.TinkerError as error:
                failures.append(error)
        jwt = service.holder.client.secrets_seen()[0]

        async def leaky() -> None:
            headers = httpx.Headers({"X-API-Key": jwt, "Cookie": f"s={jwt}", "CF-Access-Client-Secret": CF_SECRET})
            raise RuntimeError(f"{KEY} {headers!r} https://u:{KEY}@example.com/?token={jwt}")

        with pytest.raises(RuntimeError):
            service.holder.submit(leaky()).result()
        service.close("errored").result()
        io_loop().submit(http.aclose()).result()
    jwts = sorted(c for c in wire.credentials if c.startswith("eyJ"))
    assert jwts and jwt in jwts
    assert sum(server.app.state.faults.injected.values()) > 0  # type: ignore[attr-defined]
    assert wire.telemetry and any("[REDACTED]" in body for body in wire.telemetry)
    lines = [caplog.handler.format(record) for record in caplog.records]
    assert any(record.levelno == logging.DEBUG for record in caplog.records)
    assert not _scan(wire.telemetry, [KEY, CF_SECRET, *jwts])
    assert not _scan(lines, [KEY, CF_SECRET, *jwts])
    for body in wire.telemetry:
        types.TelemetrySendRequest.model_validate(orjson.loads(body))
    del failures


def test_scrub_removes_credentials_wherever_they_are() -> None:
    from tinker.lib.telemetry import scrub

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZW5hbnQifQ.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
    texts = {
        "key": f"bad key {KEY}",
        "header": f"Headers({{'x-api-key': '{jwt}', 'accept': 'application/json'}})",
        "bearer": f"Authorization: Bearer {jwt}",
        "cookie": "Cookie: session=abc123; other=def456",
        "cf": f"CF-Access-Client-Secret: {CF_SECRET}",
        "url": "https://alice:hunter2hunter2@example.com/path?api_key=zzz-secret-zzz&page=2",
        "json": '{"password": "p4ssw0rd-long", "n": 1}',
    }
    cleaned: Any = scrub(texts, ["hunter2hunter2"])
    assert not _scan(list(cleaned.values()), [KEY, jwt, CF_SECRET, "hunter2hunter2", "zzz-secret-zzz", "p4ssw0rd-long"])
    assert "abc123" not in cleaned["cookie"] and "page=2" in cleaned["url"] and "accept" in cleaned["header"]
    assert scrub({"X-API-Key": KEY, "nested": [{"token": "t"}], "n": 3}) == {
        "X-API-Key": "[REDACTED]",
        "nested": [{"token": "[REDACTED]"}],
        "n": 3,
    }
