"""A local server for the client tests, and clients on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import tinker
from tests.contract.sdk_traffic import SdkTraffic, ran_whole_directory, sdk_operations
from tinker import types
from tinker.lib import _resilience
from tinker.local import LocalServer

KEY = "tml-client-tests"
TINY = "tinker-local/tiny"
TEXT = "the quick brown fox jumps over the lazy dog"


@pytest.fixture(scope="package", autouse=True)
def recorded_traffic(request: pytest.FixtureRequest) -> Iterator[SdkTraffic]:
    """Every request these tests make the SDK send, and every answer it gets, is checked against the document;
    after the whole directory ran, each operation the SDK can call must have been among them. (Package scope:
    the recorder comes off when these tests end, before tests elsewhere send wrong requests on purpose.)"""
    with SdkTraffic.installed() as traffic:
        yield traffic
    traffic.check(sdk_operations() if ran_whole_directory(request.session, Path(__file__).parent) else None)


@pytest.fixture(scope="session")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("client-tests"), api_keys=(KEY,), long_poll_seconds=5.0) as server:
        yield server


@pytest.fixture(scope="session")
def service(local: LocalServer) -> tinker.ServiceClient:
    return tinker.ServiceClient(base_url=local.base_url, api_key=KEY)


@pytest.fixture(scope="session")
def training(service: tinker.ServiceClient) -> tinker.TrainingClient:
    return service.create_lora_training_client(TINY, rank=8, seed=0).result()


@pytest.fixture(scope="session")
def rest(local: LocalServer) -> tinker.RestClient:
    return tinker.RestClient(base_url=local.base_url, api_key=KEY)


def text_datum(text: str = TEXT, *, weights: bool = True) -> types.Datum:
    tokens = [*text.encode(), 256]
    inputs = {"target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64))}
    if weights:
        inputs["weights"] = types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32))
    return types.Datum(model_input=types.ModelInput.from_ints(tokens[:-1]), loss_fn_inputs=inputs)


def data_dir(local: LocalServer) -> Path:
    return local.config.data_dir


@pytest.fixture
def events() -> Iterator[list[_resilience.Event]]:
    """What the retry policy tells its hooks during the test."""
    seen: list[_resilience.Event] = []
    _resilience.HOOKS.append(seen.append)
    yield seen
    _resilience.HOOKS.remove(seen.append)
