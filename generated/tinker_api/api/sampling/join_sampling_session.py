from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.join_sampling_session_request import JoinSamplingSessionRequest
from ...models.join_sampling_session_response import JoinSamplingSessionResponse
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "join_sampling_session"
METHOD = "POST"
PATH = "/api/v1/join_sampling_session"


def build_request(
    *,
    body: JoinSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/join_sampling_session",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, JoinSamplingSessionRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | JoinSamplingSessionResponse | None:
    if response.status_code == 200:
        response_200 = JoinSamplingSessionResponse.from_dict(orjson.loads(response.content))

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
) -> Response[HTTPError | HTTPValidationError | JoinSamplingSessionResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: JoinSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | JoinSamplingSessionResponse]:
    """Join an existing sampling session

     Attaches the calling client to an existing sampling session and hands it a client counter (used only
    when client/config sets `sample_join_sampling_session`).

    Args:
        x_idempotency_key (str | Unset):
        body (JoinSamplingSessionRequest): Registers another client (for example a copy in a
            worker process) on an existing sampling session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | JoinSamplingSessionResponse]
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
    body: JoinSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | JoinSamplingSessionResponse | None:
    """Join an existing sampling session

     Attaches the calling client to an existing sampling session and hands it a client counter (used only
    when client/config sets `sample_join_sampling_session`).

    Args:
        x_idempotency_key (str | Unset):
        body (JoinSamplingSessionRequest): Registers another client (for example a copy in a
            worker process) on an existing sampling session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | JoinSamplingSessionResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: JoinSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | JoinSamplingSessionResponse]:
    """Join an existing sampling session

     Attaches the calling client to an existing sampling session and hands it a client counter (used only
    when client/config sets `sample_join_sampling_session`).

    Args:
        x_idempotency_key (str | Unset):
        body (JoinSamplingSessionRequest): Registers another client (for example a copy in a
            worker process) on an existing sampling session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | JoinSamplingSessionResponse]
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
    body: JoinSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | JoinSamplingSessionResponse | None:
    """Join an existing sampling session

     Attaches the calling client to an existing sampling session and hands it a client counter (used only
    when client/config sets `sample_join_sampling_session`).

    Args:
        x_idempotency_key (str | Unset):
        body (JoinSamplingSessionRequest): Registers another client (for example a copy in a
            worker process) on an existing sampling session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | JoinSamplingSessionResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
