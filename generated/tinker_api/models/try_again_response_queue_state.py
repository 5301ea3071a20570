from typing import Literal

TryAgainResponseQueueState = Literal["active", "paused_capacity", "paused_rate_limit"]

TRY_AGAIN_RESPONSE_QUEUE_STATE_VALUES: set[TryAgainResponseQueueState] = {
    "active",
    "paused_capacity",
    "paused_rate_limit",
}


def check_try_again_response_queue_state(value: str) -> TryAgainResponseQueueState:
    if value in TRY_AGAIN_RESPONSE_QUEUE_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TRY_AGAIN_RESPONSE_QUEUE_STATE_VALUES!r}")
