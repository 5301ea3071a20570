"""A training script written only against the official tinker 0.38 public API, in the style of
tinker-cookbook's sl_loop and rl_loop, on a small local dataset. The tests run it unchanged against this SDK
and the local server (TINKER_BASE_URL, TINKER_API_KEY and BASE_MODEL come from the environment)."""

import asyncio
import json
import os
from pathlib import Path

import torch

import tinker
from tinker import types

BASE_MODEL = os.environ.get("BASE_MODEL", "tinker-local/tiny")
DATA = [json.loads(line) for line in (Path(__file__).parent / "conversations.jsonl").read_text().splitlines()]


def supervised_datum(tokenizer, prompt: str, completion: str) -> tinker.Datum:
    prompt_tokens = tokenizer.encode(prompt)
    completion_tokens = tokenizer.encode(completion)
    tokens = prompt_tokens + completion_tokens
    weights = [0.0] * len(prompt_tokens) + [1.0] * len(completion_tokens)
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tinker.TensorData(data=tokens[1:], dtype="int64", shape=[len(tokens) - 1]),
            "weights": tinker.TensorData(data=weights[1:], dtype="float32", shape=[len(tokens) - 1]),
        },
    )


async def save_checkpoint(training_client: tinker.TrainingClient, name: str) -> str:
    future = await training_client.save_state_async(name, ttl_seconds=3600)
    return (await future.result_async()).path


def sl_loop(service_client: tinker.ServiceClient) -> tinker.TrainingClient:
    training_client = service_client.create_lora_training_client(base_model=BASE_MODEL, rank=16).result()
    tokenizer = training_client.get_tokenizer()
    batch = [supervised_datum(tokenizer, row["prompt"], row["completion"]) for row in DATA]
    losses = []
    for step in range(25):
        fwd_bwd = training_client.forward_backward(batch, loss_fn="cross_entropy")
        optim = training_client.optim_step(types.AdamParams(learning_rate=1e-2, beta1=0.9, beta2=0.95, eps=1e-8))
        result = fwd_bwd.result()
        optim.result()
        weights = sum(sum(d.loss_fn_inputs["weights"].data) for d in batch)
        logprobs = sum(
            float((o["logprobs"].to_torch() * d.loss_fn_inputs["weights"].to_torch()).sum())
            for o, d in zip(result.loss_fn_outputs, batch, strict=True)
        )
        losses.append(-logprobs / weights)
        if step % 10 == 0:
            print(f"sl step {step}: nll {losses[-1]:.3f}")
    path = asyncio.run(save_checkpoint(training_client, "sl-final"))
    print("saved", path)
    assert losses[-1] < 0.5 * losses[0], losses
    return training_client


def rl_loop(service_client: tinker.ServiceClient, training_client: tinker.TrainingClient) -> None:
    tokenizer = training_client.get_tokenizer()
    for step in range(3):
        sampling_client = training_client.save_weights_and_get_sampling_client()
        futures = []
        for row in DATA:
            prompt = tinker.ModelInput.from_ints(tokenizer.encode(row["prompt"]))
            params = types.SamplingParams(max_tokens=8, stop=["\n"], temperature=1.0)
            futures.append((prompt, row, sampling_client.sample(prompt=prompt, num_samples=4, sampling_params=params)))
        datums = []
        rewards_seen = []
        for prompt, row, future in futures:
            result: types.SampleResponse = future.result()
            rewards = [float(tokenizer.decode(s.tokens).strip() == row["completion"].strip()) for s in result.sequences]
            rewards_seen.extend(rewards)
            mean = sum(rewards) / len(rewards)
            for sequence, reward in zip(result.sequences, rewards, strict=True):
                if not sequence.tokens:
                    continue
                model_input = prompt.append(types.EncodedTextChunk(tokens=sequence.tokens[:-1]))
                n_prompt = prompt.length - 1
                targets = [0] * n_prompt + sequence.tokens
                logprobs = [0.0] * n_prompt + list(sequence.logprobs)
                advantages = [0.0] * n_prompt + [reward - mean] * len(sequence.tokens)
                datums.append(
                    tinker.Datum(
                        model_input=model_input,
                        loss_fn_inputs={
                            "target_tokens": tinker.TensorData.from_torch(torch.tensor(targets)),
                            "logprobs": tinker.TensorData.from_torch(torch.tensor(logprobs)),
                            "advantages": tinker.TensorData.from_torch(torch.tensor(advantages)),
                        },
                    )
                )
        fwd_bwd = training_client.forward_backward(datums, loss_fn="importance_sampling")
        optim = training_client.optim_step(types.AdamParams(learning_rate=1e-3))
        fwd_bwd.result()
        optim.result()
        print(f"rl step {step}: mean reward {sum(rewards_seen) / len(rewards_seen):.2f}")


async def async_style(service_client: tinker.ServiceClient, path: str) -> None:
    training_client = await service_client.create_training_client_from_state_with_optimizer(path)
    sampling_client = await training_client.save_weights_and_get_sampling_client()
    tokenizer = training_client.get_tokenizer()
    prompt = tinker.ModelInput.from_ints(tokenizer.encode(DATA[0]["prompt"]))
    response = await sampling_client.sample(
        prompt=prompt, num_samples=1, sampling_params=types.SamplingParams(max_tokens=8, temperature=0.0)
    )
    print("async sample:", repr(tokenizer.decode(response.sequences[0].tokens)))
    logprobs = await sampling_client.compute_logprobs(prompt)
    assert logprobs[0] is None
    rest_client = tinker.RestClient()
    run = await rest_client.get_training_run_by_tinker_path(path)
    print("resumed from", run.training_run_id, run.base_model)


def main() -> None:
    service_client = tinker.ServiceClient()
    capabilities = tinker.RestClient().get_server_capabilities().result()
    print("models:", [m.model_name for m in capabilities.supported_models])
    training_client = sl_loop(service_client)
    rl_loop(service_client, training_client)
    path = training_client.save_state("final").result().path
    asyncio.run(async_style(service_client, path))
    service_client.close("success").result()
    print("done")


if __name__ == "__main__":
    main()
