"""A Tinker SDK generated from a hand-kept OpenAPI document; ``import tinker`` as with the official package.

Names load on first use (PEP 562): ``import tinker`` stays cheap, and the generated models, which import
``tinker._mixins``, can be imported before or after this package without a cycle. ``dir(tinker)`` lists the
official 0.38 package's public names; every name of ``tinker.types`` is also available here, as there.
``__version__`` is the API's version (0.38.0), which ``importlib.metadata.version("tinker")`` also gives.
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _metadata
from ._version import __title__, __version__

if TYPE_CHECKING:
    from httpx import Timeout as Timeout

    from . import auth as auth
    from . import lib as lib
    from . import metrics as metrics
    from . import proto as proto
    from . import resources as resources
    from . import telemetry as telemetry
    from . import types as types
    from ._base_client import RequestOptions as RequestOptions
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
    )
    from ._exceptions import (
        APIError as APIError,
    )
    from ._exceptions import (
        APIResponseValidationError as APIResponseValidationError,
    )
    from ._exceptions import (
        APIStatusError as APIStatusError,
    )
    from ._exceptions import (
        APITimeoutError as APITimeoutError,
    )
    from ._exceptions import (
        AuthenticationError as AuthenticationError,
    )
    from ._exceptions import (
        BadRequestError as BadRequestError,
    )
    from ._exceptions import (
        BillingError as BillingError,
    )
    from ._exceptions import (
        ConflictError as ConflictError,
    )
    from ._exceptions import (
        ExperimentalWarning as ExperimentalWarning,
    )
    from ._exceptions import (
        InternalServerError as InternalServerError,
    )
    from ._exceptions import (
        NotFoundError as NotFoundError,
    )
    from ._exceptions import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from ._exceptions import (
        RateLimitError as RateLimitError,
    )
    from ._exceptions import (
        RequestFailedError as RequestFailedError,
    )
    from ._exceptions import (
        TinkerError as TinkerError,
    )
    from ._exceptions import (
        UnprocessableEntityError as UnprocessableEntityError,
    )
    from ._response import APIResponse as APIResponse
    from ._response import AsyncAPIResponse as AsyncAPIResponse
    from .lib.public_interfaces import (
        AdminClient as AdminClient,
    )
    from .lib.public_interfaces import (
        APIFuture as APIFuture,
    )
    from .lib.public_interfaces import (
        BackcompatSamplingClientFuture as BackcompatSamplingClientFuture,
    )
    from .lib.public_interfaces import (
        BackcompatTrainingClientFuture as BackcompatTrainingClientFuture,
    )
    from .lib.public_interfaces import (
        LossHandle as LossHandle,
    )
    from .lib.public_interfaces import (
        PerDatumLossFn as PerDatumLossFn,
    )
    from .lib.public_interfaces import (
        RestClient as RestClient,
    )
    from .lib.public_interfaces import (
        SamplingClient as SamplingClient,
    )
    from .lib.public_interfaces import (
        ServiceClient as ServiceClient,
    )
    from .lib.public_interfaces import (
        TrainingClient as TrainingClient,
    )
    from .types import *  # noqa: F403

_CLIENTS = (
    "AdminClient",
    "APIFuture",
    "BackcompatSamplingClientFuture",
    "BackcompatTrainingClientFuture",
    "LossHandle",
    "PerDatumLossFn",
    "RestClient",
    "SamplingClient",
    "ServiceClient",
    "TrainingClient",
)
_ERRORS = (
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "ConflictError",
    "ExperimentalWarning",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestFailedError",
    "TinkerError",
    "UnprocessableEntityError",
)
# the tinker.types names the official package also exports here (the others are reachable, but not listed)
_TYPES = (
    "AdamOptimizerConfig",
    "AdamParams",
    "Checkpoint",
    "CheckpointType",
    "Datum",
    "DimuonOptimizerConfig",
    "DimuonParams",
    "DmelChunk",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "LoraConfig",
    "ModelID",
    "ModelInput",
    "ModelInputChunk",
    "OptimParams",
    "OptimStepRequest",
    "OptimStepResponse",
    "ParsedCheckpointTinkerPath",
    "PromptProvenanceSpan",
    "SampledProvenanceSpan",
    "SampledSequence",
    "SampleRequest",
    "SampleResponse",
    "SamplingParams",
    "StopReason",
    "TensorData",
    "TensorDtype",
    "TrainingRun",
)
_HOMES = {
    **{name: "tinker.lib.public_interfaces" for name in _CLIENTS},
    **{name: "tinker._exceptions" for name in _ERRORS},
    "APIResponse": "tinker._response",
    "AsyncAPIResponse": "tinker._response",
    "RequestOptions": "tinker._base_client",
    "Timeout": "httpx",
}
_SUBMODULES = frozenset({"auth", "lib", "proto", "resources", "types"})
# this SDK's own (not in the official package's dir(tinker)): events and metrics, ``tinker.metrics.snapshot()``
_OWN_SUBMODULES = frozenset({"metrics", "telemetry"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or name in _OWN_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    if not name.startswith("_"):
        types_module = importlib.import_module(f"{__name__}.types")
        if hasattr(types_module, name):
            return getattr(types_module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES, "APIResponse", "AsyncAPIResponse", *(n for n in globals() if n[:2] == "__")})


__all__ = ["__title__", "__version__", "auth", "types", *_CLIENTS, *_TYPES, *_ERRORS, "RequestOptions", "Timeout"]

_metadata.install()
