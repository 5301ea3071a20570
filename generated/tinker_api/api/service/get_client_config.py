from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.client_config_request import ClientConfigRequest
from ...models.client_config_response import ClientConfigResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "get_client_config"
METHOD = "POST"
PATH = "/api/v1/client/config"


def build_request(
    *,
    body: ClientConfigRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/client/config",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, ClientConfigRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ClientConfigResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = ClientConfigResponse.from_dict(orjson.loads(response.content))

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
) -> Response[ClientConfigResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ClientConfigRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ClientConfigResponse | HTTPError | HTTPValidationError]:
    """Fetch client configuration

     Returns the feature flags and limits a client holder applies for its whole life. Every holder calls
    this first; if it fails with 404 the official SDK cannot be constructed at all. Unknown keys in the
    answer are ignored, so a minimal server may return `{}` or just the flags it cares about.

    Args:
        x_idempotency_key (str | Unset):
        body (ClientConfigRequest): Body of the client-config calls; the server picks feature
            flags for the given SDK version.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientConfigResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ClientConfigRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> ClientConfigResponse | HTTPError | HTTPValidationError | None:
    """Fetch client configuration

     Returns the feature flags and limits a client holder applies for its whole life. Every holder calls
    this first; if it fails with 404 the official SDK cannot be constructed at all. Unknown keys in the
    answer are ignored, so a minimal server may return `{}` or just the flags it cares about.

    Args:
        x_idempotency_key (str | Unset):
        body (ClientConfigRequest): Body of the client-config calls; the server picks feature
            flags for the given SDK version.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientConfigResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ClientConfigRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ClientConfigResponse | HTTPError | HTTPValidationError]:
    """Fetch client configuration

     Returns the feature flags and limits a client holder applies for its whole life. Every holder calls
    this first; if it fails with 404 the official SDK cannot be constructed at all. Unknown keys in the
    answer are ignored, so a minimal server may return `{}` or just the flags it cares about.

    Args:
        x_idempotency_key (str | Unset):
        body (ClientConfigRequest): Body of the client-config calls; the server picks feature
            flags for the given SDK version.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientConfigResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ClientConfigRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> ClientConfigResponse | HTTPError | HTTPValidationError | None:
    """Fetch client configuration

     Returns the feature flags and limits a client holder applies for its whole life. Every holder calls
    this first; if it fails with 404 the official SDK cannot be constructed at all. Unknown keys in the
    answer are ignored, so a minimal server may return `{}` or just the flags it cares about.

    Args:
        x_idempotency_key (str | Unset):
        body (ClientConfigRequest): Body of the client-config calls; the server picks feature
            flags for the given SDK version.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientConfigResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
