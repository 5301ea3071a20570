"""Benchmark: how soon a freshly started local server answers (``python benchmarks/server_startup.py``).

Start-up stays quick because torch and the models load on first use; this reports, over a few cold starts of
``tinker local serve``, the time to the first answer (healthz), to the first answer that needs the engine
(get_server_capabilities) and to the first trained-ready model (create_model resolved).

P7 (reported, no goal): in a fresh interpreter, ``import tinker`` and then the embedded server
(``tinker.embedded.connect``) up to its first answer to the SDK (``ServiceClient.get_server_capabilities``),
beside official 0.38's ``import tinker`` in its own environment (``benchmarks/encode_vs_official.py`` makes it),
alternating, ``--imports`` times each (0 leaves it out). ``--json PATH`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from encode_vs_official import VENVS, ensure_venvs, venv_python

KEY = "tml-startup-bench"


def _wait_ok(client: httpx.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    while True:
        try:
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            time.sleep(0.005)
            continue
        if response.status_code == 200:
            return response
        raise SystemExit(f"{path}: {response.status_code} {response.text}")


def one_start(model: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        start = time.perf_counter()
        command = [
            sys.executable,
            "-m",
            "tinker.cli",
            "local",
            "serve",
            "--port",
            "0",
            "--data-dir",
            data_dir,
            "--api-key",
            KEY,
            "--log-level",
            "warning",
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split("listening on ")[1].split()[0]
            with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=120) as client:
                _wait_ok(client, "GET", "/api/v1/healthz")
                first = time.perf_counter() - start
                _wait_ok(client, "GET", "/api/v1/get_server_capabilities")
                engine = time.perf_counter() - start
                session = _wait_ok(
                    client,
                    "POST",
                    "/api/v1/create_session",
                    json={"tags": [], "user_metadata": {}, "sdk_version": "bench"},
                ).json()
                future = _wait_ok(
                    client,
                    "POST",
                    "/api/v1/create_model",
                    json={
                        "session_id": session["session_id"],
                        "model_seq_id": 0,
                        "base_model": model,
                        "lora_config": {"rank": 32},
                    },
                ).json()
                _wait_ok(client, "POST", "/api/v1/retrieve_future", json={"request_id": future["request_id"]})
                model_ready = time.perf_counter() - start
        finally:
            process.terminate()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
    return first, engine, model_ready


IMPORT = r"""
import json, time
started = time.perf_counter()
import tinker
imported = time.perf_counter() - started
print(json.dumps({"import": imported}))
"""

EMBEDDED = r"""
import json, time
started = time.perf_counter()
import tinker
imported = time.perf_counter() - started
from tinker.embedded import connect
with connect(local=True, quiet=True) as connection:
    serving = time.perf_counter() - started
    connection.service_client().get_server_capabilities()
    answered = time.perf_counter() - started
print(json.dumps({"import": imported, "server_up": serving, "first_answer": answered}))
"""


def fresh(python: str, code: str, cwd: Path) -> dict[str, float]:
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, cwd=cwd, timeout=300)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def import_to_first_answer(rounds: int) -> dict[str, dict[str, float]]:
    """P7: medians (s) of this SDK's import, embedded server up and first answer, and official 0.38's import.

    This SDK runs from this interpreter's environment (the embedded server needs the local extra), outside the
    checkout all the same; official 0.38 from its own environment, outside the checkout, whose tinker/ would
    shadow it."""
    ensure_venvs()
    ours: list[dict[str, float]] = []
    official: list[dict[str, float]] = []
    for index in range(rounds):
        order = [("ours", sys.executable, EMBEDDED), ("official", str(venv_python("official")), IMPORT)]
        for name, python, code in order if index % 2 == 0 else order[::-1]:
            (ours if name == "ours" else official).append(fresh(python, code, VENVS))
    return {
        "ours": {key: statistics.median(run[key] for run in ours) for key in ours[0]},
        "official": {"import": statistics.median(run["import"] for run in official)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--model", default="tinker-local/small")
    parser.add_argument("--imports", type=int, default=5, help="P7: fresh interpreters per SDK (0: leave P7 out)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    runs = [one_start(args.model) for _ in range(args.starts)]
    print(f"# Local server start-up: {args.starts} cold starts of `tinker local serve`, {args.model}\n")
    print("| milestone | median s | min s |")
    print("|---|---|---|")
    milestones = ("first answer (healthz)", "engine loaded (capabilities)", "model created")
    figures: dict[str, Any] = {"settings": {"starts": args.starts, "model": args.model, "imports": args.imports}}
    for index, name in enumerate(milestones):
        values = [run[index] for run in runs]
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} |")
        figures[("healthz_s", "capabilities_s", "model_created_s")[index]] = {
            "median": statistics.median(values),
            "min": min(values),
        }
    if args.imports > 0:
        p7 = figures["p7"] = import_to_first_answer(args.imports)
        ours = p7["ours"]
        print(
            f"\nP7: `import tinker` to the first answer of an embedded server, medians of {args.imports} fresh runs\n"
        )
        print("| milestone (from before `import tinker`) | this SDK, s | official 0.38, s |")
        print("|---|---|---|")
        print(f"| `import tinker` done | {ours['import']:.3f} | {p7['official']['import']:.3f} |")
        print(f"| embedded server up (`tinker.embedded.connect`) | {ours['server_up']:.3f} | — |")
        print(f"| first answer (`get_server_capabilities`) | {ours['first_answer']:.3f} | — |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
