"""A SIGKILL loses nothing acknowledged: runs and checkpoints survive, a saved state resumes training exactly,
and a request cut off by the crash resolves to a clear failure instead of hanging."""

from __future__ import annotations

from pathlib import Path

import httpx

from tinker.local import LocalServer

from .helpers import TEXT, Api, datum, tokens_of

KEY = "tml-restart-test"
DATA = [datum(tokens_of(TEXT))]


def _step(api: Api, model_id: str, seq: int) -> float:
    loss = api.forward_backward(model_id, seq, DATA)["metrics"]["loss:sum"]
    api.optim_step(model_id, seq + 1, lr=0.02)
    return float(loss)


def _server(data_dir: Path) -> LocalServer:
    return LocalServer(data_dir, api_keys=(KEY,), subprocess=True, long_poll_seconds=5.0, seq_gap_timeout_seconds=600.0)


def test_sigkill_and_restart_resume_training_exactly(tmp_path: Path) -> None:
    server = _server(tmp_path).start()
    try:
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY}, timeout=60) as client:
            api = Api(client)
            session = api.session()
            interrupted = api.model(session, seq=0, seed=7)
            for seq in (1, 3, 5):
                _step(api, interrupted, seq)
            path = api.save(interrupted, 7, "after-3")
            uninterrupted = api.model(session, seq=1, seed=7)
            losses = [_step(api, uninterrupted, seq) for seq in (1, 3, 5, 7)]
            stuck = api.ok(api.post("optim_step", {"model_id": interrupted, "seq_id": 20, "adam_params": {}}))
        server.kill()
    finally:
        server.stop()

    with (
        _server(tmp_path) as restarted,
        httpx.Client(base_url=restarted.base_url, headers={"X-API-Key": KEY}, timeout=60) as client,
    ):
        api = Api(client)
        runs = {r["training_run_id"] for r in api.ok(api.get("training_runs"))["training_runs"]}
        assert {interrupted, uninterrupted} <= runs
        checkpoints = api.ok(api.get(f"training_runs/{interrupted}/checkpoints"))["checkpoints"]
        assert [c["tinker_path"] for c in checkpoints] == [path]
        failure = api.ok(api.result(stuck))
        assert failure["category"] == "server" and "restarted" in failure["error"]
        assert api.post("optim_step", {"model_id": interrupted, "adam_params": {}}).status_code == 400

        session = api.session()
        resumed = api.value(
            api.ok(
                api.post("load_weights", {"session_id": session, "model_seq_id": 0, "path": path, "optimizer": True})
            )
        )["model_id"]
        assert api.forward_backward(resumed, 1, DATA)["metrics"]["loss:sum"] == losses[3]
