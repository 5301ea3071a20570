"""Observability of the SDK (issue 19): the events of ``tinker.telemetry`` in a full training and sampling run and
under failures, the figures of ``tinker.metrics`` against what went over the wire, OpenTelemetry spans, and the
telemetry reporter's batches."""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

import tinker
from tests.client.conftest import KEY, TINY, text_datum
from tests.test_base_client import RUN_JSON, Server, make_client, no_ambient_credentials  # noqa: F401
from tinker import _exceptions as errors
from tinker import metrics, telemetry, types
from tinker.lib import _resilience
from tinker.lib._loop import io_loop
from tinker.local import LocalServer
from tinker.local._observability import Operations
from tinker_api.api.checkpoints import get_training_run

OPERATIONS = Operations()


class Recording(httpx.AsyncBaseTransport):
    """Every exchange as the wire saw it: operation, status, bytes each way."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.exchanges: list[tuple[str, int, int, int, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        operation = OPERATIONS.of(request.method, request.url.path)
        self.exchanges.append((operation, response.status_code, len(request.content), len(body), request.content))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def seen() -> Iterator[list[telemetry.Event]]:
    events: list[telemetry.Event] = []
    handler = telemetry.attach(events.append)
    yield events
    telemetry.detach(handler)


def test_a_training_and_sampling_run(local: LocalServer, seen: list[telemetry.Event], monkeypatch: Any) -> None:
    """Every request, future and session of the run has its events; the client's metrics agree with the wire; the
    reporter's batch (session start and end) went to the telemetry operation, as the document has it."""
    monkeypatch.setenv("TINKER_TELEMETRY", "1")
    wire = Recording()
    http = httpx.AsyncClient(transport=wire)
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY, http_client=http)
    assert isinstance(service.get_telemetry(), tinker.lib.telemetry.Telemetry)
    with service:
        training = service.create_lora_training_client(TINY, rank=4, seed=0).result()
        assert training.get_telemetry() is service.get_telemetry()
        training.forward_backward([text_datum(), text_datum("a second datum")], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-3)).result()
        sampling = training.save_weights_and_get_sampling_client("telemetry-run").result()
        sampling.sample(types.ModelInput.from_ints([*b"the "]), 2, types.SamplingParams(max_tokens=3)).result()
        session_id = service.holder._session_id
    io_loop().submit(http.aclose()).result()  # the caller's to close
    mine = [e for e in seen if e.metadata.get("operation") != "session_heartbeat"]  # (other clients' heartbeats)
    names = collections.Counter(e.name for e in mine)
    for name in ("session.start", "session.end", "chunking.split", "future.submitted", "future.resolved"):
        assert names[name] >= 1, name
    assert names["session.start"] == names["session.end"] == 1
    assert names["future.submitted"] == names["future.resolved"]
    assert names["future.polled"] >= names["future.resolved"]
    resolved = [e for e in mine if e.name == "future.resolved"]
    assert {e.metadata["operation"] for e in resolved} >= {"CreateModel", "ForwardBackward", "OptimStep", "Sample"}
    assert all(e.metadata["outcome"] == "ok" and e.measurements["wait"] >= 0 for e in resolved)
    step = next(e for e in resolved if e.metadata["operation"] == "ForwardBackward")
    assert step.measurements["server_engine"] > 0 and step.measurements["polls"] >= 1
    split = next(e for e in mine if e.name == "chunking.split")
    assert split.measurements == {"datums": 2, "chunks": 1}
    stops = [e for e in seen if e.name == "request.stop"]
    assert all({"operation", "method", "attempt", "status", "request_id"} <= set(e.metadata) for e in stops)
    assert all(e.measurements["duration"] >= 0 for e in stops)

    # the client's figures are the wire's: requests by operation and status, bytes each way
    snapshot = service.metrics.snapshot()
    on_wire = collections.Counter((operation, status) for operation, status, *_ in wire.exchanges)
    counted = {
        (r["labels"]["operation"], int(r["labels"]["status"])): r["value"]
        for r in snapshot["counters"]
        if r["name"] == "requests"
    }
    assert counted == on_wire
    assert snapshot.value("bytes_sent") == sum(sent for _, _, sent, _, _ in wire.exchanges)
    assert snapshot.value("bytes_received") == sum(received for _, _, _, received, _ in wire.exchanges)
    assert snapshot.value("requests_in_flight") == 0 and snapshot.value("futures_pending") == 0
    assert snapshot.value("futures_submitted") == names["future.submitted"]
    assert snapshot.histogram("request_seconds", operation="forward_backward")["count"] == 1  # type: ignore[index]
    assert snapshot.histogram("server_engine_seconds", operation="ForwardBackward") is not None
    assert "requests" in str(snapshot) and "p99" in str(snapshot)
    process = metrics.snapshot()
    assert process.value("requests", operation="forward_backward") >= 1

    # the reporter's batch, sent at close: session start and end of this session, valid for the document
    batches = [orjson.loads(body) for operation, status, _, _, body in wire.exchanges if operation == "send_telemetry"]
    assert batches and all(batch["session_id"] == session_id for batch in batches)
    kinds = [event["event"] for batch in batches for event in batch["events"]]
    assert kinds[0] == "SESSION_START" and kinds[-1] == "SESSION_END"
    types.TelemetrySendRequest.model_validate(batches[0])


def test_off_with_tinker_telemetry_0(local: LocalServer, monkeypatch: Any) -> None:
    """TINKER_TELEMETRY=0 turns off reporting only: the events and the metrics stay on."""
    monkeypatch.setenv("TINKER_TELEMETRY", "0")
    wire = Recording()
    http = httpx.AsyncClient(transport=wire)
    with tinker.ServiceClient(base_url=local.base_url, api_key=KEY, http_client=http) as s:
        assert (
            s.get_telemetry() is None
            and tinker.RestClient(base_url=local.base_url, api_key=KEY).get_telemetry() is None
        )
        s.create_lora_training_client(TINY, rank=4).result()
    io_loop().submit(http.aclose()).result()
    assert "send_telemetry" not in {operation for operation, *_ in wire.exchanges}
    assert s.metrics.snapshot().value("requests", operation="create_model") == 1


def test_a_handler_that_raises_is_detached_with_one_warning(
    rest: tinker.RestClient, caplog: pytest.LogCaptureFixture, seen: list[telemetry.Event]
) -> None:
    calls = []

    def broken(event: telemetry.Event) -> None:
        calls.append(event.name)
        raise RuntimeError("a broken handler")

    telemetry.attach(broken, events=["request.stop"])
    with caplog.at_level(logging.WARNING, logger="tinker"):
        rest.list_training_runs().result()
        rest.list_training_runs().result()
    assert calls == ["request.stop"]  # called once, then detached
    assert not telemetry.detach(broken)
    warnings = [r for r in caplog.records if "telemetry handler" in r.getMessage()]
    assert len(warnings) == 1
    assert sum(e.name == "request.stop" for e in seen) >= 2  # the other handlers went on


def test_retries_the_breaker_and_its_transitions(seen: list[telemetry.Event]) -> None:
    """A dead server: every failed try, each retry with its backoff, the breaker opening on the way, its probe
    failing, the spent budget; then, after the doubled cool-down, a probe that closes it. Events and metrics count
    each once."""
    server = Server(*[httpx.ConnectError("refused")] * 10, httpx.Response(200, json=RUN_JSON))
    client, slept = make_client(server)
    client.metrics = metrics.Registry()
    before = metrics.snapshot()

    def call() -> Any:
        return asyncio.run(client.request(get_training_run.build_request(training_run_id="run"), types.TrainingRun))

    with pytest.raises(errors.CircuitOpenError):
        call()  # the budget is spent waiting on an open circuit
    with pytest.raises(errors.CircuitOpenError):
        call()  # at once: no request, no retry
    assert len(server.requests) == 10
    slept.append(2 * _resilience.BREAKER_COOL_DOWN)  # the clock moves past the doubled cool-down
    assert call().training_run_id == RUN_JSON["training_run_id"]  # the probe
    assert client.guards.breaker.state == "closed"

    names = collections.Counter(e.name for e in seen)
    assert names["request.exception"] == 10 and names["request.stop"] == 1 + 1  # client/config, the probe
    retries = [e for e in seen if e.name == "retry.scheduled"]
    assert len(retries) == 10 and [e.measurements["delay"] for e in retries] == slept[:10]
    assert [e.metadata["attempt"] for e in retries] == list(range(1, 11))
    assert names["retry.exhausted"] == 1
    changes = [e.metadata["state"] for e in seen if e.name == "circuit.changed"]
    assert changes == ["open", "half_open", "open", "half_open", "closed"]
    server_url = "http://test/base/"
    assert all(e.metadata["server"] == server_url for e in seen if e.name == "circuit.changed")

    mine = client.metrics.snapshot()
    assert mine.value("requests", operation="get_training_run", status="ConnectError") == 10
    assert mine.value("requests", operation="get_training_run", status="200") == 1
    assert mine.value("retries", operation="get_training_run") == 10
    assert mine.histogram("backoff_seconds", operation="get_training_run")["count"] == 10  # type: ignore[index]
    assert mine.value("retry_budget_exhausted") == 1
    after = metrics.snapshot()
    for state, times in (("open", 2), ("half_open", 2), ("closed", 1)):  # the process's registry counts the breaker
        assert after.value("circuit_changes", state=state) - before.value("circuit_changes", state=state) == times
    assert after.value("circuit_open", server=server_url) == 0


def test_a_429_opens_the_window_once(seen: list[telemetry.Event]) -> None:
    server = Server(
        httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "slow down"}),
        httpx.Response(200, json=RUN_JSON),
    )
    client, slept = make_client(server)
    asyncio.run(client.request(get_training_run.build_request(training_run_id="run"), types.TrainingRun))
    windows = [e for e in seen if e.name == "rate_limit.window_opened"]
    assert len(windows) == 1 and windows[0].measurements["delay"] == 1.0 and windows[0].metadata["strikes"] == 1
    retries = [e for e in seen if e.name == "retry.scheduled"]
    assert len(retries) == 1 and "delay" not in retries[0].measurements  # the window is the wait
    assert [e.metadata["status"] for e in seen if e.name == "request.stop"] == [200, 429, 200]
    assert slept == [pytest.approx(1.0, abs=0.01)]


def test_the_process_and_a_service_client_have_their_own_figures() -> None:
    registry = metrics.Registry()
    for value in range(1, 101):
        registry.observe("latency", value / 100, operation="op")
    registry.inc("requests", operation="op", status=200)
    registry.inc("requests", 2, operation="op", status=500)
    row = registry.snapshot().histogram("latency", operation="op")
    assert row is not None and (row["count"], row["p50"], row["p90"], row["p99"], row["max"]) == (
        100,
        0.5,
        0.9,
        0.99,
        1.0,
    )
    snapshot = registry.snapshot()
    assert snapshot.value("requests") == 3 and snapshot.value("requests", status=500) == 2
    assert orjson.loads(orjson.dumps(snapshot)) == dict(snapshot)  # plain data
    table = str(snapshot).splitlines()
    assert table[0].split() == ["metric", "labels", "value"] and "operation=op,status=500" in str(snapshot)
    assert str(metrics.Registry().snapshot()) == "(no metrics yet)"
    service = tinker.ServiceClient(api_key=KEY, base_url="http://127.0.0.1:9")
    assert service.metrics is not metrics.default_registry and service.metrics.snapshot() == {
        "counters": [],
        "gauges": [],
        "histograms": [],
    }


# --- OpenTelemetry ----------------------------------------------------------------------------------------------
_exporter: list[Any] = []


@pytest.fixture
def spans() -> Iterator[Any]:
    """OpenTelemetry's in-memory exporter under a tracer provider of the process (set once: OpenTelemetry allows
    no other).

    Its ids come from a generator of their own: the SDK's default draws from the ``random`` module, and the
    provider outlives this module, so a client still heartbeating on its I/O thread would move the global random
    state while a later Hypothesis test (the contract run) draws, which Hypothesis reports as a flaky failure."""
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

    class OwnIds(RandomIdGenerator):
        draws = random.Random()

        def generate_span_id(self) -> int:
            return self.draws.getrandbits(64) or 1

        def generate_trace_id(self) -> int:
            return self.draws.getrandbits(128) or 1

    if not _exporter:
        exporter = InMemorySpanExporter()
        provider = TracerProvider(id_generator=OwnIds())
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _exporter.append(exporter)
    _exporter[0].clear()
    yield _exporter[0]
    _exporter[0].clear()


def test_a_forward_backward_makes_spans(local: LocalServer, training: tinker.TrainingClient, spans: Any) -> None:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind, StatusCode

    with trace.get_tracer("the user").start_as_current_span("step") as step:
        training.forward_backward([text_datum()], "cross_entropy").result()
    finished = spans.get_finished_spans()
    by_name = collections.defaultdict(list)
    for span in finished:
        by_name[span.name].append(span)
    call = by_name["forward_backward"][0]
    assert call.kind == SpanKind.INTERNAL and call.parent.span_id == step.get_span_context().span_id
    assert call.attributes["tinker.operation"] == "forward_backward" and call.attributes["tinker.attempts"] == 1
    tries = [s for s in by_name["POST"] if s.parent.span_id == call.context.span_id]
    assert len(tries) == 1
    http = tries[0]
    assert http.kind == SpanKind.CLIENT and http.status.status_code == StatusCode.UNSET
    attributes = dict(http.attributes)
    assert attributes["http.request.method"] == "POST"
    assert attributes["url.full"] == local.base_url.rstrip("/") + "/api/v1/forward_backward"
    assert attributes["server.address"] == "127.0.0.1" and attributes["server.port"] == int(
        local.base_url.split(":")[-1].strip("/")
    )
    assert attributes["http.response.status_code"] == 200 and attributes["http.request.body.size"] > 0
    assert attributes["tinker.operation"] == "forward_backward" and "http.request.resend_count" not in attributes
    assert "error.type" not in attributes
    wait = by_name["future ForwardBackward"][0]
    assert (
        wait.attributes["tinker.operation"] == "ForwardBackward"
        and wait.parent.span_id == step.get_span_context().span_id
    )
    polls = [s for s in by_name["retrieve_future"] if s.parent.span_id == wait.context.span_id]
    assert polls and all(s.attributes["tinker.operation"] == "retrieve_future" for s in polls)
    assert all("X-API-Key" not in str(s.attributes) and KEY not in str(s.attributes) for s in finished)


def test_a_failed_try_is_an_error_span(spans: Any) -> None:
    from opentelemetry.trace import StatusCode

    server = Server(httpx.Response(503, json={"detail": "down"}), httpx.Response(200, json=RUN_JSON))
    client, _ = make_client(server)
    asyncio.run(client.request(get_training_run.build_request(training_run_id="run"), types.TrainingRun))
    tries = [s for s in spans.get_finished_spans() if s.name == "GET"]
    assert [s.attributes["http.response.status_code"] for s in tries] == [503, 200]
    assert tries[0].status.status_code == StatusCode.ERROR and tries[0].attributes["error.type"] == "503"
    assert tries[1].attributes["http.request.resend_count"] == 1


# --- the reporter's background sender: one, whatever the order of the threads that start it ----------------------


class _Loop:
    """An I/O loop that holds what was handed to it until ``run_pending`` (inside a running loop)."""

    def __init__(self) -> None:
        self.pending: list[Any] = []

    def call_soon_threadsafe(self, callback: Any, *args: Any) -> None:
        self.pending.append((callback, args))

    def run_pending(self) -> None:
        while self.pending:
            callback, args = self.pending.pop(0)
            callback(*args)


class _Holder:
    """A holder whose ``io`` lets another thread's ``_start`` (and the sender it schedules) run in the middle of
    this one's, as a thread switch at that point would."""

    def __init__(self) -> None:
        self.loop = _Loop()
        self.meanwhile: Any = None

    @property
    def io(self) -> Any:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return self


def _senders() -> list[asyncio.Task[Any]]:
    """The reporter senders running on this loop."""
    return [t for t in asyncio.all_tasks() if t.get_name() == "tinker-telemetry" and not t.done()]


@pytest.mark.parametrize("interleaving", ["in the middle", "one after the other"])
def test_threads_that_start_the_reporter_at_once_make_one_sender(interleaving: str) -> None:
    from tinker.lib.telemetry import Telemetry

    async def scenario() -> None:
        holder = _Holder()
        reporter = Telemetry(holder)  # type: ignore[arg-type]

        def other_thread() -> None:  # starts the sender, which the I/O loop makes at once
            reporter._start()
            holder.loop.run_pending()

        if interleaving == "in the middle":
            holder.meanwhile = other_thread
            reporter._start()
        else:
            reporter._start()
            reporter._start()
        holder.loop.run_pending()
        try:
            assert _senders() == [reporter._task]
        finally:
            for task in _senders():
                task.cancel()

    asyncio.run(scenario())


def test_a_reporter_closed_before_its_sender_began_makes_none() -> None:
    from tinker.lib.telemetry import Telemetry

    async def scenario() -> None:
        holder = _Holder()
        reporter = Telemetry(holder)  # type: ignore[arg-type]
        reporter._start()
        await reporter.close()
        holder.loop.run_pending()
        try:
            assert _senders() == []
        finally:
            for task in _senders():
                task.cancel()

    asyncio.run(scenario())
