from typing import Literal

ClientSessionFinishReasonType = Literal["errored", "interrupted", "success"]

CLIENT_SESSION_FINISH_REASON_TYPE_VALUES: set[ClientSessionFinishReasonType] = {
    "errored",
    "interrupted",
    "success",
}


def check_client_session_finish_reason_type(value: str) -> ClientSessionFinishReasonType:
    if value in CLIENT_SESSION_FINISH_REASON_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CLIENT_SESSION_FINISH_REASON_TYPE_VALUES!r}")
