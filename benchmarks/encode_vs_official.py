"""Benchmark: building and encoding a forward_backward batch, this SDK beside the official tinker 0.38 SDK.

Run ``python benchmarks/encode_vs_official.py``. Each SDK runs in its own virtual environment (made on first use
under ``benchmarks/.venvs/``: this checkout installed editable, and ``tinker==0.38.0`` from the registry), in
alternating rounds, on the same batches built from numpy arrays (int64 tokens, float32 weights): each datum is
``ModelInput.from_ints(row.tolist())`` with ``TensorData.from_numpy`` targets and weights; the request body is the
protobuf ``ForwardBackwardRequest`` as each SDK's pipeline writes it, uncompressed (zstd, when the server asks for
it, costs both SDKs the same).

- P1 (goal <= 0.8x official): the time to build and encode 64 datums x 1,024 tokens, medians of repeats.
- P6 (goal <= 2x): the peak Python heap (tracemalloc) while building and encoding 256 x 2,048 tokens, as a multiple
  of the raw arrays' bytes. Also shown without the token lists that 0.38's ``ModelInput`` holds (a list of Python
  ints, about 40 bytes a token, in either SDK), which is what the SDK itself adds. tracemalloc does not see the
  official SDK's protobuf message (upb allocates it outside Python's allocator), so its figure leaves out a copy of
  the body; the growth of the peak resident set (``ru_maxrss``, in a run of its own) is shown too, for that.

``--ours PATH`` measures another checkout of this SDK instead (a ``git worktree`` of an earlier commit, for
before/after figures); ``--json PATH`` writes the medians. ``--sweep 8,16,32,64,128`` also times building and
encoding batches of those many datums (``--length`` tokens each, protobuf) in both SDKs, for the time against batch
size (``benchmarks/report.py`` plots it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "benchmarks" / ".venvs"

MEASURE = r"""
import gc, json, resource, sys, time, tracemalloc
import numpy as np
import tinker
from tinker import types

impl, mode, length, repeats = sys.argv[1], sys.argv[2], int(sys.argv[4]), int(sys.argv[5])
sizes = [int(size) for size in sys.argv[3].split(",")]  # one batch size, or several for "sweep"
datums = max(sizes)
rng = np.random.default_rng(0)
tokens = rng.integers(0, 50_000, size=(datums, length + 1), dtype=np.int64)
weights = rng.random((datums, length), dtype=np.float32)
as_array = impl.endswith("-array")  # this SDK's from_ints also takes the numpy row itself

def model_inputs(count=datums):
    if as_array:
        return [types.ModelInput.from_ints(tokens[i, :-1]) for i in range(count)]
    return [types.ModelInput.from_ints(tokens[i, :-1].tolist()) for i in range(count)]

def datums_of(inputs):
    return [
        types.Datum(
            model_input=inputs[i],
            loss_fn_inputs={
                "target_tokens": types.TensorData.from_numpy(tokens[i, 1:]),
                "weights": types.TensorData.from_numpy(weights[i]),
            },
        )
        for i in range(len(inputs))
    ]

def build(count=datums):
    return datums_of(model_inputs(count))

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

body = encode(build(min(sizes) if mode != "rss" else 2))  # warm-up: imports, caches (small when RSS is measured)
raw = tokens.nbytes + weights.nbytes
if mode == "rss":  # the growth of the peak resident set: what tracemalloc does not see (upb's arena) included
    del body
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = encode(build())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rss": (after - before) * 1024, "raw": raw}))
elif mode == "time":
    build_times, encode_times = [], []
    for _ in range(repeats):
        start = time.perf_counter(); data = build(); built = time.perf_counter()
        body = encode(data); done = time.perf_counter()
        build_times.append(built - start); encode_times.append(done - built)
    print(json.dumps({"build": build_times, "encode": encode_times, "bytes": len(body)}))
elif mode == "sweep":  # each batch size in turn: build and encode times
    swept = {}
    for size in sizes:
        encode(build(size))  # warm at this size
        build_times, encode_times = [], []
        for _ in range(repeats):
            start = time.perf_counter(); data = build(size); built = time.perf_counter()
            body = encode(data); done = time.perf_counter()
            build_times.append(built - start); encode_times.append(done - built)
        swept[size] = {"build": build_times, "encode": encode_times}
    print(json.dumps(swept))
else:
    del body
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    inputs = model_inputs()
    lists = tracemalloc.get_traced_memory()[0] - base
    body = encode(datums_of(inputs))
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    print(json.dumps({"peak": peak, "model_inputs": lists, "raw": raw, "bytes": len(body)}))
"""


def venv_python(name: str) -> Path:
    return VENVS / name / "bin" / "python"


def ensure_venvs() -> None:
    """Make each environment on first use; this checkout's is installed again each run (a few seconds), so that a
    dependency added since is there."""
    for name, requirement in (("ours", ["-e", str(ROOT)]), ("official", ["tinker==0.38.0"])):
        python = venv_python(name)
        fresh = not python.exists()
        if fresh:
            print(f"making the {name} environment in {python.parent.parent} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        if fresh or name == "ours":
            subprocess.run([str(python), "-m", "pip", "install", "-q", *requirement], check=True)


IMPLEMENTATIONS = {
    "official": "official",
    "ours-json": "ours",
    "ours-protobuf": "ours",
    "ours-protobuf-array": "ours",
}
"""Each measured encoding, and the environment it runs in (``-array``: ``from_ints`` given the numpy row)."""


def measure(impl: str, mode: str, datums: int | str, length: int, repeats: int, ours: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if ours is not None and impl != "official":  # ahead of the editable install's path entries
        env["PYTHONPATH"] = os.pathsep.join([str(ours), str(ours / "generated")])
    done = subprocess.run(
        [str(venv_python(IMPLEMENTATIONS[impl])), "-c", MEASURE, impl, mode, str(datums), str(length), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        cwd=VENVS,  # not the checkout, whose tinker/ would shadow the official package
        env=env,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


SWEPT = ("official", "ours-protobuf")
"""The encodings timed against batch size (``--sweep``): each SDK's protobuf body."""


def sweep_sizes(args: argparse.Namespace) -> dict[str, Any] | None:
    """Build and encode medians (ms) per batch size for each of SWEPT, in alternating rounds; None without --sweep."""
    if not args.sweep:
        return None
    datums = sorted({int(size) for size in args.sweep.split(",")})
    times: dict[str, dict[int, dict[str, list[float]]]] = {
        name: {size: {"build": [], "encode": []} for size in datums} for name in SWEPT
    }
    for round_index in range(args.rounds):
        for name in SWEPT if round_index % 2 == 0 else reversed(SWEPT):
            swept = measure(name, "sweep", ",".join(map(str, datums)), args.length, args.sweep_repeats, args.ours)
            for size in datums:
                for phase in ("build", "encode"):
                    times[name][size][phase] += swept[str(size)][phase]
    ms: dict[str, dict[str, list[float]]] = {}
    for name in SWEPT:
        ms[name] = {phase: [] for phase in ("build", "encode", "total")}
        for size in datums:
            build, encode = times[name][size]["build"], times[name][size]["encode"]
            ms[name]["build"].append(statistics.median(build) * 1000)
            ms[name]["encode"].append(statistics.median(encode) * 1000)
            ms[name]["total"].append(statistics.median(b + e for b, e in zip(build, encode, strict=True)) * 1000)
    return {"datums": datums, "length": args.length, "repeats": args.rounds * args.sweep_repeats, "ms": ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datums", type=int, default=64, help="P1 batch")
    parser.add_argument("--length", type=int, default=1024, help="P1 batch")
    parser.add_argument("--memory-datums", type=int, default=256, help="P6 batch")
    parser.add_argument("--memory-length", type=int, default=2048, help="P6 batch")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (each runs every encoding)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per round, after one warm-up")
    parser.add_argument("--ours", type=Path, help="a checkout of this SDK to measure instead of this one")
    parser.add_argument("--json", type=Path, help="write the medians here")
    parser.add_argument(
        "--sweep", help="also time these batch sizes (comma-separated datums of --length tokens), protobuf, both SDKs"
    )
    parser.add_argument("--sweep-repeats", type=int, default=5, help="timed repeats per size and round of --sweep")
    args = parser.parse_args()
    ensure_venvs()
    names = list(IMPLEMENTATIONS)
    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "encode": [], "total": []} for name in names}
    memory: dict[str, dict[str, list[float]]] = {name: {"peak": [], "own": [], "rss": []} for name in names}
    sizes: dict[str, int] = {}
    for round_index in range(args.rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            timed = measure(name, "time", args.datums, args.length, args.repeats, args.ours)
            times[name]["build"] += timed["build"]
            times[name]["encode"] += timed["encode"]
            times[name]["total"] += [b + e for b, e in zip(timed["build"], timed["encode"], strict=True)]
            sizes[name] = int(timed["bytes"])
            held = measure(name, "memory", args.memory_datums, args.memory_length, 1, args.ours)
            memory[name]["peak"].append(held["peak"] / held["raw"])
            memory[name]["own"].append((held["peak"] - held["model_inputs"]) / held["raw"])
            resident = measure(name, "rss", args.memory_datums, args.memory_length, 1, args.ours)
            memory[name]["rss"].append(resident["rss"] / resident["raw"])
    sweep = sweep_sizes(args)
    ms = {name: {phase: statistics.median(values) * 1000 for phase, values in times[name].items()} for name in names}
    mem = {name: {kind: statistics.median(values) for kind, values in memory[name].items()} for name in names}

    checkout = f" ({args.ours})" if args.ours else ""
    print(f"# Building and encoding a forward_backward batch: this SDK{checkout} beside official 0.38\n")
    repeats = f"medians of {args.rounds} x {args.repeats} repeats"
    print(f"P1 batch: {args.datums} datums x {args.length} tokens; {repeats}.\n")
    print("| phase | official 0.38 ms | ours, JSON ms | ratio | ours, protobuf ms | ratio | ours, array ms | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for phase, label in (("build", "build datums"), ("encode", "encode request"), ("total", "build + encode")):
        official = ms["official"][phase]
        row = [f"{official:.2f}"]
        for name in ("ours-json", "ours-protobuf", "ours-protobuf-array"):
            row += [f"{ms[name][phase]:.2f}", f"{ms[name][phase] / official:.2f}"]
        print(f"| {label} | {' | '.join(row)} |")
    print("\n(array: ``from_ints`` given the numpy row, which official 0.38 refuses; JSON and array: this SDK only.)")
    print(f"Body size: {', '.join(f'{name} {size / 1e6:.2f} MB' for name, size in sizes.items())}\n")

    print(f"P6 batch: {args.memory_datums} datums x {args.memory_length} tokens; peak Python heap / raw arrays.\n")
    print("| measure | official 0.38 | ours, JSON | ours, protobuf | ours, array |")
    print("|---|---|---|---|---|")
    for kind, label in (
        ("peak", "peak, all"),
        ("own", "peak less the token lists"),
        ("rss", "growth of the peak resident set (not Python heap only)"),
    ):
        print(f"| {label} | {' | '.join(f'{mem[name][kind]:.2f}x' for name in names)} |")

    p1 = ms["ours-protobuf"]["total"] / ms["official"]["total"]
    p6 = mem["ours-protobuf"]["peak"]
    print("\n| goal | measure | official 0.38 | this SDK | ratio | target | verdict |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| P1 | build + encode {args.datums} x {args.length}, protobuf | {ms['official']['total']:.2f} ms | "
        f"{ms['ours-protobuf']['total']:.2f} ms | {p1:.2f}x official | <= 0.8x official | "
        f"{'met' if p1 <= 0.8 else 'NOT met'} |"
    )
    print(
        f"| P6 | peak heap, {args.memory_datums} x {args.memory_length}, vs raw arrays | "
        f"{mem['official']['peak']:.2f}x | {p6:.2f}x | {p6 / mem['official']['peak']:.2f}x official | <= 2x raw | "
        f"{'met' if p6 <= 2 else 'NOT met'} |"
    )
    if sweep is not None:
        repeats = f"medians of {sweep['repeats']} repeats"
        print(f"\nBatch size: datums x {args.length} tokens, protobuf, build + encode; {repeats}.\n")
        print("| datums | official 0.38 ms | ours ms | ratio |")
        print("|---|---|---|---|")
        for index, size in enumerate(sweep["datums"]):
            official, ours = sweep["ms"]["official"]["total"][index], sweep["ms"]["ours-protobuf"]["total"][index]
            print(f"| {size} | {official:.2f} | {ours:.2f} | {ours / official:.2f} |")
    if args.json:
        figures = {
            "settings": {
                "datums": args.datums,
                "length": args.length,
                "memory_datums": args.memory_datums,
                "memory_length": args.memory_length,
                "rounds": args.rounds,
                "repeats": args.repeats,
            },
            "time_ms": ms,
            "memory_x_raw": mem,
            "bytes": sizes,
            "p1": {"official_ms": ms["official"]["total"], "ours_ms": ms["ours-protobuf"]["total"], "ratio": p1},
            "p6": {"ours_x_raw": p6, "official_x_raw": mem["official"]["peak"]},
            "sweep": sweep,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
