"""The fault run of issue 14: a supervised run with saves and sampling, against a server that fails 20 % of its
requests in every way it knows, ends exactly as the same run against a server that fails none.

Each run gets its own server (a fresh data dir); the SDK's own retries are all that stands between the faults and
the run. Compared bit for bit: the loss of each step, the weights and optimizer state of every save, the sampler
weights, and seeded samples from those weights. The server's records show each seq_id ran once, every call ends
within ``CALL_BOUND``, and the SDK's circuit breaker never opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from safetensors.numpy import load_file

import tinker
from tinker import types
from tinker.lib import _resilience
from tinker.local import LocalServer
from tinker.local._faults import KINDS

KEY = "tml-fault-run"
TINY = "tinker-local/tiny"
STEPS = 50
SAVE_EVERY = 10
SAMPLES = 40  # enough sample polls that one of them is drawn for a 410 (the only requests a 410 fits)
FAULTS = "rate=0.2,seed=14,kinds=all,delay=0.5,retry_after=0.5"
CALL_BOUND = 60.0  # seconds; the slowest call of the faulty run takes a few
TEXTS = ["the cat sat on the mat", "a bird sang in the tree", "the sun rose over the hills", "dogs bark at night"]

T = TypeVar("T")


def datum(text: str) -> types.Datum:
    tokens = [*text.encode(), 256]
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),
            "weights": types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32)),
        },
    )


@dataclass
class Run:
    losses: list[float] = field(default_factory=list)
    saves: list[str] = field(default_factory=list)
    samples: list[list[list[int]]] = field(default_factory=list)
    circuit_changes: list[str] = field(default_factory=list)
    slowest_call: float = 0.0
    wall: float = 0.0

    def wait(self, future: Any) -> Any:
        """A call's result, within the bound every call must keep."""
        started = time.monotonic()
        result = future.result(timeout=CALL_BOUND)
        self.slowest_call = max(self.slowest_call, time.monotonic() - started)
        return result


def supervised_run(server: LocalServer) -> Run:
    run = Run()

    def watch(event: _resilience.Event) -> None:
        if event.kind == "circuit_changed":
            run.circuit_changes.append(str(event.status))

    _resilience.HOOKS.append(watch)
    try:
        return _supervised_run(server, run)
    finally:
        _resilience.HOOKS.remove(watch)


def _supervised_run(server: LocalServer, run: Run) -> Run:
    started = time.monotonic()
    with tinker.ServiceClient(base_url=server.base_url, api_key=KEY) as service:
        training = run.wait(service.create_lora_training_client(TINY, rank=8, seed=0))
        batch = [datum(text) for text in TEXTS]
        for step in range(1, STEPS + 1):
            backward = training.forward_backward(batch, "cross_entropy")
            optimized = training.optim_step(types.AdamParams(learning_rate=1e-2))
            run.losses.append(run.wait(backward).metrics["loss:sum"])
            run.wait(optimized)
            if step % SAVE_EVERY == 0:
                run.saves.append(run.wait(training.save_state(f"step-{step}")).path)
        final = run.wait(training.save_weights_for_sampler("final")).path
        run.saves.append(final)
        sampler = run.wait(service.create_sampling_client(model_path=final))
        prompt = types.ModelInput.from_ints(list(b"the "))
        futures = [
            sampler.sample(prompt, 2, types.SamplingParams(max_tokens=6, temperature=1.0, seed=seed))
            for seed in range(SAMPLES)
        ]
        for future in futures:
            run.samples.append([list(sequence.tokens) for sequence in run.wait(future).sequences])
    run.wall = time.monotonic() - started
    return run


def checkpoint_tensors(server: LocalServer, path: str) -> dict[str, np.ndarray]:
    """The tensors of a save, read from the server's own store."""
    service = server.app.state.service  # type: ignore[union-attr]
    owner = service.authenticate(KEY)
    row = service.store.sync.run(lambda db: service.checkpoint_at_now(db, path, owner))
    return load_file(Path(row["file"]))


def seq_ids_run(server: LocalServer) -> list[tuple[int, str]]:
    """(seq_id, state) of each request the training run's queue took, from the server's futures."""
    rows = server.app.state.service.store.sync.all(  # type: ignore[union-attr]
        "SELECT request_id, state FROM futures WHERE request_id LIKE '%:train:0:%'"
    )
    return sorted((int(row["request_id"].rsplit(":", 1)[1]), row["state"]) for row in rows)


def served(tmp_path: Path, name: str, body: Callable[[LocalServer], T], **settings: Any) -> T:
    with LocalServer(tmp_path / name, api_keys=(KEY,), long_poll_seconds=5.0, **settings) as server:
        return body(server)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("fault-run")
    outcome: dict[str, Any] = {}
    for name, faults in (("clean", None), ("faulty", FAULTS)):

        def body(server: LocalServer, name: str = name) -> None:
            run = supervised_run(server)
            outcome[name] = {
                "run": run,
                # by kind and name (the paths differ in their session ids)
                "weights": {path.split("/", 3)[3]: checkpoint_tensors(server, path) for path in run.saves},
                "seq_ids": seq_ids_run(server),
                "injected": server.app.state.faults.injected if server.app.state.faults else {},  # type: ignore
                "sessions": server.app.state.service.store.sync.scalar("SELECT COUNT(*) FROM sessions"),  # type: ignore
            }

        served(tmp_path, name, body, faults=faults)
    clean, faulty = outcome["clean"]["run"], outcome["faulty"]["run"]
    print(
        f"\nfault run: clean {clean.wall:.1f} s (slowest call {clean.slowest_call:.1f} s), "
        f"with faults {faulty.wall:.1f} s (slowest call {faulty.slowest_call:.1f} s; {outcome['faulty']['injected']})"
    )
    return outcome


def test_every_kind_of_fault_was_injected(runs: dict[str, Any]) -> None:
    injected = runs["faulty"]["injected"]
    assert set(injected) == set(KINDS), injected
    assert not runs["clean"]["injected"]


def test_the_losses_are_those_of_the_run_without_faults(runs: dict[str, Any]) -> None:
    clean, faulty = runs["clean"]["run"], runs["faulty"]["run"]
    assert len(clean.losses) == STEPS
    assert faulty.losses == clean.losses  # exact: the same steps, each applied once, in the same order


def test_every_save_holds_the_same_tensors(runs: dict[str, Any]) -> None:
    clean, faulty = runs["clean"]["weights"], runs["faulty"]["weights"]
    assert list(clean) == list(faulty)
    for path in clean:
        assert clean[path].keys() == faulty[path].keys(), path
        for name, tensor in clean[path].items():
            assert np.array_equal(tensor, faulty[path][name]), f"{path}: {name} differs"
            assert tensor.dtype == faulty[path][name].dtype


def test_the_samples_from_the_saved_weights_are_the_same(runs: dict[str, Any]) -> None:
    assert len(runs["clean"]["run"].samples) == SAMPLES
    assert runs["faulty"]["run"].samples == runs["clean"]["run"].samples


def test_no_step_ran_twice_or_was_skipped(runs: dict[str, Any]) -> None:
    requests_per_step = 2  # forward_backward and optim_step
    expected = 1 + STEPS * requests_per_step + STEPS // SAVE_EVERY + 1  # create_model is seq 0
    for name in ("clean", "faulty"):
        seq_ids = runs[name]["seq_ids"]
        assert [seq for seq, _ in seq_ids] == list(range(expected)), name
        assert {state for _, state in seq_ids} == {"done"}, name


def test_one_session_whatever_was_dropped(runs: dict[str, Any]) -> None:
    assert runs["faulty"]["sessions"] == runs["clean"]["sessions"] == 1


def test_every_call_ended_within_its_bound(runs: dict[str, Any]) -> None:
    assert runs["faulty"]["run"].slowest_call < CALL_BOUND


def test_the_circuit_breaker_never_opened(runs: dict[str, Any]) -> None:
    """Faults at this rate are sporadic: the breaker, which opens on a dead server, must let them pass."""
    assert runs["faulty"]["run"].circuit_changes == []
