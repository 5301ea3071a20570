"""Reinforcement learning: sample, score, and train on the samples with importance_sampling (or ppo).

The task: answer in lowercase letters; the reward is the share of them, and it rises as the policy learns.
Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
Each iteration's samples are seeded from --seed, so a run repeats exactly on the same machine.
"""

import argparse
import string
from typing import Any

import numpy as np

import tinker
from tinker.embedded import connect

PROMPT = "Write:"
MAX_TOKENS = 8


def reward(tokenizer: Any, tokens: list[int]) -> float:
    """The share of the answer's characters that are lowercase letters.

    Dense from the first iteration: a group of untrained samples almost always holds some, so the advantages are
    not all zero and there is something to train on (one target letter is often absent from every sample, and then
    nothing is ever trained). The text is decoded without special tokens: ``<|endoftext|>`` is not an answer.
    """
    text = tokenizer.decode(tokens, skip_special_tokens=True)
    return sum(c in string.ascii_lowercase for c in text) / max(len(text), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--loss", choices=["importance_sampling", "ppo"], default="importance_sampling")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    seeds = np.random.default_rng(args.seed)
    with connect(args.local) as connection:
        service = connection.service_client()
        training = service.create_lora_training_client(
            connection.model(args.model, "tinker-local/tiny"), rank=16
        ).result()
        tokenizer = training.get_tokenizer()
        prompt = tinker.ModelInput.from_ints(tokenizer.encode(PROMPT))
        rewards_by_iteration = []
        for iteration in range(args.iterations):
            params = tinker.SamplingParams(max_tokens=MAX_TOKENS, temperature=1.0, seed=int(seeds.integers(2**31)))
            sampler = training.save_weights_and_get_sampling_client().result()
            result = sampler.sample(prompt, args.group_size, params).result()
            rewards = np.array([reward(tokenizer, s.tokens) for s in result.sequences])
            advantages = rewards - rewards.mean()
            rewards_by_iteration.append(float(rewards.mean()))
            print(f"iteration {iteration:2d}  mean reward {rewards.mean():.3f}")
            data = []
            n_prompt = prompt.length - 1
            for sequence, advantage in zip(result.sequences, advantages, strict=True):
                if not sequence.tokens or advantage == 0:
                    continue
                tokens = sequence.tokens
                data.append(
                    tinker.Datum(
                        model_input=prompt.append(tinker.EncodedTextChunk(tokens=tokens[:-1])),
                        loss_fn_inputs={
                            "target_tokens": np.array([0] * n_prompt + tokens),
                            "logprobs": np.array([0.0] * n_prompt + list(sequence.logprobs), dtype=np.float32),
                            "advantages": np.array([0.0] * n_prompt + [advantage] * len(tokens), dtype=np.float32),
                        },
                    )
                )
            if data:
                training.forward_backward(data, args.loss)
                training.optim_step(tinker.AdamParams(learning_rate=2e-2)).result()
        start, end = np.mean(rewards_by_iteration[:3]), np.mean(rewards_by_iteration[-3:])
        print(f"mean reward: first iterations {start:.3f}, last iterations {end:.3f}")
        if not end > start:
            raise SystemExit("the reward did not rise")


if __name__ == "__main__":
    main()
