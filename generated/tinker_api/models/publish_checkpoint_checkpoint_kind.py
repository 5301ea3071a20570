from typing import Literal

PublishCheckpointCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

PUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES: set[PublishCheckpointCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_publish_checkpoint_checkpoint_kind(value: str) -> PublishCheckpointCheckpointKind:
    if value in PUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PUBLISH_CHECKPOINT_CHECKPOINT_KIND_VALUES!r}")
