from typing import Literal

SessionTraceExportResponseStatus = Literal["failed", "pending", "ready"]

SESSION_TRACE_EXPORT_RESPONSE_STATUS_VALUES: set[SessionTraceExportResponseStatus] = {
    "failed",
    "pending",
    "ready",
}


def check_session_trace_export_response_status(value: str) -> SessionTraceExportResponseStatus:
    if value in SESSION_TRACE_EXPORT_RESPONSE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SESSION_TRACE_EXPORT_RESPONSE_STATUS_VALUES!r}")
