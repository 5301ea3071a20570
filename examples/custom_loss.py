"""A custom loss, run client-side: a DPO-style pairwise preference loss with forward_backward_custom.

The server computes each datum's logprobs; the loss and its gradient are computed here with torch. Needs torch.
Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse

import torch
import torch.nn.functional as F

import tinker
from tinker.embedded import connect

PAIRS = [
    ("Q: Is the sky blue?\nA:", " Yes.", " No."),
    ("Q: Is fire cold?\nA:", " No.", " Yes."),
]


def datum(tokenizer, prompt: str, completion: str) -> tinker.Datum:
    prompt_tokens, completion_tokens = tokenizer.encode(prompt), tokenizer.encode(completion)
    tokens = prompt_tokens + completion_tokens
    weights = [0.0] * (len(prompt_tokens) - 1) + [1.0] * len(completion_tokens)
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": torch.tensor(tokens[1:]), "weights": torch.tensor(weights)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--beta", type=float, default=0.5)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        service = connection.service_client()
        training = service.create_lora_training_client(
            connection.model(args.model, "tinker-local/tiny"), rank=8
        ).result()
        tokenizer = training.get_tokenizer()
        data = [datum(tokenizer, p, c) for p, chosen, rejected in PAIRS for c in (chosen, rejected)]
        masks = [d.loss_fn_inputs["weights"].to_torch() for d in data]

        def sequence_logprobs(logprobs: list[torch.Tensor]) -> torch.Tensor:
            return torch.stack([(lp * mask).sum() for lp, mask in zip(logprobs, masks, strict=True)])

        reference = sequence_logprobs(
            [o["logprobs"].to_torch() for o in training.forward(data, "cross_entropy").result().loss_fn_outputs]
        )

        def dpo_loss(data: list[tinker.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
            ratios = sequence_logprobs(logprobs) - reference
            margins = args.beta * (ratios[0::2] - ratios[1::2])
            loss = -F.logsigmoid(margins).sum()
            return loss, {"dpo_margin:mean": float(margins.mean().detach())}

        margins = []
        for step in range(args.steps):
            result = training.forward_backward_custom(data, dpo_loss).result()
            training.optim_step(tinker.AdamParams(learning_rate=5e-3)).result()
            margins.append(result.metrics["dpo_margin:mean"])
            print(f"step {step:2d}  preference margin {margins[-1]:+.4f}")
        if not margins[-1] > margins[0]:
            raise SystemExit("the model did not learn the preferences")


if __name__ == "__main__":
    main()
