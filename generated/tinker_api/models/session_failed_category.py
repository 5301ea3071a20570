from typing import Literal

SessionFailedCategory = Literal["internal", "user"]

SESSION_FAILED_CATEGORY_VALUES: set[SessionFailedCategory] = {
    "internal",
    "user",
}


def check_session_failed_category(value: str) -> SessionFailedCategory:
    if value in SESSION_FAILED_CATEGORY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SESSION_FAILED_CATEGORY_VALUES!r}")
