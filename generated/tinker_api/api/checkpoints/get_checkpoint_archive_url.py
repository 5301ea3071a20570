from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkpoint_archive_url_response import CheckpointArchiveUrlResponse
from ...models.get_checkpoint_archive_url_checkpoint_kind import (
    GetCheckpointArchiveUrlCheckpointKind,
)
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import OperationRequest, Response

OPERATION_ID = "get_checkpoint_archive_url"
METHOD = "GET"
PATH = "/api/v1/training_runs/{training_run_id}/checkpoints/{checkpoint_kind}/{checkpoint_name}/archive"


def build_request(
    training_run_id: str,
    checkpoint_kind: GetCheckpointArchiveUrlCheckpointKind,
    checkpoint_name: str,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/training_runs/{training_run_id}/checkpoints/{checkpoint_kind}/{checkpoint_name}/archive".format(
            training_run_id=quote(str(training_run_id), safe=""),
            checkpoint_kind=quote(str(checkpoint_kind), safe=""),
            checkpoint_name=quote(str(checkpoint_name), safe=""),
        ),
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CheckpointArchiveUrlResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 302:
        response_302 = cast(Any, None)
        return response_302

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
) -> Response[Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    training_run_id: str,
    checkpoint_kind: GetCheckpointArchiveUrlCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError]:
    """Get a download URL for a checkpoint archive

     Gives a time-limited URL for downloading the checkpoint as an archive, either as a redirect (which
    the client does not follow) or as JSON. On 503 the 0.25 client waits 30 s and retries, up to 6
    attempts, since the archive may take a while to prepare. The checkpoint id fills two path segments
    (or one percent-encoded segment). Replaced by external_weights_urls in 0.38.

    Args:
        training_run_id (str):
        checkpoint_kind (GetCheckpointArchiveUrlCheckpointKind):
        checkpoint_name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    training_run_id: str,
    checkpoint_kind: GetCheckpointArchiveUrlCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError | None:
    """Get a download URL for a checkpoint archive

     Gives a time-limited URL for downloading the checkpoint as an archive, either as a redirect (which
    the client does not follow) or as JSON. On 503 the 0.25 client waits 30 s and retries, up to 6
    attempts, since the archive may take a while to prepare. The checkpoint id fills two path segments
    (or one percent-encoded segment). Replaced by external_weights_urls in 0.38.

    Args:
        training_run_id (str):
        checkpoint_kind (GetCheckpointArchiveUrlCheckpointKind):
        checkpoint_name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
        client=client,
    ).parsed


async def asyncio_detailed(
    training_run_id: str,
    checkpoint_kind: GetCheckpointArchiveUrlCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError]:
    """Get a download URL for a checkpoint archive

     Gives a time-limited URL for downloading the checkpoint as an archive, either as a redirect (which
    the client does not follow) or as JSON. On 503 the 0.25 client waits 30 s and retries, up to 6
    attempts, since the archive may take a while to prepare. The checkpoint id fills two path segments
    (or one percent-encoded segment). Replaced by external_weights_urls in 0.38.

    Args:
        training_run_id (str):
        checkpoint_kind (GetCheckpointArchiveUrlCheckpointKind):
        checkpoint_name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
        checkpoint_kind=checkpoint_kind,
        checkpoint_name=checkpoint_name,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    training_run_id: str,
    checkpoint_kind: GetCheckpointArchiveUrlCheckpointKind,
    checkpoint_name: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError | None:
    """Get a download URL for a checkpoint archive

     Gives a time-limited URL for downloading the checkpoint as an archive, either as a redirect (which
    the client does not follow) or as JSON. On 503 the 0.25 client waits 30 s and retries, up to 6
    attempts, since the archive may take a while to prepare. The checkpoint id fills two path segments
    (or one percent-encoded segment). Replaced by external_weights_urls in 0.38.

    Args:
        training_run_id (str):
        checkpoint_kind (GetCheckpointArchiveUrlCheckpointKind):
        checkpoint_name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CheckpointArchiveUrlResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            training_run_id=training_run_id,
            checkpoint_kind=checkpoint_kind,
            checkpoint_name=checkpoint_name,
            client=client,
        )
    ).parsed
