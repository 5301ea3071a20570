"""Benchmark: building and encoding a forward_backward batch, this SDK beside the official tinker 0.38 SDK.

Run ``python benchmarks/encode_vs_official.py``. Each SDK runs in its own virtual environment (made on first use
under ``benchmarks/.venvs/``: this checkout installed editable, and ``tinker==0.38.0`` from the registry) on the
same batch: 64 datums of 1,024 tokens with int64 targets and float32 weights, built from numpy arrays. Reported:
the time to build the datums and the time to encode the request body (uncompressed: zstd, when the server asks
for it, costs both SDKs the same), medians of alternating repeats; this SDK's times, JSON and protobuf, as ratios
of the official protobuf ones. Goal: this SDK's protobuf encoding at most 0.8x the official one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "benchmarks" / ".venvs"

MEASURE = r"""
import json, sys, time
import numpy as np
import tinker
from tinker import types

impl, datums, length, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
tokens = rng.integers(0, 50_000, size=(datums, length + 1), dtype=np.int64)
weights = rng.random((datums, length), dtype=np.float32)

def build():
    return [
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[i, :-1].tolist()),
            loss_fn_inputs={
                "target_tokens": types.TensorData.from_numpy(tokens[i, 1:]),
                "weights": types.TensorData.from_numpy(weights[i]),
            },
        )
        for i in range(datums)
    ]

if impl == "official":
    from tinker.proto.request_conv import forward_backward_request_to_proto

    def encode(data):
        request = types.ForwardBackwardRequest(
            forward_backward_input=types.ForwardBackwardInput(data=data, loss_fn="cross_entropy"),
            model_id="bench:train:0", seq_id=1,
        )
        return forward_backward_request_to_proto(request).SerializeToString()
else:
    from tinker.lib._encoding import forward_backward_body, prepare_data

    wire_format = impl.split("-")[1]

    def encode(data):  # as TrainingClient does it: the datums first, then the request around them
        return forward_backward_body(
            wire_format=wire_format, compress=False, model_id="bench:train:0", seq_id=1,
            data=prepare_data(wire_format, data), loss_fn="cross_entropy", loss_fn_config=None, forward_only=False,
        ).content

build_times, encode_times = [], []
for _ in range(repeats + 1):
    start = time.perf_counter(); data = build(); built = time.perf_counter()
    body = encode(data); done = time.perf_counter()
    build_times.append(built - start); encode_times.append(done - built)
print(json.dumps({"build": build_times[1:], "encode": encode_times[1:], "bytes": len(body)}))
"""


def venv_python(name: str) -> Path:
    return VENVS / name / "bin" / "python"


def ensure_venvs() -> None:
    for name, requirement in (("ours", ["-e", str(ROOT)]), ("official", ["tinker==0.38.0"])):
        python = venv_python(name)
        if python.exists():
            continue
        print(f"making the {name} environment in {python.parent.parent} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *requirement], check=True)


IMPLEMENTATIONS = {"official": "official", "ours-json": "ours", "ours-protobuf": "ours"}
"""Each measured encoding, and the environment it runs in."""


def measure(impl: str, datums: int, length: int, repeats: int) -> dict[str, list[float] | int]:
    done = subprocess.run(
        [str(venv_python(IMPLEMENTATIONS[impl])), "-c", MEASURE, impl, str(datums), str(length), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        cwd=VENVS,  # not the checkout, whose tinker/ would shadow the official package
    )
    result: dict[str, list[float] | int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datums", type=int, default=64)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (each runs every encoding)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per round, after one warm-up")
    args = parser.parse_args()
    ensure_venvs()
    names = list(IMPLEMENTATIONS)
    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "encode": []} for name in names}
    sizes: dict[str, int] = {}
    for round_index in range(args.rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            result = measure(name, args.datums, args.length, args.repeats)
            for phase in ("build", "encode"):
                times[name][phase] += result[phase]  # type: ignore[operator]
            sizes[name] = int(result["bytes"])  # type: ignore[arg-type]
    median = {name: {phase: statistics.median(times[name][phase]) * 1000 for phase in times[name]} for name in names}
    print(f"# Encoding a forward_backward batch: {args.datums} datums x {args.length} tokens, targets + weights\n")
    print("| phase | official 0.38 (protobuf) ms | this SDK, JSON ms | ratio | this SDK, protobuf ms | ratio |")
    print("|---|---|---|---|---|---|")
    for phase, label in (("build", "build datums from numpy"), ("encode", "encode request")):
        official = median["official"][phase]
        row = [f"{official:.1f}"]
        for name in ("ours-json", "ours-protobuf"):
            ours = median[name][phase]
            row += [f"{ours:.1f}", f"{ours / official:.2f}"]
        print(f"| {label} | {' | '.join(row)} |")
    sizes_text = ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sizes.items())
    print(f"\nBody size: {sizes_text}")
    ratio = median["ours-protobuf"]["encode"] / median["official"]["encode"]
    verdict = "met" if ratio <= 0.8 else "NOT met"
    print(f"Goal (this SDK's protobuf encoding <= 0.8x the official): {verdict} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
