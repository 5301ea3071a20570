"""The top level of ``tinker`` as 0.38 has it: its public names, its version, and what its subpackages hold."""

from __future__ import annotations

import importlib
import importlib.metadata

import httpx

import tinker
from tinker._version import SDK_VERSION
from tinker_api.proto import tinker_public_pb2

# The public names of the official package after ``import tinker`` (dir(tinker) of the tinker 0.38.0 wheel,
# names without a leading underscore); dunder names aside, ``__version__`` and ``__title__`` are there too.
OFFICIAL_038_NAMES = {
    "APIConnectionError", "APIError", "APIFuture", "APIResponse", "APIResponseValidationError", "APIStatusError",
    "APITimeoutError", "AdamOptimizerConfig", "AdamParams", "AdminClient", "AsyncAPIResponse", "AuthenticationError",
    "BackcompatSamplingClientFuture", "BackcompatTrainingClientFuture", "BadRequestError", "BillingError",
    "Checkpoint", "CheckpointType", "ConflictError", "Datum", "DimuonOptimizerConfig", "DimuonParams", "DmelChunk",
    "EncodedTextChunk", "ExperimentalWarning", "ForwardBackwardOutput", "InternalServerError", "LoraConfig",
    "LossHandle", "ModelID", "ModelInput", "ModelInputChunk", "NotFoundError", "OptimParams", "OptimStepRequest",
    "OptimStepResponse", "ParsedCheckpointTinkerPath", "PerDatumLossFn", "PermissionDeniedError",
    "PromptProvenanceSpan", "RateLimitError", "RequestFailedError", "RequestOptions", "RestClient", "SampleRequest",
    "SampleResponse", "SampledProvenanceSpan", "SampledSequence", "SamplingClient", "SamplingParams", "ServiceClient",
    "StopReason", "TensorData", "TensorDtype", "Timeout", "TinkerError", "TrainingClient", "TrainingRun",
    "UnprocessableEntityError", "auth", "lib", "proto", "resources", "types",
}  # fmt: skip


def test_dir_lists_exactly_the_official_public_names_and_each_is_reachable() -> None:
    assert {name for name in dir(tinker) if not name.startswith("_")} == OFFICIAL_038_NAMES
    assert {"__version__", "__title__"} <= set(dir(tinker))
    for name in OFFICIAL_038_NAMES:
        assert getattr(tinker, name) is not None, name
    assert tinker.Timeout is httpx.Timeout
    assert set(tinker.__all__) <= OFFICIAL_038_NAMES | {"__version__", "__title__"}


def test_the_version_is_the_apis_for_tinker_and_importlib_metadata() -> None:
    assert (tinker.__title__, tinker.__version__) == ("tinker", "0.38.0")
    assert importlib.metadata.version("tinker") == tinker.__version__
    assert importlib.metadata.version("Tinker") == tinker.__version__  # names are compared normalized
    major, minor, patch = (int(part) for part in importlib.metadata.version("tinker").split(".")[:3])
    assert (major, minor, patch) >= (0, 19, 0)  # how tinker-cookbook's copy_checkpoint reads it
    assert SDK_VERSION.startswith(tinker.__version__ + ".")
    assert tinker.__version__ in importlib.metadata.metadata("tinker")["Summary"]


def test_the_api_distribution_is_found_by_name_only_where_this_package_is() -> None:
    """A listing of every distribution, or a look-up on a path without this package, does not see it, so tools
    that scan an environment in the same process never take this SDK for the official package."""
    assert "tinker" not in {dist.metadata["Name"] for dist in importlib.metadata.distributions()}
    assert not list(importlib.metadata.distributions(name="tinker", path=["/nonexistent"]))
    assert [dist.version for dist in importlib.metadata.distributions(name="tinker")] == [tinker.__version__]


def test_proto_resources_and_the_response_classes_mean_something_here() -> None:
    deep = importlib.import_module("tinker.proto.tinker_public_pb2")
    assert tinker.proto.tinker_public_pb2 is deep
    assert deep.ForwardBackwardRequest is tinker_public_pb2.ForwardBackwardRequest
    assert tinker.resources.training.forward_backward.OPERATION_ID == "forward_backward"
    assert {"auth", "checkpoints", "sampling", "service", "training", "weights"} <= set(dir(tinker.resources))
    assert tinker.auth.tinker_has_credentials() in (True, False)
    assert tinker.AsyncAPIResponse.__module__ == tinker.APIResponse.__module__ == "tinker._response"
