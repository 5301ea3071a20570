"""BackcompatTrainingClientFuture: what the training-client factories return (see backcompat_client_future)."""

from __future__ import annotations

from .backcompat_client_future import BackcompatClientFuture, forward_client_methods
from .training_client import TrainingClient


class BackcompatTrainingClientFuture(BackcompatClientFuture[TrainingClient], TrainingClient):
    """A future of a TrainingClient: ``.result()`` or ``await`` it; using it as the client is deprecated."""


forward_client_methods(BackcompatTrainingClientFuture, TrainingClient)
