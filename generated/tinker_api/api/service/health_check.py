from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.health_response import HealthResponse
from ...models.http_error import HTTPError
from ...types import OperationRequest, Response

OPERATION_ID = "health_check"
METHOD = "GET"
PATH = "/api/v1/healthz"


def build_request() -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/healthz",
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HealthResponse | None:
    if response.status_code == 200:
        response_200 = HealthResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 503:
        response_503 = HTTPError.from_dict(orjson.loads(response.content))

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPError | HealthResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[HTTPError | HealthResponse]:
    """Liveness check

     Answers `{"status": "ok"}` while the service is up. It needs no API key; the SDK has no public
    caller for it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HealthResponse]
    """

    request = build_request()

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> HTTPError | HealthResponse | None:
    """Liveness check

     Answers `{"status": "ok"}` while the service is up. It needs no API key; the SDK has no public
    caller for it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HealthResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[HTTPError | HealthResponse]:
    """Liveness check

     Answers `{"status": "ok"}` while the service is up. It needs no API key; the SDK has no public
    caller for it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HealthResponse]
    """

    request = build_request()

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> HTTPError | HealthResponse | None:
    """Liveness check

     Answers `{"status": "ok"}` while the service is up. It needs no API key; the SDK has no public
    caller for it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HealthResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
