"""What the process shares per server: the circuit breaker (closed, open, half-open) and the 429 window."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

import tinker
from tests.test_base_client import RUN_JSON, Server, make_client, no_ambient_credentials  # noqa: F401
from tinker import _exceptions as errors
from tinker import types
from tinker._base_client import BaseClient, ClientSettings
from tinker.lib import _resilience
from tinker.lib._resilience import Breaker, Event
from tinker_api.api.checkpoints import get_training_run

RUN = RUN_JSON["training_run_id"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fail(breaker: Breaker, times: int, clock: Clock) -> None:
    """``times`` failed tries, half a second apart."""
    for _ in range(times):
        probe = breaker.before("op")
        breaker.record(True, "op", probe=probe)
        clock.now += 0.5


def test_closed_open_half_open_closed(events: list[Event]) -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    fail(breaker, _resilience.BREAKER_MIN_TRIES - 1, clock)
    assert breaker.state == "closed"  # too few tries to judge
    fail(breaker, 1, clock)
    assert breaker.state == "open"
    with pytest.raises(errors.CircuitOpenError) as raised:
        breaker.before("create_session")
    assert isinstance(raised.value, errors.APIConnectionError)
    assert "http://server is not answering" in str(raised.value) and "create_session was not sent" in str(raised.value)
    assert raised.value.retry_in == pytest.approx(_resilience.BREAKER_COOL_DOWN - 0.5)
    clock.now += _resilience.BREAKER_COOL_DOWN
    assert breaker.before("probe")  # the one probe
    assert breaker.state == "half_open"
    with pytest.raises(errors.CircuitOpenError):
        breaker.before("another")  # while the probe is out
    breaker.record(True, "a late answer to an older try", probe=False)
    assert breaker.state == "half_open"  # says nothing of the server now
    breaker.record(False, "probe", probe=True)
    assert breaker.state == "closed"
    breaker.before("op")
    assert [e.status for e in events if e.kind == "circuit_changed"] == ["open", "half_open", "closed"]


def test_a_failed_probe_opens_again_for_longer() -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    fail(breaker, _resilience.BREAKER_MIN_TRIES, clock)
    clock.now += _resilience.BREAKER_COOL_DOWN
    fail(breaker, 1, clock)  # the probe fails
    assert breaker.state == "open"
    clock.now += _resilience.BREAKER_COOL_DOWN
    with pytest.raises(errors.CircuitOpenError):
        breaker.before("op")  # the cool-down doubled
    clock.now += _resilience.BREAKER_COOL_DOWN
    assert breaker.before("op")
    assert breaker.state == "half_open"


def test_a_probe_that_ends_without_an_outcome_hands_the_probe_on() -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    fail(breaker, _resilience.BREAKER_MIN_TRIES, clock)
    clock.now += _resilience.BREAKER_COOL_DOWN
    probe = breaker.before("cancelled call")
    breaker.abandon(probe)  # cancelled, or an error that says nothing of the server
    assert breaker.before("next call")  # the next call is the probe, not refused for ever
    breaker.record(False, "next call", probe=True)
    assert breaker.state == "closed"


def test_a_burst_of_failures_of_calls_in_flight_does_not_open_it() -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    for _ in range(20):  # twenty calls in flight all lose their connection in the same moment
        breaker.record(True, "op", probe=breaker.before("op"))
    assert breaker.state == "closed"


def test_sporadic_failures_never_open_it() -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    for index in range(2000):  # one try in four fails, in a fixed pattern with runs of up to three
        breaker.record(index % 8 in (0, 1, 2) and index % 16 < 8, "op", probe=breaker.before("op"))
        clock.now += 0.5
    assert breaker.state == "closed"


def test_answers_below_500_are_the_server_alive() -> None:
    clock = Clock()
    breaker = Breaker("http://server", clock=clock)
    for _ in range(50):
        breaker.record(False, "op")  # 4xx, 429: answered
    fail(breaker, 4, clock)
    assert breaker.state == "closed"


def test_a_dead_server_fails_the_calls_after_the_first_within_a_second() -> None:
    server = Server(*[httpx.ConnectError("refused")] * 11)
    client, _ = make_client(server)

    def call() -> Any:
        return asyncio.run(client.request(get_training_run.build_request(training_run_id=RUN), types.TrainingRun))

    with pytest.raises(errors.APIConnectionError):
        call()  # spends its retry budget; the breaker opens on the way
    assert client.guards.breaker.state == "open"
    sent = len(server.requests)
    for _ in range(5):
        started = time.monotonic()
        with pytest.raises(errors.CircuitOpenError):
            call()
        assert time.monotonic() - started < 1.0
    assert len(server.requests) == sent  # nothing more reached the dead server


def test_every_client_of_the_server_shares_the_breaker_and_service_client_shows_it() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    service = tinker.ServiceClient(
        base_url="http://dead.test",
        api_key="tml-test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)),
    )
    assert service.circuit_state == "closed"
    other = BaseClient(ClientSettings.resolve(api_key="tml-test", base_url="http://dead.test"))
    clock = Clock()
    other.guards.breaker.clock = clock
    fail(other.guards.breaker, _resilience.BREAKER_MIN_TRIES, clock)
    assert service.circuit_state == "open"
    with pytest.raises(errors.CircuitOpenError):
        service.create_sampling_client(base_model="tiny").result(timeout=5)


def test_a_new_sample_meeting_an_open_circuit_fails_at_once() -> None:
    server = Server(httpx.Response(200, json={"request_id": "s:sample:0", "model_id": "s"}))
    client, slept = make_client(server)
    clock = Clock()
    client.guards.breaker.clock = clock
    fail(client.guards.breaker, _resilience.BREAKER_MIN_TRIES, clock)
    from tinker.lib._holder import Holder
    from tinker.lib.public_interfaces.sampling_client import SamplingClient

    holder = Holder(client.settings, client=client, sleep=client._sleep)
    sampler = SamplingClient(holder, "s:sample:0")
    with pytest.raises(errors.CircuitOpenError):
        sampler.sample(types.ModelInput.from_ints([1]), 1, types.SamplingParams(max_tokens=1)).result(timeout=5)
    assert server.requests == [] and slept == []


def test_a_429_window_holds_back_every_request_to_that_server() -> None:
    arrived: list[tuple[str, float]] = []
    first = True

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal first
        if request.url.path.endswith("/client/config"):
            return httpx.Response(200, json={})
        arrived.append((request.headers.get("x-caller", ""), time.monotonic()))
        if first:
            first = False
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "slow down"})
        return httpx.Response(200, json=RUN_JSON)

    settings = ClientSettings.resolve(api_key="tml-test", base_url="http://window.test")
    one = BaseClient(settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    two = BaseClient(settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    prepared = get_training_run.build_request(training_run_id=RUN)

    async def caller(client: BaseClient, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await client.request(prepared, types.TrainingRun, options={"headers": {"x-caller": name}})

    async def both() -> None:
        await asyncio.gather(caller(one, "first", 0.0), caller(two, "later", 0.2))

    asyncio.run(both())
    (who, refused_at), *rest = arrived
    assert who == "first"
    assert sorted(name for name, _ in rest) == ["first", "later"]
    assert all(at - refused_at >= 0.95 for _, at in rest)  # the later caller waited out the first one's window
