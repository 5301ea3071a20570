from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.sample_request import SampleRequest
from ...models.untyped_api_future import UntypedAPIFuture
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "asample"
METHOD = "POST"
PATH = "/api/v1/asample"


def build_request(
    *,
    body: SampleRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_sampling_backpressure: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    if not isinstance(x_tinker_sampling_backpressure, Unset):
        headers["X-Tinker-Sampling-Backpressure"] = x_tinker_sampling_backpressure

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/asample",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, SampleRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    if response.status_code == 200:
        response_200 = UntypedAPIFuture.from_dict(orjson.loads(response.content))

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

    if response.status_code == 413:
        response_413 = HTTPError.from_dict(orjson.loads(response.content))

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SampleRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_sampling_backpressure: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Submit a sampling request

     Generates `num_samples` completions of a prompt from a sampling session (or a base model / model
    path). The result must be served as protobuf to official SDKs. Since 0.38 the future must list one
    `sample_sequence_ids` entry per sample. A 429 (or a 402 billing pause) makes the SDK back off and
    resubmit rather than fail; the SDK never retries the submit at the HTTP layer and gives each
    resubmission a new seq_id.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_sampling_backpressure (str | Unset):
        body (SampleRequest): Asks for completions of one prompt; answered with a future that
            resolves to SampleResponse. Target either a sampling session, a model_path, or a
            base_model; a request naming none of them fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_sampling_backpressure=x_tinker_sampling_backpressure,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SampleRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_sampling_backpressure: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Submit a sampling request

     Generates `num_samples` completions of a prompt from a sampling session (or a base model / model
    path). The result must be served as protobuf to official SDKs. Since 0.38 the future must list one
    `sample_sequence_ids` entry per sample. A 429 (or a 402 billing pause) makes the SDK back off and
    resubmit rather than fail; the SDK never retries the submit at the HTTP layer and gives each
    resubmission a new seq_id.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_sampling_backpressure (str | Unset):
        body (SampleRequest): Asks for completions of one prompt; answered with a future that
            resolves to SampleResponse. Target either a sampling session, a model_path, or a
            base_model; a request naming none of them fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | UntypedAPIFuture
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_sampling_backpressure=x_tinker_sampling_backpressure,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SampleRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_sampling_backpressure: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Submit a sampling request

     Generates `num_samples` completions of a prompt from a sampling session (or a base model / model
    path). The result must be served as protobuf to official SDKs. Since 0.38 the future must list one
    `sample_sequence_ids` entry per sample. A 429 (or a 402 billing pause) makes the SDK back off and
    resubmit rather than fail; the SDK never retries the submit at the HTTP layer and gives each
    resubmission a new seq_id.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_sampling_backpressure (str | Unset):
        body (SampleRequest): Asks for completions of one prompt; answered with a future that
            resolves to SampleResponse. Target either a sampling session, a model_path, or a
            base_model; a request naming none of them fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_sampling_backpressure=x_tinker_sampling_backpressure,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SampleRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_sampling_backpressure: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Submit a sampling request

     Generates `num_samples` completions of a prompt from a sampling session (or a base model / model
    path). The result must be served as protobuf to official SDKs. Since 0.38 the future must list one
    `sample_sequence_ids` entry per sample. A 429 (or a 402 billing pause) makes the SDK back off and
    resubmit rather than fail; the SDK never retries the submit at the HTTP layer and gives each
    resubmission a new seq_id.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_sampling_backpressure (str | Unset):
        body (SampleRequest): Asks for completions of one prompt; answered with a future that
            resolves to SampleResponse. Target either a sampling session, a model_path, or a
            base_model; a request naming none of them fails the schema (422).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | UntypedAPIFuture
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
            x_tinker_sampling_backpressure=x_tinker_sampling_backpressure,
        )
    ).parsed
