"""Supervised fine-tuning: a training loop with pipelined forward_backward and optim_step, then evaluation.

Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse

import numpy as np

import tinker
from tinker.embedded import connect

TEXTS = [
    "The cat sat on the mat.",
    "The dog slept by the door.",
    "A bird sang in the tree.",
    "The sun rose over the hills.",
]


def datum(tokenizer, text: str) -> tinker.Datum:
    tokens = np.array([*tokenizer.encode(text), tokenizer.eos_token_id])
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1].tolist()),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": np.ones(len(tokens) - 1, dtype=np.float32)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        service = connection.service_client()
        training = service.create_lora_training_client(
            connection.model(args.model, "tinker-local/tiny"), rank=16
        ).result()
        tokenizer = training.get_tokenizer()
        batch = [datum(tokenizer, text) for text in TEXTS]
        tokens = sum(d.model_input.length for d in batch)
        losses = []
        # Submit the next step before waiting for this one: the server runs them in order, back to back.
        pending = training.forward_backward(batch, "cross_entropy")
        for step in range(args.steps):
            training.optim_step(tinker.AdamParams(learning_rate=1e-2))
            following = training.forward_backward(batch, "cross_entropy") if step + 1 < args.steps else None
            losses.append(pending.result().metrics["loss:sum"] / tokens)
            print(f"step {step:3d}  loss per token {losses[-1]:.4f}")
            pending = following
        evaluation = training.forward(batch, "cross_entropy").result()
        print(f"after training: loss per token {evaluation.metrics['loss:sum'] / tokens:.4f}")
        if not losses[-1] < 0.5 * losses[0]:
            raise SystemExit("the loss did not fall")


if __name__ == "__main__":
    main()
