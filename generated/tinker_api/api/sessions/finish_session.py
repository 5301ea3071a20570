from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.session_finish_request import SessionFinishRequest
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "finish_session"
METHOD = "POST"
PATH = "/api/v1/sessions/{session_id}/finish"


def build_request(
    session_id: str,
    *,
    body: SessionFinishRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/sessions/{session_id}/finish".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, SessionFinishRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

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
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SessionFinishRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Finish a session

     Ends the session explicitly, recording whether the client finished normally, hit an error or was
    interrupted.

    Args:
        session_id (str):
        x_idempotency_key (str | Unset):
        body (SessionFinishRequest): Body of POST /api/v1/sessions/{session_id}/finish, sent as a
            plain dict when a client closes its session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        session_id=session_id,
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SessionFinishRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Finish a session

     Ends the session explicitly, recording whether the client finished normally, hit an error or was
    interrupted.

    Args:
        session_id (str):
        x_idempotency_key (str | Unset):
        body (SessionFinishRequest): Body of POST /api/v1/sessions/{session_id}/finish, sent as a
            plain dict when a client closes its session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SessionFinishRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | HTTPError | HTTPValidationError]:
    """Finish a session

     Ends the session explicitly, recording whether the client finished normally, hit an error or was
    interrupted.

    Args:
        session_id (str):
        x_idempotency_key (str | Unset):
        body (SessionFinishRequest): Body of POST /api/v1/sessions/{session_id}/finish, sent as a
            plain dict when a client closes its session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | HTTPError | HTTPValidationError]
    """

    request = build_request(
        session_id=session_id,
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**request.httpx_kwargs())

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SessionFinishRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | HTTPError | HTTPValidationError | None:
    """Finish a session

     Ends the session explicitly, recording whether the client finished normally, hit an error or was
    interrupted.

    Args:
        session_id (str):
        x_idempotency_key (str | Unset):
        body (SessionFinishRequest): Body of POST /api/v1/sessions/{session_id}/finish, sent as a
            plain dict when a client closes its session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
