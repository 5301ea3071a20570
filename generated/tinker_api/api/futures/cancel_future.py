from http import HTTPStatus
from typing import Any, cast

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_future_request import CancelFutureRequest
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "cancel_future"
METHOD = "POST"
PATH = "/api/v1/cancel_future"


def build_request(
    *,
    body: CancelFutureRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/cancel_future",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, CancelFutureRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

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
    body: CancelFutureRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Cancel a pending future

     Asks the server to drop a request whose result is no longer wanted (sent for cancelled samples,
    without retries).

    Args:
        x_idempotency_key (str | Unset):
        body (CancelFutureRequest): Body of POST /api/v1/cancel_future, sent as a plain dict when
            a sample is cancelled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
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
    body: CancelFutureRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Cancel a pending future

     Asks the server to drop a request whose result is no longer wanted (sent for cancelled samples,
    without retries).

    Args:
        x_idempotency_key (str | Unset):
        body (CancelFutureRequest): Body of POST /api/v1/cancel_future, sent as a plain dict when
            a sample is cancelled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CancelFutureRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Cancel a pending future

     Asks the server to drop a request whose result is no longer wanted (sent for cancelled samples,
    without retries).

    Args:
        x_idempotency_key (str | Unset):
        body (CancelFutureRequest): Body of POST /api/v1/cancel_future, sent as a plain dict when
            a sample is cancelled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
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
    body: CancelFutureRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Cancel a pending future

     Asks the server to drop a request whose result is no longer wanted (sent for cancelled samples,
    without retries).

    Args:
        x_idempotency_key (str | Unset):
        body (CancelFutureRequest): Body of POST /api/v1/cancel_future, sent as a plain dict when
            a sample is cancelled.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
