"""The public client classes, also importable by the official SDK's deep paths.

Loaded on first use (PEP 562), so that the SDK's internal modules can import ``api_future`` from here
without importing every client.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .admin_client import AdminClient as AdminClient
    from .api_future import APIFuture as APIFuture
    from .api_future import AwaitableConcurrentFuture as AwaitableConcurrentFuture
    from .backcompat_sampling_client_future import BackcompatSamplingClientFuture as BackcompatSamplingClientFuture
    from .backcompat_training_client_future import BackcompatTrainingClientFuture as BackcompatTrainingClientFuture
    from .custom_loss import LossHandle as LossHandle
    from .custom_loss import PerDatumLossFn as PerDatumLossFn
    from .rest_client import RestClient as RestClient
    from .sampling_client import SamplingClient as SamplingClient
    from .service_client import ServiceClient as ServiceClient
    from .training_client import TrainingClient as TrainingClient

_HOMES = {
    "APIFuture": "api_future",
    "AdminClient": "admin_client",
    "AwaitableConcurrentFuture": "api_future",
    "BackcompatSamplingClientFuture": "backcompat_sampling_client_future",
    "BackcompatTrainingClientFuture": "backcompat_training_client_future",
    "LossHandle": "custom_loss",
    "PerDatumLossFn": "custom_loss",
    "RestClient": "rest_client",
    "SamplingClient": "sampling_client",
    "ServiceClient": "service_client",
    "TrainingClient": "training_client",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_HOMES)
