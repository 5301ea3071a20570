from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_info_request import GetInfoRequest
from ...models.get_info_response import GetInfoResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "get_info"
METHOD = "POST"
PATH = "/api/v1/get_info"


def build_request(
    *,
    body: GetInfoRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/get_info",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, GetInfoRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetInfoResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = GetInfoResponse.from_dict(orjson.loads(response.content))

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
) -> Response[GetInfoResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GetInfoRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[GetInfoResponse | HTTPError | HTTPValidationError]:
    """Describe a training model

     Returns the base model, tokenizer and LoRA settings of a training model. Clients use it to pick a
    tokenizer (they keep only the part of `tokenizer_id` before the first colon).

    Args:
        x_idempotency_key (str | Unset):
        body (GetInfoRequest): Asks for the description of a training run.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetInfoResponse | HTTPError | HTTPValidationError]
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
    body: GetInfoRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> GetInfoResponse | HTTPError | HTTPValidationError | None:
    """Describe a training model

     Returns the base model, tokenizer and LoRA settings of a training model. Clients use it to pick a
    tokenizer (they keep only the part of `tokenizer_id` before the first colon).

    Args:
        x_idempotency_key (str | Unset):
        body (GetInfoRequest): Asks for the description of a training run.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetInfoResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GetInfoRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[GetInfoResponse | HTTPError | HTTPValidationError]:
    """Describe a training model

     Returns the base model, tokenizer and LoRA settings of a training model. Clients use it to pick a
    tokenizer (they keep only the part of `tokenizer_id` before the first colon).

    Args:
        x_idempotency_key (str | Unset):
        body (GetInfoRequest): Asks for the description of a training run.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetInfoResponse | HTTPError | HTTPValidationError]
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
    body: GetInfoRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> GetInfoResponse | HTTPError | HTTPValidationError | None:
    """Describe a training model

     Returns the base model, tokenizer and LoRA settings of a training model. Clients use it to pick a
    tokenizer (they keep only the part of `tokenizer_id` before the first colon).

    Args:
        x_idempotency_key (str | Unset):
        body (GetInfoRequest): Asks for the description of a training run.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetInfoResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
