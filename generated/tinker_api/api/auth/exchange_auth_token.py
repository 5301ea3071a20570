from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.auth_token_request import AuthTokenRequest
from ...models.auth_token_response import AuthTokenResponse
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, EncodedBody, OperationRequest, Response, Unset

OPERATION_ID = "exchange_auth_token"
METHOD = "POST"
PATH = "/api/v1/auth/token"


def build_request(
    *,
    body: AuthTokenRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> OperationRequest:
    """This operation's request: method, url, params, headers, body."""
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["X-Idempotency-Key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "url": "/api/v1/auth/token",
    }

    if isinstance(body, EncodedBody):
        _kwargs["content"] = body.content
        headers["Content-Type"] = body.content_type
        if body.content_encoding is not None:
            headers["Content-Encoding"] = body.content_encoding
    elif isinstance(body, AuthTokenRequest):
        _kwargs["content"] = orjson.dumps(body.to_dict())

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return OperationRequest(OPERATION_ID, METHOD, **_kwargs)


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuthTokenResponse | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AuthTokenResponse.from_dict(orjson.loads(response.content))

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
) -> Response[AuthTokenResponse | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AuthTokenRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[AuthTokenResponse | HTTPError | HTTPValidationError]:
    """Exchange the base credential for a JWT

     Used only when client/config reports `pjwt_auth_enabled`. The base credential (API key or the output
    of TINKER_CREDENTIAL_CMD) goes in X-API-Key; the returned JWT is then sent in X-API-Key instead and
    is refreshed before its `exp` claim. The SDK posts an empty JSON object.

    Args:
        x_idempotency_key (str | Unset):
        body (AuthTokenRequest): The body of a token exchange, always the empty object; the
            credential travels in X-API-Key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthTokenResponse | HTTPError | HTTPValidationError]
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
    body: AuthTokenRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> AuthTokenResponse | HTTPError | HTTPValidationError | None:
    """Exchange the base credential for a JWT

     Used only when client/config reports `pjwt_auth_enabled`. The base credential (API key or the output
    of TINKER_CREDENTIAL_CMD) goes in X-API-Key; the returned JWT is then sent in X-API-Key instead and
    is refreshed before its `exp` claim. The SDK posts an empty JSON object.

    Args:
        x_idempotency_key (str | Unset):
        body (AuthTokenRequest): The body of a token exchange, always the empty object; the
            credential travels in X-API-Key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthTokenResponse | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AuthTokenRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[AuthTokenResponse | HTTPError | HTTPValidationError]:
    """Exchange the base credential for a JWT

     Used only when client/config reports `pjwt_auth_enabled`. The base credential (API key or the output
    of TINKER_CREDENTIAL_CMD) goes in X-API-Key; the returned JWT is then sent in X-API-Key instead and
    is refreshed before its `exp` claim. The SDK posts an empty JSON object.

    Args:
        x_idempotency_key (str | Unset):
        body (AuthTokenRequest): The body of a token exchange, always the empty object; the
            credential travels in X-API-Key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthTokenResponse | HTTPError | HTTPValidationError]
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
    body: AuthTokenRequest | EncodedBody,
    x_idempotency_key: str | Unset = UNSET,
) -> AuthTokenResponse | HTTPError | HTTPValidationError | None:
    """Exchange the base credential for a JWT

     Used only when client/config reports `pjwt_auth_enabled`. The base credential (API key or the output
    of TINKER_CREDENTIAL_CMD) goes in X-API-Key; the returned JWT is then sent in X-API-Key instead and
    is refreshed before its `exp` claim. The SDK posts an empty JSON object.

    Args:
        x_idempotency_key (str | Unset):
        body (AuthTokenRequest): The body of a token exchange, always the empty object; the
            credential travels in X-API-Key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthTokenResponse | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed
