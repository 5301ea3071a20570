from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.forward_backward_output import ForwardBackwardOutput
from ...models.future_retrieve_request import FutureRetrieveRequest
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.try_again_response import TryAgainResponse
from ...types import UNSET, EncodedBody, Response, Unset

OPERATION_ID = "retrieve_future"
METHOD = "POST"
PATH = "/api/v1/retrieve_future"


def build_request(
    *,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    """The keyword arguments of ``httpx.Client.request`` for this operation: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/retrieve_future",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, FutureRetrieveRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> ForwardBackwardOutput | TryAgainResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_0 = TryAgainResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_future_retrieve_response_type_1 = ForwardBackwardOutput.from_dict(data)

            return componentsschemas_future_retrieve_response_type_1

        response_200 = _parse_response_200(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 408:
        response_408 = TryAgainResponse.from_dict(orjson.loads(response.content))

        return response_408

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse]:
    """Wait for the result of a future.

    Args:
        x_idempotency_key (str | Unset):
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse]
    """

    kwargs = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse | None:
    """Wait for the result of a future.

    Args:
        x_idempotency_key (str | Unset):
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse]:
    """Wait for the result of a future.

    Args:
        x_idempotency_key (str | Unset):
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse]
    """

    kwargs = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse | None:
    """Wait for the result of a future.

    Args:
        x_idempotency_key (str | Unset):
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ForwardBackwardOutput | TryAgainResponse | HTTPError | HTTPValidationError | TryAgainResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
