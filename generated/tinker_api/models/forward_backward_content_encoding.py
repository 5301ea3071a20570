from typing import Literal

ForwardBackwardContentEncoding = Literal["identity", "zstd"]

FORWARD_BACKWARD_CONTENT_ENCODING_VALUES: set[ForwardBackwardContentEncoding] = {
    "identity",
    "zstd",
}


def check_forward_backward_content_encoding(value: str) -> ForwardBackwardContentEncoding:
    if value in FORWARD_BACKWARD_CONTENT_ENCODING_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FORWARD_BACKWARD_CONTENT_ENCODING_VALUES!r}")
