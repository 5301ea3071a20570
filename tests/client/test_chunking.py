"""Joining the results of a batch sent in chunks: outputs in order, metrics reduced as the official SDK does."""

from __future__ import annotations

import pytest

from tinker import types
from tinker.lib._chunking import combine


def output(count: int, metrics: dict[str, float]) -> types.ForwardBackwardOutput:
    return types.ForwardBackwardOutput(
        loss_fn_output_type="cross_entropy", loss_fn_outputs=[{}] * count, metrics=metrics
    )


def test_metrics_are_reduced_by_the_suffix_of_their_name() -> None:
    joined = combine(
        [
            output(1, {"loss:sum": 1.0, "loss:mean": 1.0, "tokens:max": 3.0, "seed:unique": 7.0, "odd": 1.0}),
            output(3, {"loss:sum": 2.0, "loss:mean": 2.0, "tokens:max": 5.0, "seed:unique": 8.0, "odd": 2.0}),
            output(2, {"loss:sum": 3.0, "loss:mean": 3.0, "tokens:max": 4.0, "seed:unique": 9.0, "odd": 3.0}),
        ]
    )
    assert len(joined.loss_fn_outputs) == 6
    assert joined.metrics["loss:sum"] == 6.0
    assert joined.metrics["loss:mean"] == pytest.approx((1 * 1 + 3 * 2 + 2 * 3) / 6)  # weighted by datums
    assert joined.metrics["tokens:max"] == 5.0
    assert "odd" not in joined.metrics


def test_a_unique_metric_keeps_each_chunks_value_under_suffixes_from_1() -> None:
    joined = combine(
        [output(1, {"seed:unique": 7.0}), output(1, {"seed:unique": 8.0}), output(1, {"seed:unique": 9.0})]
    )
    assert joined.metrics == {"seed:unique": 7.0, "seed:unique_1": 8.0, "seed:unique_2": 9.0}
