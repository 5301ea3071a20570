from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.session_trace_export_response import SessionTraceExportResponse
from ...types import OperationRequest, Response

OPERATION_ID = "export_session_trace"
METHOD = "GET"
PATH = "/api/v1/sessions/{session_id}/trace_export"


def build_request(
    session_id: str,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/sessions/{session_id}/trace_export".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | SessionTraceExportResponse | None:
    if response.status_code == 200:
        response_200 = SessionTraceExportResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 404:
        response_404 = HTTPError.from_dict(orjson.loads(response.content))

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPError | HTTPValidationError | SessionTraceExportResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[HTTPError | HTTPValidationError | SessionTraceExportResponse]:
    """Export a session trace

     Reports the state of the session's trace export. The client polls every 5 s until the status is
    `ready` (it then returns the URL) or `failed` (it then raises with the error).

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | SessionTraceExportResponse]
    """

    request = build_request(
        session_id=session_id,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> HTTPError | HTTPValidationError | SessionTraceExportResponse | None:
    """Export a session trace

     Reports the state of the session's trace export. The client polls every 5 s until the status is
    `ready` (it then returns the URL) or `failed` (it then raises with the error).

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | SessionTraceExportResponse
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[HTTPError | HTTPValidationError | SessionTraceExportResponse]:
    """Export a session trace

     Reports the state of the session's trace export. The client polls every 5 s until the status is
    `ready` (it then returns the URL) or `failed` (it then raises with the error).

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | SessionTraceExportResponse]
    """

    request = build_request(
        session_id=session_id,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> HTTPError | HTTPValidationError | SessionTraceExportResponse | None:
    """Export a session trace

     Reports the state of the session's trace export. The client polls every 5 s until the status is
    `ready` (it then returns the URL) or `failed` (it then raises with the error).

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | SessionTraceExportResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
        )
    ).parsed
