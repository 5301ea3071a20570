from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_custom_loss_response import CreateCustomLossResponse
from ...models.create_model_response import CreateModelResponse
from ...models.forward_backward_output import ForwardBackwardOutput
from ...models.future_metadata_response import FutureMetadataResponse
from ...models.future_retrieve_request import FutureRetrieveRequest
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.load_weights_response import LoadWeightsResponse
from ...models.optim_step_response import OptimStepResponse
from ...models.request_failed_response import RequestFailedResponse
from ...models.sample_response import SampleResponse
from ...models.save_weights_external_response_internal import SaveWeightsExternalResponseInternal
from ...models.save_weights_for_sampler_response_internal import SaveWeightsForSamplerResponseInternal
from ...models.save_weights_response import SaveWeightsResponse
from ...models.try_again_response import TryAgainResponse
from ...models.unload_model_response import UnloadModelResponse
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "retrieve_future"
METHOD = "POST"
PATH = "/api/v1/retrieve_future"


def build_request(
    *,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_request_iteration: int | Unset = UNSET,
    x_tinker_request_type: str | Unset = UNSET,
    x_tinker_create_promise_roundtrip_time: float | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    if not isinstance(x_tinker_request_iteration, Unset):
        headers["X-Tinker-Request-Iteration"] = str(x_tinker_request_iteration)

    if not isinstance(x_tinker_request_type, Unset):
        headers["X-Tinker-Request-Type"] = x_tinker_request_type

    if not isinstance(x_tinker_create_promise_roundtrip_time, Unset):
        headers["X-Tinker-Create-Promise-Roundtrip-Time"] = str(x_tinker_create_promise_roundtrip_time)

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/retrieve_future",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, FutureRetrieveRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
    | None
):
    if response.status_code == 200:

        def _parse_response_200(
            data: object,
        ) -> (
            CreateCustomLossResponse
            | CreateModelResponse
            | ForwardBackwardOutput
            | FutureMetadataResponse
            | LoadWeightsResponse
            | OptimStepResponse
            | RequestFailedResponse
            | SampleResponse
            | SaveWeightsExternalResponseInternal
            | SaveWeightsForSamplerResponseInternal
            | SaveWeightsResponse
            | TryAgainResponse
            | UnloadModelResponse
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_0 = TryAgainResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_1 = RequestFailedResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_2 = FutureMetadataResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_3 = CreateModelResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_4 = ForwardBackwardOutput.from_dict(data)

                return componentsschemas_future_retrieve_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_5 = OptimStepResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_6 = SaveWeightsResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_7 = SaveWeightsForSamplerResponseInternal.from_dict(
                    data
                )

                return componentsschemas_future_retrieve_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_8 = LoadWeightsResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_9 = UnloadModelResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_10 = SampleResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_future_retrieve_response_type_11 = CreateCustomLossResponse.from_dict(data)

                return componentsschemas_future_retrieve_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_future_retrieve_response_type_12 = SaveWeightsExternalResponseInternal.from_dict(data)

            return componentsschemas_future_retrieve_response_type_12

        response_200 = _parse_response_200(orjson.loads(response.content))

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(orjson.loads(response.content))

        return response_401

    if response.status_code == 404:
        response_404 = HTTPError.from_dict(orjson.loads(response.content))

        return response_404

    if response.status_code == 408:
        response_408 = TryAgainResponse.from_dict(orjson.loads(response.content))

        return response_408

    if response.status_code == 410:
        response_410 = HTTPError.from_dict(orjson.loads(response.content))

        return response_410

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_request_iteration: int | Unset = UNSET,
    x_tinker_request_type: str | Unset = UNSET,
    x_tinker_create_promise_roundtrip_time: float | Unset = UNSET,
) -> Response[
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
]:
    """Poll a future for its result

     Long poll: the server holds the request until the result is ready or about 30 s have passed (client
    timeout 45 s), because clients poll again at once without sleeping. When not ready it answers a
    try_again body (200 or 408). With `allow_metadata_only: true` (the SDK's first poll) it may answer
    only `{"status": "complete_metadata", "response_payload_size": N}`; the client then reserves N bytes
    and polls again with `false`. A failed request answers 200 with `{"error", "category"}`.
    ForwardBackwardOutput and SampleResponse results are returned as protobuf when the client asks for
    application/x-protobuf; all other results are JSON. A 402 (billing pause) makes the client wait and
    poll again for up to an hour.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_request_iteration (int | Unset):
        x_tinker_request_type (str | Unset):
        x_tinker_create_promise_roundtrip_time (float | Unset):
        body (FutureRetrieveRequest): Polls one future (POST /api/v1/retrieve_future) for its
            result.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateCustomLossResponse | CreateModelResponse | ForwardBackwardOutput | FutureMetadataResponse | LoadWeightsResponse | OptimStepResponse | RequestFailedResponse | SampleResponse | SaveWeightsExternalResponseInternal | SaveWeightsForSamplerResponseInternal | SaveWeightsResponse | TryAgainResponse | UnloadModelResponse | HTTPError | HTTPValidationError | TryAgainResponse]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_request_iteration=x_tinker_request_iteration,
        x_tinker_request_type=x_tinker_request_type,
        x_tinker_create_promise_roundtrip_time=x_tinker_create_promise_roundtrip_time,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_request_iteration: int | Unset = UNSET,
    x_tinker_request_type: str | Unset = UNSET,
    x_tinker_create_promise_roundtrip_time: float | Unset = UNSET,
) -> (
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
    | None
):
    """Poll a future for its result

     Long poll: the server holds the request until the result is ready or about 30 s have passed (client
    timeout 45 s), because clients poll again at once without sleeping. When not ready it answers a
    try_again body (200 or 408). With `allow_metadata_only: true` (the SDK's first poll) it may answer
    only `{"status": "complete_metadata", "response_payload_size": N}`; the client then reserves N bytes
    and polls again with `false`. A failed request answers 200 with `{"error", "category"}`.
    ForwardBackwardOutput and SampleResponse results are returned as protobuf when the client asks for
    application/x-protobuf; all other results are JSON. A 402 (billing pause) makes the client wait and
    poll again for up to an hour.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_request_iteration (int | Unset):
        x_tinker_request_type (str | Unset):
        x_tinker_create_promise_roundtrip_time (float | Unset):
        body (FutureRetrieveRequest): Polls one future (POST /api/v1/retrieve_future) for its
            result.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateCustomLossResponse | CreateModelResponse | ForwardBackwardOutput | FutureMetadataResponse | LoadWeightsResponse | OptimStepResponse | RequestFailedResponse | SampleResponse | SaveWeightsExternalResponseInternal | SaveWeightsForSamplerResponseInternal | SaveWeightsResponse | TryAgainResponse | UnloadModelResponse | HTTPError | HTTPValidationError | TryAgainResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_request_iteration=x_tinker_request_iteration,
        x_tinker_request_type=x_tinker_request_type,
        x_tinker_create_promise_roundtrip_time=x_tinker_create_promise_roundtrip_time,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_request_iteration: int | Unset = UNSET,
    x_tinker_request_type: str | Unset = UNSET,
    x_tinker_create_promise_roundtrip_time: float | Unset = UNSET,
) -> Response[
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
]:
    """Poll a future for its result

     Long poll: the server holds the request until the result is ready or about 30 s have passed (client
    timeout 45 s), because clients poll again at once without sleeping. When not ready it answers a
    try_again body (200 or 408). With `allow_metadata_only: true` (the SDK's first poll) it may answer
    only `{"status": "complete_metadata", "response_payload_size": N}`; the client then reserves N bytes
    and polls again with `false`. A failed request answers 200 with `{"error", "category"}`.
    ForwardBackwardOutput and SampleResponse results are returned as protobuf when the client asks for
    application/x-protobuf; all other results are JSON. A 402 (billing pause) makes the client wait and
    poll again for up to an hour.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_request_iteration (int | Unset):
        x_tinker_request_type (str | Unset):
        x_tinker_create_promise_roundtrip_time (float | Unset):
        body (FutureRetrieveRequest): Polls one future (POST /api/v1/retrieve_future) for its
            result.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateCustomLossResponse | CreateModelResponse | ForwardBackwardOutput | FutureMetadataResponse | LoadWeightsResponse | OptimStepResponse | RequestFailedResponse | SampleResponse | SaveWeightsExternalResponseInternal | SaveWeightsForSamplerResponseInternal | SaveWeightsResponse | TryAgainResponse | UnloadModelResponse | HTTPError | HTTPValidationError | TryAgainResponse]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
        x_tinker_request_iteration=x_tinker_request_iteration,
        x_tinker_request_type=x_tinker_request_type,
        x_tinker_create_promise_roundtrip_time=x_tinker_create_promise_roundtrip_time,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
    x_tinker_request_iteration: int | Unset = UNSET,
    x_tinker_request_type: str | Unset = UNSET,
    x_tinker_create_promise_roundtrip_time: float | Unset = UNSET,
) -> (
    CreateCustomLossResponse
    | CreateModelResponse
    | ForwardBackwardOutput
    | FutureMetadataResponse
    | LoadWeightsResponse
    | OptimStepResponse
    | RequestFailedResponse
    | SampleResponse
    | SaveWeightsExternalResponseInternal
    | SaveWeightsForSamplerResponseInternal
    | SaveWeightsResponse
    | TryAgainResponse
    | UnloadModelResponse
    | HTTPError
    | HTTPValidationError
    | TryAgainResponse
    | None
):
    """Poll a future for its result

     Long poll: the server holds the request until the result is ready or about 30 s have passed (client
    timeout 45 s), because clients poll again at once without sleeping. When not ready it answers a
    try_again body (200 or 408). With `allow_metadata_only: true` (the SDK's first poll) it may answer
    only `{"status": "complete_metadata", "response_payload_size": N}`; the client then reserves N bytes
    and polls again with `false`. A failed request answers 200 with `{"error", "category"}`.
    ForwardBackwardOutput and SampleResponse results are returned as protobuf when the client asks for
    application/x-protobuf; all other results are JSON. A 402 (billing pause) makes the client wait and
    poll again for up to an hour.

    Args:
        x_idempotency_key (str | Unset):
        x_tinker_request_iteration (int | Unset):
        x_tinker_request_type (str | Unset):
        x_tinker_create_promise_roundtrip_time (float | Unset):
        body (FutureRetrieveRequest): Polls one future (POST /api/v1/retrieve_future) for its
            result.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateCustomLossResponse | CreateModelResponse | ForwardBackwardOutput | FutureMetadataResponse | LoadWeightsResponse | OptimStepResponse | RequestFailedResponse | SampleResponse | SaveWeightsExternalResponseInternal | SaveWeightsForSamplerResponseInternal | SaveWeightsResponse | TryAgainResponse | UnloadModelResponse | HTTPError | HTTPValidationError | TryAgainResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
            x_tinker_request_iteration=x_tinker_request_iteration,
            x_tinker_request_type=x_tinker_request_type,
            x_tinker_create_promise_roundtrip_time=x_tinker_create_promise_roundtrip_time,
        )
    ).parsed
