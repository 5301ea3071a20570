import datetime
from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_log_response import AuditLogResponse
from ...models.get_audit_log_event_type import GetAuditLogEventType
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "get_audit_log"
METHOD = "GET"
PATH = "/api/v1/audit"


def build_request(
    *,
    event_type: GetAuditLogEventType | Unset = "all",
    day: datetime.date | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    params: dict[str, Any] = {}

    json_event_type: str | Unset = UNSET
    if not isinstance(event_type, Unset):
        json_event_type = event_type

    params["event_type"] = json_event_type

    json_day: str | Unset = UNSET
    if not isinstance(day, Unset):
        json_day = day.isoformat()
    params["day"] = json_day

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/audit",
        "params": params,
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditLogResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AuditLogResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AuditLogResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    event_type: GetAuditLogEventType | Unset = "all",
    day: datetime.date | Unset = UNSET,
) -> Response[AuditLogResponse | HTTPError | HTTPValidationError]:
    """Read the audit log

     Returns audit entries, all of them or only checkpoint events, optionally for one day. It needs an
    administrator role; other callers get a permission error (403).

    Args:
        event_type (GetAuditLogEventType | Unset):  Default: 'all'.
        day (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditLogResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        event_type=event_type,
        day=day,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    event_type: GetAuditLogEventType | Unset = "all",
    day: datetime.date | Unset = UNSET,
) -> AuditLogResponse | HTTPError | HTTPValidationError | None:
    """Read the audit log

     Returns audit entries, all of them or only checkpoint events, optionally for one day. It needs an
    administrator role; other callers get a permission error (403).

    Args:
        event_type (GetAuditLogEventType | Unset):  Default: 'all'.
        day (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditLogResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        event_type=event_type,
        day=day,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    event_type: GetAuditLogEventType | Unset = "all",
    day: datetime.date | Unset = UNSET,
) -> Response[AuditLogResponse | HTTPError | HTTPValidationError]:
    """Read the audit log

     Returns audit entries, all of them or only checkpoint events, optionally for one day. It needs an
    administrator role; other callers get a permission error (403).

    Args:
        event_type (GetAuditLogEventType | Unset):  Default: 'all'.
        day (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditLogResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        event_type=event_type,
        day=day,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    event_type: GetAuditLogEventType | Unset = "all",
    day: datetime.date | Unset = UNSET,
) -> AuditLogResponse | HTTPError | HTTPValidationError | None:
    """Read the audit log

     Returns audit entries, all of them or only checkpoint events, optionally for one day. It needs an
    administrator role; other callers get a permission error (403).

    Args:
        event_type (GetAuditLogEventType | Unset):  Default: 'all'.
        day (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditLogResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            event_type=event_type,
            day=day,
        )
    ).parsed
