from typing import Literal

CustomLossGraphFormat = Literal[1]

CUSTOM_LOSS_GRAPH_FORMAT_VALUES: set[CustomLossGraphFormat] = {
    1,
}


def check_custom_loss_graph_format(value: int) -> CustomLossGraphFormat:
    if value in CUSTOM_LOSS_GRAPH_FORMAT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CUSTOM_LOSS_GRAPH_FORMAT_VALUES!r}")
