"""TrainingClient and ServiceClient against the local server, in the 0.38 style (futures)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
import torch

import tinker
from tinker import types
from tinker.lib._chunking import datum_bytes

from .conftest import TEXT, TINY, text_datum


def test_factory_returns_an_awaitable_future_of_a_training_client(service: tinker.ServiceClient) -> None:
    future = service.create_lora_training_client(TINY, rank=4)
    assert isinstance(future, tinker.APIFuture) and isinstance(future, tinker.TrainingClient)
    client = future.result()
    assert type(client) is tinker.TrainingClient
    assert client.model_id.endswith(":train:" + client.model_id.rsplit(":", 1)[1])

    async def create() -> tinker.TrainingClient:
        return await service.create_lora_training_client(TINY, rank=4)

    assert isinstance(asyncio.run(create()), tinker.TrainingClient)


def test_training_lowers_the_loss_and_sampling_reproduces_the_text(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=16, seed=0).result()
    datum = text_datum()
    losses = []
    for _ in range(30):
        backward = client.forward_backward([datum], "cross_entropy")
        step = client.optim_step(types.AdamParams(learning_rate=1e-2))
        losses.append(backward.result().metrics["loss:sum"])
        assert step.result().metrics is not None
    assert losses[-1] < 0.2 * losses[0]
    sampler = client.save_weights_and_get_sampling_client().result()
    prompt = list(TEXT.encode())[:5]
    result = sampler.sample(types.ModelInput.from_ints(prompt), 1, types.SamplingParams(max_tokens=80, temperature=0))
    sequence = result.result().sequences[0]
    assert client.get_tokenizer().decode(prompt + sequence.tokens) == TEXT + "<|endoftext|>"
    assert sequence.stop_reason == "stop"


def test_outputs_and_metrics(training: tinker.TrainingClient) -> None:
    output = training.forward([text_datum(), text_datum("hello")], "cross_entropy").result()
    assert [len(o["logprobs"].tolist()) for o in output.loss_fn_outputs] == [len(TEXT), len("hello")]
    total = -sum(sum(o["logprobs"].tolist()) for o in output.loss_fn_outputs)
    assert output.metrics["loss:sum"] == pytest.approx(total, rel=1e-5)
    assert isinstance(output.loss_fn_outputs[0]["logprobs"].to_torch(), torch.Tensor)


def test_many_chunks_are_joined_in_order(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4).result()
    client.holder._config = client.holder.known_config().model_copy(update={"fwdbwd_max_chunk_len": 2})
    data = [text_datum(TEXT[: n + 3]) for n in range(5)]
    output = client.forward(data, "cross_entropy").result()
    assert [len(o["logprobs"].tolist()) for o in output.loss_fn_outputs] == [n + 3 for n in range(5)]
    whole = service.create_lora_training_client(TINY, rank=4).result().forward(data, "cross_entropy").result()
    assert output.metrics["loss:sum"] == pytest.approx(whole.metrics["loss:sum"], rel=1e-5)
    client.holder._config = None


def test_requests_go_out_in_order_and_finish_concurrently(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4, seed=1).result()
    reference = service.create_lora_training_client(TINY, rank=4, seed=1).result()
    futures = [client.forward_backward([text_datum()], "cross_entropy") for _ in range(3)]
    futures.append(client.optim_step(types.AdamParams(learning_rate=0.05)))
    after = client.forward([text_datum()], "cross_entropy")
    for _ in range(3):
        reference.forward_backward([text_datum()], "cross_entropy").result()
    reference.optim_step(types.AdamParams(learning_rate=0.05)).result()
    expected = reference.forward([text_datum()], "cross_entropy").result()
    assert after.result().metrics["loss:sum"] == expected.metrics["loss:sum"]
    assert all(future.done() for future in futures)


def test_rl_losses_with_torch_inputs(training: tinker.TrainingClient) -> None:
    tokens = list(TEXT.encode())
    n = len(tokens) - 1
    current = training.forward([text_datum()], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].to_torch()
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_torch(torch.tensor(tokens[1:])),
            "logprobs": types.TensorData.from_torch(current[:n]),
            "advantages": types.TensorData.from_torch(torch.ones(n)),
        },
    )
    output = training.forward([datum], "importance_sampling").result()
    assert output.metrics["loss:sum"] == pytest.approx(-n, rel=1e-4)
    ppo = training.forward([datum], "ppo", {"clip_low_threshold": 0.9, "clip_high_threshold": 1.1}).result()
    assert ppo.metrics["loss:sum"] == pytest.approx(-n, rel=1e-4)


def test_forward_backward_custom_runs_the_loss_client_side(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4, seed=2).result()
    reference = service.create_lora_training_client(TINY, rank=4, seed=2).result()

    def loss_fn(data: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        loss = -sum(lp.sum() for lp in logprobs)
        return loss, {"custom": float(loss.detach())}

    datum = text_datum(weights=False)
    output = client.forward_backward_custom([datum], loss_fn).result()
    assert output.metrics["custom"] > 0
    client.optim_step(types.AdamParams(learning_rate=0.05)).result()
    reference.forward_backward([text_datum()], "cross_entropy").result()
    reference.optim_step(types.AdamParams(learning_rate=0.05)).result()
    ours = client.forward([text_datum()], "cross_entropy").result().metrics["loss:sum"]
    theirs = reference.forward([text_datum()], "cross_entropy").result().metrics["loss:sum"]
    assert ours == pytest.approx(theirs, rel=1e-4)
    with pytest.raises(ValueError, match="target_tokens"):
        client.forward_backward_custom([types.Datum(model_input=datum.model_input, loss_fn_inputs={})], loss_fn)


def test_forward_backward_custom_keeps_extra_inputs_for_the_loss(service: tinker.ServiceClient) -> None:
    """As in 0.38: inputs besides target_tokens and weights reach the loss function, not the server; loss:sum is
    the custom loss and surrogate_loss:sum the cross_entropy pass's."""
    client = service.create_lora_training_client(TINY, rank=4, seed=2).result()
    base = text_datum(weights=False)
    target = torch.rand(base.loss_fn_inputs["target_tokens"].shape or [-1])
    datum = types.Datum(base.model_input, {**base.loss_fn_inputs, "target_distribution": target})
    seen: list[list[str]] = []

    def loss_fn(data: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        seen.append(sorted(data[0].loss_fn_inputs))
        loss = -sum(
            (d.loss_fn_inputs["target_distribution"].to_torch() * lp).sum()
            for d, lp in zip(data, logprobs, strict=True)
        )
        return loss, {}

    output = client.forward_backward_custom([datum], loss_fn).result()
    assert seen == [["target_distribution", "target_tokens"]]
    expected = -(
        target
        * torch.tensor(client.forward([base], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].to_numpy())
    ).sum()
    assert output.metrics["loss:sum"] == pytest.approx(float(expected), rel=1e-3)
    assert "surrogate_loss:sum" in output.metrics


def test_forward_backward_custom_encodes_each_chunk_once_per_pass(
    service: tinker.ServiceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinker.lib.public_interfaces import training_client

    client = service.create_lora_training_client(TINY, rank=4).result()
    encoded: list[int] = []
    prepare = training_client.prepare_data

    def counting(wire_format: str, data: list[types.Datum]) -> object:
        encoded.append(len(data))
        return prepare(wire_format, data)

    monkeypatch.setattr(training_client, "prepare_data", counting)
    monkeypatch.setattr(
        client.holder, "_config", client.holder.known_config().model_copy(update={"fwdbwd_max_chunk_len": 2})
    )
    data = [text_datum(TEXT[: n + 3], weights=False) for n in range(3)]
    output = client.forward_backward_custom(data, lambda d, lps: (-sum(lp.sum() for lp in lps), {})).result()
    assert len(output.loss_fn_outputs) == 3
    assert encoded == [2, 1, 2, 1]  # the forward pass's two chunks, then the backward pass's: nothing counted twice


def test_forward_backward_custom_with_int64_weights_chunks_both_passes_alike(service: tinker.ServiceClient) -> None:
    """int64 weights cost twice the bytes of the float32 gradients that replace them: were the passes chunked on
    their own sizes, the backward would not fit its reserved seq_ids and every later call would wait for ever."""
    client = service.create_lora_training_client(TINY, rank=4).result()
    data = []
    for n in range(4):
        base = text_datum(TEXT[: n + 12], weights=False)
        ones = np.ones(base.loss_fn_inputs["target_tokens"].shape or [-1], dtype=np.int64)
        data.append(types.Datum(base.model_input, {**base.loss_fn_inputs, "weights": ones}))
    per_datum = datum_bytes(data[0])
    limits = {"fwdbwd_max_chunk_len": 100, "fwdbwd_max_chunk_bytes_count": 2 * per_datum - 8}
    client.holder._config = client.holder.known_config().model_copy(update=limits)
    output = client.forward_backward_custom(data, lambda d, lps: (-sum(lp.sum() for lp in lps), {})).result(60)
    assert len(output.loss_fn_outputs) == 4
    assert client.optim_step(types.AdamParams(learning_rate=1e-3)).result(60) is not None


def test_save_load_and_create_from_state(service: tinker.ServiceClient, training: tinker.TrainingClient) -> None:
    state = training.save_state("client-state", ttl_seconds=3600).result()
    assert state.path == f"tinker://{training.model_id}/weights/client-state"
    sampler_path = training.save_weights_for_sampler("client-sampler").result().path
    assert sampler_path.endswith("/sampler_weights/client-sampler")
    exported = training.save_weights_external("client-export").result()
    assert exported.path.endswith("/external_weights/client-export")
    expected = training.forward([text_datum()], "cross_entropy").result().metrics["loss:sum"]
    for resumed in (
        service.create_training_client_from_state(state.path).result(),
        service.create_training_client_from_state_with_optimizer(state.path).result(),
    ):
        assert resumed.forward([text_datum()], "cross_entropy").result().metrics["loss:sum"] == expected
    with pytest.warns(FutureWarning, match="create_training_client_from_state"):
        loaded = training.load_state(state.path).result()
    assert loaded.path == state.path
    sampler = service.create_sampling_client(model_path=sampler_path).result()
    assert sampler.get_base_model() == TINY
    assert training.create_sampling_client(sampler_path).result().get_base_model() == TINY


def test_get_info_and_tokenizer(training: tinker.TrainingClient) -> None:
    info = training.get_info()
    assert info.model_data.model_name == TINY and info.lora_rank == 8
    tokenizer = training.get_tokenizer()
    assert tokenizer.decode(tokenizer.encode("héllo")) == "héllo"


def test_client_side_errors_name_the_field(training: tinker.TrainingClient, service: tinker.ServiceClient) -> None:
    with pytest.raises(ValueError, match="No data"):
        training.forward_backward([], "cross_entropy")
    with pytest.raises(ValueError, match="loss_fn"):
        training.forward_backward([text_datum()], "nonsense")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="train_"):
        service.create_lora_training_client(TINY, train_mlp=False, train_attn=False, train_unembed=False)
    with pytest.raises(ValueError, match="tinker://"):
        service.create_training_client_from_state("weights/x")


def test_server_side_errors_are_typed(training: tinker.TrainingClient, service: tinker.ServiceClient) -> None:
    bad = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2]),
        loss_fn_inputs={"target_tokens": types.TensorData.from_numpy(np.array([1, 99999]))},
    )
    with pytest.raises(tinker.BadRequestError, match=r"model_input|target_tokens"):
        training.forward_backward([bad], "cross_entropy").result()
    with pytest.raises(tinker.BadRequestError, match="base_model"):
        service.create_lora_training_client("no/such-model").result()
    with pytest.raises(tinker.NotFoundError):
        service.create_training_client_from_state("tinker://nope:train:0/weights/x").result()


def test_deprecated_async_methods_warn_and_work(training: tinker.TrainingClient) -> None:
    async def run() -> None:
        with pytest.warns(FutureWarning, match="forward_backward_async is deprecated"):
            future = await training.forward_backward_async([text_datum()], "cross_entropy")
        assert (await future.result_async()).metrics
        with pytest.warns(FutureWarning):
            future = await training.optim_step_async(types.AdamParams(learning_rate=1e-4))
        await future
        with pytest.warns(FutureWarning):
            assert (await training.get_info_async()).model_id == training.model_id

    asyncio.run(run())
    asyncio.run(run())


def test_using_the_factory_future_as_the_client_is_deprecated(service: tinker.ServiceClient) -> None:
    future = service.create_lora_training_client(TINY, rank=4)
    with pytest.warns(FutureWarning, match="Using the future as the TrainingClient is deprecated"):
        output = future.forward([text_datum()], "cross_entropy")
    assert output.result().metrics
    with pytest.warns(FutureWarning):
        assert future.model_id == future.result().model_id


def test_close_finishes_the_session(local: object) -> None:
    from tinker.local import LocalServer

    assert isinstance(local, LocalServer)
    service = tinker.ServiceClient(base_url=local.base_url, api_key=local.config.api_keys[0])
    service.create_lora_training_client(TINY, rank=4).result()
    session_id = service.holder._session_id
    service.close("success").result()
    rest = tinker.RestClient(base_url=local.base_url, api_key=local.config.api_keys[0])
    found = rest.search_sessions(types.SessionSearchRequest(session_id=session_id)).result()
    assert found.sessions[0].status is not None and found.sessions[0].status.type == "client_finished"


def test_custom_loss_gradient_is_applied_by_the_next_optim_step(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4, seed=3).result()

    def loss_fn(data: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        return -sum(lp.sum() for lp in logprobs), {}

    client.forward_backward_custom([text_datum(weights=False)], loss_fn)
    step = client.optim_step(types.AdamParams(learning_rate=1e-3)).result()
    assert step.metrics is not None and step.metrics["grad_norm:mean"] > 0


def test_a_refused_chunk_fails_its_call_and_the_client_goes_on(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4).result()
    client.holder._config = client.holder.known_config().model_copy(update={"fwdbwd_max_chunk_len": 1})
    bad = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2]), loss_fn_inputs={"target_tokens": np.array([1, 99999])}
    )
    try:
        with pytest.raises(tinker.BadRequestError):
            client.forward_backward([bad, text_datum()], "cross_entropy").result(timeout=60)
        assert client.optim_step(types.AdamParams(learning_rate=1e-3)).result(timeout=60).metrics is not None
    finally:
        client.holder._config = None


def test_a_cancelled_wait_leaves_no_hole_in_the_order(service: tinker.ServiceClient) -> None:
    client = service.create_lora_training_client(TINY, rank=4).result()
    futures = [client.forward_backward([text_datum()], "cross_entropy") for _ in range(10)]

    async def impatient() -> None:
        with pytest.raises(TimeoutError):
            await futures[-1].result_async(timeout=0.001)

    asyncio.run(impatient())
    assert client.optim_step(types.AdamParams(learning_rate=1e-3)).result(timeout=60).metrics is not None


BAD_CALLS: dict[str, Any] = {
    "forward": lambda c: c.forward([text_datum()], 7),
    "forward_backward": lambda c: c.forward_backward(["not a datum"], "cross_entropy"),
    "forward_backward_custom": lambda c: c.forward_backward_custom(
        [types.Datum(text_datum().model_input, {})], lambda d, lps: (sum(lp.sum() for lp in lps), {})
    ),
    "optim_step": lambda c: c.optim_step(types.AdamParams(learning_rate="fast")),  # type: ignore[arg-type]
    "save_state": lambda c: c.save_state(123),
    "load_state": lambda c: c.load_state(None),
    "load_state_with_optimizer": lambda c: c.load_state_with_optimizer(["a"]),
    "save_weights_for_sampler": lambda c: c.save_weights_for_sampler({"name": 1}),
    "save_weights_external": lambda c: c.save_weights_external(3.5),
    "save_weights_and_get_sampling_client": lambda c: c.save_weights_and_get_sampling_client(kind="everything"),
    "create_sampling_client": lambda c: c.create_sampling_client("not a tinker path"),
}


@pytest.mark.filterwarnings("ignore::FutureWarning")  # load_state and load_state_with_optimizer are deprecated
@pytest.mark.parametrize("method", sorted(BAD_CALLS))
def test_a_bad_argument_then_a_good_call_the_good_call_completes(training: tinker.TrainingClient, method: str) -> None:
    """A call refused for its arguments leaves no seq_id behind that nothing will send (the next call would wait
    for it for ever)."""
    with pytest.raises(Exception):  # noqa: B017 -- each method names its own error; none may pass
        outcome = BAD_CALLS[method](training)
        if hasattr(outcome, "result"):
            outcome.result(30)
    assert training.optim_step(types.AdamParams(learning_rate=1e-4)).result(30) is not None
