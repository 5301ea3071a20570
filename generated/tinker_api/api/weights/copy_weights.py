from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.copy_weights_request import CopyWeightsRequest
from ...models.copy_weights_response import CopyWeightsResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "copy_weights"
METHOD = "POST"
PATH = "/api/v1/copy_weights"


def build_request(
    *,
    body: CopyWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_weights_access_token: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    if not isinstance(x_tinker_weights_access_token, Unset):
        headers["X-Tinker-Weights-Access-Token"] = x_tinker_weights_access_token

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/copy_weights",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, CopyWeightsRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CopyWeightsResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CopyWeightsResponse.from_dict(orjson.loads(response.content))

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
) -> Response[CopyWeightsResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CopyWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_weights_access_token: str | Unset = UNSET,
) -> Response[CopyWeightsResponse | HTTPError | HTTPValidationError]:
    """Copy a checkpoint

     Copies the checkpoint at `source_path` into the caller's storage (optionally into another project)
    and returns the new path. The idempotency key is a uuid4 that stays the same across every retry of
    one call.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_weights_access_token (str | Unset):
        body (CopyWeightsRequest): Copies a checkpoint into a new one owned by the caller, either
            into a training run slot of a session (`session_id` + `model_seq_id`) or into a project
            (`destination_project_id`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CopyWeightsResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_weights_access_token=x_tinker_weights_access_token,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CopyWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_weights_access_token: str | Unset = UNSET,
) -> CopyWeightsResponse | HTTPError | HTTPValidationError | None:
    """Copy a checkpoint

     Copies the checkpoint at `source_path` into the caller's storage (optionally into another project)
    and returns the new path. The idempotency key is a uuid4 that stays the same across every retry of
    one call.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_weights_access_token (str | Unset):
        body (CopyWeightsRequest): Copies a checkpoint into a new one owned by the caller, either
            into a training run slot of a session (`session_id` + `model_seq_id`) or into a project
            (`destination_project_id`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CopyWeightsResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_weights_access_token=x_tinker_weights_access_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CopyWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_weights_access_token: str | Unset = UNSET,
) -> Response[CopyWeightsResponse | HTTPError | HTTPValidationError]:
    """Copy a checkpoint

     Copies the checkpoint at `source_path` into the caller's storage (optionally into another project)
    and returns the new path. The idempotency key is a uuid4 that stays the same across every retry of
    one call.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_weights_access_token (str | Unset):
        body (CopyWeightsRequest): Copies a checkpoint into a new one owned by the caller, either
            into a training run slot of a session (`session_id` + `model_seq_id`) or into a project
            (`destination_project_id`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CopyWeightsResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_weights_access_token=x_tinker_weights_access_token,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CopyWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_weights_access_token: str | Unset = UNSET,
) -> CopyWeightsResponse | HTTPError | HTTPValidationError | None:
    """Copy a checkpoint

     Copies the checkpoint at `source_path` into the caller's storage (optionally into another project)
    and returns the new path. The idempotency key is a uuid4 that stays the same across every retry of
    one call.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_weights_access_token (str | Unset):
        body (CopyWeightsRequest): Copies a checkpoint into a new one owned by the caller, either
            into a training run slot of a session (`session_id` + `model_seq_id`) or into a project
            (`destination_project_id`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CopyWeightsResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
            x_tinker_weights_access_token=x_tinker_weights_access_token,
        )
    ).parsed
