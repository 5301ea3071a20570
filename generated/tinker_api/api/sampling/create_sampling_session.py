from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_sampling_session_request import CreateSamplingSessionRequest
from ...models.create_sampling_session_response import CreateSamplingSessionResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "create_sampling_session"
METHOD = "POST"
PATH = "/api/v1/create_sampling_session"


def build_request(
    *,
    body: CreateSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/create_sampling_session",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, CreateSamplingSessionRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreateSamplingSessionResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CreateSamplingSessionResponse.from_dict(orjson.loads(response.content))

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

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreateSamplingSessionResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[CreateSamplingSessionResponse | HTTPError | HTTPValidationError]:
    """Create a sampling session

     Creates a sampler inside a session, either for a base model or for saved weights named by a
    `tinker://` path. Its id, `<session_id>:sample:<sampling_session_seq_id>`, is what sampling requests
    address.

    Args:
        x_idempotency_key (str | Unset):
        body (CreateSamplingSessionRequest): Opens a sampling session on a base model or on saved
            sampler weights; a request with neither model_path nor base_model fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateSamplingSessionResponse | HTTPError | HTTPValidationError]
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
    body: CreateSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> CreateSamplingSessionResponse | HTTPError | HTTPValidationError | None:
    """Create a sampling session

     Creates a sampler inside a session, either for a base model or for saved weights named by a
    `tinker://` path. Its id, `<session_id>:sample:<sampling_session_seq_id>`, is what sampling requests
    address.

    Args:
        x_idempotency_key (str | Unset):
        body (CreateSamplingSessionRequest): Opens a sampling session on a base model or on saved
            sampler weights; a request with neither model_path nor base_model fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateSamplingSessionResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[CreateSamplingSessionResponse | HTTPError | HTTPValidationError]:
    """Create a sampling session

     Creates a sampler inside a session, either for a base model or for saved weights named by a
    `tinker://` path. Its id, `<session_id>:sample:<sampling_session_seq_id>`, is what sampling requests
    address.

    Args:
        x_idempotency_key (str | Unset):
        body (CreateSamplingSessionRequest): Opens a sampling session on a base model or on saved
            sampler weights; a request with neither model_path nor base_model fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateSamplingSessionResponse | HTTPError | HTTPValidationError]
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
    body: CreateSamplingSessionRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> CreateSamplingSessionResponse | HTTPError | HTTPValidationError | None:
    """Create a sampling session

     Creates a sampler inside a session, either for a base model or for saved weights named by a
    `tinker://` path. Its id, `<session_id>:sample:<sampling_session_seq_id>`, is what sampling requests
    address.

    Args:
        x_idempotency_key (str | Unset):
        body (CreateSamplingSessionRequest): Opens a sampling session on a base model or on saved
            sampler weights; a request with neither model_path nor base_model fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateSamplingSessionResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
