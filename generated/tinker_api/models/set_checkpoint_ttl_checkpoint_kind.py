from typing import Literal

SetCheckpointTtlCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

SET_CHECKPOINT_TTL_CHECKPOINT_KIND_VALUES: set[SetCheckpointTtlCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_set_checkpoint_ttl_checkpoint_kind(value: str) -> SetCheckpointTtlCheckpointKind:
    if value in SET_CHECKPOINT_TTL_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SET_CHECKPOINT_TTL_CHECKPOINT_KIND_VALUES!r}")
