from typing import Literal

GetExternalWeightsUrlsCheckpointKind = Literal["external_weights", "sampler_weights", "weights"]

GET_EXTERNAL_WEIGHTS_URLS_CHECKPOINT_KIND_VALUES: set[GetExternalWeightsUrlsCheckpointKind] = {
    "external_weights",
    "sampler_weights",
    "weights",
}


def check_get_external_weights_urls_checkpoint_kind(value: str) -> GetExternalWeightsUrlsCheckpointKind:
    if value in GET_EXTERNAL_WEIGHTS_URLS_CHECKPOINT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_EXTERNAL_WEIGHTS_URLS_CHECKPOINT_KIND_VALUES!r}")
