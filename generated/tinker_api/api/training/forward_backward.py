from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.forward_backward_content_encoding import (
    ForwardBackwardContentEncoding,
)
from ...models.forward_backward_request import ForwardBackwardRequest
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.untyped_api_future import UntypedAPIFuture
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "forward_backward"
METHOD = "POST"
PATH = "/api/v1/forward_backward"


def build_request(
    *,
    body: ForwardBackwardRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    content_encoding: ForwardBackwardContentEncoding | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    if not isinstance(content_encoding, Unset):
        headers["Content-Encoding"] = str(content_encoding)

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/forward_backward",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, ForwardBackwardRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    if response.status_code == 200:
        response_200 = UntypedAPIFuture.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = HTTPError.from_dict(orjson.loads(response.content))

        return response_400

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 404:
        response_404 = HTTPError.from_dict(orjson.loads(response.content))

        return response_404

    if response.status_code == 413:
        response_413 = HTTPError.from_dict(orjson.loads(response.content))

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ForwardBackwardRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    content_encoding: ForwardBackwardContentEncoding | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Run a forward/backward pass on a batch chunk

     Computes the loss and accumulates gradients for one chunk of datums (`forward_only: true` skips the
    backward pass; that is how current SDKs implement forward). Official SDKs send protobuf, zstd-
    compressed when client/config sets `proto_compress_fwdbwd`; the JSON body is the legacy form that
    older SDKs and ports used. Requests for one model run in seq_id order, and a chunk is held until the
    earlier ones have arrived. The result must be served as protobuf to official SDKs.

    Args:
        x_idempotency_key (str | Unset):
        content_encoding (ForwardBackwardContentEncoding | Unset):
        body (str):
        body (ForwardBackwardRequest): JSON form of a forward_backward request, as older SDKs sent
            it; current SDKs send the same content as protobuf. Answered with a future that resolves
            to ForwardBackwardOutput.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        content_encoding=content_encoding,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ForwardBackwardRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    content_encoding: ForwardBackwardContentEncoding | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Run a forward/backward pass on a batch chunk

     Computes the loss and accumulates gradients for one chunk of datums (`forward_only: true` skips the
    backward pass; that is how current SDKs implement forward). Official SDKs send protobuf, zstd-
    compressed when client/config sets `proto_compress_fwdbwd`; the JSON body is the legacy form that
    older SDKs and ports used. Requests for one model run in seq_id order, and a chunk is held until the
    earlier ones have arrived. The result must be served as protobuf to official SDKs.

    Args:
        x_idempotency_key (str | Unset):
        content_encoding (ForwardBackwardContentEncoding | Unset):
        body (str):
        body (ForwardBackwardRequest): JSON form of a forward_backward request, as older SDKs sent
            it; current SDKs send the same content as protobuf. Answered with a future that resolves
            to ForwardBackwardOutput.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | UntypedAPIFuture
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
        content_encoding=content_encoding,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ForwardBackwardRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    content_encoding: ForwardBackwardContentEncoding | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Run a forward/backward pass on a batch chunk

     Computes the loss and accumulates gradients for one chunk of datums (`forward_only: true` skips the
    backward pass; that is how current SDKs implement forward). Official SDKs send protobuf, zstd-
    compressed when client/config sets `proto_compress_fwdbwd`; the JSON body is the legacy form that
    older SDKs and ports used. Requests for one model run in seq_id order, and a chunk is held until the
    earlier ones have arrived. The result must be served as protobuf to official SDKs.

    Args:
        x_idempotency_key (str | Unset):
        content_encoding (ForwardBackwardContentEncoding | Unset):
        body (str):
        body (ForwardBackwardRequest): JSON form of a forward_backward request, as older SDKs sent
            it; current SDKs send the same content as protobuf. Answered with a future that resolves
            to ForwardBackwardOutput.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        content_encoding=content_encoding,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ForwardBackwardRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    content_encoding: ForwardBackwardContentEncoding | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Run a forward/backward pass on a batch chunk

     Computes the loss and accumulates gradients for one chunk of datums (`forward_only: true` skips the
    backward pass; that is how current SDKs implement forward). Official SDKs send protobuf, zstd-
    compressed when client/config sets `proto_compress_fwdbwd`; the JSON body is the legacy form that
    older SDKs and ports used. Requests for one model run in seq_id order, and a chunk is held until the
    earlier ones have arrived. The result must be served as protobuf to official SDKs.

    Args:
        x_idempotency_key (str | Unset):
        content_encoding (ForwardBackwardContentEncoding | Unset):
        body (str):
        body (ForwardBackwardRequest): JSON form of a forward_backward request, as older SDKs sent
            it; current SDKs send the same content as protobuf. Answered with a future that resolves
            to ForwardBackwardOutput.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | UntypedAPIFuture
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
            content_encoding=content_encoding,
        )
    ).parsed
