"""Shared fixtures: the OpenAPI document as the installed package ships it; and a Hugging Face hub cache of the
test run's own, so that the local servers the tests start publish their tokenizer there, not in the user's."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tinker_api import openapi_document


def pytest_configure(config: pytest.Config) -> None:
    hub_cache = tempfile.mkdtemp(prefix="tinker-tests-hf-hub-")
    os.environ["HF_HUB_CACHE"] = hub_cache
    config.add_cleanup(functools.partial(shutil.rmtree, hub_cache, ignore_errors=True))


@pytest.fixture(scope="session")
def document() -> dict[str, Any]:
    return openapi_document()


@pytest.fixture(autouse=True)
def no_telemetry_reporting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK reports to the server's telemetry operation by default, as 0.38 does; a test's clients do not (a
    batch sent in the background would be one more request where tests count them), unless the test sets
    TINKER_TELEMETRY=1 itself (tests/client/test_telemetry.py). Clients made by session fixtures, before this runs,
    report, and their batches are checked against the document with the rest of the traffic."""
    monkeypatch.setenv("TINKER_TELEMETRY", "0")


@pytest.fixture(autouse=True)
def fresh_server_guards() -> None:
    """Each test starts with closed circuit breakers and no 429 window: many tests script failures against the
    same mock URL, and the process-wide guards would carry one test's failures into the next."""
    from tinker.lib import _resilience

    _resilience.reset_guards()


@pytest.fixture
def through(local: Any) -> Iterator[Callable[[httpx.AsyncBaseTransport], Any]]:
    """ServiceClients that reach the module's local server (its ``local`` fixture, with its first key) through a
    given transport, in the JSON wire format (what a stub server rewrites), with any other ServiceClient options;
    closed with their connections."""
    import tinker

    made: list[tuple[tinker.ServiceClient, httpx.AsyncClient]] = []

    def make(transport: httpx.AsyncBaseTransport, **options: Any) -> tinker.ServiceClient:
        http = httpx.AsyncClient(transport=transport, timeout=60.0)
        key = local.config.api_keys[0]
        service = tinker.ServiceClient(
            base_url=local.base_url, api_key=key, http_client=http, wire_format="json", **options
        )
        made.append((service, http))
        return made[-1][0]

    yield make
    for service, http in made:
        holder = service.holder
        service.close("success").result()
        holder.call(http.aclose())  # the caller's to close, on the SDK's loop that used it
