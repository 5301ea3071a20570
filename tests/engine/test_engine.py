"""The engine's catalogue, LoRA configs, shared base weights, and samplers made from adapters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tinker.local.engine import ByteTokenizer, Engine, EngineInputError, Example, LoraSpec, SampleSpec

from ._helpers import TINY, perturbed_trainer


def test_base_models_are_listed_with_their_facts(engine: Engine) -> None:
    infos = {info.name: info for info in engine.base_models()}
    assert set(infos) == {"tinker-local/tiny", "tinker-local/small"}
    for info in infos.values():
        assert info.tokenizer_id == "tinker-local/byte"
        assert info.vocab_size == 257 and info.eos_token_id == 256
        assert info.arch == "tinker-local-transformer"
        assert engine.base_model(info.name) == info
    assert infos["tinker-local/tiny"].max_context_length == 512
    assert infos["tinker-local/small"].max_context_length == 1024


def test_an_unknown_base_model_names_the_available_ones(engine: Engine) -> None:
    for call in (
        lambda: engine.base_model("gpt-5"),
        lambda: engine.create_trainer("gpt-5", LoraSpec(rank=1)),
        lambda: engine.create_sampler("gpt-5"),
    ):
        with pytest.raises(EngineInputError) as raised:
            call()
        assert raised.value.field == "base_model"
        assert "'gpt-5'" in raised.value.message and "tinker-local/tiny" in raised.value.message


@pytest.mark.parametrize(
    ("lora", "words"),
    [
        (LoraSpec(rank=0), "rank"),
        (LoraSpec(rank=4, train_attn=False, train_mlp=False, train_unembed=False), "nothing to train"),
    ],
)
def test_bad_lora_configs_are_refused(engine: Engine, lora: LoraSpec, words: str) -> None:
    for call in (lambda: engine.create_trainer(TINY, lora), lambda: engine.create_sampler(TINY, lora=lora)):
        with pytest.raises(EngineInputError) as raised:
            call()
        assert raised.value.field == "lora_config" and words in raised.value.message


def test_the_lora_flags_choose_the_adapted_layers(engine: Engine) -> None:
    def layers(lora: LoraSpec) -> set[str]:
        return {name.rsplit(".", 1)[0] for name in engine.create_trainer(TINY, lora).state(False)}

    assert layers(LoraSpec(rank=2, train_mlp=False, train_unembed=False)) == {
        f"layers.{i}.attn.{p}" for i in range(2) for p in "qkvo"
    }
    assert layers(LoraSpec(rank=2, train_attn=False, train_unembed=False)) == {
        f"layers.{i}.mlp.{p}" for i in range(2) for p in ("up", "down")
    }
    assert layers(LoraSpec(rank=2, train_attn=False, train_mlp=False)) == {"unembed"}
    state = engine.create_trainer(TINY, LoraSpec(rank=3)).state(False)
    assert state["layers.0.attn.q.lora_A"].shape == (3, 64) and state["unembed.lora_B"].shape == (257, 3)
    assert all(not state[name].any() for name in state if name.endswith("lora_B"))


def test_a_fresh_adapter_is_a_no_op(engine: Engine) -> None:
    tokens = np.array([10, 20, 30, 40, 50, 60], dtype=np.int64)
    trainer = engine.create_trainer(TINY, LoraSpec(rank=4, seed=3))
    result = trainer.forward_backward(
        [Example(tokens[:-1], {"target_tokens": tokens[1:]})], "cross_entropy", {}, forward_only=True
    )
    base = engine.create_sampler(TINY).sample(SampleSpec(prompt=tokens, max_tokens=0, prompt_logprobs=True))
    assert base.prompt_logprobs is not None
    np.testing.assert_allclose(result.outputs[0]["logprobs"], base.prompt_logprobs[1:], atol=1e-5)


def test_trainers_share_one_frozen_copy_of_the_base_weights(engine: Engine) -> None:
    first = engine.create_trainer(TINY, LoraSpec(rank=1))
    second = engine.create_trainer(TINY, LoraSpec(rank=2))
    sampler = engine.create_sampler(TINY)
    assert first._model is second._model is sampler._model
    assert not any(tensor.requires_grad for tensor in first._model.weights.values())
    assert Engine(device="cpu")._model(TINY) is not first._model


def test_sampler_adapters_are_checked(engine: Engine) -> None:
    weights = perturbed_trainer(engine, rank=4).sampler_weights()
    cases = {
        "wrong shape": {**weights, "unembed.lora_B": torch.zeros(257, 5)},
        "unknown layer": {**weights, "layers.9.attn.q.lora_A": torch.zeros(4, 64)},
        "unpaired": {k: v for k, v in weights.items() if k != "unembed.lora_B"},
        "empty": {},
    }
    for tensors in cases.values():
        with pytest.raises(EngineInputError) as raised:
            engine.create_sampler(TINY, adapter=tensors)
        assert raised.value.field == "model_path"
    with pytest.raises(EngineInputError) as raised:
        engine.create_sampler(TINY, lora=LoraSpec(rank=8), adapter=weights)
    assert raised.value.field == "model_path"
    engine.create_sampler(TINY, lora=LoraSpec(rank=4), adapter=weights)


def test_the_byte_tokenizer_round_trips_text_and_renders_eos() -> None:
    tokenizer = ByteTokenizer()
    assert tokenizer.name == "tinker-local/byte" and tokenizer.vocab_size == 257 and tokenizer.eos_token_id == 256
    text = "héllo 🙂 <|endoftext|>"
    ids = tokenizer.encode(text)
    assert all(0 <= i < 256 for i in ids) and len(ids) == len(text.encode())
    assert tokenizer.decode(ids) == text
    assert tokenizer.decode([104, 105, 256, 33]) == "hi<|endoftext|>!"
    assert tokenizer.decode([0xC3]) == "\ufffd"
    with pytest.raises(ValueError, match="257"):
        tokenizer.decode([257])
