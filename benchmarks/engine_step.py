"""Benchmark: the local server and its engine against raw in-process torch doing the same math, side by side.

Run ``python benchmarks/engine_step.py``. Goals: a training step (forward_backward cross_entropy + optim_step)
through the server over HTTP costs at most 1.15x the raw torch step on the same model and batch (the engine alone
is reported too), and the sampler keeps at least 0.8x its tokens/s when generating 256 tokens instead of 32 (the
KV cache keeps per-token cost flat).

Each comparison is a list of named callables timed in alternating order, so drift and warm-up hit them alike; the
first losses of all variants must agree, which shows they do the same math. ``--json PATH`` writes the figures.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import torch
import torch.nn.functional as F

from tinker.local import LocalServer
from tinker.local.engine import AdamSpec, Engine, Example, LoraSpec, SampleSpec
from tinker.local.engine._lora import LORA_ALPHA
from tinker.local.engine._model import BaseModel
from tinker_api.proto import tinker_public_pb2 as pb

Variant = tuple[str, Callable[[], object]]


@dataclass(frozen=True)
class Setup:
    model: str
    batch: int
    length: int
    rank: int
    adam: AdamSpec


def time_alternating(variants: list[Variant], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Seconds per call for each variant; the order flips every round so no variant always runs first."""
    for _ in range(warmup):
        for _, run in variants:
            run()
    times: dict[str, list[float]] = {name: [] for name, _ in variants}
    for round_index in range(repeats):
        ordered = variants if round_index % 2 == 0 else variants[::-1]
        for name, run in ordered:
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def make_batch(setup: Setup, vocab_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random byte sequences: inputs and their next-token targets, (batch, length) each."""
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, vocab_size - 1, (setup.batch, setup.length + 1), generator=generator)
    return tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()


def raw_torch_step(model: BaseModel, setup: Setup, inputs: torch.Tensor, targets: torch.Tensor) -> Callable[[], float]:
    """The training step written directly in torch (PEFT-style LoRA, torch.optim.AdamW) on the engine's base weights.

    The LoRA factors are drawn in the engine's order from the same seed, so the first losses of both sides agree.
    """
    config, weights = model.config, model.weights
    d, heads, head_dim = config.d_model, config.n_heads, config.head_dim
    scale = LORA_ALPHA / setup.rank
    generator = torch.Generator().manual_seed(1)
    targets_ = [
        name for name in weights if name.endswith((".q", ".k", ".v", ".o", ".up", ".down")) or name == "unembed"
    ]
    lora_a = {
        n: ((torch.rand(setup.rank, weights[n].shape[1], generator=generator) * 2 - 1) * weights[n].shape[1] ** -0.5)
        .to(model.device)
        .requires_grad_()
        for n in targets_
    }
    lora_b = {
        n: torch.zeros(weights[n].shape[0], setup.rank, device=model.device, requires_grad=True) for n in targets_
    }
    optimizer = torch.optim.AdamW(
        [*lora_a.values(), *lora_b.values()],
        lr=setup.adam.learning_rate,
        betas=(setup.adam.beta1, setup.adam.beta2),
        eps=setup.adam.eps,
        weight_decay=setup.adam.weight_decay,
    )
    positions = torch.arange(setup.length, dtype=torch.float32, device=model.device)
    freqs = config.rope_base ** (
        -torch.arange(head_dim // 2, device=model.device, dtype=torch.float32) / (head_dim // 2)
    )
    angles = torch.outer(positions, freqs).repeat(1, 2)
    cos, sin = angles.cos(), angles.sin()
    inputs, targets = inputs.to(model.device), targets.to(model.device)

    def proj(name: str, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, weights[name]) + F.linear(F.linear(x, lora_a[name]), lora_b[name]) * scale

    def rope(x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=-1)
        return x * cos + torch.cat((-x2, x1), dim=-1) * sin

    def step() -> float:
        batch, length = inputs.shape
        x = weights["embed"][inputs]
        for layer in range(config.n_layers):
            prefix = f"layers.{layer}"
            h = F.rms_norm(x, (d,), weights[f"{prefix}.attn_norm"], config.norm_eps)
            q, k, v = (
                proj(f"{prefix}.attn.{p}", h).view(batch, length, heads, head_dim).transpose(1, 2) for p in "qkv"
            )
            attn = F.scaled_dot_product_attention(rope(q), rope(k), v, is_causal=True)
            x = x + proj(f"{prefix}.attn.o", attn.transpose(1, 2).reshape(batch, length, d))
            h = F.rms_norm(x, (d,), weights[f"{prefix}.mlp_norm"], config.norm_eps)
            x = x + proj(f"{prefix}.mlp.down", F.gelu(proj(f"{prefix}.mlp.up", h)))
        x = F.rms_norm(x, (d,), weights["final_norm"], config.norm_eps)
        logits = proj("unembed", x)
        loss = F.cross_entropy(logits.view(-1, config.vocab_size), targets.view(-1), reduction="sum")
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        optimizer.step()
        return float(loss.detach())

    return step


def training_variants(engine: Engine, setup: Setup) -> tuple[list[Variant], float, float]:
    """The raw torch step first (the baseline of the ratios), then the engine's; also the first loss of each."""
    model = engine._model(setup.model)  # the benchmark reuses the engine's frozen weights for the raw baseline
    inputs, targets = make_batch(setup, model.config.vocab_size)
    raw = raw_torch_step(model, setup, inputs, targets)
    trainer = engine.create_trainer(setup.model, LoraSpec(rank=setup.rank, seed=1))
    data = [
        Example(tokens=row_inputs.numpy(), loss_fn_inputs={"target_tokens": row_targets.numpy()})
        for row_inputs, row_targets in zip(inputs, targets, strict=True)
    ]

    def engine_step() -> float:
        result = trainer.forward_backward(data, "cross_entropy", {}, forward_only=False)
        trainer.optim_step(setup.adam)
        return result.metrics["loss:sum"]

    # Same weights, same init, same batch: the first losses must agree, which shows both sides do the same math.
    raw_loss, engine_loss = raw(), engine_step()
    return [("raw torch", raw), ("engine", engine_step)], raw_loss, engine_loss


def server_variant(server_url: str, api_key: str, setup: Setup, inputs: torch.Tensor, targets: torch.Tensor) -> Variant:
    """The same step through the local server over HTTP: a protobuf forward_backward and an optim_step, each
    submitted and then fetched with retrieve_future, as a client does."""
    client = httpx.Client(base_url=server_url, headers={"X-API-Key": api_key}, timeout=120)

    def call(path: str, **kwargs: object) -> httpx.Response:
        response = client.post(f"/api/v1/{path}", **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response

    def result(future: httpx.Response, accept: str) -> httpx.Response:
        while True:
            answer = call(
                "retrieve_future", json={"request_id": future.json()["request_id"]}, headers={"Accept": accept}
            )
            is_json = answer.headers["content-type"].startswith("application/json")
            if not (is_json and answer.json().get("type") == "try_again"):
                return answer

    session = call("create_session", json={"tags": [], "user_metadata": {}, "sdk_version": "bench"}).json()
    created = call(
        "create_model",
        json={
            "session_id": session["session_id"],
            "model_seq_id": 0,
            "base_model": setup.model,
            "lora_config": {"rank": setup.rank, "seed": 1},
        },
    )
    model_id = result(created, "application/json").json()["model_id"]
    seq = iter(range(1, 1_000_000))
    adam = {
        "learning_rate": setup.adam.learning_rate,
        "beta1": setup.adam.beta1,
        "beta2": setup.adam.beta2,
        "eps": setup.adam.eps,
        "weight_decay": setup.adam.weight_decay,
    }

    def request(seq_id: int) -> bytes:
        message = pb.ForwardBackwardRequest(model_id=model_id, seq_id=seq_id, loss_fn="cross_entropy")
        for row_inputs, row_targets in zip(inputs, targets, strict=True):
            datum = message.data.add()
            datum.model_input.add().encoded_text.tokens = row_inputs.numpy().astype("<i4").tobytes()
            datum.loss_fn_inputs["target_tokens"].CopyFrom(
                pb.Tensor(
                    dense=row_targets.numpy().astype("<i8").tobytes(), dtype=pb.DTYPE_INT64, shape=[len(row_targets)]
                )
            )
        return message.SerializeToString()

    def step() -> float:
        body = request(next(seq))
        future = call("forward_backward", content=body, headers={"Content-Type": "application/x-protobuf"})
        optim = call("optim_step", json={"model_id": model_id, "seq_id": next(seq), "adam_params": adam})
        output = pb.ForwardBackwardOutput.FromString(result(future, "application/x-protobuf").content)
        result(optim, "application/json")
        return float(output.metrics["loss:sum"])

    return "server (HTTP, protobuf)", step


def sampler_variants(
    engine: Engine, setup: Setup, num_samples: int, prompt_length: int
) -> list[tuple[str, int, Callable[[], object]]]:
    """The same sampling request for 32 and for 256 new tokens (name, tokens per sample, callable)."""
    sampler = engine.create_sampler(setup.model)
    prompt = np.arange(prompt_length, dtype=np.int64) % 256
    variants: list[tuple[str, int, Callable[[], object]]] = []
    for max_tokens in (32, 256):
        spec = SampleSpec(prompt=prompt, num_samples=num_samples, max_tokens=max_tokens, stop_tokens=(), seed=0)
        variants.append((f"sample {max_tokens} tokens", max_tokens, functools.partial(sampler.sample, spec)))
    return variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tinker-local/small")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--device", default=None)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    engine = Engine(device=args.device)
    setup = Setup(args.model, args.batch, args.length, args.rank, AdamSpec(learning_rate=1e-4))
    print(
        f"# Engine benchmark: {setup.model} on {engine.device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads\n"
    )

    variants, raw_loss, engine_loss = training_variants(engine, setup)
    if not np.isclose(raw_loss, engine_loss, rtol=1e-4):
        raise SystemExit(f"the raw and engine steps disagree: loss {raw_loss} vs {engine_loss}")
    inputs, targets = make_batch(setup, engine.base_model(setup.model).vocab_size)
    with tempfile.TemporaryDirectory() as data_dir, LocalServer(data_dir, api_keys=("tml-bench",)) as server:
        name, server_step = server_variant(server.base_url, "tml-bench", setup, inputs, targets)
        server_loss = server_step()
        if not np.isclose(raw_loss, server_loss, rtol=1e-4):
            raise SystemExit(f"the raw and server steps disagree: loss {raw_loss} vs {server_loss}")
        variants.append((name, server_step))
        times = time_alternating(variants, args.repeats)
    baseline = statistics.median(times[variants[0][0]])
    print(
        f"Training step: {setup.batch} sequences x {setup.length} tokens, LoRA rank {setup.rank}, "
        f"{args.repeats} alternating repeats (first losses {raw_loss:.2f} / {engine_loss:.2f})\n"
    )
    print("| variant | median s | min s | ratio to raw torch |")
    print("|---|---|---|---|")
    for name, _ in variants:
        median = statistics.median(times[name])
        print(f"| {name} | {median:.3f} | {min(times[name]):.3f} | {median / baseline:.3f} |")
    step_ratio = statistics.median(times["engine"]) / baseline
    server_ratio = statistics.median(times[variants[2][0]]) / baseline

    sampling = sampler_variants(engine, setup, args.num_samples, prompt_length=32)
    sample_times = time_alternating([(name, run) for name, _, run in sampling], args.repeats)
    rates = {name: args.num_samples * tokens / statistics.median(sample_times[name]) for name, tokens, _ in sampling}
    print(f"\nSampling: {args.num_samples} samples of a 32-token prompt, no stop tokens\n")
    print("| variant | median s | tokens/s |")
    print("|---|---|---|")
    for name, _, _ in sampling:
        print(f"| {name} | {statistics.median(sample_times[name]):.3f} | {rates[name]:.0f} |")
    rate_ratio = rates[sampling[1][0]] / rates[sampling[0][0]]

    print("\n| goal | measured | met |")
    print("|---|---|---|")
    print(f"| server step / raw torch step <= 1.15 | {server_ratio:.3f} | {'yes' if server_ratio <= 1.15 else 'NO'} |")
    print(f"| engine step / raw torch step <= 1.15 | {step_ratio:.3f} | {'yes' if step_ratio <= 1.15 else 'NO'} |")
    print(f"| tokens/s at 256 / at 32 >= 0.8 | {rate_ratio:.3f} | {'yes' if rate_ratio >= 0.8 else 'NO'} |")
    if args.json:
        figures: dict[str, Any] = {
            "settings": {
                "model": setup.model,
                "batch": setup.batch,
                "length": setup.length,
                "rank": setup.rank,
                "repeats": args.repeats,
                "num_samples": args.num_samples,
                "device": str(engine.device),
                "threads": torch.get_num_threads(),
            },
            "training_s": {
                name: {"median": statistics.median(times[name]), "min": min(times[name])} for name, _ in variants
            },
            "sampling": {
                str(tokens): {"median_s": statistics.median(sample_times[name]), "tokens_per_s": rates[name]}
                for name, tokens, _ in sampling
            },
            "p4": {"server_ratio": server_ratio, "engine_ratio": step_ratio, "met": server_ratio <= 1.15},
            "p5": {"ratio": rate_ratio, "met": rate_ratio >= 0.8},
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
