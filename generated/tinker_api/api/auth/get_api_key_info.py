from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_key_info_response import ApiKeyInfoResponse
from ...models.http_error import HTTPError
from ...types import OperationRequest, Response

OPERATION_ID = "get_api_key_info"
METHOD = "GET"
PATH = "/api/v1/auth/apikey/me"


def build_request() -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/auth/apikey/me",
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeyInfoResponse | HTTPError | None:
    if response.status_code == 200:
        response_200 = ApiKeyInfoResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeyInfoResponse | HTTPError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ApiKeyInfoResponse | HTTPError]:
    """Describe the calling API key

     Returns the id, name and note of the key in X-API-Key with its organisation and user; the CLI uses
    it to confirm a login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyInfoResponse | HTTPError]
    """

    request = build_request()

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> ApiKeyInfoResponse | HTTPError | None:
    """Describe the calling API key

     Returns the id, name and note of the key in X-API-Key with its organisation and user; the CLI uses
    it to confirm a login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyInfoResponse | HTTPError
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ApiKeyInfoResponse | HTTPError]:
    """Describe the calling API key

     Returns the id, name and note of the key in X-API-Key with its organisation and user; the CLI uses
    it to confirm a login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyInfoResponse | HTTPError]
    """

    request = build_request()

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> ApiKeyInfoResponse | HTTPError | None:
    """Describe the calling API key

     Returns the id, name and note of the key in X-API-Key with its organisation and user; the CLI uses
    it to confirm a login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyInfoResponse | HTTPError
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
