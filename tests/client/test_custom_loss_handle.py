"""ServiceClient.create_custom_loss (0.38's LossHandle), run client-side by forward_backward_custom."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tinker
from tests.client.conftest import KEY, TINY, text_datum
from tinker import types
from tinker.local import LocalServer

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def own(local: LocalServer) -> Iterator[tinker.ServiceClient]:
    """A session of this module's own, so that each loss is made once in it whatever else ran."""
    client = tinker.ServiceClient(base_url=local.base_url, api_key=KEY)
    yield client
    client.close("success").result()


def neg_ll(logprobs: Any, weights: Any) -> Any:
    loss = -(logprobs * weights).sum()
    return loss, {"custom/neg_ll:sum": loss}


def two_data() -> list[types.Datum]:
    return [text_datum(), text_datum("a shorter one")]


def logprobs_of(client: tinker.TrainingClient, data: list[types.Datum]) -> list[Any]:
    plain = [types.Datum(d.model_input, {"target_tokens": d.loss_fn_inputs["target_tokens"]}) for d in data]
    output = client.forward(plain, "cross_entropy").result()
    return [
        torch.tensor(o["logprobs"].to_numpy()).reshape(d.loss_fn_inputs["target_tokens"].shape or [-1])
        for o, d in zip(output.loss_fn_outputs, data, strict=True)
    ]


def test_the_docstring_example_trains_as_the_same_python_loss(own: tinker.ServiceClient) -> None:
    handle = own.create_custom_loss(neg_ll, {"logprobs": 1, "weights": 1}).result(60)
    assert isinstance(handle, tinker.LossHandle)
    assert handle.name == "neg_ll" and handle.loss_id is None and handle.input_names == ("weights",)
    assert [(i.name, i.rank) for i in handle.inputs] == [("logprobs", 1), ("weights", 1)]
    assert handle.session_id == own.holder.known_session_id

    def python_loss(data: list[types.Datum], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        loss = -sum((d.loss_fn_inputs["weights"].to_torch() * lp).sum() for d, lp in zip(data, logprobs, strict=True))
        return loss, {"custom/neg_ll:sum": float(loss.detach())}

    ours = own.create_lora_training_client(TINY, rank=4, seed=5).result()
    theirs = own.create_lora_training_client(TINY, rank=4, seed=5).result()
    data = two_data()
    by_handle = ours.forward_backward_custom(data, handle).result(120)
    by_function = theirs.forward_backward_custom(data, python_loss).result(120)
    assert by_handle.metrics["loss:sum"] == pytest.approx(by_function.metrics["loss:sum"], rel=1e-5)
    assert by_handle.metrics["custom/neg_ll:sum"] == pytest.approx(by_handle.metrics["loss:sum"], rel=1e-5)
    assert by_handle.metrics["custom/neg_ll:sum"] > 0
    for client in (ours, theirs):
        client.optim_step(types.AdamParams(learning_rate=0.05)).result(60)
    after_ours = ours.forward(data, "cross_entropy").result().metrics["loss:sum"]
    after_theirs = theirs.forward(data, "cross_entropy").result().metrics["loss:sum"]
    assert after_ours == pytest.approx(after_theirs, rel=1e-4)
    assert after_ours < by_handle.metrics["loss:sum"]  # the gradient went through: the step lowered the loss


def test_metrics_combine_by_their_suffix(own: tinker.ServiceClient) -> None:
    def summary(logprobs: Any) -> Any:
        return -logprobs.sum(), {
            "custom/total:sum": -logprobs.sum(),
            "custom/average:mean": logprobs.mean(),
            "custom/count:sum": logprobs.new_ones(()),
        }

    handle = own.create_custom_loss(summary, {"logprobs": 1}).result(60)
    client = own.create_lora_training_client(TINY, rank=4, seed=6).result()
    data = [*two_data(), text_datum("and a third, of yet another length")]
    logprobs = logprobs_of(client, data)
    output = client.forward_backward_custom(data, handle).result(120)
    assert output.metrics["custom/count:sum"] == 3
    total = -sum(float(lp.sum()) for lp in logprobs)
    assert output.metrics["custom/total:sum"] == pytest.approx(total, rel=1e-4)
    assert output.metrics["loss:sum"] == pytest.approx(total, rel=1e-4)
    mean = sum(float(lp.mean()) for lp in logprobs) / 3
    assert output.metrics["custom/average:mean"] == pytest.approx(mean, rel=1e-4)
    assert "surrogate_loss:sum" in output.metrics


def test_rank_2_and_rank_0_inputs(own: tinker.ServiceClient) -> None:
    def mixed(logprobs: Any, mix: Any, scale: Any) -> Any:
        loss = -(logprobs * mix).sum() * scale
        return loss, {"custom/mixed:mean": loss}

    handle = own.create_custom_loss(mixed, {"logprobs": 2, "mix": 2, "scale": 0}).result(60)
    client = own.create_lora_training_client(TINY, rank=4, seed=7).result()
    tokens = [*b"two targets a position", 256]
    targets = np.array([[t, (t + 1) % 256] for t in tokens[1:]], dtype=np.int64)
    mix = np.random.default_rng(0).random(targets.shape, dtype=np.float32)
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(targets),
            "mix": types.TensorData.from_numpy(mix),
            "scale": types.TensorData.from_numpy(np.array(0.5, dtype=np.float32)),
        },
    )
    (logprobs,) = logprobs_of(client, [datum])
    assert tuple(logprobs.shape) == targets.shape
    output = client.forward_backward_custom([datum], handle).result(120)
    expected = float(-(logprobs * torch.from_numpy(mix)).sum() * 0.5)
    assert output.metrics["loss:sum"] == pytest.approx(expected, rel=1e-4)
    assert output.metrics["custom/mixed:mean"] == pytest.approx(expected, rel=1e-4)
    # data that does not match the declared ranks, or lacks an input, is refused before anything is sent
    with pytest.raises(ValueError, match=r"loss_fn_inputs\['target_tokens'\] has rank 1.*logprobs with rank 2"):
        client.forward_backward_custom([text_datum()], handle)
    with pytest.raises(ValueError, match=r"no loss_fn_inputs\['mix'\]"):
        client.forward_backward_custom(
            [types.Datum(datum.model_input, {"target_tokens": datum.loss_fn_inputs["target_tokens"]})], handle
        )


def test_create_custom_loss_refuses_what_cannot_be_a_traced_loss(own: tinker.ServiceClient) -> None:
    def branches(logprobs: Any) -> Any:
        if logprobs.sum() > 0:
            return logprobs.sum(), {}
        return -logprobs.sum(), {}

    def uses_a_module(logprobs: Any) -> Any:
        return torch.nn.Softplus()(logprobs).sum(), {}

    captured = torch.ones(3)

    def captures(logprobs: Any) -> Any:
        return (logprobs * captured).sum(), {}

    def leaves_torch(logprobs: Any) -> Any:
        return logprobs.sum(), {"custom/x:sum": logprobs.sum().item()}

    def misnamed_metric(logprobs: Any) -> Any:
        return logprobs.sum(), {"x": logprobs.sum()}

    with pytest.raises(ValueError, match=r"branches cannot be traced by torch\.fx.*branch on tensor values"):
        own.create_custom_loss(branches, {"logprobs": 1})
    with pytest.raises(ValueError, match=r"torch.nn module \(Softplus\)"):
        own.create_custom_loss(uses_a_module, {"logprobs": 1})
    with pytest.raises(ValueError, match="captures a tensor"):
        own.create_custom_loss(captures, {"logprobs": 1})
    with pytest.raises(ValueError, match="item"):
        own.create_custom_loss(leaves_torch, {"logprobs": 1})
    with pytest.raises(ValueError, match="custom/<name>:sum"):
        own.create_custom_loss(misnamed_metric, {"logprobs": 1})
    with pytest.raises(ValueError, match=r"input_ranks must give the rank of each parameter.*\['logprobs', 'weight'\]"):
        own.create_custom_loss(neg_ll, {"logprobs": 1, "weight": 1})

    def no_logprobs(weights: Any) -> Any:
        return weights.sum(), {}

    with pytest.raises(ValueError, match="logprobs first"):
        own.create_custom_loss(no_logprobs, {"weights": 1})
    with pytest.raises(ValueError, match="logprobs has rank 1"):
        own.create_custom_loss(neg_ll, {"logprobs": 0, "weights": 1})


def test_a_session_makes_each_loss_once_and_uses_only_its_own(
    own: tinker.ServiceClient, service: tinker.ServiceClient
) -> None:
    def hinge(logprobs: Any, weights: Any) -> Any:
        return (weights - logprobs).clamp(min=0).sum(), {}

    mine = own.create_custom_loss(hinge, {"logprobs": 1, "weights": 1}).result(60)
    with pytest.raises(ValueError, match="already made 'hinge'"):
        own.create_custom_loss(hinge, {"logprobs": 1, "weights": 1}).result(60)
    theirs = service.create_custom_loss(hinge, {"logprobs": 1, "weights": 1}).result(60)
    assert theirs.session_id != mine.session_id
    client = own.create_lora_training_client(TINY, rank=4, seed=8).result()
    with pytest.raises(ValueError, match=f"made in session {theirs.session_id}; only clients of that session"):
        client.forward_backward_custom([text_datum()], theirs)
    assert client.forward_backward_custom([text_datum()], mine).result(120).metrics["loss:sum"] >= 0
