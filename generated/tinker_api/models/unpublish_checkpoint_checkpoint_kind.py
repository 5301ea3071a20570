from typing import Literal

UnpublishCheckpointCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

UNPUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES: set[UnpublishCheckpointCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_unpublish_checkpoint_checkpoint_kind(value: str) -> UnpublishCheckpointCheckpointKind:
    if value in UNPUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UNPUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES!r}")
