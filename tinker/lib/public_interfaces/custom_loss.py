"""Names of the 0.38 server-side custom losses. Servers that run them are rare (the local one does not);
``TrainingClient.forward_backward_custom`` with a Python function runs any loss client-side instead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PerDatumLossFn = Callable[..., Any]


@dataclass(frozen=True)
class LossHandle:
    """A loss registered on the server with ``create_custom_loss``."""

    loss_id: str
