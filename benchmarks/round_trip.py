"""Benchmark P3: the round trip of a tiny forward through each SDK, less the server's own compute for it.

Run ``python benchmarks/round_trip.py``. One ``tinker local serve`` (a child process) answers both SDKs; each runs
in its own environment (``benchmarks/encode_vs_official.py`` makes them: this checkout editable, and
``tinker==0.38.0``), in alternating rounds. A round is ``TrainingClient.forward`` of one 4-token datum, submit to
result, timed by the caller; the server's compute for it is the ``Server-Timing: engine;dur=`` of the answer that
carried the result (read from each SDK's own httpx responses). The figure is the median of (round trip - compute)
per round; goal: at most 5 ms, and below official 0.38's on the same server. ``--json PATH`` writes the figures,
and each SDK's forwards (``rows``: round trip and compute, ms) for a latency distribution.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from encode_vs_official import VENVS, ensure_venvs, venv_python

from tinker.local import LocalServer

KEY = "tml-round-trip"
GOAL_MS = 5.0

MEASURE = r"""
import json, sys, time
import httpx
import tinker
from tinker import types

url, key, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
compute = []
send = httpx.AsyncClient.send

async def timed_send(self, request, **kwargs):
    response = await send(self, request, **kwargs)
    timing = response.headers.get("server-timing", "")
    if timing.startswith("engine;dur="):
        compute.append(float(timing.split("=", 1)[1]))
    return response

httpx.AsyncClient.send = timed_send
client = tinker.ServiceClient(base_url=url, api_key=key).create_lora_training_client(
    base_model="tinker-local/tiny", rank=4
)
datum = types.Datum(
    model_input=types.ModelInput.from_ints([1, 2, 3, 4]),
    loss_fn_inputs={"target_tokens": [2, 3, 4, 5], "weights": [1.0, 1.0, 1.0, 1.0]},
)
for _ in range(5):  # warm: connections, the model, the tokenizer
    client.forward([datum], "cross_entropy").result()
rows = []
for _ in range(rounds):
    compute.clear()
    started = time.perf_counter()
    client.forward([datum], "cross_entropy").result()
    total = (time.perf_counter() - started) * 1000
    rows.append({"total": total, "compute": compute[-1] if compute else float("nan")})
print(json.dumps(rows))
"""


def measure(sdk: str, url: str, rounds: int) -> list[dict[str, float]]:
    done = subprocess.run(
        [str(venv_python(sdk)), "-c", MEASURE, url, KEY, str(rounds)],
        capture_output=True,
        text=True,
        check=True,
        cwd=VENVS,  # not the checkout, whose tinker/ would shadow the official package
    )
    rows: list[dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def summary(rows: list[dict[str, float]]) -> dict[str, float]:
    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows)

    overhead = [row["total"] - row["compute"] for row in rows]
    return {
        "rounds": len(rows),
        "round_trip_ms": median("total"),
        "compute_ms": median("compute"),
        "overhead_ms": statistics.median(overhead),
        "overhead_p90_ms": statistics.quantiles(overhead, n=10)[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per SDK")
    parser.add_argument("--forwards", type=int, default=50, help="timed forwards per round")
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args()
    ensure_venvs()
    rows: dict[str, list[dict[str, float]]] = {"ours": [], "official": []}
    with (
        tempfile.TemporaryDirectory(prefix="tinker-round-trip-") as scratch,
        LocalServer(Path(scratch), api_keys=(KEY,), subprocess=True) as server,
    ):
        for _ in range(options.rounds):
            for sdk in rows:
                rows[sdk] += measure(sdk, server.base_url, options.forwards)
    figures: dict[str, Any] = {sdk: summary(sdk_rows) for sdk, sdk_rows in rows.items()}
    ours, official = figures["ours"]["overhead_ms"], figures["official"]["overhead_ms"]
    figures["goal_met"] = ours <= GOAL_MS and ours < official
    print("| SDK | forwards | round trip (median ms) | server compute | round trip - compute | p90 of that |")
    print("|---|---|---|---|---|---|")
    for sdk in ("ours", "official"):
        f = figures[sdk]
        print(
            f"| {sdk} | {f['rounds']} | {f['round_trip_ms']:.2f} | {f['compute_ms']:.2f} | "
            f"{f['overhead_ms']:.2f} | {f['overhead_p90_ms']:.2f} |"
        )
    verdict = "met" if figures["goal_met"] else "not met"
    goal = f"round trip - compute <= {GOAL_MS:g} ms and below official 0.38"
    print(f"\nP3 ({goal}): {ours:.2f} vs {official:.2f} ms, {verdict}")
    if options.json:
        figures["settings"] = {"rounds": options.rounds, "forwards": options.forwards, "goal_ms": GOAL_MS}
        figures["rows"] = rows
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
