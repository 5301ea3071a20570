from typing import Literal

GetCheckpointArchiveUrlCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

GET_CHECKPOINT_ARCHIVE_URL_CHECKPOINT_KIND_VALUES: set[GetCheckpointArchiveUrlCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_get_checkpoint_archive_url_checkpoint_kind(value: str) -> GetCheckpointArchiveUrlCheckpointKind:
    if value in GET_CHECKPOINT_ARCHIVE_URL_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_CHECKPOINT_ARCHIVE_URL_CHECKPOINT_KIND_VALUES!r}"
    )
