from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.current_checkpoint_storage_usage_response import CurrentCheckpointStorageUsageResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "get_current_checkpoint_storage_usage"
METHOD = "GET"
PATH = "/api/v1/billing/usage/checkpoints/current"


def build_request(
    *,
    project_id: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    params: dict[str, Any] = {}

    params["project_id"] = project_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/billing/usage/checkpoints/current",
        "params": params,
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CurrentCheckpointStorageUsageResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    project_id: str | Unset = UNSET,
) -> Response[CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError]:
    """Read current checkpoint storage usage

     Reports how much checkpoint storage is held now and its estimated monthly cost, per project or user,
    optionally for one project (the GetCurrentCheckpointStorageUsageRequest field as a query parameter).

    Args:
        project_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        project_id=project_id,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    project_id: str | Unset = UNSET,
) -> CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError | None:
    """Read current checkpoint storage usage

     Reports how much checkpoint storage is held now and its estimated monthly cost, per project or user,
    optionally for one project (the GetCurrentCheckpointStorageUsageRequest field as a query parameter).

    Args:
        project_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        project_id=project_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    project_id: str | Unset = UNSET,
) -> Response[CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError]:
    """Read current checkpoint storage usage

     Reports how much checkpoint storage is held now and its estimated monthly cost, per project or user,
    optionally for one project (the GetCurrentCheckpointStorageUsageRequest field as a query parameter).

    Args:
        project_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        project_id=project_id,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    project_id: str | Unset = UNSET,
) -> CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError | None:
    """Read current checkpoint storage usage

     Reports how much checkpoint storage is held now and its estimated monthly cost, per project or user,
    optionally for one project (the GetCurrentCheckpointStorageUsageRequest field as a query parameter).

    Args:
        project_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CurrentCheckpointStorageUsageResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            project_id=project_id,
        )
    ).parsed
