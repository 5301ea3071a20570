"""Plain-httpx helpers for talking to the local server in tests (no SDK involved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from tinker_api.proto import tinker_public_pb2 as pb

TINY = "tinker-local/tiny"
TEXT = "the quick brown fox jumps over the lazy dog"


def tokens_of(text: str) -> list[int]:
    return list(text.encode())


def datum(tokens: list[int], weights: list[float] | None = None, **extra: list[float]) -> dict[str, Any]:
    """A JSON cross-entropy datum: input tokens[:-1], targets tokens[1:]."""
    n = len(tokens) - 1
    inputs: dict[str, Any] = {
        "target_tokens": {"dtype": "int64", "data": tokens[1:], "shape": [n]},
        "weights": {"dtype": "float32", "data": weights or [1.0] * n, "shape": [n]},
    }
    for name, values in extra.items():
        inputs[name] = {"dtype": "float32", "data": values, "shape": [n]}
    return {"model_input": {"chunks": [{"type": "encoded_text", "tokens": tokens[:-1]}]}, "loss_fn_inputs": inputs}


def proto_request(
    model_id: str, seq_id: int, tokens: list[int], loss_fn: str = "cross_entropy", forward_only: bool = False
) -> bytes:
    message = pb.ForwardBackwardRequest(model_id=model_id, seq_id=seq_id, loss_fn=loss_fn, forward_only=forward_only)
    item = message.data.add()
    item.model_input.add().encoded_text.tokens = np.asarray(tokens[:-1], dtype="<i4").tobytes()
    n = len(tokens) - 1
    item.loss_fn_inputs["target_tokens"].CopyFrom(
        pb.Tensor(dense=np.asarray(tokens[1:], dtype="<i8").tobytes(), dtype=pb.DTYPE_INT64, shape=[n])
    )
    item.loss_fn_inputs["weights"].CopyFrom(
        pb.Tensor(dense=np.ones(n, dtype="<f4").tobytes(), dtype=pb.DTYPE_FLOAT32, shape=[n])
    )
    return message.SerializeToString()


@dataclass
class Api:
    client: httpx.Client

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(f"/api/v1/{path}", json=body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(f"/api/v1/{path}", **kwargs)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def session(self) -> str:
        body = {"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}
        return str(self.ok(self.post("create_session", body))["session_id"])

    def result(self, future: dict[str, Any], accept: str = "application/json") -> httpx.Response:
        """Polls retrieve_future until the answer is not try_again."""
        for _ in range(60):
            response = self.post("retrieve_future", {"request_id": future["request_id"]}, headers={"Accept": accept})
            is_json = response.headers["content-type"].startswith("application/json")
            if response.status_code == 200 and is_json and response.json().get("type") == "try_again":
                continue
            return response
        raise AssertionError("future never resolved")

    def value(self, future: dict[str, Any]) -> Any:
        response = self.result(future)
        body = self.ok(response)
        assert "error" not in body, body
        return body

    def model(self, session_id: str, seq: int = 0, rank: int = 8, seed: int = 0) -> str:
        future = self.ok(
            self.post(
                "create_model",
                {
                    "session_id": session_id,
                    "model_seq_id": seq,
                    "base_model": TINY,
                    "lora_config": {"rank": rank, "seed": seed},
                    "type": "create_model",
                },
            )
        )
        return str(self.value(future)["model_id"])

    def forward_backward(
        self, model_id: str, seq_id: int, data: list[dict[str, Any]], loss_fn: str = "cross_entropy", **config: float
    ) -> dict[str, Any]:
        body = {
            "model_id": model_id,
            "seq_id": seq_id,
            "forward_backward_input": {"data": data, "loss_fn": loss_fn, "loss_fn_config": config or None},
        }
        if not config:
            del body["forward_backward_input"]["loss_fn_config"]
        return dict(self.value(self.ok(self.post("forward_backward", body))))

    def optim_step(self, model_id: str, seq_id: int, lr: float = 1e-2) -> dict[str, Any]:
        body = {"model_id": model_id, "seq_id": seq_id, "adam_params": {"learning_rate": lr}}
        return dict(self.value(self.ok(self.post("optim_step", body))))

    def save(self, model_id: str, seq_id: int, name: str, kind: str = "save_weights", **extra: Any) -> str:
        body = {"model_id": model_id, "seq_id": seq_id, "path": name, **extra}
        return str(self.value(self.ok(self.post(kind, body)))["path"])
