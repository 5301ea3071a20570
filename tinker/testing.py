"""A pytest plugin for testing training code offline against a local Tinker server.

Fixtures: ``tinker_server`` (one server per test session, data in a temporary directory) and
``tinker_env`` (points ``TINKER_BASE_URL`` and ``TINKER_API_KEY`` at it for one test), so that
``tinker.ServiceClient()`` in the code under test talks to the local server.

``pytest --tinker-faults SPEC`` makes that server fail requests on purpose (``tinker local serve --faults``), so that
a suite can check that the code under test survives a bad network and a failing server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tinker.local import LocalServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tinker-faults",
        metavar="SPEC",
        default=None,
        help="the tinker_server fixture fails requests on purpose, e.g. 'rate=0.2,seed=7' (see tinker local serve)",
    )


@pytest.fixture(scope="session")
def tinker_server(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[LocalServer]:
    try:
        from tinker.local import LocalServer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise pytest.UsageError(f"the tinker_server fixture needs tinker-openapi[local]: {exc}") from exc
    faults = pytestconfig.getoption("tinker_faults")
    try:
        server = LocalServer(tmp_path_factory.mktemp("tinker-local"), faults=faults)
    except ValueError as exc:
        raise pytest.UsageError(f"--tinker-faults: {exc}") from exc
    with server:
        yield server


@pytest.fixture
def tinker_env(tinker_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    monkeypatch.setenv("TINKER_BASE_URL", tinker_server.base_url)
    monkeypatch.setenv("TINKER_API_KEY", tinker_server.api_key)
    return tinker_server
