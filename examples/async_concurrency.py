"""Many requests in flight: sampling concurrently with asyncio, and training steps submitted ahead.

Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse
import asyncio
import time

import tinker
from tinker.embedded import connect


async def run(connection, model: str, requests: int) -> None:
    service = connection.service_client()
    training = await service.create_lora_training_client(model, rank=8)
    sampler = await training.save_weights_and_get_sampling_client()
    tokenizer = sampler.get_tokenizer()
    params = tinker.SamplingParams(max_tokens=8, temperature=1.0)

    started = time.perf_counter()
    prompts = [tinker.ModelInput.from_ints(tokenizer.encode(f"Story {i}:")) for i in range(requests)]
    results = await asyncio.gather(*(sampler.sample(p, 2, params) for p in prompts))
    print(f"{requests} sample requests in flight at once: {time.perf_counter() - started:.2f}s")
    if len(results) != requests or any(len(r.sequences) != 2 for r in results):
        raise SystemExit("missing samples")

    data = [
        tinker.Datum(
            model_input=tinker.ModelInput.from_ints(p.to_ints()[:-1]), loss_fn_inputs={"target_tokens": p.to_ints()[1:]}
        )
        for p in prompts
    ]
    futures = []
    for _ in range(5):
        futures.append(training.forward_backward(data, "cross_entropy"))
        futures.append(training.optim_step(tinker.AdamParams(learning_rate=1e-3)))
    outcomes = await asyncio.gather(*futures)
    losses = [o.metrics["loss:sum"] for o in outcomes[0::2]]
    print("losses of 5 steps submitted ahead:", [round(loss, 2) for loss in losses])
    if not losses[-1] < losses[0]:
        raise SystemExit("the loss did not fall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        asyncio.run(run(connection, connection.model(args.model, "tinker-local/tiny"), args.requests))


if __name__ == "__main__":
    main()
