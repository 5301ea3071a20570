"""The wiring that records the SDK's traffic in the integration tests (tests/client): it sees the clients the SDK
builds, passes what follows the document, and fails what does not."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import tinker
from tinker._base_client import BaseClient, ClientSettings
from tinker.local import LocalServer

from .sdk_traffic import SdkTraffic, sdk_operations

KEY = "tml-sdk-traffic"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("sdk-traffic"), api_keys=(KEY,)) as running:
        yield running


def test_the_operations_the_sdk_calls_are_read_from_its_imports() -> None:
    operations = sdk_operations()
    assert {"create_session", "forward_backward", "retrieve_future", "list_training_runs", "asample"} <= operations
    assert "health_check" not in operations  # the SDK has no caller for it


def test_conforming_sdk_traffic_passes(server: LocalServer) -> None:
    with SdkTraffic.installed() as traffic:
        rest = tinker.RestClient(base_url=server.base_url, api_key=KEY)
        rest.list_training_runs(limit=5).result()
        rest.get_server_capabilities().result()
    traffic.check({"list_training_runs", "get_server_capabilities"})
    assert traffic.transports, "the client the SDK built was not recorded"


def test_a_request_off_the_document_fails_the_check(server: LocalServer) -> None:
    with SdkTraffic.installed() as traffic:
        rest = tinker.RestClient(base_url=server.base_url, api_key=KEY)
        with pytest.raises(tinker.UnprocessableEntityError):
            rest.list_training_runs(limit=-1).result()  # the SDK passes it on; the document says minimum 0
        with pytest.raises(ValueError, match="checkpoint's kind is one of"):
            rest.delete_checkpoint("nowhere:train:0", "bogus/step-1")  # refused before anything is sent
    assert any("list_training_runs request: -1 is less than the minimum of 0" in v for v in traffic.violations)
    assert not any("delete_checkpoint" in v for v in traffic.violations)
    with pytest.raises(AssertionError, match="break the document"):
        traffic.check()


def test_an_operation_never_sent_fails_the_check(server: LocalServer) -> None:
    with SdkTraffic.installed() as traffic:
        tinker.RestClient(base_url=server.base_url, api_key=KEY).get_server_capabilities().result()
    with pytest.raises(AssertionError, match=r"no test sent through the recorder: \['list_sessions'\]"):
        traffic.check({"get_server_capabilities", "list_sessions"})


def test_clients_handed_in_keep_their_transport() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(500))
    with SdkTraffic.installed() as traffic:
        settings = ClientSettings.resolve(api_key=KEY, base_url="http://mock")
        client = BaseClient(settings, http_client=httpx.AsyncClient(transport=mock))
    assert client._http._transport is mock and traffic.transports == []


def test_the_patch_ends_with_the_block(server: LocalServer) -> None:
    with SdkTraffic.installed() as traffic:
        pass
    tinker.RestClient(base_url=server.base_url, api_key=KEY).get_server_capabilities().result()
    assert traffic.transports == []
