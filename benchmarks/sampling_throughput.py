"""Benchmark P2: the throughput of many concurrent ``sample_async`` calls through each SDK and the local server.

Run ``python benchmarks/sampling_throughput.py``. One ``tinker local serve`` (a child process) answers both SDKs; each
runs in its own environment (``benchmarks/encode_vs_official.py`` makes them: this checkout editable, and
``tinker==0.38.0``), in alternating rounds. At each concurrency level N a burst is N ``sample_async`` calls at once
(``asyncio.gather``) on one sampling client of ``tinker-local/tiny``: N different 8-token prompts, 8 new tokens each
(temperature 1, no stop token, so every sample has 8), timed from the first call to the last result; a warm-up burst
comes first. Figures are medians over rounds and repeats of requests/s and tokens/s.

The ceiling is the engine in this process sampling the same prompts (the largest level's count) in one
``Sampler.sample_batch`` call: what the server could do if HTTP, the SDK and the scheduler cost nothing. Goal P2: at
256 concurrent calls (else the largest level), this SDK on the local server reaches at least 0.8x the ceiling's
requests/s, and at least official 0.38's on the same server.

torch runs with ``--threads`` intra-op threads (default 1) in the server and for the ceiling alike: on a machine whose
cores are busy with the SDK's own process (or anything else), torch's OpenMP threads spin against each other and a
tiny model's step takes many times longer (``0`` keeps torch's default, a thread per core).

``--ours PATH`` measures another checkout (a ``git worktree`` of an earlier commit, for before/after figures): its
SDK and its server, while the ceiling stays this checkout's engine; ``--json PATH`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from encode_vs_official import VENVS, ensure_venvs, venv_python

KEY = "tml-sampling-throughput"
TINY = "tinker-local/tiny"
PROMPT_TOKENS = 8
NEW_TOKENS = 8
GOAL_VS_CEILING = 0.8
GOAL_LEVEL = 256

MEASURE = r"""
import asyncio, json, sys, time
import tinker
from tinker import types

url, key, model = sys.argv[1], sys.argv[2], sys.argv[3]
levels, repeats = [int(n) for n in sys.argv[4].split(",")], int(sys.argv[5])
prompt_tokens, new_tokens = int(sys.argv[6]), int(sys.argv[7])
client = tinker.ServiceClient(base_url=url, api_key=key)
sampler = client.create_sampling_client(base_model=model)
params = types.SamplingParams(max_tokens=new_tokens, temperature=1.0, stop=[])
prompts = [
    types.ModelInput.from_ints([32 + (7 * i + 3 * j) % 200 for j in range(prompt_tokens)]) for i in range(max(levels))
]

async def burst(n):
    started = time.perf_counter()
    results = await asyncio.gather(
        *(sampler.sample_async(prompt=prompts[i], num_samples=1, sampling_params=params) for i in range(n))
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": sum(len(s.tokens) for r in results for s in r.sequences)}

async def main():
    await burst(max(levels))  # warm: connections, the sampler, the server's caches
    figures = {}
    for n in levels:
        await burst(n)
        figures[n] = [await burst(n) for _ in range(repeats)]
    print(json.dumps(figures))

asyncio.run(main())
"""


def prompts(count: int) -> list[list[int]]:
    """The prompts the SDKs send (MEASURE builds the same ones)."""
    return [[32 + (7 * i + 3 * j) % 200 for j in range(PROMPT_TOKENS)] for i in range(count)]


def measure(
    sdk: str, url: str, levels: list[int], repeats: int, ours: Path | None
) -> dict[int, list[dict[str, float]]]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    if ours is not None and sdk == "ours":  # ahead of the editable install's path entries
        env["PYTHONPATH"] = os.pathsep.join([str(ours), str(ours / "generated")])
    arguments = [url, KEY, TINY, ",".join(map(str, levels)), str(repeats), str(PROMPT_TOKENS), str(NEW_TOKENS)]
    done = subprocess.run(
        [str(venv_python(sdk)), "-c", MEASURE, *arguments],
        capture_output=True,
        text=True,
        cwd=VENVS,  # not the checkout, whose tinker/ would shadow the official package
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"{sdk} failed:\n{done.stderr[-4000:]}")
    figures: dict[str, list[dict[str, float]]] = json.loads(done.stdout.strip().splitlines()[-1])
    return {int(n): rows for n, rows in figures.items()}


def ceiling(count: int, repeats: int) -> dict[str, float]:
    """The engine of this checkout sampling ``count`` prompts in one batched call, in this process."""
    import numpy as np

    from tinker.local.engine import Engine
    from tinker.local.engine._types import SampleSpec

    sampler = Engine(device="cpu").create_sampler(TINY)
    specs = [
        SampleSpec(prompt=np.asarray(p, dtype=np.int64), max_tokens=NEW_TOKENS, temperature=1.0, stop_tokens=())
        for p in prompts(count)
    ]
    rates, token_rates = [], []
    for index in range(repeats + 1):
        started = time.perf_counter()
        outcomes = sampler.sample_batch([(spec, None) for spec in specs])
        seconds = time.perf_counter() - started
        tokens = 0
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome
            tokens += sum(len(sequence.tokens) for sequence in outcome.sequences)
        if index:  # the first is the warm-up
            rates.append(count / seconds)
            token_rates.append(tokens / seconds)
    return {"requests_per_s": statistics.median(rates), "tokens_per_s": statistics.median(token_rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", default="1,8,32,128,256", help="comma-separated levels")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per SDK")
    parser.add_argument("--repeats", type=int, default=3, help="timed bursts per level and round")
    parser.add_argument("--ours", type=Path, help="a checkout of this SDK and server to measure instead of this one")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the server and the ceiling")
    options = parser.parse_args()
    levels = sorted({int(n) for n in options.concurrency.split(",")})
    ensure_venvs()
    if options.threads > 0:
        import torch

        torch.set_num_threads(options.threads)
        os.environ["OMP_NUM_THREADS"] = str(options.threads)  # the server's, read as torch starts in the child
    top = ceiling(max(levels), max(options.repeats * options.rounds, 5))

    from tinker.local import LocalServer

    if options.ours is not None:  # the server of that checkout too (the child process inherits the environment)
        os.environ["PYTHONPATH"] = os.pathsep.join([str(options.ours), str(options.ours / "generated")])
    runs: dict[str, dict[int, list[dict[str, float]]]] = {"ours": {n: [] for n in levels}, "official": {}}
    runs["official"] = {n: [] for n in levels}
    with (
        tempfile.TemporaryDirectory(prefix="tinker-sampling-throughput-") as scratch,
        LocalServer(
            Path(scratch), api_keys=(KEY,), subprocess=True, max_sampling_requests_per_tenant=4 * max(levels)
        ) as server,
    ):
        for round_index in range(options.rounds):
            for sdk in ("ours", "official") if round_index % 2 == 0 else ("official", "ours"):
                for n, rows in measure(sdk, server.base_url, levels, options.repeats, options.ours).items():
                    runs[sdk][n] += rows

    def rates(sdk: str) -> dict[str, list[float]]:
        return {
            "requests_per_s": [statistics.median(n / row["seconds"] for row in runs[sdk][n]) for n in levels],
            "tokens_per_s": [statistics.median(row["tokens"] / row["seconds"] for row in runs[sdk][n]) for n in levels],
        }

    figures: dict[str, Any] = {"concurrency": levels, "ours": rates("ours"), "official": rates("official")}
    figures["ceiling"] = top
    goal = levels.index(GOAL_LEVEL) if GOAL_LEVEL in levels else len(levels) - 1
    ours_rps, official_rps = figures["ours"]["requests_per_s"][goal], figures["official"]["requests_per_s"][goal]
    vs_ceiling, vs_official = ours_rps / top["requests_per_s"], ours_rps / official_rps
    met = vs_ceiling >= GOAL_VS_CEILING and vs_official >= 1.0
    figures["p2"] = {"vs_ceiling": vs_ceiling, "vs_official": vs_official, "met": met}

    print(f"# Concurrent sample_async: {TINY}, {PROMPT_TOKENS}-token prompts, {NEW_TOKENS} new tokens\n")
    threads = options.threads or "default"
    measured = options.ours or "this checkout"
    print(f"Medians of {options.rounds} rounds x {options.repeats} bursts; torch threads: {threads}; {measured}\n")
    print("| concurrency | ours req/s | ours tok/s | official req/s | official tok/s | ours / official |")
    print("|---|---|---|---|---|---|")
    for index, n in enumerate(levels):
        ours, official = figures["ours"], figures["official"]
        print(
            f"| {n} | {ours['requests_per_s'][index]:.1f} | {ours['tokens_per_s'][index]:.0f} | "
            f"{official['requests_per_s'][index]:.1f} | {official['tokens_per_s'][index]:.0f} | "
            f"{ours['requests_per_s'][index] / official['requests_per_s'][index]:.2f}x |"
        )
    print(
        f"| ceiling: engine, {max(levels)} prompts in one batch | {top['requests_per_s']:.1f} | "
        f"{top['tokens_per_s']:.0f} | | | |"
    )
    level = levels[goal]
    print(
        f"\nP2 (at {level} concurrent: >= {GOAL_VS_CEILING:g}x the ceiling and >= official 0.38): "
        f"{vs_ceiling:.2f}x the ceiling, {vs_official:.2f}x official, {'met' if met else 'not met'}"
    )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
