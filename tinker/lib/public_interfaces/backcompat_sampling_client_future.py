"""BackcompatSamplingClientFuture: what the sampling-client factories return (see backcompat_client_future)."""

from __future__ import annotations

from .backcompat_client_future import BackcompatClientFuture, forward_client_methods
from .sampling_client import SamplingClient


class BackcompatSamplingClientFuture(BackcompatClientFuture[SamplingClient], SamplingClient):
    """A future of a SamplingClient: ``.result()`` or ``await`` it; using it as the client is deprecated."""


forward_client_methods(BackcompatSamplingClientFuture, SamplingClient)
