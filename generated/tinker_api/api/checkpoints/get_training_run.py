from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_training_run_access_scope import GetTrainingRunAccessScope
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.training_run import TrainingRun
from ...types import UNSET, OperationRequest, Response, Unset

OPERATION_ID = "get_training_run"
METHOD = "GET"
PATH = "/api/v1/training_runs/{training_run_id}"


def build_request(
    training_run_id: str,
    *,
    access_scope: GetTrainingRunAccessScope | Unset = "owned",
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    params: dict[str, Any] = {}

    json_access_scope: str | Unset = UNSET
    if not isinstance(access_scope, Unset):
        json_access_scope = access_scope

    params["access_scope"] = json_access_scope

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/training_runs/{training_run_id}".format(
            training_run_id=quote(str(training_run_id), safe=""),
        ),
        "params": params,
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | TrainingRun | None:
    if response.status_code == 200:
        response_200 = TrainingRun.from_dict(orjson.loads(response.content))

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
) -> Response[HTTPError | HTTPValidationError | TrainingRun]:
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
    access_scope: GetTrainingRunAccessScope | Unset = "owned",
) -> Response[HTTPError | HTTPValidationError | TrainingRun]:
    """Get a training run

     Returns one training run with its latest training and sampler checkpoints.

    Args:
        training_run_id (str):
        access_scope (GetTrainingRunAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | TrainingRun]
    """

    request = build_request(
        training_run_id=training_run_id,
        access_scope=access_scope,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetTrainingRunAccessScope | Unset = "owned",
) -> HTTPError | HTTPValidationError | TrainingRun | None:
    """Get a training run

     Returns one training run with its latest training and sampler checkpoints.

    Args:
        training_run_id (str):
        access_scope (GetTrainingRunAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | TrainingRun
    """

    return sync_detailed(
        training_run_id=training_run_id,
        client=client,
        access_scope=access_scope,
    ).parsed


async def asyncio_detailed(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetTrainingRunAccessScope | Unset = "owned",
) -> Response[HTTPError | HTTPValidationError | TrainingRun]:
    """Get a training run

     Returns one training run with its latest training and sampler checkpoints.

    Args:
        training_run_id (str):
        access_scope (GetTrainingRunAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | TrainingRun]
    """

    request = build_request(
        training_run_id=training_run_id,
        access_scope=access_scope,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    training_run_id: str,
    *,
    client: AuthenticatedClient | Client,
    access_scope: GetTrainingRunAccessScope | Unset = "owned",
) -> HTTPError | HTTPValidationError | TrainingRun | None:
    """Get a training run

     Returns one training run with its latest training and sampler checkpoints.

    Args:
        training_run_id (str):
        access_scope (GetTrainingRunAccessScope | Unset):  Default: 'owned'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | TrainingRun
    """

    return (
        await asyncio_detailed(
            training_run_id=training_run_id,
            client=client,
            access_scope=access_scope,
        )
    ).parsed
