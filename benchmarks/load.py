"""Benchmark: the local server under a mixed load from two tenants (``python benchmarks/load.py``).

Starts ``tinker local serve`` as a child process with two API keys (two tenants) and drives it with raw httpx
(no SDK overhead in the figures), first tenant B alone, then tenants A and B together for the soak:

- tenant A, heavy: training clients that each keep several forward_backward + optim_step pairs queued, many
  concurrent samplers (asample, then retrieve_future until done) and light requests sent back to back;
- tenant B, light: one training client with one request in flight, one sampler and light requests with a pause.

Light requests are healthz, session_heartbeat, get_info, weights_info and retrieve_future of a finished future.
forward_backward goes as protobuf and its and asample's results are asked for as protobuf, as the SDK does.

Reported per phase, tenant and request: count, errors (any non-2xx answer, error result or transport error),
requests per second, and p50/p99 latency; for futures the submit latency and the time from submit to result
separately (``... result`` rows, not requests themselves; ``retrieve_future (waiting)`` are the long-polls that
fetched them). Tenant B's figures alone sit beside its figures under A's load. The server's resident memory
(process and children) is sampled every 100 ms: at start, after warm-up, peak and end of the soak, the kernel's
high-water mark, and the growth from the first to the last tenth of the soak; also the CPU it used.

Options: ``--duration`` (soak seconds, default 60), ``--quick`` (a 10 s soak), ``--json PATH`` (the figures).
Nothing is asserted: the exit status is non-zero only when the harness itself fails (the server does not start
or dies, setup fails).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

from tinker.local import LocalServer
from tinker_api.proto import tinker_public_pb2 as pb

KEYS = {"A": "tml-load-bench-tenant-a", "B": "tml-load-bench-tenant-b"}
PROTOBUF = "application/x-protobuf"
TEXT = b"the quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Mix:
    """What one tenant runs concurrently."""

    training_clients: int  # one model each
    depth: int  # forward_backward + optim_step pairs submitted before their results are awaited
    samplers: int  # concurrent asample loops
    light_workers: int  # loops of light requests
    light_pause: float  # seconds between one worker's light requests
    datums: int = 4  # per forward_backward
    tokens: int = 32  # per datum
    num_samples: int = 1
    max_tokens: int = 8


MIXES = {
    "A": Mix(training_clients=2, depth=4, samplers=6, light_workers=2, light_pause=0.0),
    "B": Mix(training_clients=1, depth=1, samplers=1, light_workers=1, light_pause=0.05),
}
LIGHT_KINDS = ("healthz", "session_heartbeat", "get_info", "weights_info", "retrieve_future (done)")
LONG_POLL = "retrieve_future (waiting)"
ALL = "all requests but long-polls"


class HarnessError(Exception):
    """The benchmark could not run (not a figure of the server's)."""


@dataclass
class Record:
    tenant: str
    kind: str
    start: float
    latency: float
    ok: bool
    request: bool = True  # False for "... result" rows (time to result, not an HTTP request of its own)
    failure: str = ""  # why it is an error: the status, "error result" or the transport error's name


@dataclass
class Recorder:
    records: list[Record] = field(default_factory=list)
    sampled_tokens: int = 0

    def add(self, tenant: str, kind: str, start: float, ok: bool, request: bool = True, failure: str = "") -> None:
        self.records.append(Record(tenant, kind, start, time.perf_counter() - start, ok, request, failure))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (with few values the p99 is the maximum)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(np.ceil(q / 100 * len(ordered))) - 1))]


class MemoryMonitor(threading.Thread):
    """Samples the resident memory of a process and its children every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True, name="rss-monitor")
        self.process = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (time, process RSS, process + children RSS)
        self.max_children = 0
        self._halt = threading.Event()

    def read(self) -> tuple[int, int]:
        own = self.process.memory_info().rss
        total = own
        children = self.process.children(recursive=True)
        self.max_children = max(self.max_children, len(children))
        for child in children:
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return own, total

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                own, total = self.read()
            except psutil.Error:
                return
            self.samples.append((time.perf_counter(), own, total))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def now(self) -> int:
        try:
            return self.read()[1]
        except psutil.Error:
            return self.samples[-1][2] if self.samples else 0

    def between(self, start: float, end: float) -> list[int]:
        return [total for at, _, total in self.samples if start <= at <= end]

    def high_water_mark(self) -> int | None:
        """The kernel's peak RSS of the server process itself (Linux), children not included."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None


def forward_backward_body(model_id: str, seq_id: int, mix: Mix, offset: int) -> bytes:
    message = pb.ForwardBackwardRequest(model_id=model_id, seq_id=seq_id, loss_fn="cross_entropy")
    for index in range(mix.datums):
        start = (offset + index) % (len(TEXT) - mix.tokens - 1)
        tokens = np.frombuffer(TEXT[start : start + mix.tokens + 1], dtype=np.uint8)
        item = message.data.add()
        item.model_input.add().encoded_text.tokens = tokens[:-1].astype("<i4").tobytes()
        item.loss_fn_inputs["target_tokens"].CopyFrom(
            pb.Tensor(dense=tokens[1:].astype("<i8").tobytes(), dtype=pb.DTYPE_INT64, shape=[mix.tokens])
        )
    return message.SerializeToString()


class Tenant:
    """One API key: its session, models, samplers and the loops that load the server."""

    def __init__(self, name: str, base_url: str, mix: Mix, model: str, recorder: Recorder) -> None:
        self.name, self.mix, self.model, self.recorder = name, mix, model, recorder
        self.client = httpx.AsyncClient(
            base_url=f"{base_url}/api/v1",
            headers={"X-API-Key": KEYS[name]},
            timeout=httpx.Timeout(120.0),
            # idle connections are dropped before uvicorn's 5 s keep-alive ends them, so that none is reused as the
            # server closes it (that race is a ReadError, not a figure of the server's)
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=256, keepalive_expiry=2.0),
        )
        self.session_id = ""
        self.models: list[str] = []
        self.next_seq: dict[str, int] = {}
        self.samplers: list[str] = []
        self.checkpoint = ""
        self.done_future = ""
        self.sample_ids = itertools.count()

    # --- plumbing -----------------------------------------------------------------------------------------

    async def setup_call(self, path: str, body: dict[str, Any]) -> Any:
        """A setup request that must succeed; futures are waited for."""
        response = await self.client.post(path, json=body)
        if response.status_code != 200:
            raise HarnessError(f"tenant {self.name}: {path} answered {response.status_code}: {response.text[:500]}")
        answer = response.json()
        if isinstance(answer, dict) and "request_id" in answer and path != "retrieve_future":
            return await self.setup_result(path, answer["request_id"])
        return answer

    async def setup_result(self, path: str, request_id: str) -> Any:
        while True:
            response = await self.client.post("retrieve_future", json={"request_id": request_id})
            body = response.json()
            if response.status_code in (200, 408) and body.get("type") == "try_again":
                continue
            if response.status_code != 200 or "error" in body:
                raise HarnessError(f"tenant {self.name}: {path} failed: {response.status_code} {response.text[:500]}")
            return body

    async def timed(self, kind: str, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response | None:
        """Sends one request and records its latency; None on a transport error."""
        start = time.perf_counter()
        try:
            response = await send()
        except httpx.TransportError as error:
            self.recorder.add(self.name, kind, start, ok=False, failure=type(error).__name__)
            return None
        failure = "" if response.is_success else f"HTTP {response.status_code}"
        self.recorder.add(self.name, kind, start, ok=response.is_success, failure=failure)
        return response

    async def submit(self, kind: str, path: str, **kwargs: Any) -> tuple[float, str | None]:
        """Submits a future-returning request: (when it was sent, its request id or None if refused)."""
        start = time.perf_counter()
        response = await self.timed(f"{kind} submit", lambda: self.client.post(path, **kwargs))
        if response is None or not response.is_success:
            pause = 0.05
            if response is not None and response.status_code == 429:
                with contextlib.suppress(ValueError):
                    pause = min(1.0, float(response.headers.get("Retry-After", "0.2")))
            await asyncio.sleep(pause)
            return start, None
        return start, str(response.json()["request_id"])

    async def result(self, kind: str, submitted: float, request_id: str, accept: str) -> bool:
        """Long-polls retrieve_future until the result comes; records the time from submit to result.

        A poll that fails in transport (a connection the server closed as it was reused, say) is an error of the poll,
        and the result is polled for again."""
        ok, failure, transport_errors = False, "no answer", 0
        while True:
            response = await self.timed(
                LONG_POLL,
                lambda: self.client.post(
                    "retrieve_future", json={"request_id": request_id}, headers={"Accept": accept}
                ),
            )
            if response is None:  # recorded as an error of the poll; polled again as a client would, twice at most
                transport_errors += 1
                if transport_errors > 2:
                    break
                await asyncio.sleep(0.1)
                continue
            if response.headers.get("content-type", "").startswith("application/json"):
                body = response.json()
                if response.status_code in (200, 408) and body.get("type") == "try_again":
                    continue
                ok = response.status_code == 200 and "error" not in body
                failure = "" if ok else f"{response.status_code}: {str(body.get('error', body))[:120]}"
            else:
                ok = response.status_code == 200
                failure = "" if ok else f"HTTP {response.status_code}"
            break
        self.recorder.add(self.name, f"{kind} result", submitted, ok=ok, request=False, failure=failure)
        return ok

    # --- setup --------------------------------------------------------------------------------------------

    async def setup(self) -> None:
        """Session, models, samplers and a checkpoint; then one round of everything, so that loading is not
        measured."""
        session = await self.setup_call(
            "create_session", {"tags": ["load-bench"], "user_metadata": {}, "sdk_version": "load-bench"}
        )
        self.session_id = session["session_id"]
        for index in range(self.mix.training_clients):
            created = await self.setup_call(
                "create_model",
                {
                    "session_id": self.session_id,
                    "model_seq_id": index,
                    "base_model": self.model,
                    "lora_config": {"rank": 8, "seed": index},
                },
            )
            self.models.append(created["model_id"])
            self.next_seq[created["model_id"]] = 1
        for index in range(self.mix.samplers):
            sampler = await self.setup_call(
                "create_sampling_session",
                {"session_id": self.session_id, "sampling_session_seq_id": 100 + index, "base_model": self.model},
            )
            self.samplers.append(sampler["sampling_session_id"])
        first = self.models[0]
        saved = await self.setup_call(
            "save_weights", {"model_id": first, "seq_id": self.take_seq(first), "path": f"load-bench-{self.name}"}
        )
        self.checkpoint = saved["path"]
        for model_id in self.models:
            await self.training_round(model_id, depth=1, warm_up=True)
        submitted = await self.client.post(
            "optim_step", json={"model_id": first, "seq_id": self.take_seq(first), "adam_params": {"learning_rate": 0}}
        )
        if submitted.status_code != 200:
            raise HarnessError(f"tenant {self.name}: optim_step answered {submitted.status_code}: {submitted.text}")
        self.done_future = submitted.json()["request_id"]
        await self.setup_result("optim_step", self.done_future)
        if not all(await asyncio.gather(*(self.sample_once(sampler) for sampler in self.samplers))):
            raise HarnessError(f"tenant {self.name}: the warm-up sampling failed")

    def take_seq(self, model_id: str) -> int:
        seq = self.next_seq[model_id]
        self.next_seq[model_id] = seq + 1
        return seq

    # --- the loops ----------------------------------------------------------------------------------------

    async def training_round(self, model_id: str, depth: int, warm_up: bool = False) -> None:
        """Submits ``depth`` forward_backward + optim_step pairs in seq order, then waits for all their results.

        A seq_id is only used up by an accepted request, so a refused one does not leave a gap the server waits on.
        """
        pending: list[Awaitable[bool]] = []
        for _ in range(depth):
            seq = self.next_seq[model_id]
            body = forward_backward_body(model_id, seq, self.mix, offset=seq)
            submitted, request_id = await self.submit(
                "forward_backward", "forward_backward", content=body, headers={"Content-Type": PROTOBUF}
            )
            if request_id is None:
                break
            self.next_seq[model_id] = seq + 1
            pending.append(self.result("forward_backward", submitted, request_id, PROTOBUF))
            seq = self.next_seq[model_id]
            adam = {"model_id": model_id, "seq_id": seq, "adam_params": {"learning_rate": 1e-4}}
            submitted, request_id = await self.submit("optim_step", "optim_step", json=adam)
            if request_id is None:
                break
            self.next_seq[model_id] = seq + 1
            pending.append(self.result("optim_step", submitted, request_id, "application/json"))
        results = await asyncio.gather(*pending)
        if warm_up and (not all(results) or len(results) != 2 * depth):
            raise HarnessError(f"tenant {self.name}: the warm-up training step failed")

    async def sample_once(self, sampler_id: str) -> bool:
        body = {
            "sampling_session_id": sampler_id,
            "seq_id": next(self.sample_ids),
            "prompt": {"chunks": [{"type": "encoded_text", "tokens": list(TEXT[:16])}]},
            "sampling_params": {"max_tokens": self.mix.max_tokens, "temperature": 1.0, "top_k": -1, "top_p": 1.0},
            "num_samples": self.mix.num_samples,
        }
        submitted, request_id = await self.submit("asample", "asample", json=body)
        if request_id is None or not await self.result("asample", submitted, request_id, PROTOBUF):
            return False
        self.recorder.sampled_tokens += self.mix.max_tokens * self.mix.num_samples
        return True

    async def light(self, kind: str) -> None:
        if kind == "healthz":
            await self.timed(kind, lambda: self.client.get("healthz"))
        elif kind == "session_heartbeat":
            await self.timed(kind, lambda: self.client.post(kind, json={"session_id": self.session_id}))
        elif kind == "get_info":
            await self.timed(kind, lambda: self.client.post(kind, json={"model_id": self.models[0]}))
        elif kind == "weights_info":
            await self.timed(kind, lambda: self.client.post(kind, json={"tinker_path": self.checkpoint}))
        else:
            await self.timed(kind, lambda: self.client.post("retrieve_future", json={"request_id": self.done_future}))

    async def run(self, until: float) -> None:
        """All of this tenant's loops until ``until`` (perf_counter); each finishes what it started."""

        async def training(model_id: str) -> None:
            while time.perf_counter() < until:
                await self.training_round(model_id, self.mix.depth)

        async def sampling(sampler_id: str) -> None:
            while time.perf_counter() < until:
                await self.sample_once(sampler_id)

        async def light(offset: int) -> None:
            kinds = itertools.islice(itertools.cycle(LIGHT_KINDS), offset, None)
            while time.perf_counter() < until:
                await self.light(next(kinds))
                await asyncio.sleep(self.mix.light_pause)

        await asyncio.gather(
            *(training(model_id) for model_id in self.models),
            *(sampling(sampler_id) for sampler_id in self.samplers),
            *(light(index) for index in range(self.mix.light_workers)),
        )

    async def close(self) -> None:
        await self.client.aclose()


def failures(records: list[Record], start: float, end: float) -> dict[str, int]:
    """How many errors of each tenant, request and cause started in [start, end)."""
    counts: dict[str, int] = {}
    for record in records:
        if not record.ok and start <= record.start < end:
            key = f"{record.tenant} {record.kind}: {record.failure}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def _figures(rows: list[Record], window: float) -> dict[str, float]:
    latencies = [row.latency * 1000 for row in rows]
    return {
        "count": len(rows),
        "errors": sum(not row.ok for row in rows),
        "per_second": len(rows) / window,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def summarize(records: list[Record], tenant: str, start: float, end: float) -> dict[str, dict[str, float]]:
    """Per request kind: count, errors, req/s and p50/p99 ms of those that started in [start, end)."""
    window = end - start
    by_kind: dict[str, list[Record]] = {}
    for record in records:
        if record.tenant == tenant and start <= record.start < end:
            by_kind.setdefault(record.kind, []).append(record)
    order = [
        *LIGHT_KINDS,
        "forward_backward submit",
        "forward_backward result",
        "optim_step submit",
        "optim_step result",
        "asample submit",
        "asample result",
        LONG_POLL,
    ]
    table: dict[str, dict[str, float]] = {}
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        table[kind] = _figures(by_kind[kind], window)
    requests = [row for rows in by_kind.values() for row in rows if row.request and row.kind != LONG_POLL]
    if requests:
        table[ALL] = _figures(requests, window)
    return table


async def run_phase(
    tenants: list[Tenant], seconds: float, server: LocalServer, drain_timeout: float = 120.0
) -> tuple[float, float]:
    """Runs the tenants' loops for ``seconds``; returns the window (perf_counter). Waits for what was started,
    and stops at once if the server process dies."""
    start = time.perf_counter()
    end = start + seconds
    task = asyncio.gather(*(tenant.run(end) for tenant in tenants))
    while not task.done():
        await asyncio.wait({task}, timeout=0.5)
        if server.process is None or server.process.poll() is not None:
            task.cancel()
            raise HarnessError("the server process died during the run")
        if not task.done() and time.perf_counter() > end + drain_timeout:
            task.cancel()
            raise HarnessError(f"the requests started in the phase did not finish within {drain_timeout:.0f} s")
    task.result()
    return start, end


async def measure(args: argparse.Namespace, server: LocalServer, monitor: MemoryMonitor) -> dict[str, Any]:
    recorder = Recorder()
    tenants = {name: Tenant(name, server.base_url, MIXES[name], args.model, recorder) for name in MIXES}
    memory: dict[str, Any] = {"after_start": monitor.now()}
    try:
        await asyncio.gather(*(tenant.setup() for tenant in tenants.values()))
        recorder.records.clear()
        recorder.sampled_tokens = 0
        memory["after_warmup"] = monitor.now()
        print(f"warm-up done; tenant B alone for {args.baseline:.0f} s ...", file=sys.stderr, flush=True)
        alone = await run_phase([tenants["B"]], args.baseline, server)
        alone_tokens = recorder.sampled_tokens
        recorder.sampled_tokens = 0
        print(f"tenants A and B together for {args.duration:.0f} s ...", file=sys.stderr, flush=True)
        server_process = psutil.Process(server.process.pid if server.process else 0)
        cpu_before, client_before = server_process.cpu_times(), psutil.Process().cpu_times()
        load_before = os.getloadavg()[0]
        memory["soak_start"] = monitor.now()
        mixed = await run_phase(list(tenants.values()), args.duration, server)
        cpu_after, client_after = server_process.cpu_times(), psutil.Process().cpu_times()
        load_after = os.getloadavg()[0]
        memory["soak_end"] = monitor.now()
    finally:
        await asyncio.gather(*(tenant.close() for tenant in tenants.values()))

    soak = monitor.between(*mixed)
    tenth = args.duration / 10
    first = monitor.between(mixed[0], mixed[0] + tenth)
    last = monitor.between(mixed[1] - tenth, mixed[1])
    memory.update(
        {
            "soak_peak": max(soak, default=memory["soak_end"]),
            "soak_samples": len(soak),
            "run_peak": max((total for _, _, total in monitor.samples), default=0),
            "process_high_water_mark": monitor.high_water_mark(),
            "growth_first_to_last_tenth": (statistics.mean(last) - statistics.mean(first)) if first and last else 0,
            "max_children": monitor.max_children,
        }
    )

    def cpu_seconds(before: Any, after: Any) -> float:
        return float((after.user - before.user) + (after.system - before.system))

    window = mixed[1] - mixed[0]
    return {
        "settings": {
            "model": args.model,
            "duration_s": args.duration,
            "baseline_s": args.baseline,
            "cpus": os.cpu_count(),
            "mixes": {name: dataclasses.asdict(mix) for name, mix in MIXES.items()},
        },
        "b_alone": {
            "B": summarize(recorder.records, "B", *alone),
            "sampled_tokens_per_s": alone_tokens / args.baseline,
            "errors": failures(recorder.records, *alone),
        },
        "mixed": {
            "A": summarize(recorder.records, "A", *mixed),
            "B": summarize(recorder.records, "B", *mixed),
            "sampled_tokens_per_s": recorder.sampled_tokens / window,
            "errors": failures(recorder.records, *mixed),
        },
        "memory_bytes": memory,
        "cpu": {
            "server_cores_busy": cpu_seconds(cpu_before, cpu_after) / window,
            "client_cores_busy": cpu_seconds(client_before, client_after) / window,
            "load_average_1min": [load_before, load_after],
        },
    }


def report(figures: dict[str, Any]) -> None:
    settings, memory, cpu = figures["settings"], figures["memory_bytes"], figures["cpu"]
    print(
        f"# Local server under load: two tenants on {settings['model']}, a {settings['duration_s']:.0f} s soak "
        f"(after {settings['baseline_s']:.0f} s of tenant B alone), {settings['cpus']} CPUs\n"
    )
    for name, mix in settings["mixes"].items():
        print(
            f"- tenant {name}: {mix['training_clients']} training client(s) x {mix['depth']} queued "
            f"forward_backward+optim_step pair(s) of {mix['datums']} x {mix['tokens']} tokens, "
            f"{mix['samplers']} sampler(s) of {mix['num_samples']} x {mix['max_tokens']} tokens, "
            f"{mix['light_workers']} light loop(s) pausing {mix['light_pause'] * 1000:.0f} ms"
        )
    print(
        "\nLatencies in ms; `... result` is the time from submit to result (not a request of its own); "
        "`retrieve_future (waiting)` are the long-polls that fetched results.\n"
    )
    alone = figures["b_alone"]["B"]
    print("| tenant | request | count | errors | req/s | p50 ms | p99 ms | B alone: req/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for tenant in ("A", "B"):
        for kind, row in figures["mixed"][tenant].items():
            base = alone.get(kind) if tenant == "B" else None
            side = f"{base['per_second']:.1f} | {base['p50_ms']:.1f} | {base['p99_ms']:.1f}" if base else "— | — | —"
            name = f"**{kind}**" if kind == ALL else kind
            print(
                f"| {tenant} | {name} | {row['count']:.0f} | {row['errors']:.0f} | {row['per_second']:.1f} | "
                f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {side} |"
            )
    errors = [
        f"- errors during {label}: {cause} (x{count})"
        for phase, label in (("b_alone", "tenant B alone"), ("mixed", "the soak"))
        for cause, count in figures[phase]["errors"].items()
    ]
    if errors:
        print("\n" + "\n".join(errors))
    print(
        f"\nSampled tokens/s: {figures['mixed']['sampled_tokens_per_s']:.0f} under the mixed load, "
        f"{figures['b_alone']['sampled_tokens_per_s']:.0f} with tenant B alone. CPU: the server kept "
        f"{cpu['server_cores_busy']:.2f} cores busy during the soak, this client {cpu['client_cores_busy']:.2f}; "
        f"the machine's 1-minute load average went from {cpu['load_average_1min'][0]:.2f} to "
        f"{cpu['load_average_1min'][1]:.2f} on {settings['cpus']} CPUs (the server and this client account for about "
        f"{cpu['server_cores_busy'] + cpu['client_cores_busy']:.1f} of it; more means other processes competed).\n"
    )
    children = f" and its {memory['max_children']} child process(es)" if memory["max_children"] else ""
    print(f"| server resident memory (process{children}) | MiB |")
    print("|---|---|")
    hwm = memory["process_high_water_mark"]
    for label, value in (
        ("after start, idle", memory["after_start"]),
        ("after setup and warm-up", memory["after_warmup"]),
        ("start of the soak", memory["soak_start"]),
        (f"peak during the soak ({memory['soak_samples']} samples, every 100 ms)", memory["soak_peak"]),
        ("end of the soak", memory["soak_end"]),
        ("kernel high-water mark of the process (VmHWM)", hwm),
    ):
        print(f"| {label} | {value / MiB:.1f} |" if value is not None else f"| {label} | n/a |")
    print(f"| growth, first to last tenth of the soak | {memory['growth_first_to_last_tenth'] / MiB:+.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the two-tenant soak")
    parser.add_argument("--baseline", type=float, default=15.0, help="seconds of tenant B alone before the soak")
    parser.add_argument("--quick", action="store_true", help="a 10 s soak after 5 s of tenant B alone")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    parser.add_argument("--model", default="tinker-local/tiny")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.baseline = 10.0, 5.0
    if args.duration <= 0 or args.baseline <= 0:
        parser.error("--duration and --baseline must be positive")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tinker-load-bench-") as data_dir,
            LocalServer(data_dir, api_keys=(KEYS["A"], KEYS["B"]), subprocess=True, startup_timeout=120) as server,
        ):
            assert server.process is not None
            monitor = MemoryMonitor(server.process.pid)
            monitor.start()
            try:
                figures = asyncio.run(measure(args, server, monitor))
            finally:
                monitor.stop()
    except (HarnessError, RuntimeError, httpx.HTTPError, psutil.Error) as error:
        raise SystemExit(f"load benchmark failed: {type(error).__name__}: {error}") from error
    report(figures)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
