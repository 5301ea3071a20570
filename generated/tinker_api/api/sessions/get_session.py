from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_session_access_scope import GetSessionAccessScope
from ...models.get_session_response import GetSessionResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "get_session"
METHOD = "GET"
PATH = "/api/v1/sessions/{session_id}"


def build_request(
    session_id: str,
    *,
    access_scope: GetSessionAccessScope | Unset = "owned",
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    params: dict[str, Any] = {}

    json_access_scope: str | Unset = UNSET
    if not isinstance(access_scope, Unset):
        json_access_scope = access_scope

    params["access_scope"] = json_access_scope

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/sessions/{session_id}".format(
            session_id=quote(str(session_id), safe=""),
        ),
        "params": params,
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetSessionResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = GetSessionResponse.from_dict(orjson.loads(response.content))

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
) -> Response[GetSessionResponse | HTTPError | HTTPValidationError]:
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
    access_scope: GetSessionAccessScope | Unset = "owned",
) -> Response[GetSessionResponse | HTTPError | HTTPValidationError]:
    """Get a session

     Lists the training runs and samplers that belong to one session.

    Args:
        session_id (str):
        access_scope (GetSessionAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSessionResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        session_id=session_id,
        access_scope=access_scope,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetSessionAccessScope | Unset = "owned",
) -> GetSessionResponse | HTTPError | HTTPValidationError | None:
    """Get a session

     Lists the training runs and samplers that belong to one session.

    Args:
        session_id (str):
        access_scope (GetSessionAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSessionResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        access_scope=access_scope,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetSessionAccessScope | Unset = "owned",
) -> Response[GetSessionResponse | HTTPError | HTTPValidationError]:
    """Get a session

     Lists the training runs and samplers that belong to one session.

    Args:
        session_id (str):
        access_scope (GetSessionAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSessionResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        session_id=session_id,
        access_scope=access_scope,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetSessionAccessScope | Unset = "owned",
) -> GetSessionResponse | HTTPError | HTTPValidationError | None:
    """Get a session

     Lists the training runs and samplers that belong to one session.

    Args:
        session_id (str):
        access_scope (GetSessionAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSessionResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            access_scope=access_scope,
        )
    ).parsed
