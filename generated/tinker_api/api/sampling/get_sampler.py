from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_sampler_response import GetSamplerResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import OperationRequest, Response

OPERATION_ID = "get_sampler"
METHOD = "GET"
PATH = "/api/v1/samplers/{sampler_id}"


def build_request(
    sampler_id: str,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/samplers/{sampler_id}".format(
            sampler_id=quote(str(sampler_id), safe=""),
        ),
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetSamplerResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = GetSamplerResponse.from_dict(orjson.loads(response.content))

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
) -> Response[GetSamplerResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    sampler_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetSamplerResponse | HTTPError | HTTPValidationError]:
    """Get a sampler

     Returns the base model and, if any, the weights path a sampler serves; clients use it to choose a
    tokenizer.

    Args:
        sampler_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSamplerResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        sampler_id=sampler_id,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    sampler_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetSamplerResponse | HTTPError | HTTPValidationError | None:
    """Get a sampler

     Returns the base model and, if any, the weights path a sampler serves; clients use it to choose a
    tokenizer.

    Args:
        sampler_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSamplerResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        sampler_id=sampler_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    sampler_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetSamplerResponse | HTTPError | HTTPValidationError]:
    """Get a sampler

     Returns the base model and, if any, the weights path a sampler serves; clients use it to choose a
    tokenizer.

    Args:
        sampler_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSamplerResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        sampler_id=sampler_id,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    sampler_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetSamplerResponse | HTTPError | HTTPValidationError | None:
    """Get a sampler

     Returns the base model and, if any, the weights path a sampler serves; clients use it to choose a
    tokenizer.

    Args:
        sampler_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSamplerResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            sampler_id=sampler_id,
            client=client,
        )
    ).parsed
