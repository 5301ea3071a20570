"""Checks a forward_backward batch and right-pads it into dense tensors for one forward pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ._losses import LossDef
from ._types import BaseModelInfo, EngineInputError, Example


@dataclass
class Batch:
    """``targets`` is (B, T, K) (K = 1 for plain next-token targets); float inputs are (B, T) or (B, T, K)."""

    tokens: torch.Tensor
    targets: torch.Tensor
    inputs: dict[str, torch.Tensor]
    mask: torch.Tensor
    lengths: list[int]
    target_shapes: list[tuple[int, ...]]

    @property
    def num_tokens(self) -> int:
        return sum(self.lengths)


def _tokens(index: int, datum: Example, info: BaseModelInfo) -> np.ndarray:
    tokens = np.asarray(datum.tokens)
    where = f"datum {index}"
    if tokens.size == 0:
        raise EngineInputError("model_input", f"{where}: the model input is empty")
    if tokens.ndim != 1 or tokens.dtype.kind not in "iu":
        raise EngineInputError(
            "model_input", f"{where}: tokens must be a 1-D integer array, got {tokens.dtype} {tokens.shape}"
        )
    if tokens.size > info.max_context_length:
        raise EngineInputError(
            "model_input",
            f"{where}: {tokens.size} tokens exceed {info.name}'s context length of {info.max_context_length}",
        )
    _check_ids("model_input", where, tokens, info.vocab_size)
    return tokens.astype(np.int64, copy=False)


def _check_ids(field: str, where: str, ids: np.ndarray, vocab_size: int) -> None:
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise EngineInputError(field, f"{where}: token id {bad} is outside the vocabulary [0, {vocab_size})")


def _input(index: int, datum: Example, key: str, expected: tuple[int, ...]) -> np.ndarray:
    field = f"loss_fn_inputs.{key}"
    where = f"datum {index}"
    array = np.asarray(datum.loss_fn_inputs[key])
    if array.shape != expected:
        shape = "(N,)" if len(expected) == 1 else "(N, K)"
        raise EngineInputError(field, f"{where}: expected shape {shape} = {expected}, got {array.shape}")
    if array.dtype.kind != "f":
        raise EngineInputError(field, f"{where}: expected a float tensor, got {array.dtype}")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        raise EngineInputError(field, f"{where}: contains NaN or infinite values")
    if key == "sequence_ratio_mask" and (array < 0).any():
        raise EngineInputError(field, f"{where}: mask values must be >= 0")
    return array


def _targets(index: int, datum: Example, loss: LossDef, info: BaseModelInfo, length: int) -> np.ndarray:
    field = "loss_fn_inputs.target_tokens"
    where = f"datum {index}"
    if "target_tokens" not in datum.loss_fn_inputs:
        raise EngineInputError(field, f"{where}: {loss.name} needs target_tokens")
    targets = np.asarray(datum.loss_fn_inputs["target_tokens"])
    allowed_dims = (1, 2) if loss.multi_target else (1,)
    if targets.ndim not in allowed_dims or targets.shape[0] != length or 0 in targets.shape:
        expected = "(N,) or (N, K) with K >= 1" if loss.multi_target else "(N,)"
        raise EngineInputError(field, f"{where}: expected shape {expected} with N = {length}, got {targets.shape}")
    if targets.dtype.kind not in "iu":
        raise EngineInputError(field, f"{where}: target tokens must be integers, got {targets.dtype}")
    _check_ids(field, where, targets, info.vocab_size)
    return targets.astype(np.int64, copy=False)


@dataclass
class _Datum:
    tokens: np.ndarray
    targets: np.ndarray
    inputs: dict[str, np.ndarray]


def _check_datum(index: int, datum: Example, loss: LossDef, config: Mapping[str, float], info: BaseModelInfo) -> _Datum:
    for key in datum.loss_fn_inputs:
        if key not in loss.inputs:
            raise EngineInputError(
                f"loss_fn_inputs.{key}",
                f"datum {index}: {loss.name} does not take {key!r} (it takes {', '.join(loss.inputs)})",
            )
    for key in loss.required:
        if key not in datum.loss_fn_inputs:
            raise EngineInputError(f"loss_fn_inputs.{key}", f"datum {index}: {loss.name} needs {key}")
    tokens = _tokens(index, datum, info)
    targets = _targets(index, datum, loss, info, len(tokens))
    inputs = {
        key: _input(index, datum, key, targets.shape if key == "weights" else (len(tokens),))
        for key in datum.loss_fn_inputs
        if key != "target_tokens"
    }
    if "clip_low_threshold" in inputs or "clip_high_threshold" in inputs:
        low = inputs.get("clip_low_threshold", np.float32(config["clip_low_threshold"]))
        high = inputs.get("clip_high_threshold", np.float32(config["clip_high_threshold"]))
        if np.any((low < 0) | (low > high)):
            raise EngineInputError(
                "loss_fn_inputs.clip_low_threshold",
                f"datum {index}: need 0 <= clip_low_threshold <= clip_high_threshold at every token",
            )
    return _Datum(tokens, targets, inputs)


def check_batch(data: list[Example], loss: LossDef, config: Mapping[str, float], info: BaseModelInfo) -> list[_Datum]:
    """Validates every datum; errors name the field, and the message names the datum."""
    if not data:
        raise EngineInputError("data", "forward_backward needs at least one datum")
    return [_check_datum(index, datum, loss, config, info) for index, datum in enumerate(data)]


def prepare_batch(
    data: list[Example], loss: LossDef, config: Mapping[str, float], info: BaseModelInfo, device: torch.device
) -> Batch:
    """Validates the data (:func:`check_batch`) and right-pads it to the longest datum.

    Padding uses token 0, target 0 and zero inputs; ``mask`` is 1 on real positions and multiplies every
    per-token loss, so padded positions contribute nothing. A missing ``weights`` means all ones; per-token clip
    thresholds, when some datum sends them, default to the config's values for the data that do not.
    """
    checked = check_batch(data, loss, config, info)
    batch_size, length = len(checked), max(len(d.tokens) for d in checked)
    width = max(d.targets.shape[1] if d.targets.ndim == 2 else 1 for d in checked)

    padded_tokens = np.zeros((batch_size, length), dtype=np.int64)
    padded_targets = np.zeros((batch_size, length, width), dtype=np.int64)
    mask = np.zeros((batch_size, length), dtype=np.float32)
    per_target = {"weights"} if loss.multi_target else set()
    names = [key for key in loss.inputs[1:] if key in per_target or any(key in d.inputs for d in checked)]
    inputs = {
        key: np.zeros((batch_size, length, width) if key in per_target else (batch_size, length), dtype=np.float32)
        for key in names
    }
    for row, datum in enumerate(checked):
        n, k = len(datum.tokens), (datum.targets.shape[1] if datum.targets.ndim == 2 else 1)
        padded_tokens[row, :n] = datum.tokens
        padded_targets[row, :n, :k] = datum.targets.reshape(n, k)
        mask[row, :n] = 1.0
        for key, dense in inputs.items():
            given = datum.inputs.get(key)
            if key in per_target:
                dense[row, :n, :k] = 1.0 if given is None else given.reshape(n, k)
            else:
                dense[row, :n] = config[key] if given is None else given

    def move(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(device)

    return Batch(
        tokens=move(padded_tokens),
        targets=move(padded_targets),
        inputs={key: move(dense) for key, dense in inputs.items()},
        mask=move(mask),
        lengths=[len(d.tokens) for d in checked],
        target_shapes=[d.targets.shape for d in checked],
    )
