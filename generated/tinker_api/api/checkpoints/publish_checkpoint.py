from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.publish_checkpoint_checkpoint_kind import (
    PublishCheckpointCheckpointKind,
)
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "publish_checkpoint"
METHOD = "POST"
PATH = "/api/v1/training_runs/{training_run_id}/checkpoints/{checkpoint_kind}/{checkpoint_name}/publish"


def build_request(
    training_run_id: str,
    checkpoint_kind: PublishCheckpointCheckpointKind,
    checkpoint_name: str,
    *,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/training_runs/{training_run_id}/checkpoints/{checkpoint_kind}/{checkpoint_name}/publish".format(
            training_run_id=quote(str(training_run_id), safe=""),
            checkpoint_kind=quote(str(checkpoint_kind), safe=""),
            checkpoint_name=quote(str(checkpoint_name), safe=""),
        ),
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
    training_run_id: str,
    checkpoint_kind: PublishCheckpointCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Make a checkpoint public

     Makes the checkpoint readable by other users. There is no request body (the SDK still sends a JSON
    Content-Type). In this document the operation is idempotent: publishing a checkpoint that is already
    public succeeds with 204. The official SDK's documentation mentions 409 for that case; this document
    avoids 409 because clients retry it, and it should only mean a condition that clears by itself. The
    checkpoint id fills two path segments (or one percent-encoded segment).

    Args:
        training_run_id (str):
        checkpoint_kind (PublishCheckpointCheckpointKind):
        checkpoint_name (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    training_run_id: str,
    checkpoint_kind: PublishCheckpointCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Make a checkpoint public

     Makes the checkpoint readable by other users. There is no request body (the SDK still sends a JSON
    Content-Type). In this document the operation is idempotent: publishing a checkpoint that is already
    public succeeds with 204. The official SDK's documentation mentions 409 for that case; this document
    avoids 409 because clients retry it, and it should only mean a condition that clears by itself. The
    checkpoint id fills two path segments (or one percent-encoded segment).

    Args:
        training_run_id (str):
        checkpoint_kind (PublishCheckpointCheckpointKind):
        checkpoint_name (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
        client=client,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    training_run_id: str,
    checkpoint_kind: PublishCheckpointCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Make a checkpoint public

     Makes the checkpoint readable by other users. There is no request body (the SDK still sends a JSON
    Content-Type). In this document the operation is idempotent: publishing a checkpoint that is already
    public succeeds with 204. The official SDK's documentation mentions 409 for that case; this document
    avoids 409 because clients retry it, and it should only mean a condition that clears by itself. The
    checkpoint id fills two path segments (or one percent-encoded segment).

    Args:
        training_run_id (str):
        checkpoint_kind (PublishCheckpointCheckpointKind):
        checkpoint_name (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    training_run_id: str,
    checkpoint_kind: PublishCheckpointCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Make a checkpoint public

     Makes the checkpoint readable by other users. There is no request body (the SDK still sends a JSON
    Content-Type). In this document the operation is idempotent: publishing a checkpoint that is already
    public succeeds with 204. The official SDK's documentation mentions 409 for that case; this document
    avoids 409 because clients retry it, and it should only mean a condition that clears by itself. The
    checkpoint id fills two path segments (or one percent-encoded segment).

    Args:
        training_run_id (str):
        checkpoint_kind (PublishCheckpointCheckpointKind):
        checkpoint_name (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            training_run_id=training_run_id,
            checkpoint_kind=checkpoint_kind,
            checkpoint_name=checkpoint_name,
            client=client,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
