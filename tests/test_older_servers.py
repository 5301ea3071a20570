"""The SDK against servers that keep the habits of Tinker servers before 0.38's protocol (SkyRL tx, TuFT): the local
server seen through a transport that behaves as they do.

- create-via-load is refused with a 422 asking for ``model_id`` (the server loads weights only into a run made
  before): the SDK falls back to get_weights_info, create_model, load_weights with the run's model_id, and keeps to
  that sequence afterwards;
- a refused training request does not use up its seq_id (TuFT): the next request must take it again, and any other
  seq_id gets a 409 "Sequence conflict". The SDK learns that from one 409 and renumbers, with no storm of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest

import tinker
from tinker import types
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


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("older-servers"), api_keys=(KEY,), long_poll_seconds=5.0) as server:
        yield server


@pytest.fixture
def older(local: LocalServer) -> Iterator[Callable[[OlderServer], tinker.ServiceClient]]:
    """ServiceClients that reach the local server through an ``OlderServer``; closed with their connections."""
    made: list[tuple[tinker.ServiceClient, httpx.AsyncClient]] = []

    def make(transport: OlderServer) -> tinker.ServiceClient:
        http = httpx.AsyncClient(transport=transport, timeout=60.0)
        made.append(
            (tinker.ServiceClient(base_url=local.base_url, api_key=KEY, http_client=http, wire_format="json"), http)
        )
        return made[-1][0]

    yield make
    for service, http in made:
        holder = service.holder
        service.close("success").result()
        holder.call(http.aclose())  # the caller's to close, on the SDK's loop that used it


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
    older: Callable[[OlderServer], tinker.ServiceClient],
) -> None:
    transport = OlderServer(counts_refusals=True)
    service = older(transport)
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
    older: Callable[[OlderServer], tinker.ServiceClient],
) -> None:
    transport = OlderServer()
    service = older(transport)
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
    older: Callable[[OlderServer], tinker.ServiceClient],
) -> None:
    transport = OlderServer(counts_refusals=True)
    service = older(transport)
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
    older: Callable[[OlderServer], tinker.ServiceClient],
) -> None:
    """The request that would show how the server counts is itself refused, and a second client has a refusal
    of its own pending when the first one learns it: every refused seq_id is taken again, with one 409 in all."""
    transport = OlderServer()
    service = older(transport)
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
