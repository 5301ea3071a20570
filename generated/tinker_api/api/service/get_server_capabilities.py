from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_server_capabilities_response import GetServerCapabilitiesResponse
from ...models.http_error import HTTPError
from ...types import OperationRequest, Response

OPERATION_ID = "get_server_capabilities"
METHOD = "GET"
PATH = "/api/v1/get_server_capabilities"


def build_request() -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/get_server_capabilities",
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetServerCapabilitiesResponse | HTTPError | None:
    if response.status_code == 200:
        response_200 = GetServerCapabilitiesResponse.from_dict(orjson.loads(response.content))

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
) -> Response[GetServerCapabilitiesResponse | HTTPError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetServerCapabilitiesResponse | HTTPError]:
    """List supported base models

     Reports which base models the service offers and their context lengths (0.38 adds whether each can
    be trained or sampled).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetServerCapabilitiesResponse | HTTPError]
    """

    request = build_request()

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> GetServerCapabilitiesResponse | HTTPError | None:
    """List supported base models

     Reports which base models the service offers and their context lengths (0.38 adds whether each can
    be trained or sampled).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetServerCapabilitiesResponse | HTTPError
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetServerCapabilitiesResponse | HTTPError]:
    """List supported base models

     Reports which base models the service offers and their context lengths (0.38 adds whether each can
    be trained or sampled).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetServerCapabilitiesResponse | HTTPError]
    """

    request = build_request()

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> GetServerCapabilitiesResponse | HTTPError | None:
    """List supported base models

     Reports which base models the service offers and their context lengths (0.38 adds whether each can
    be trained or sampled).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetServerCapabilitiesResponse | HTTPError
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
