"""Sampling basics: a sampling client, sampling parameters, logprobs of a prompt.

Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse
import math

import tinker
from tinker.embedded import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        service = connection.service_client()
        sampler = service.create_sampling_client(base_model=connection.model(args.model, "tinker-local/tiny")).result()
        tokenizer = sampler.get_tokenizer()
        prompt = tinker.ModelInput.from_ints(tokenizer.encode("Once upon a time"))

        params = tinker.SamplingParams(max_tokens=20, temperature=0.8, top_p=0.95, seed=42)
        result = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
        for index, sequence in enumerate(result.sequences):
            print(f"sample {index}: {tokenizer.decode(sequence.tokens)!r} ({sequence.stop_reason})")

        again = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
        if [s.tokens for s in again.sequences] != [s.tokens for s in result.sequences]:
            raise SystemExit("the same seed gave different samples")

        greedy = tinker.SamplingParams(max_tokens=10, temperature=0.0)
        print("greedy:", repr(tokenizer.decode(sampler.sample(prompt, 1, greedy).result().sequences[0].tokens)))

        logprobs = sampler.compute_logprobs(prompt).result()
        print("prompt logprobs:", [None if lp is None else round(lp, 2) for lp in logprobs])
        if logprobs[0] is not None or not all(lp is not None and math.isfinite(lp) for lp in logprobs[1:]):
            raise SystemExit("unexpected prompt logprobs")


if __name__ == "__main__":
    main()
