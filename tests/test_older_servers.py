"""The SDK against servers that keep the habits of Tinker servers before 0.38's protocol (SkyRL tx, TuFT): the local
server seen through a transport that behaves as they do.

- create-via-load is refused with a 422 asking for ``model_id`` (the server loads weights only into a run made
  before): the SDK falls back to get_weights_info, create_model, load_weights with the run's model_id, and keeps to
  that sequence afterwards;
- a refused training request does not use up its seq_id (TuFT): the next request must take it again, and any other
  seq_id gets a 409 "Sequence conflict". The SDK learns that from one 409 and renumbers, with no storm of them;
- TuFT itself accepts a request whatever its seq_id and checks it when it runs the request: the request's future fails
  with "Sequence conflict: expected N, got M" (``RunTimeSequenceServer``). The SDK then renumbers and sends the
  requests that failed so again, once, in order. A request to a route the server lacks (404 "Not Found") used up no
  seq_id on any server: the next one takes it at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

import tinker
from tinker import types
from tinker._exceptions import SequenceConflictError
from tinker.lib.public_interfaces.training_client import _conflict_numbers
from tinker.local import LocalServer

KEY = "tml-older-servers"
TINY = "tinker-local/tiny"
# the training operations that carry a model's seq_id, by the last part of their path
SEQUENCED = {"forward", "forward_backward", "optim_step", "save_weights", "save_weights_for_sampler", "load_weights"}


class OlderServer(httpx.AsyncBaseTransport):
    """Forwards to a real server, answering as an older one would where they differ (see the module docstring).

    The real server counts refused seq_ids; this one does not: it numbers the requests it passes on so that the
    real server sees no gap (``shift`` refusals behind), and answers 409 to a seq_id that is not its next one."""

    def __init__(self, *, counts_refusals: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts_refusals = counts_refusals
        self.expected: dict[str, int] = {}
        self.shift: dict[str, int] = {}
        self.conflicts = 0
        self.refused_create_via_load = 0
        self.sent: list[tuple[str, int | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = request.url.path.rsplit("/", 1)[-1]
        if operation not in SEQUENCED or request.headers.get("content-type", "") != "application/json":
            return await self.inner.handle_async_request(request)
        body = orjson.loads(await request.aread())
        if operation == "load_weights" and "model_id" not in body:
            self.refused_create_via_load += 1
            detail = [{"type": "missing", "loc": ["body", "model_id"], "msg": "Field required", "input": body}]
            return httpx.Response(422, json={"detail": detail})
        model_id, seq_id = body["model_id"], body.get("seq_id")
        self.sent.append((operation, seq_id))
        expected = self.expected.get(model_id, 1)
        if seq_id is not None and not self.counts_refusals:
            if seq_id != expected:
                self.conflicts += 1
                return httpx.Response(409, json={"detail": "Sequence conflict"})
            body["seq_id"] = seq_id + self.shift.get(model_id, 0)
        content = orjson.dumps(body)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        forwarded = httpx.Request(request.method, request.url, headers=headers, content=content)
        response = await self.inner.handle_async_request(forwarded)
        if seq_id is not None and not self.counts_refusals:
            if 400 <= response.status_code < 500:
                self.shift[model_id] = self.shift.get(model_id, 0) + 1
            else:
                self.expected[model_id] = expected + 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _forwarded(request: httpx.Request, body: dict[str, Any]) -> httpx.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(request.method, request.url, headers=headers, content=orjson.dumps(body))


def _negative_learning_rate(body: dict[str, Any]) -> bool:
    return any(isinstance(p, dict) and p.get("learning_rate", 0) < 0 for p in body.values())


class RunTimeSequenceServer(httpx.AsyncBaseTransport):
    """Forwards to the local server, keeping seq_ids as TuFT 0.2.2 does (its training_controller and futures):

    - a training request is accepted whatever its seq_id; the seq_id is checked when the request runs, in the order
      they were accepted: one other than the run's next fails the request's future (retrieve_future answers 409
      "Failed to retrieve future: Sequence conflict: expected N, got M.") and does not use up N;
    - a request refused before it runs (a 422 from request validation; here an optim_step with a negative learning
      rate, which the SDK's own check would have caught) or one to a route it lacks (``missing``: 404, the framework's
      bare "Not Found") uses up no seq_id.

    The local server sees what runs, numbered 1, 2, ... as here (``ran``)."""

    def __init__(
        self,
        *,
        missing: frozenset[str] = frozenset({"save_weights_external"}),
        conflict_detail: str = "Sequence conflict: expected {expected}, got {got}.",
    ) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.missing = missing
        self.conflict_detail = conflict_detail
        self.expected: dict[str, int] = {}
        self.ran: list[tuple[str, int]] = []
        self.conflicts: list[tuple[int, int]] = []
        self.refused = 0
        self.failed_futures: dict[str, str] = {}
        self.duplicate_next = False
        """The next request reaches the server twice (a retried submission): it runs, and the copy whose future the
        client follows fails with a conflict."""
        self.unanswered: set[int] = set()
        """seq_ids whose next request gets no answer (the connection fails) and does not run."""

    def _conflict(self, model_id: str, expected: int, got: int) -> httpx.Response:
        self.conflicts.append((expected, got))
        request_id = f"conflicted-{len(self.conflicts)}"
        self.failed_futures[request_id] = self.conflict_detail.format(expected=expected, got=got)
        return httpx.Response(200, json={"request_id": request_id, "model_id": model_id})

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = request.url.path.rsplit("/", 1)[-1]
        if operation in self.missing:
            return httpx.Response(404, json={"detail": "Not Found"})
        if operation == "retrieve_future":
            body = orjson.loads(await request.aread())
            failure = self.failed_futures.get(body["request_id"])
            if failure is not None:
                return httpx.Response(409, json={"detail": f"Failed to retrieve future: {failure}"})
            return await self.inner.handle_async_request(_forwarded(request, body))
        if operation not in SEQUENCED or request.headers.get("content-type", "") != "application/json":
            return await self.inner.handle_async_request(request)
        body = orjson.loads(await request.aread())
        if operation == "optim_step" and _negative_learning_rate(body):
            self.refused += 1
            detail = [{"type": "greater_than", "loc": ["body", "adam_params", "learning_rate"], "msg": "> 0"}]
            return httpx.Response(422, json={"detail": detail})
        model_id, seq_id = body["model_id"], body.get("seq_id")
        if seq_id is None:
            return await self.inner.handle_async_request(_forwarded(request, body))
        if seq_id in self.unanswered:
            self.unanswered.discard(seq_id)
            raise httpx.ConnectError("the connection failed", request=request)
        expected = self.expected.get(model_id, 1)
        if seq_id != expected:
            return self._conflict(model_id, expected, seq_id)
        response = await self.inner.handle_async_request(_forwarded(request, body))
        assert response.status_code < 400, "the local server runs what this one runs"
        self.expected[model_id] = expected + 1
        self.ran.append((operation, seq_id))
        if self.duplicate_next:
            self.duplicate_next = False
            await response.aclose()
            return self._conflict(model_id, expected + 1, seq_id)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("older-servers"), api_keys=(KEY,), long_poll_seconds=5.0) as server:
        yield server


def _datum() -> types.Datum:
    tokens = [*b"older servers", 256]
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


def _loss(client: tinker.TrainingClient) -> float:
    output = client.forward([_datum()], "cross_entropy").result()
    return float(output.metrics["loss:sum"])


def _refused_step(client: tinker.TrainingClient) -> None:
    """An optim_step the server refuses at submission (a negative learning rate, which the SDK's own check would
    have caught)."""
    with pytest.raises(tinker.APIStatusError, match="learning_rate"):
        client.optim_step(types.AdamParams.model_construct(learning_rate=-1.0)).result()


def test_create_from_state_falls_back_to_the_older_sequence(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    transport = OlderServer(counts_refusals=True)
    service = through(transport)
    source = service.create_lora_training_client(TINY, rank=4, seed=3).result()
    source.forward_backward([_datum()], "cross_entropy").result()
    source.optim_step(types.AdamParams(learning_rate=0.05)).result()
    path = source.save_state("older").result().path
    expected = _loss(source)

    first = service.create_training_client_from_state(path).result()
    assert transport.refused_create_via_load == 1
    assert first.model_id != source.model_id
    assert _loss(first) == pytest.approx(expected, rel=1e-5)

    second = service.create_training_client_from_state_with_optimizer(path).result()
    assert transport.refused_create_via_load == 1, "the fallback is remembered: no second refused create-via-load"
    assert _loss(second) == pytest.approx(expected, rel=1e-5)
    assert service.holder.traits.creates_via_load is False


def test_a_refused_seq_id_is_taken_again_where_the_server_does_not_count_it(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    transport = OlderServer()
    service = through(transport)
    client = service.create_lora_training_client(TINY, rank=4, seed=5).result()
    client.optim_step(types.AdamParams(learning_rate=0.01)).result()
    _refused_step(client)
    client.optim_step(types.AdamParams(learning_rate=0.01)).result()  # one 409 shows how the server counts
    assert transport.conflicts == 1
    assert service.holder.traits.counts_refused_seq_ids is False
    _refused_step(client)
    _refused_step(client)
    client.forward_backward([_datum()], "cross_entropy").result()
    client.optim_step(types.AdamParams(learning_rate=0.01)).result()
    assert transport.conflicts == 1, "once the server's counting is known, no request meets a 409"
    accepted = [seq for operation, seq in transport.sent if operation != "load_weights"]
    assert accepted[-2:] == [3, 4], "the requests after refusals take the refused seq_ids again"


def test_a_server_that_counts_refused_seq_ids_sees_no_renumbering(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    transport = OlderServer(counts_refusals=True)
    service = through(transport)
    client = service.create_lora_training_client(TINY, rank=4, seed=7).result()
    _refused_step(client)
    client.optim_step(types.AdamParams(learning_rate=0.01)).result()
    _refused_step(client)
    client.optim_step(types.AdamParams(learning_rate=0.01)).result()
    assert service.holder.traits.counts_refused_seq_ids is True
    assert [seq for _, seq in transport.sent] == [1, 2, 3, 4]
    assert transport.conflicts == 0


def test_the_local_server_counts_refused_seq_ids(local: LocalServer) -> None:
    """This project's server runs the request after a refusal (no 409, no wait for the refused seq_id), as the hosted
    service does; also when the schema refused the body before any handler ran."""
    with tinker.ServiceClient(base_url=local.base_url, api_key=KEY) as service:
        client = service.create_lora_training_client(TINY, rank=4, seed=9).result()
        _refused_step(client)
        client.optim_step(types.AdamParams(learning_rate=0.01)).result(timeout=20)
        assert service.holder.traits.counts_refused_seq_ids is True


def test_refusals_in_a_row_and_on_two_clients_are_all_taken_again(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """The request that would show how the server counts is itself refused, and a second client has a refusal
    of its own pending when the first one learns it: every refused seq_id is taken again, with one 409 in all."""
    transport = OlderServer()
    service = through(transport)
    first = service.create_lora_training_client(TINY, rank=4, seed=11).result()
    second = service.create_lora_training_client(TINY, rank=4, seed=12).result()
    _refused_step(first)
    _refused_step(first)  # the request after a refusal, refused too
    _refused_step(second)
    first.optim_step(types.AdamParams(learning_rate=0.01)).result()  # the 409 shows the server's counting
    second.optim_step(types.AdamParams(learning_rate=0.01)).result()  # learned from the first client
    first.optim_step(types.AdamParams(learning_rate=0.01)).result()
    assert transport.conflicts == 1
    assert transport.expected == {first.model_id: 3, second.model_id: 2}


STEP = types.AdamParams(learning_rate=0.01)


def test_a_missing_route_uses_up_no_seq_id(through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient]) -> None:
    """TuFT lacks save_weights_external: its 404 reached no handler, so the next request takes its seq_id at once (a
    server checking seq_ids when it runs a request would accept any number, and fail the future later)."""
    server = RunTimeSequenceServer()
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=13).result()
    futures = [
        client.forward_backward([_datum()], "cross_entropy"),
        client.optim_step(STEP),
        client.save_weights_external("exported"),
        client.forward_backward([_datum()], "cross_entropy"),
        client.optim_step(STEP),
        client.save_state("after-the-404"),
    ]
    with pytest.raises(tinker.NotFoundError):
        futures[2].result(timeout=60)
    results = [f.result(timeout=60) for i, f in enumerate(futures) if i != 2]
    assert results[-1].path.startswith("tinker://")
    assert server.conflicts == [], "no future failed"
    assert server.ran == [
        ("forward_backward", 1),
        ("optim_step", 2),
        ("forward_backward", 3),
        ("optim_step", 4),
        ("save_weights", 5),
    ]
    assert service.holder.traits.counts_refused_seq_ids is None, "a missing route shows nothing of how refusals count"


def test_a_conflict_on_a_future_renumbers_and_sends_again_in_order(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """After a 422 the next request is accepted (the server checks its seq_id only when it runs it), so the client
    takes the server to count refusals; the futures then fail with "expected 2, got 3" and so on. The client
    renumbers, sends each of those requests again once, in order, and later ones fit."""
    server = RunTimeSequenceServer()
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=17).result()
    client.optim_step(STEP).result(timeout=60)
    _refused_step(client)
    futures = [
        client.forward_backward([_datum()], "cross_entropy"),
        client.optim_step(STEP),
        client.forward_backward([_datum()], "cross_entropy"),
        client.save_state("resynced"),
    ]
    first, _, third, saved = (f.result(timeout=60) for f in futures)
    assert first.metrics["loss:sum"] > 0 and third.metrics["loss:sum"] > 0
    assert saved.path.startswith("tinker://")
    assert service.holder.traits.counts_refused_seq_ids is False
    # every request that went out misnumbered failed once (those sent after the client learned it went out right)
    assert 1 <= len(server.conflicts) <= 4
    assert {expected for expected, _ in server.conflicts} == {2}
    assert server.ran == [
        ("optim_step", 1),
        ("forward_backward", 2),
        ("optim_step", 3),
        ("forward_backward", 4),
        ("save_weights", 5),
    ]
    conflicts = len(server.conflicts)
    _refused_step(client)
    _refused_step(client)
    client.optim_step(STEP).result(timeout=60)
    assert len(server.conflicts) == conflicts, "once the server's counting is known, refusals cost no conflict"
    assert server.ran[-1] == ("optim_step", 6)


def test_a_conflict_that_cannot_be_sent_again_in_order_is_a_typed_error(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """A submission that reached the server twice: the copy the client follows fails with "expected 3, got 2". Sending
    it again could run it out of order: the call fails with SequenceConflictError, and the next request fits."""
    server = RunTimeSequenceServer()
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=19).result()
    client.optim_step(STEP).result(timeout=60)
    server.duplicate_next = True
    with pytest.raises(SequenceConflictError, match="expects seq_id 3") as raised:
        client.optim_step(STEP).result(timeout=60)
    assert isinstance(raised.value, tinker.ConflictError)
    assert (raised.value.seq_id, raised.value.expected, raised.value.got) == (2, 3, 2)
    assert raised.value.ran is None and "may have run" in str(raised.value)  # its copy did run: no "not run"
    client.forward_backward([_datum()], "cross_entropy").result(timeout=60)
    assert server.conflicts == [(3, 2)]
    assert server.ran[-1] == ("forward_backward", 3)
    assert service.holder.traits.counts_refused_seq_ids is None


def test_a_resend_that_gets_no_answer_may_have_run_and_the_next_conflict_resyncs(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """The request sent again after a conflict gets no answer: it may have run, so the call fails saying so
    (``ran`` None) and its number counts as used; here it did not run, so the next request conflicts in turn and is
    sent again from the number the server still expects."""
    server = RunTimeSequenceServer()
    service = through(server, max_retries=0)
    client = service.create_lora_training_client(TINY, rank=4, seed=29).result()
    client.optim_step(STEP).result(timeout=60)
    _refused_step(client)
    server.unanswered = {2}
    with pytest.raises(SequenceConflictError, match="may have run") as raised:
        client.optim_step(STEP).result(timeout=60)
    assert raised.value.ran is None and isinstance(raised.value.__cause__, tinker.ConflictError)
    client.forward_backward([_datum()], "cross_entropy").result(timeout=60)
    assert server.ran == [("optim_step", 1), ("forward_backward", 2)]
    assert server.conflicts == [(2, 3), (2, 3)]


def test_a_conflict_in_other_words_is_raised_as_it_came(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    server = RunTimeSequenceServer(conflict_detail="Sequence conflict.")
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=23).result()
    client.optim_step(STEP).result(timeout=60)
    _refused_step(client)
    with pytest.raises(tinker.ConflictError, match=re.escape("Sequence conflict.")) as raised:
        client.optim_step(STEP).result(timeout=60)
    assert not isinstance(raised.value, SequenceConflictError)
    assert server.conflicts == [(2, 3)]


@pytest.mark.parametrize(
    ("detail", "numbers"),
    [
        ("Failed to retrieve future: Sequence conflict: expected 25, got 26.", (25, 26)),
        ("sequence conflict (expected seq_id=7; got seq_id=9)", (7, 9)),
        ("Seq mismatch: received 12 but expected sequence number 10", (10, 12)),
        ("Sequence conflict", None),
        ("Sequence conflict: expected sequence, got something else 26", None),
        ("Conflict: expected 1, got 2", None),
    ],
)
def test_sequence_conflict_numbers(detail: str, numbers: tuple[int, int] | None) -> None:
    response = httpx.Response(409, json={"detail": detail}, request=httpx.Request("POST", "http://x/retrieve_future"))
    assert _conflict_numbers(tinker.ConflictError(detail, response=response, body={"detail": detail})) == numbers


class NoLegacyForward(httpx.AsyncBaseTransport):
    """The local server without the legacy JSON ``forward`` route, as TuFT is (a bare 404 "Not Found"), and with
    ``protobuf_only``, refusing JSON forward_backward bodies with TuFT's 415."""

    def __init__(self, protobuf_only: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str]] = []
        self.protobuf_only = protobuf_only

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = request.url.path.rsplit("/", 1)[-1]
        content_type = request.headers.get("content-type", "")
        self.sent.append((operation, content_type))
        if operation == "forward":
            return httpx.Response(404, json={"detail": "Not Found"})
        if operation == "forward_backward" and self.protobuf_only and content_type == "application/json":
            detail = "Unsupported Content-Type 'application/json'; expected application/x-protobuf"
            return httpx.Response(415, json={"detail": detail})
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_json_forward_goes_as_protobuf_where_the_legacy_route_is_missing(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """With the JSON wire format a forward is the legacy ``forward`` operation (``forward_only`` is read only in
    protobuf). A server without that route answers 404: the same forward goes at once as a protobuf forward_backward
    with ``forward_only``, in its seq_id's turn (the 404 used none up), and later forwards go that way from the
    start; the weights stay as they were."""
    server = NoLegacyForward()
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=31).result()
    pipelined = [client.forward([_datum()], "cross_entropy") for _ in range(3)]
    step = client.optim_step(STEP)
    losses = [f.result(timeout=60).metrics["loss:sum"] for f in pipelined]
    step.result(timeout=60)
    after = client.forward([_datum()], "cross_entropy").result(timeout=60).metrics["loss:sum"]
    assert losses[0] == losses[1] == losses[2] == after, "forwards and a step without gradients left the weights"
    client.forward_backward([_datum()], "cross_entropy").result(timeout=60)
    client.optim_step(STEP).result(timeout=60)
    assert client.forward([_datum()], "cross_entropy").result(timeout=60).metrics["loss:sum"] < after
    assert service.holder.traits.serves_legacy_forward is False
    forwards = [content for operation, content in server.sent if operation == "forward"]
    assert len(forwards) == 1, "only the first forward tried the missing route (the others went in later turns)"
    protobuf = [c for operation, c in server.sent if operation == "forward_backward" and "protobuf" in c]
    assert len(protobuf) == 5  # the five forwards, and nothing else (the forward_backward went in JSON)


def test_a_json_forward_backward_goes_as_protobuf_where_the_server_reads_only_protobuf(
    through: Callable[[httpx.AsyncBaseTransport], tinker.ServiceClient],
) -> None:
    """TuFT answers a JSON forward_backward with 415 naming protobuf: it did not read the body, so not its seq_id
    either; the chunk goes at once as protobuf, and later ones from the start."""
    server = NoLegacyForward(protobuf_only=True)
    service = through(server)
    client = service.create_lora_training_client(TINY, rank=4, seed=37).result()
    first = client.forward_backward([_datum()], "cross_entropy")
    step = client.optim_step(STEP)
    second = client.forward_backward([_datum()], "cross_entropy")
    assert first.result(timeout=60).metrics["loss:sum"] > second.result(timeout=60).metrics["loss:sum"]
    step.result(timeout=60)
    client.forward([_datum()], "cross_entropy").result(timeout=60)
    assert service.holder.traits.reads_json_forward_backward is False
    refused = [c for operation, c in server.sent if operation == "forward_backward" and c == "application/json"]
    assert len(refused) == 1
