"""forward_backward in chunks: splitting a batch the way the server's limits ask, and joining the results."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tinker import types

_HASH_MASK = 0xFFFF_FFFF_FFFF_FFFF


def datum_bytes(datum: types.Datum) -> int:
    """What a datum costs on the wire, roughly: 4 bytes a token plus its loss tensors."""
    size = 4 * datum.model_input.length
    for tensor in datum.loss_fn_inputs.values():
        size += tensor._numpy.nbytes
        size += 8 * len(tensor.sparse_col_indices or ()) + 8 * len(tensor.sparse_crow_indices or ())
    return size


def chunk(data: Sequence[types.Datum], max_len: int, max_bytes: int) -> list[list[types.Datum]]:
    """Consecutive chunks of at most ``max_len`` datums and about ``max_bytes``; a datum is never split."""
    chunks: list[list[types.Datum]] = []
    current: list[types.Datum] = []
    size = 0
    for datum in data:
        cost = datum_bytes(datum)
        if current and (len(current) >= max_len or size + cost > max_bytes):
            chunks.append(current)
            current, size = [], 0
        current.append(datum)
        size += cost
    if current:
        chunks.append(current)
    return chunks


def _reduce(reduction: str, values: list[float], weights: list[float]) -> float | list[float] | None:
    if reduction == "mean":
        return float(np.average(values, weights=weights))
    if reduction == "sum":
        return float(np.sum(values))
    if reduction == "min":
        return float(np.min(values))
    if reduction == "max":
        return float(np.max(values))
    if reduction == "slack":
        return float(np.max(values) - np.average(values, weights=weights))
    if reduction in ("hash2", "hash_unordered"):
        return float(sum(int(v) & _HASH_MASK for v in values) & _HASH_MASK)
    if reduction == "unique":
        return values
    return None


def combine(results: Sequence[types.ForwardBackwardOutput]) -> types.ForwardBackwardOutput:
    """Outputs in chunk order; each ``name:reduction`` metric reduced across chunks (weighted by datums).

    A metric without exactly one ':' or with an unknown reduction is kept only when there is one chunk. A
    ``unique`` metric cannot be folded: the first chunk's value keeps the key, the others get ``_1``, ``_2``... as
    in the official SDK.
    """
    if len(results) == 1:
        return results[0]
    weights = [float(len(result.loss_fn_outputs)) for result in results]
    metrics: dict[str, float] = {}
    for key in results[0].metrics:
        if key.count(":") != 1 or any(key not in result.metrics for result in results):
            continue
        reduced = _reduce(key.split(":")[1], [result.metrics[key] for result in results], weights)
        if isinstance(reduced, list):
            metrics[key] = reduced[0]
            metrics.update({f"{key}_{index}": value for index, value in enumerate(reduced[1:], start=1)})
        elif reduced is not None:
            metrics[key] = reduced
    return types.ForwardBackwardOutput(
        loss_fn_output_type=results[0].loss_fn_output_type,
        loss_fn_outputs=[output for result in results for output in result.loss_fn_outputs],
        metrics=metrics,
    )
