import datetime
from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.billing_usage_response import BillingUsageResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, OperationRequest, Response

OPERATION_ID = "get_billing_usage"
METHOD = "GET"
PATH = "/api/v1/billing/usage/events"


def build_request(
    *,
    starting_on: datetime.datetime,
    ending_before: datetime.datetime,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""

    params: dict[str, Any] = {}

    json_starting_on = starting_on.isoformat()
    params["starting_on"] = json_starting_on

    json_ending_before = ending_before.isoformat()
    params["ending_before"] = json_ending_before

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/billing/usage/events",
        "params": params,
    }

    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BillingUsageResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = BillingUsageResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = HTTPError.from_dict(orjson.loads(response.content))

        return response_400

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
) -> Response[BillingUsageResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    starting_on: datetime.datetime,
    ending_before: datetime.datetime,
) -> Response[BillingUsageResponse | HTTPError | HTTPValidationError]:
    """Read billed usage events

     Returns usage buckets between two instants (the GetBillingUsageRequest fields as query parameters),
    both on a whole UTC hour. The hosted service also refuses with 400 a window that does not end after
    it starts or is longer than 14 days; the local server answers any window (one that ends before it
    starts holds no usage).

    Args:
        starting_on (datetime.datetime):
        ending_before (datetime.datetime):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BillingUsageResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        starting_on=starting_on,
        ending_before=ending_before,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    starting_on: datetime.datetime,
    ending_before: datetime.datetime,
) -> BillingUsageResponse | HTTPError | HTTPValidationError | None:
    """Read billed usage events

     Returns usage buckets between two instants (the GetBillingUsageRequest fields as query parameters),
    both on a whole UTC hour. The hosted service also refuses with 400 a window that does not end after
    it starts or is longer than 14 days; the local server answers any window (one that ends before it
    starts holds no usage).

    Args:
        starting_on (datetime.datetime):
        ending_before (datetime.datetime):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BillingUsageResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        starting_on=starting_on,
        ending_before=ending_before,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    starting_on: datetime.datetime,
    ending_before: datetime.datetime,
) -> Response[BillingUsageResponse | HTTPError | HTTPValidationError]:
    """Read billed usage events

     Returns usage buckets between two instants (the GetBillingUsageRequest fields as query parameters),
    both on a whole UTC hour. The hosted service also refuses with 400 a window that does not end after
    it starts or is longer than 14 days; the local server answers any window (one that ends before it
    starts holds no usage).

    Args:
        starting_on (datetime.datetime):
        ending_before (datetime.datetime):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BillingUsageResponse | HTTPError | HTTPValidationError]
    """

    request = build_request(
        starting_on=starting_on,
        ending_before=ending_before,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    starting_on: datetime.datetime,
    ending_before: datetime.datetime,
) -> BillingUsageResponse | HTTPError | HTTPValidationError | None:
    """Read billed usage events

     Returns usage buckets between two instants (the GetBillingUsageRequest fields as query parameters),
    both on a whole UTC hour. The hosted service also refuses with 400 a window that does not end after
    it starts or is longer than 14 days; the local server answers any window (one that ends before it
    starts holds no usage).

    Args:
        starting_on (datetime.datetime):
        ending_before (datetime.datetime):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BillingUsageResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            starting_on=starting_on,
            ending_before=ending_before,
        )
    ).parsed
