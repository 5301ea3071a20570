"""Observability: the SDK's events and metrics beside the server's /metrics for the same short training loop.

Runs offline: without TINKER_BASE_URL it starts the embedded local server. It attaches an event handler
(``tinker.telemetry``), trains a few steps and samples, then prints this client's metrics (``service.metrics``:
requests, retries, futures, latency and server queue time percentiles) and, per operation, the requests the SDK
counted beside those the server's Prometheus endpoint counted.
"""

import argparse
import collections

import httpx
import numpy as np

import tinker
from tinker.embedded import connect

TEXTS = ["The cat sat on the mat.", "The dog slept by the door.", "A bird sang in the tree."]


def datum(tokenizer, text: str) -> tinker.Datum:
    tokens = np.array([*tokenizer.encode(text), tokenizer.eos_token_id])
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1].tolist()),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": np.ones(len(tokens) - 1, dtype=np.float32)},
    )


def server_requests(base_url: str, api_key: str | None) -> dict[str, float] | None:
    """Requests by operation from the server's /metrics (Prometheus text), or None where it has none."""
    from prometheus_client.parser import text_string_to_metric_families

    answer = httpx.get(base_url.rstrip("/") + "/metrics", headers={"X-API-Key": api_key or ""})
    if answer.status_code != 200:
        return None
    counts: dict[str, float] = collections.Counter()
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "tinker_server_requests_total":
                counts[sample.labels["operation"]] += sample.value
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    events: collections.Counter[str] = collections.Counter()
    handler = tinker.telemetry.attach(lambda event: events.update([event.name]))
    with connect(args.local) as connection:
        with connection.service_client() as service:
            training = service.create_lora_training_client(
                connection.model(args.model, "tinker-local/tiny"), rank=8
            ).result()
            tokenizer = training.get_tokenizer()
            data = [datum(tokenizer, text) for text in TEXTS]
            for step in range(args.steps):
                backward = training.forward_backward(data, "cross_entropy")
                optim = training.optim_step(tinker.AdamParams(learning_rate=1e-3))
                backward.result(), optim.result()
                print(f"step {step}: done")
            sampler = training.save_weights_and_get_sampling_client("observability").result()
            prompt = tinker.ModelInput.from_ints(tokenizer.encode("The cat"))
            sampler.sample(prompt, 2, tinker.SamplingParams(max_tokens=8)).result()
        # the ServiceClient is closed: its session finished, its telemetry batch sent; every figure is final
        tinker.telemetry.detach(handler)
        snapshot = service.metrics.snapshot()
        print("\nEvents seen by the handler:", dict(sorted(events.items())))
        print("\nThis ServiceClient's metrics (service.metrics.snapshot()):\n")
        print(snapshot)
        on_server = server_requests(connection.base_url or "", connection.api_key) if connection.local else None
        if on_server is None:
            print("\n(the server has no /metrics to compare with)")
            return
        mine: dict[str, float] = collections.Counter()
        for row in snapshot["counters"]:
            if row["name"] == "requests":
                mine[row["labels"]["operation"]] += row["value"]
        print("\nRequests by operation: the SDK's count beside the server's /metrics (tinker_server_requests_total)\n")
        width = max(len(name) for name in {*mine, *on_server})
        print(f"{'operation':<{width}}  {'sdk':>5}  {'server':>6}")
        for operation in sorted({*mine, *on_server}):
            note = "  (this scrape)" if operation == "metrics" else ""
            print(f"{operation:<{width}}  {mine.get(operation, 0):>5.0f}  {on_server.get(operation, 0):>6.0f}{note}")
        differ = [op for op in mine if op != "metrics" and mine[op] != on_server.get(op, 0)]
        print("\nThe counts agree." if not differ else f"\nThe counts differ for {differ}.")


if __name__ == "__main__":
    main()
