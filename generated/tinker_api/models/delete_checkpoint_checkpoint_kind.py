from typing import Literal

DeleteCheckpointCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

DELETE_CHECKPOINT_CHECKPOINT_KIND_VALUES: set[DeleteCheckpointCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_delete_checkpoint_checkpoint_kind(value: str) -> DeleteCheckpointCheckpointKind:
    if value in DELETE_CHECKPOINT_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DELETE_CHECKPOINT_CHECKPOINT_KIND_VALUES!r}")
