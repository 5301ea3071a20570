from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.load_weights_request import LoadWeightsRequest
from ...models.untyped_api_future import UntypedAPIFuture
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "load_weights"
METHOD = "POST"
PATH = "/api/v1/load_weights"


def build_request(
    *,
    body: LoadWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/load_weights",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, LoadWeightsRequest):
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
    body: LoadWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Load saved weights into a model

     Loads a `tinker://` checkpoint, with or without its optimizer state, either into an existing model
    (`model_id` + `seq_id`) or into a new one created by the load (`session_id` + `model_seq_id`; the
    model id is then `<session_id>:train:<model_seq_id>`). 0.38 always creates models this way when
    restoring state.

    Args:
        x_idempotency_key (str | Unset):
        body (LoadWeightsRequest): Loads a saved checkpoint into a training model. It addresses
            either an existing model (`model_id` + `seq_id`) or a model that the load itself creates
            (`session_id` + `model_seq_id`, as the model's first request, from which the service
            derives `model_id = {session_id}:train:{model_seq_id}`); the two forms are mutually
            exclusive. The call is a future that resolves to LoadWeightsResponse.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: LoadWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Load saved weights into a model

     Loads a `tinker://` checkpoint, with or without its optimizer state, either into an existing model
    (`model_id` + `seq_id`) or into a new one created by the load (`session_id` + `model_seq_id`; the
    model id is then `<session_id>:train:<model_seq_id>`). 0.38 always creates models this way when
    restoring state.

    Args:
        x_idempotency_key (str | Unset):
        body (LoadWeightsRequest): Loads a saved checkpoint into a training model. It addresses
            either an existing model (`model_id` + `seq_id`) or a model that the load itself creates
            (`session_id` + `model_seq_id`, as the model's first request, from which the service
            derives `model_id = {session_id}:train:{model_seq_id}`); the two forms are mutually
            exclusive. The call is a future that resolves to LoadWeightsResponse.

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
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoadWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | UntypedAPIFuture]:
    """Load saved weights into a model

     Loads a `tinker://` checkpoint, with or without its optimizer state, either into an existing model
    (`model_id` + `seq_id`) or into a new one created by the load (`session_id` + `model_seq_id`; the
    model id is then `<session_id>:train:<model_seq_id>`). 0.38 always creates models this way when
    restoring state.

    Args:
        x_idempotency_key (str | Unset):
        body (LoadWeightsRequest): Loads a saved checkpoint into a training model. It addresses
            either an existing model (`model_id` + `seq_id`) or a model that the load itself creates
            (`session_id` + `model_seq_id`, as the model's first request, from which the service
            derives `model_id = {session_id}:train:{model_seq_id}`); the two forms are mutually
            exclusive. The call is a future that resolves to LoadWeightsResponse.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | UntypedAPIFuture]
    """

    request = build_request(
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LoadWeightsRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> HTTPError | HTTPValidationError | UntypedAPIFuture | None:
    """Load saved weights into a model

     Loads a `tinker://` checkpoint, with or without its optimizer state, either into an existing model
    (`model_id` + `seq_id`) or into a new one created by the load (`session_id` + `model_seq_id`; the
    model id is then `<session_id>:train:<model_seq_id>`). 0.38 always creates models this way when
    restoring state.

    Args:
        x_idempotency_key (str | Unset):
        body (LoadWeightsRequest): Loads a saved checkpoint into a training model. It addresses
            either an existing model (`model_id` + `seq_id`) or a model that the load itself creates
            (`session_id` + `model_seq_id`, as the model's first request, from which the service
            derives `model_id = {session_id}:train:{model_seq_id}`); the two forms are mutually
            exclusive. The call is a future that resolves to LoadWeightsResponse.

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
        )
    ).parsed
