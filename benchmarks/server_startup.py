"""Benchmark: how soon a freshly started local server answers (``python benchmarks/server_startup.py``).

Start-up stays quick because torch and the models load on first use; this reports, over a few cold starts of
``tinker local serve``, the time to the first answer (healthz), to the first answer that needs the engine
(get_server_capabilities) and to the first trained-ready model (create_model resolved).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--model", default="tinker-local/small")
    args = parser.parse_args()
    runs = [one_start(args.model) for _ in range(args.starts)]
    print(f"# Local server start-up: {args.starts} cold starts of `tinker local serve`, {args.model}\n")
    print("| milestone | median s | min s |")
    print("|---|---|---|")
    for index, name in enumerate(("first answer (healthz)", "engine loaded (capabilities)", "model created")):
        values = [run[index] for run in runs]
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} |")


if __name__ == "__main__":
    main()
