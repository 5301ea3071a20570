"""``tinker demo``: fine-tune a model on a small question-answer set, then sample from it.

It uses only the public client API, as a user's program would. Without TINKER_BASE_URL (or with ``--local``)
it starts the embedded local server first, so it runs offline; with TINKER_BASE_URL and TINKER_API_KEY set it
trains on that server instead (pass ``--model`` a model that server has).
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from typing import Any

import numpy as np

PROMPT = "Question: {question}\nAnswer:"
LOCAL_MODEL = "tinker-local/small"


def load_examples() -> list[dict[str, str]]:
    text = resources.files("tinker").joinpath("data/demo_sft.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def datum(tokenizer: Any, example: dict[str, str]) -> Any:
    """Prompt tokens weighted 0, answer tokens (and the end-of-text token) weighted 1."""
    import tinker

    prompt = tokenizer.encode(PROMPT.format(**example))
    answer = [*tokenizer.encode(" " + example["answer"]), tokenizer.eos_token_id]
    tokens = np.array(prompt + answer, dtype=np.int64)
    weights = np.array([0.0] * len(prompt) + [1.0] * len(answer), dtype=np.float32)
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1].tolist()),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": weights[1:]},
    )


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import tinker
    from tinker.embedded import connect

    examples = load_examples()
    with connect(args.local) as connection:
        model = connection.model(args.model, LOCAL_MODEL)
        service = connection.service_client()
        print(f"Fine-tuning {model} (LoRA rank {args.rank}) on {len(examples)} question-answer pairs")
        training = service.create_lora_training_client(model, rank=args.rank, seed=args.seed).result()
        tokenizer = training.get_tokenizer()
        batch = [datum(tokenizer, example) for example in examples]
        answer_tokens = sum(float(np.sum(d.loss_fn_inputs["weights"].to_numpy())) for d in batch)
        adam = tinker.AdamParams(learning_rate=args.learning_rate)
        first = last = 0.0
        with tqdm(range(args.steps), desc="training", unit="step") as progress:
            for _ in progress:
                backward = training.forward_backward(batch, "cross_entropy")
                training.optim_step(adam).result()
                last = backward.result().metrics["loss:sum"] / answer_tokens
                first = first or last
                progress.set_postfix(loss=f"{last:.3f}")
        print(f"Loss per answer token: {first:.3f} -> {last:.3f}")

        checkpoint = training.save_state(args.name).result().path
        print(f"Saved the trained weights as {checkpoint}")
        sampler = training.save_weights_and_get_sampling_client().result()
        params = tinker.SamplingParams(max_tokens=24, temperature=0.0, stop=["\n"])
        print("\nSamples from the trained weights (greedy):")
        for example in examples[: args.samples]:
            prompt = tinker.ModelInput.from_ints(tokenizer.encode(PROMPT.format(**example)))
            sequence = sampler.sample(prompt, 1, params).result().sequences[0]
            completion = tokenizer.decode(sequence.tokens, skip_special_tokens=True).strip()
            print(f"  {example['question']}  ->  {completion!r}  (expected {example['answer']!r})")
        service.close("success").result()
    if last > first * 0.5:
        print("The loss did not halve; something is wrong.")
        return 1
    return 0
