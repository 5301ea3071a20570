"""Fault injection: the SPEC, the seeded schedule, and each kind of fault as a client sees it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tinker.local import FaultSpec, LocalServer
from tinker.local._faults import KINDS, FaultSchedule, fits

KEY = "tml-faults"
SESSION = {"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}


# --- the SPEC -------------------------------------------------------------------------------------------


def test_a_spec_names_rate_seed_and_kinds() -> None:
    spec = FaultSpec.parse("rate=0.2,seed=7,kinds=429,5xx,408,410,slow,drop_before,drop_after")
    assert spec == FaultSpec(rate=0.2, seed=7, kinds=KINDS)
    assert FaultSpec.parse("kinds=drop,delay=0.5,retry_after=2") == FaultSpec(
        kinds=("drop_before", "drop_after"), delay=0.5, retry_after=2.0
    )
    assert FaultSpec.parse("rate=1").kinds == KINDS  # all kinds unless told


def test_a_spec_writes_itself_back() -> None:
    spec = FaultSpec(rate=0.25, seed=3, kinds=("503", "drop_after"), delay=0.1, retry_after=0.5)
    assert FaultSpec.parse(str(spec)) == spec


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("rate=2", "between 0 and 1"),
        ("rate=much", "could not convert"),
        ("kinds=404", "unknown 404"),
        ("kinds=", "unknown"),
        ("speed=3", "unknown setting"),
        ("rate=0.1,0.2", "expected key=value"),
        ("seed=1,seed=2", "given twice"),
        ("delay=-1", "0 or more"),
        ("retry_after=0", "more than 0"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        FaultSpec.parse(text)


# --- the schedule ---------------------------------------------------------------------------------------


def decisions(spec: FaultSpec, requests: int, path: str = "/api/v1/retrieve_future") -> list[str | None]:
    schedule = FaultSchedule(spec)
    return [schedule.deal(lambda kind: fits(kind, path, True)) if schedule.fails() else None for _ in range(requests)]


def test_the_schedule_follows_from_the_seed() -> None:
    spec = FaultSpec(rate=0.3, seed=11)
    assert decisions(spec, 300) == decisions(spec, 300)
    assert decisions(spec, 300) != decisions(FaultSpec(rate=0.3, seed=12), 300)


def test_the_rate_is_the_share_of_requests_that_fail() -> None:
    assert decisions(FaultSpec(rate=0.0), 100) == [None] * 100
    assert None not in decisions(FaultSpec(rate=1.0), 100)
    failed = sum(kind is not None for kind in decisions(FaultSpec(rate=0.2, seed=1), 5000))
    assert 900 < failed < 1100


def test_every_kind_comes_up_as_often_as_the_others() -> None:
    counts = Counter(decisions(FaultSpec(rate=1.0, seed=5), 9 * 20))
    assert counts == Counter({kind: 20 for kind in KINDS})


def test_a_kind_that_fits_no_request_yet_waits_for_one() -> None:
    """408 and 410 fit retrieve_future only, and 410 only a sample's future: other requests get the other kinds,
    and the first sample poll that fails gets the 410 that waited."""
    schedule = FaultSchedule(FaultSpec(rate=1.0, kinds=("503", "410")))
    dealt = [schedule.deal(lambda kind: fits(kind, "/api/v1/create_session", False)) for _ in range(5)]
    assert dealt == ["503"] * 5
    assert schedule.deal(lambda kind: fits(kind, "/api/v1/retrieve_future", False)) == "503"
    assert schedule.deal(lambda kind: fits(kind, "/api/v1/retrieve_future", True)) == "410"
    only_410 = FaultSchedule(FaultSpec(rate=1.0, kinds=("410",)))
    assert only_410.deal(lambda kind: fits(kind, "/api/v1/create_session", False)) is None


# --- each kind, as a client sees it -------------------------------------------------------------------


def serving(tmp_path: Path, spec: str) -> LocalServer:
    return LocalServer(tmp_path, api_keys=(KEY,), long_poll_seconds=2.0, faults=spec)


@pytest.fixture
def client() -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def make(server: LocalServer) -> httpx.Client:
        clients.append(httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY}, timeout=30))
        return clients[-1]

    yield make
    for made in clients:
        made.close()


def sessions(server: LocalServer) -> int:
    return int(server.app.state.service.store.sync.scalar("SELECT COUNT(*) FROM sessions"))  # type: ignore[union-attr]


def test_429_says_when_to_come_back(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=429,retry_after=0.5") as server:
        response = client(server).post("/api/v1/create_session", json=SESSION)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1" and response.headers["retry-after-ms"] == "500"
        assert "injected fault" in response.json()["detail"]
        assert sessions(server) == 0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_do_nothing(tmp_path: Path, client: Any, status: int) -> None:
    with serving(tmp_path, f"rate=1,kinds={status}") as server:
        response = client(server).post("/api/v1/create_session", json=SESSION)
        assert response.status_code == status and response.json()["detail"].startswith("injected fault")
        assert sessions(server) == 0


def test_a_drop_before_is_a_transport_error_and_nothing_was_done(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=drop_before") as server:
        with pytest.raises(httpx.TransportError):
            client(server).post("/api/v1/create_session", json=SESSION)
        assert sessions(server) == 0


def test_a_drop_after_is_a_transport_error_once_the_work_was_done(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=drop_after") as server:
        with pytest.raises(httpx.TransportError):
            client(server).post("/api/v1/create_session", json=SESSION)
        assert sessions(server) == 1


def test_a_retry_after_a_drop_after_finds_the_work_by_its_key(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=0.5,seed=1,kinds=drop_after") as server:
        http = client(server)
        answers = []
        for _ in range(20):  # one call's retries: the same key until an answer arrives
            try:
                answers.append(http.post("/api/v1/create_session", json=SESSION, headers={"X-Idempotency-Key": "k"}))
            except httpx.TransportError:
                continue
        assert server.app.state.faults.injected["drop_after"] > 0  # type: ignore[union-attr]
        assert len({answer.json()["session_id"] for answer in answers}) == 1
        assert sessions(server) == 1


def test_slow_answers_come_late_but_come(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=slow,delay=0.3") as server:
        started = time.monotonic()
        assert client(server).post("/api/v1/create_session", json=SESSION).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_408_and_410_only_where_the_service_sends_them(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=408,410") as server:
        http = client(server)
        assert http.post("/api/v1/create_session", json=SESSION).status_code == 200  # neither fits
        sample = {
            "prompt": {"chunks": [{"type": "encoded_text", "tokens": [104, 105]}]},
            "sampling_params": {"max_tokens": 2},
            "num_samples": 1,
            "base_model": "tinker-local/tiny",
        }
        future = http.post("/api/v1/asample", json=sample).json()
        polls = [http.post("/api/v1/retrieve_future", json={"request_id": future["request_id"]}) for _ in range(4)]
        assert sorted(poll.status_code for poll in polls) == [408, 408, 410, 410]
        assert {poll.json()["type"] for poll in polls if poll.status_code == 408} == {"try_again"}
        assert all(future["request_id"] in poll.json()["detail"] for poll in polls if poll.status_code == 410)
        missing = http.post("/api/v1/retrieve_future", json={"request_id": "no-such-future"})
        assert missing.status_code == 408  # a 410 fits a sample's future only
        assert server.app.state.faults.injected == Counter({"408": 3, "410": 2})  # type: ignore[union-attr]


def test_probes_and_client_start_never_fail(tmp_path: Path, client: Any) -> None:
    with serving(tmp_path, "rate=1,kinds=503") as server:
        http = client(server)
        assert http.get("/api/v1/healthz").status_code == 200
        assert http.post("/api/v1/client/config", json={"sdk_version": "test"}).status_code == 200
        assert http.get("/openapi.json").status_code == 200
        assert server.app.state.faults.injected == Counter()  # type: ignore[union-attr]


def test_serve_takes_a_spec_and_refuses_a_bad_one(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "tinker.cli", "local", "serve", "--faults", "rate=7", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--faults" in bad.stderr and "between 0 and 1" in bad.stderr
    with LocalServer(tmp_path, api_keys=(KEY,), subprocess=True, faults="rate=1,kinds=502") as server:
        assert httpx.post(f"{server.base_url}/api/v1/create_session", json=SESSION).status_code == 502
        assert httpx.get(f"{server.base_url}/api/v1/healthz").status_code == 200
