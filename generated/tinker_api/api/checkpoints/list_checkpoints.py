from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkpoints_list_response import CheckpointsListResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import OperationRequest, Response

OPERATION_ID = "list_checkpoints"
METHOD = "GET"
PATH = "/api/v1/training_runs/{training_run_id}/checkpoints"


def build_request(
    training_run_id: str,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/training_runs/{training_run_id}/checkpoints".format(
            training_run_id=quote(str(training_run_id), safe=""),
        ),
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckpointsListResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CheckpointsListResponse.from_dict(orjson.loads(response.content))

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
) -> Response[CheckpointsListResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[CheckpointsListResponse | HTTPError | HTTPValidationError]:
    """List a training run's checkpoints

     Returns every checkpoint of one training run. Each `checkpoint_id` is `<kind>/<name>`; split it at
    the slash to address the checkpoint operations below.

    Args:
        training_run_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointsListResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> CheckpointsListResponse | HTTPError | HTTPValidationError | None:
    """List a training run's checkpoints

     Returns every checkpoint of one training run. Each `checkpoint_id` is `<kind>/<name>`; split it at
    the slash to address the checkpoint operations below.

    Args:
        training_run_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointsListResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        training_run_id=training_run_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[CheckpointsListResponse | HTTPError | HTTPValidationError]:
    """List a training run's checkpoints

     Returns every checkpoint of one training run. Each `checkpoint_id` is `<kind>/<name>`; split it at
    the slash to address the checkpoint operations below.

    Args:
        training_run_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointsListResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        training_run_id=training_run_id,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> CheckpointsListResponse | HTTPError | HTTPValidationError | None:
    """List a training run's checkpoints

     Returns every checkpoint of one training run. Each `checkpoint_id` is `<kind>/<name>`; split it at
    the slash to address the checkpoint operations below.

    Args:
        training_run_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointsListResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            training_run_id=training_run_id,
            client=client,
        )
    ).parsed
