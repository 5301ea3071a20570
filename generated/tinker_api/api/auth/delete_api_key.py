from http import HTTPStatus
from typing import Any, cast

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "delete_api_key"
METHOD = "DELETE"
PATH = "/api/v1/auth/apikey/me"


def build_request(
    *,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/auth/apikey/me",
    }

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | HTTPError | HTTPValidationError | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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
) -> Response[Any | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Delete the calling API key

     Deletes the API key sent in X-API-Key; the CLI calls it on logout.

    Args:
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Delete the calling API key

     Deletes the API key sent in X-API-Key; the CLI calls it on logout.

    Args:
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Delete the calling API key

     Deletes the API key sent in X-API-Key; the CLI calls it on logout.

    Args:
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Delete the calling API key

     Deletes the API key sent in X-API-Key; the CLI calls it on logout.

    Args:
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
