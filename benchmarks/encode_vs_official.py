"""Benchmark: building and encoding a forward_backward batch, this SDK beside the official tinker 0.38 SDK.

Run ``python benchmarks/encode_vs_official.py``. Each SDK runs in its own virtual environment (made on first use
under ``benchmarks/.venvs/``: this checkout installed editable, and ``tinker==0.38.0`` from the registry) on the
same batch: 64 datums of 1,024 tokens with int64 targets and float32 weights, built from numpy arrays. Reported:
the time to build the datums and the time to encode the request body, medians of alternating repeats, and this
SDK's times as ratios of the official ones. This SDK encodes JSON here (its protobuf encoding is the
compatibility issue's; goal there: at most 0.8x the official protobuf encoding).
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
    from tinker.lib._encoding import json_body

    def encode(data):
        body = {"forward_backward_input": {"data": data, "loss_fn": "cross_entropy"},
                "model_id": "bench:train:0", "seq_id": 1, "forward_only": False}
        return json_body(body).content

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


def measure(name: str, datums: int, length: int, repeats: int) -> dict[str, list[float] | int]:
    done = subprocess.run(
        [str(venv_python(name)), "-c", MEASURE, name, str(datums), str(length), str(repeats)],
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
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (each runs both SDKs)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per round, after one warm-up")
    args = parser.parse_args()
    ensure_venvs()
    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "encode": []} for name in ("ours", "official")}
    sizes: dict[str, int] = {}
    for round_index in range(args.rounds):
        for name in ("ours", "official") if round_index % 2 == 0 else ("official", "ours"):
            result = measure(name, args.datums, args.length, args.repeats)
            for phase in ("build", "encode"):
                times[name][phase] += result[phase]  # type: ignore[operator]
            sizes[name] = int(result["bytes"])  # type: ignore[arg-type]
    print(f"# Encoding a forward_backward batch: {args.datums} datums x {args.length} tokens, targets + weights\n")
    print("| phase | official 0.38 (protobuf) ms | this SDK (JSON) ms | ratio |")
    print("|---|---|---|---|")
    for phase in ("build", "encode"):
        official = statistics.median(times["official"][phase]) * 1000
        ours = statistics.median(times["ours"][phase]) * 1000
        print(
            f"| {phase} datums from numpy | {official:.1f} | {ours:.1f} | {ours / official:.2f} |"
            if phase == "build"
            else f"| encode request | {official:.1f} | {ours:.1f} | {ours / official:.2f} |"
        )
    print(f"\nBody size: official {sizes['official'] / 1e6:.2f} MB, this SDK {sizes['ours'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
