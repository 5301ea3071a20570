"""A local server shared by these tests, two tenants, and plain httpx clients whose answers are checked
against the document as they arrive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.recording import SyncRecordingTransport
from tests.contract.sdk_traffic import ran_whole_directory
from tinker.local import LocalServer

from .helpers import Api

KEY_A = "tml-tenant-a-key"
KEY_B = "tml-tenant-b-key"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tinker-local")


@pytest.fixture(scope="session")
def server(data_dir: Path) -> Iterator[LocalServer]:
    with LocalServer(
        data_dir,
        api_keys=(KEY_A, KEY_B),
        long_poll_seconds=5.0,
        seq_gap_timeout_seconds=2.0,
        hf_hub_cache=data_dir.parent / "hf-hub",
    ) as running:
        yield running


@pytest.fixture(scope="session")
def recorder(server: LocalServer, request: pytest.FixtureRequest) -> Iterator[SyncRecordingTransport]:
    transport = SyncRecordingTransport(httpx.HTTPTransport(), check_requests=False)
    yield transport
    assert not transport.violations, "answers that break the document:\n" + "\n".join(transport.violations)
    if ran_whole_directory(request.session, Path(__file__).parent):  # full coverage is due only then
        missed = {op.operation_id for op in transport.checker.operations} - transport.covered
        assert not missed, f"operations no test here called: {sorted(missed)}"


def _client(server: LocalServer, recorder: SyncRecordingTransport, key: str | None) -> httpx.Client:
    headers = {"X-API-Key": key} if key else {}
    return httpx.Client(base_url=server.base_url, headers=headers, transport=recorder, timeout=60)


@pytest.fixture(scope="session")
def api(server: LocalServer, recorder: SyncRecordingTransport) -> Iterator[Api]:
    with _client(server, recorder, KEY_A) as client:
        yield Api(client)


@pytest.fixture(scope="session")
def other(server: LocalServer, recorder: SyncRecordingTransport) -> Iterator[Api]:
    with _client(server, recorder, KEY_B) as client:
        yield Api(client)


@pytest.fixture(scope="session")
def anonymous(server: LocalServer, recorder: SyncRecordingTransport) -> Iterator[httpx.Client]:
    with _client(server, recorder, None) as client:
        yield client
