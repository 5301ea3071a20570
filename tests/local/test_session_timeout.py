"""A session silent past its timeout is closed: its models leave memory, later calls get a clear 4xx, and its
checkpoints stay."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tinker.local import LocalServer

from .helpers import Api

KEY = "tml-timeout-test"


def test_silent_session_is_closed_without_losing_checkpoints(tmp_path: Path) -> None:
    with (
        LocalServer(tmp_path, api_keys=(KEY,), session_timeout_seconds=1.0) as server,
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY}, timeout=60) as client,
    ):
        api = Api(client)
        session = api.session()
        model_id = api.model(session)
        path = api.save(model_id, 1, "kept")
        for _ in range(3):
            time.sleep(0.5)
            api.ok(api.post("session_heartbeat", {"session_id": session}))
        time.sleep(2.0)
        assert api.post("session_heartbeat", {"session_id": session}).status_code == 410
        refused = api.post("optim_step", {"model_id": model_id, "adam_params": {}})
        assert refused.status_code == 400 and "inactive" in refused.json()["detail"]
        assert api.ok(api.post("weights_info", {"tinker_path": path}))["lora_rank"] == 8
        fresh = api.session()
        loaded = api.value(
            api.ok(api.post("load_weights", {"session_id": fresh, "model_seq_id": 0, "path": path, "optimizer": True}))
        )
        assert loaded["model_id"] == f"{fresh}:train:0"
