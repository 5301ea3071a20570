"""Streaming sampling: print tokens as the server generates them (sync and async iterators).

Streaming is this SDK's extension (stream_sample); against a server without it (the hosted service) the
same calls fall back to a normal sample and yield its tokens at the end.
Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse
import asyncio

import tinker
from tinker.embedded import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--max-tokens", type=int, default=40)
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        service = connection.service_client()
        sampler = service.create_sampling_client(base_model=connection.model(args.model, "tinker-local/tiny")).result()
        tokenizer = sampler.get_tokenizer()
        prompt = tinker.ModelInput.from_ints(tokenizer.encode("Once upon a time"))
        params = tinker.SamplingParams(max_tokens=args.max_tokens, temperature=0.9, seed=7)

        streamed = []
        for event in sampler.sample_stream(prompt, 1, params):
            if isinstance(event, tinker.types.SampleStreamToken):
                streamed.append(event.token_id)
                print(event.text, end="", flush=True)
            else:
                print(f"\n[{event.stop_reason}, {event.num_tokens} tokens]")

        async def stream_two() -> list[int]:
            counts = [0, 0]
            async for event in sampler.sample_stream_async(prompt, 2, params):
                if isinstance(event, tinker.types.SampleStreamToken):
                    counts[event.sample_index] += 1
            return counts

        print("async stream, tokens per sample:", asyncio.run(stream_two()))
        plain = sampler.sample(prompt, 1, params).result().sequences[0].tokens
        if streamed != plain:
            raise SystemExit("the stream differs from a plain sample with the same seed")


if __name__ == "__main__":
    main()
