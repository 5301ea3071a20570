"""Hostile input against ``tinker local serve`` in a child process: every case is refused with a 4xx, the server
goes on answering another tenant, and its peak resident memory (read from the process) stays bounded.

The server runs with small limits, so that each bound is reached in a few requests.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
import zstandard

from tinker.local import LocalServer
from tinker_api.proto import tinker_public_pb2 as pb

from .helpers import TINY, Api, datum, proto_request, tokens_of

KEY = "tml-hostile-main"
CAPS_KEY = "tml-hostile-caps"
OTHER_KEY = "tml-hostile-other"
LIMITS: dict[str, Any] = {
    "max_body_bytes": 1 << 20,
    "max_queued_per_model": 3,
    "max_queued_per_tenant": 5,
    "max_sampling_requests_per_tenant": 2,
    "max_sessions_per_tenant": 3,
    "max_training_runs_per_tenant": 4,
    "max_samplers_per_tenant": 2,
    "max_sampled_tokens": 4096,
}
BOMB_BYTES = 512 << 20
MAX_GROWTH = 64 << 20  # the peak resident memory a refused request may add; a bomb decoded in full adds 512 MiB
TOKENS = tokens_of("the quick brown fox")
FINISH = {"reason": {"type": "success"}, "detail": None}
GROWTH: dict[str, int] = {}


class PeakMemory:
    """The peak resident memory of a process during a block, over what it held when the block began.

    On Linux the kernel's own peak (VmHWM, reset through clear_refs) misses nothing; elsewhere, and as a floor,
    a thread reads the resident size every 2 ms.
    """

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.status = Path(f"/proc/{pid}/status")
        self.growth = 0
        self._start = self._peak = 0
        self._kernel = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _kernel_peak(self) -> int | None:
        try:
            for line in self.status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def _reset_kernel_peak(self) -> bool:
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def _watch(self) -> None:
        while not self._done.wait(0.002):
            self._peak = max(self._peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._start = self._peak = self.process.memory_info().rss
        self._kernel = self._reset_kernel_peak()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        self._thread.join()
        peak = max(self._peak, self.process.memory_info().rss)
        kernel = self._kernel_peak() if self._kernel else None
        self.growth = max(peak, kernel or 0) - self._start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(
        tmp_path_factory.mktemp("hostile"),
        api_keys=(KEY, CAPS_KEY, OTHER_KEY),
        subprocess=True,
        long_poll_seconds=2.0,
        seq_gap_timeout_seconds=30.0,
        **LIMITS,
    ) as running:
        yield running
    if GROWTH:
        print("\npeak resident memory growth of the server, by case (MiB):")
        for case, growth in GROWTH.items():
            print(f"  {case}: {growth / 2**20:.1f}")


def _api(server: LocalServer, key: str) -> Iterator[Api]:
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, timeout=60) as client:
        yield Api(client)


@pytest.fixture(scope="module")
def api(server: LocalServer) -> Iterator[Api]:
    yield from _api(server, KEY)


@pytest.fixture(scope="module")
def caps(server: LocalServer) -> Iterator[Api]:
    yield from _api(server, CAPS_KEY)


@pytest.fixture(scope="module")
def other(server: LocalServer) -> Iterator[Api]:
    yield from _api(server, OTHER_KEY)


class Model:
    """A training run of the main tenant and the next seq_id to send it."""

    def __init__(self, api: Api, session: str, seq: int) -> None:
        self.model_id = api.model(session, seq=seq)
        self.next_seq = 1

    def seq(self) -> int:
        self.next_seq += 1
        return self.next_seq - 1


@pytest.fixture(scope="module")
def session(api: Api) -> str:
    return api.session()


@pytest.fixture(scope="module")
def model(api: Api, session: str) -> Model:
    """A model that has trained and sampled once: torch and the engine are loaded before any case is measured."""
    trained = Model(api, session, seq=0)
    body = proto_request(trained.model_id, trained.seq(), TOKENS)
    api.value(api.ok(api.post("forward_backward", content=body, headers={"Content-Type": "application/x-protobuf"})))
    api.value(api.ok(api.post("asample", _sample(max_tokens=4))))
    return trained


@pytest.fixture
def guard(server: LocalServer, model: Model, other: Api, request: pytest.FixtureRequest) -> Iterator[PeakMemory]:
    """Measures the case, then checks that the server still runs and answers another tenant."""
    assert server.process is not None
    with PeakMemory(server.process.pid) as memory:
        yield memory
    GROWTH[request.node.name.removeprefix("test_")] = memory.growth
    assert server.process.poll() is None, "the server died"
    assert other.ok(other.client.get("/api/v1/healthz"))["status"] == "ok"
    assert other.ok(other.client.get("/api/v1/get_server_capabilities"))["supported_models"]
    assert memory.growth < MAX_GROWTH, f"the server's resident memory grew by {memory.growth / 2**20:.0f} MiB"


def refused(response: httpx.Response, status: int | tuple[int, ...] = (400, 413, 422)) -> str:
    """The detail of a 4xx answer, checked to be one of ``status``."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text[:2000])
    assert len(response.content) < 64 * 1024, "the refusal quotes too much of the request"
    return str(response.json()["detail"])


def _sample(max_tokens: int | None, num_samples: int = 1) -> dict[str, Any]:
    return {
        "base_model": TINY,
        "prompt": {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]},
        "num_samples": num_samples,
        "sampling_params": {"max_tokens": max_tokens, "seed": 0},
    }


# --- compression bombs ----------------------------------------------------------------------------------------------


def _compress(compressor: Any, size: int) -> bytes:
    zeros = bytes(1 << 20)
    return b"".join([*(compressor.compress(zeros) for _ in range(size >> 20)), compressor.flush()])


@functools.cache
def _zstd_bomb(stated: bool) -> bytes:
    bomb = _compress(zstandard.ZstdCompressor().compressobj(size=BOMB_BYTES if stated else -1), BOMB_BYTES)
    assert zstandard.frame_content_size(bomb) == (BOMB_BYTES if stated else -1)
    return bomb


@functools.cache
def _gzip_bomb() -> bytes:
    return _compress(zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS), BOMB_BYTES)


GZIP_BOMBS: dict[str, Callable[[bytes], bytes]] = {
    "size_stated": lambda bomb: bomb,  # the trailer's ISIZE says 512 MiB (mod 2**32)
    "size_lied": lambda bomb: bomb[:-4] + (1024).to_bytes(4, "little"),
    "size_unstated": lambda bomb: bomb[:-8],  # no trailer at all
}


@pytest.mark.parametrize("stated", [True, False], ids=["size_stated", "size_unstated"])
def test_zstd_bomb(api: Api, guard: PeakMemory, stated: bool) -> None:
    bomb = _zstd_bomb(stated)
    assert BOMB_BYTES / len(bomb) >= 1000
    headers = {"Content-Encoding": "zstd", "Content-Type": "application/json"}
    detail = refused(api.post("create_session", content=bomb, headers=headers), 413)
    assert str(LIMITS["max_body_bytes"]) in detail and "max_body_bytes" in detail


@pytest.mark.parametrize("variant", list(GZIP_BOMBS))
def test_gzip_bomb(api: Api, guard: PeakMemory, variant: str) -> None:
    bomb = GZIP_BOMBS[variant](_gzip_bomb())
    assert BOMB_BYTES / len(bomb) >= 1000 and len(bomb) < LIMITS["max_body_bytes"]
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    detail = refused(api.post("create_session", content=bomb, headers=headers), 413)
    assert str(LIMITS["max_body_bytes"]) in detail


def test_a_body_cut_short_is_refused_not_read_as_a_shorter_one(api: Api, guard: PeakMemory) -> None:
    body = b'{"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}' * 1000
    for encoding, encoded in (("zstd", zstandard.compress(body)), ("gzip", zlib.compress(body, wbits=31))):
        cut = api.post("create_session", content=encoded[:-6], headers={"Content-Encoding": encoding})
        assert encoding in refused(cut, 400)


# --- sparse (CSR) tensors -------------------------------------------------------------------------------------------

# (shape, crow, col, values): each must be refused before the server allocates rows x cols
CSR_CASES: dict[str, tuple[list[int], list[int], list[int], list[int]]] = {
    "huge_cols": ([3, 2_000_000_000], [0, 1, 2, 3], [0, 1, 2], [5, 6, 7]),
    "huge_rows": ([2_000_000_000, 3], [0, 1, 2, 3], [0, 1, 2], [5, 6, 7]),
    "half_a_gigabyte": ([4, 16_000_000], [0, 1, 2, 3, 3], [0, 1, 2], [5, 6, 7]),
    "crow_not_from_zero": ([3, 4], [1, 1, 2, 3], [0, 1, 2], [5, 6, 7]),
    "crow_decreasing": ([3, 4], [0, 2, 1, 3], [0, 1, 2], [5, 6, 7]),
    "crow_too_short": ([3, 4], [0, 3], [0, 1, 2], [5, 6, 7]),
    "col_out_of_range": ([3, 4], [0, 1, 2, 3], [0, 1, 4], [5, 6, 7]),
    "col_negative": ([3, 4], [0, 1, 2, 3], [0, -1, 2], [5, 6, 7]),
    "col_count_differs": ([3, 4], [0, 1, 2, 3], [0, 1], [5, 6, 7]),
    "shape_negative": ([-3, 4], [0, 1, 2, 3], [0, 1, 2], [5, 6, 7]),
}


def _csr_proto(model: Model, shape: list[int], crow: list[int], col: list[int], values: list[int]) -> bytes:
    message = pb.ForwardBackwardRequest.FromString(proto_request(model.model_id, model.seq(), TOKENS))
    target = message.data[0].loss_fn_inputs["target_tokens"]
    target.Clear()
    target.dtype = pb.DTYPE_INT64
    target.shape.extend(shape)
    target.sparse_csr.values = np.asarray(values, "<i8").tobytes()
    target.sparse_csr.crow_indices = np.asarray(crow, "<i8").tobytes()
    target.sparse_csr.col_indices = np.asarray(col, "<i8").tobytes()
    return message.SerializeToString()


def _csr_json(model: Model, shape: list[int], crow: list[int], col: list[int], values: list[int]) -> dict[str, Any]:
    item = datum(TOKENS)
    item["loss_fn_inputs"]["target_tokens"] = {
        "dtype": "int64",
        "data": values,
        "shape": shape,
        "sparse_crow_indices": crow,
        "sparse_col_indices": col,
    }
    # no seq_id: a body the schema refuses never reaches the handler, so its seq_id would stay a gap in the queue
    return {"model_id": model.model_id, "forward_backward_input": {"data": [item], "loss_fn": "cross_entropy"}}


@pytest.mark.parametrize("form", ["protobuf", "json"])
@pytest.mark.parametrize("case", list(CSR_CASES))
def test_sparse_tensor(api: Api, model: Model, guard: PeakMemory, case: str, form: str) -> None:
    shape, crow, col, values = CSR_CASES[case]
    if form == "protobuf":
        body = _csr_proto(model, shape, crow, col, values)
        response = api.post("forward_backward", content=body, headers={"Content-Type": "application/x-protobuf"})
    else:
        response = api.post("forward_backward", _csr_json(model, shape, crow, col, values))
    refused(response)


def test_sparse_index_bytes_that_are_not_whole_int64s(api: Api, model: Model, guard: PeakMemory) -> None:
    message = pb.ForwardBackwardRequest.FromString(_csr_proto(model, [3, 4], [0, 1, 2, 3], [0, 1, 2], [5, 6, 7]))
    message.data[0].loss_fn_inputs["target_tokens"].sparse_csr.crow_indices += b"\x01\x02\x03"
    body = message.SerializeToString()
    refused(api.post("forward_backward", content=body, headers={"Content-Type": "application/x-protobuf"}))


# --- many loss inputs: each small as sent, large once dense ---------------------------------------------------------

POSITIONS = 512  # tiny's context length; a loss input may then have up to 512 x 257 cells
VOCAB = 257


def test_loss_inputs_the_loss_does_not_take(api: Api, model: Model, guard: PeakMemory) -> None:
    """8 datums of 41 empty CSR inputs of [512, 257] (388 kB of JSON): 170 MB once dense, if the names the loss
    does not take were made dense before they were refused."""
    csr = {
        "dtype": "float32",
        "data": [],
        "shape": [POSITIONS, VOCAB],
        "sparse_crow_indices": [0] * (POSITIONS + 1),
        "sparse_col_indices": [],
    }
    item = {
        "model_input": {"chunks": [{"type": "encoded_text", "tokens": [1] * POSITIONS}]},
        "loss_fn_inputs": {
            "target_tokens": {"data": [1] * POSITIONS, "dtype": "int64", "shape": [POSITIONS]},
            "weights": csr,
            **{f"x{i}": csr for i in range(40)},
        },
    }
    fb_input = {"data": [item] * 8, "loss_fn": "cross_entropy"}
    body = {"model_id": model.model_id, "seq_id": model.seq(), "forward_backward_input": fb_input}
    detail = refused(api.post("forward_backward", body), 400)
    assert "loss_fn_inputs.x0" in detail and "target_tokens, weights" in detail


def test_loss_inputs_past_the_dense_bound(api: Api, model: Model, guard: PeakMemory) -> None:
    """90 datums whose weights are empty CSR of [512, 257] (a 900 kB protobuf body, inputs the loss takes):
    12 M cells once dense, 46 MB of weights before the engine's own batch, past the bound of one request."""
    message = pb.ForwardBackwardRequest(model_id=model.model_id, seq_id=model.seq(), loss_fn="cross_entropy")
    for _ in range(90):
        item = message.data.add()
        item.model_input.add().encoded_text.tokens = np.ones(POSITIONS, "<i4").tobytes()
        target = pb.Tensor(dense=np.ones(POSITIONS, "<i8").tobytes(), dtype=pb.DTYPE_INT64, shape=[POSITIONS])
        item.loss_fn_inputs["target_tokens"].CopyFrom(target)
        weights = item.loss_fn_inputs["weights"]
        weights.dtype = pb.DTYPE_FLOAT32
        weights.shape.extend([POSITIONS, VOCAB])
        weights.sparse_csr.crow_indices = np.zeros(POSITIONS + 1, "<i8").tobytes()
    body = message.SerializeToString()
    assert len(body) < LIMITS["max_body_bytes"]
    response = api.post("forward_backward", content=body, headers={"Content-Type": "application/x-protobuf"})
    detail = refused(response, 400)
    assert "max_body_bytes" in detail and "send fewer datums" in detail


# --- sampling -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_tokens", "num_samples"), [(500, 16), (None, 16), (2**31 - 1, 128)], ids=["product", "unset", "huge"]
)
def test_max_tokens_times_num_samples(api: Api, guard: PeakMemory, max_tokens: int | None, num_samples: int) -> None:
    detail = refused(api.post("asample", _sample(max_tokens, num_samples)), 400)
    assert "max_tokens" in detail
    if max_tokens != 2**31 - 1:
        assert "num_samples" in detail and str(LIMITS["max_sampled_tokens"]) in detail


def test_sampling_requests_past_the_limit_wait(api: Api, guard: PeakMemory) -> None:
    body = _sample(max_tokens=500, num_samples=8)  # 4000 tokens: long enough to still run when the next arrive
    answers = [api.post("asample", {**body, "sampling_params": {"max_tokens": 500, "seed": i}}) for i in range(4)]
    running = [api.ok(answer) for answer in answers if answer.status_code == 200]
    waited = [answer for answer in answers if answer.status_code == 429]
    assert len(running) == LIMITS["max_sampling_requests_per_tenant"] and len(waited) == 2
    assert all(answer.headers["Retry-After"] for answer in waited)
    assert "max_sampling_requests_per_tenant" in refused(waited[0], 429)
    for future in running:
        assert len(api.value(future)["sequences"]) == 8
    api.value(api.ok(api.post("asample", _sample(max_tokens=4))))


# --- JSON -----------------------------------------------------------------------------------------------------------


def _telemetry(event_data: str) -> bytes:
    event = (
        '{"event": "GENERIC_EVENT", "event_id": "e", "event_session_index": 0, "severity": "INFO", '
        f'"timestamp": "2026-11-28T00:00:00Z", "event_name": "deep", "event_data": {{"x": {event_data}}}}}'
    )
    return (
        f'{{"events": [{event}], "platform": "Linux", "sdk_version": "0.38.0", "session_id": "s", "process_uuid": "p"}}'
    ).encode()


@pytest.mark.parametrize("depth", [300, 1000, 100_000])
def test_deeply_nested_json(api: Api, guard: PeakMemory, depth: int) -> None:
    body = _telemetry("[" * depth + "]" * depth)
    refused(api.post("telemetry", content=body, headers={"Content-Type": "application/json"}), 422)


def test_deeply_nested_json_where_the_schema_wants_a_string(api: Api, guard: PeakMemory) -> None:
    rest = b', "user_metadata": {}, "sdk_version": "t", "type": "create_session"}'
    body = b'{"tags": ' + b"[" * 900 + b"]" * 900 + rest
    refused(api.post("create_session", content=body, headers={"Content-Type": "application/json"}), 422)


@pytest.mark.parametrize("field", ["tags", "model_seq_id", "base_model"])
def test_huge_string(api: Api, session: str, guard: PeakMemory, field: str) -> None:
    huge = "x" * (LIMITS["max_body_bytes"] - 4096)
    body: dict[str, Any] = {"session_id": session, "model_seq_id": 99, "base_model": TINY, "type": "create_model"}
    if field == "tags":
        body = {"tags": huge, "user_metadata": {}, "sdk_version": "t", "type": "create_session"}
        response = api.post("create_session", body)
    else:
        response = api.post("create_model", {**body, field: huge})
    refused(response, (400, 404, 422))


def test_a_body_over_the_limit(api: Api, guard: PeakMemory) -> None:
    body = b'{"tags": ["' + b"x" * LIMITS["max_body_bytes"] + b'"]}'
    refused(api.post("create_session", content=body, headers={"Content-Type": "application/json"}), 413)


# --- queues, sessions, models ---------------------------------------------------------------------------------------


def _optim(api: Api, model_id: str, seq_id: int) -> httpx.Response:
    return api.post("optim_step", {"model_id": model_id, "seq_id": seq_id, "adam_params": {"learning_rate": 1e-3}})


def test_queued_requests_past_the_limits_wait(api: Api, session: str, guard: PeakMemory) -> None:
    first, second = api.model(session, seq=1), api.model(session, seq=2)
    # seq_id 1 is held back on each model, so that the later ones stay queued
    queued = [api.ok(_optim(api, first, seq)) for seq in (2, 3, 4)]
    past_model = _optim(api, first, 5)
    assert past_model.headers["Retry-After"]
    assert "max_queued_per_model" in refused(past_model, 429)
    queued += [api.ok(_optim(api, second, seq)) for seq in (2, 3)]
    past_tenant = _optim(api, second, 4)
    assert "max_queued_per_tenant" in refused(past_tenant, 429)
    # the seq_id a queue waits for is always taken; then the refused ones go through when sent again
    queued += [api.ok(_optim(api, first, 1)), api.ok(_optim(api, second, 1))]
    for future in queued:
        assert "metrics" in api.value(future)
    assert "metrics" in api.value(api.ok(_optim(api, first, 5)))
    assert "metrics" in api.value(api.ok(_optim(api, second, 4)))
    for model_id in (first, second):
        api.value(api.ok(api.post("unload_model", {"model_id": model_id})))


def test_sessions_past_the_limit(caps: Api, guard: PeakMemory) -> None:
    sessions = [caps.session() for _ in range(LIMITS["max_sessions_per_tenant"])]
    body = {"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}
    detail = refused(caps.post("create_session", body), 400)
    assert "max_sessions_per_tenant" in detail and str(LIMITS["max_sessions_per_tenant"]) in detail
    assert caps.post(f"sessions/{sessions[0]}/finish", FINISH).status_code == 204
    sessions[0] = caps.session()
    for session_id in sessions:
        assert caps.post(f"sessions/{session_id}/finish", FINISH).status_code == 204


def test_training_runs_and_samplers_past_the_limit(caps: Api, guard: PeakMemory) -> None:
    session_id = caps.session()
    runs = [caps.model(session_id, seq=seq) for seq in range(LIMITS["max_training_runs_per_tenant"])]
    body = {"session_id": session_id, "model_seq_id": 99, "base_model": TINY, "type": "create_model"}
    assert "max_training_runs_per_tenant" in refused(caps.post("create_model", body), 400)
    caps.value(caps.ok(caps.post("unload_model", {"model_id": runs[0]})))
    caps.model(session_id, seq=99)

    def sampler(seq: int, session: str = session_id) -> httpx.Response:
        body = {"session_id": session, "sampling_session_seq_id": seq, "base_model": TINY}
        return caps.post("create_sampling_session", body)

    for seq in range(LIMITS["max_samplers_per_tenant"]):
        caps.ok(sampler(seq))
    assert "max_samplers_per_tenant" in refused(sampler(99), 400)
    assert caps.post(f"sessions/{session_id}/finish", FINISH).status_code == 204
    fresh = caps.session()
    caps.model(fresh)
    caps.ok(sampler(0, fresh))


def test_a_page_past_the_documented_maximum(api: Api, guard: PeakMemory) -> None:
    for path in ("sessions", "training_runs", "checkpoints"):
        detail = refused(api.get(path, params={"limit": 1001}), 422)
        assert "1000" in detail
        api.ok(api.get(path, params={"limit": 1000}))
