"""Do forwards leave the weights alone? Run with an SDK's interpreter against a server: ``python forward_check.py
OUT.json`` with TINKER_BASE_URL, TINKER_API_KEY, COMPAT_BASE_MODEL (and TINKER_WIRE_FORMAT=json for this SDK's JSON
forms).

A fresh LoRA run takes the loss of one datum (a forward), then three more forwards, then an optim_step: a server that
trained on the forwards (kept their gradients) moves the weights at that step, and the next forward's loss differs.
The control, a forward_backward and an optim_step, must move them, or the check proves nothing.

The run is first shown to start clean: an optim_step before anything else must leave its loss alone. SkyRL tx 0.3.0
keeps accumulated gradients per adapter slot and does not clear a slot when it gives it to a new run, so a run made
after an earlier one was deleted can start with that one's gradients; such a run is kept (its step cleared the
slot), counted in ``stale_runs``, and another is made.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback

import numpy as np

import tinker
from tinker import types

BASE = os.environ.get("COMPAT_BASE_MODEL") or "tinker-local/tiny"
TIMEOUT = 300
MAX_RUNS = 8


def datum() -> types.Datum:
    tokens = [*b"forwards change nothing", 256]
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),
            "weights": types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32)),
        },
    )


def main(out: str) -> None:
    answer: dict[str, object] = {"wire_format": os.environ.get("TINKER_WIRE_FORMAT", "default")}
    try:
        service = tinker.ServiceClient()
        data = [datum()]

        def loss() -> float:
            output = training.forward(data, "cross_entropy").result(timeout=TIMEOUT)
            if "loss:sum" in output.metrics:
                return float(output.metrics["loss:sum"])
            return -sum(float(np.sum(out["logprobs"].tolist())) for out in output.loss_fn_outputs)

        def step() -> None:
            training.optim_step(types.AdamParams(learning_rate=5e-2)).result(timeout=TIMEOUT)

        kept = []  # runs whose first step moved them stay alive, so that the next run gets another slot
        for _ in range(MAX_RUNS):
            training = service.create_lora_training_client(BASE, rank=8, seed=0)
            if hasattr(training, "result"):  # 0.38 returns a future of the client
                training = training.result(timeout=TIMEOUT)
            first = loss()
            step()  # no gradients yet: nothing may move
            if math.isclose(first, loss(), rel_tol=1e-5, abs_tol=1e-6):
                break
            kept.append(training)
        else:
            raise RuntimeError(f"{MAX_RUNS} new runs in a row moved at their first optim_step")
        answer["stale_runs"] = len(kept)
        before = loss()
        for _ in range(3):
            loss()
        step()
        after = loss()
        training.forward_backward(data, "cross_entropy").result(timeout=TIMEOUT)
        step()
        trained = loss()
        answer.update(
            loss_before=before,
            loss_after_forwards_and_step=after,
            loss_after_training=trained,
            unchanged=math.isclose(before, after, rel_tol=1e-5, abs_tol=1e-6),
            control_moved=not math.isclose(after, trained, rel_tol=1e-5, abs_tol=1e-6),
        )
    except Exception as error:
        traceback.print_exc()
        answer["error"] = f"{type(error).__name__}: {error}"[:400]
    with open(out, "w", encoding="utf-8") as file:
        json.dump(answer, file, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
