"""Tenants are API keys; a token from ``auth/token`` is a short-lived HS256 JWT signed with the tenant's key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

import orjson


def owner_of(api_key: str) -> str:
    return "tenant-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(api_key: str, signed: str) -> bytes:
    return hmac.new(api_key.encode(), signed.encode(), hashlib.sha256).digest()


def issue_jwt(owner: str, api_key: str, lifetime: int = 3600) -> str:
    now = int(time.time())
    header = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    payload = _b64(orjson.dumps({"sub": owner, "iss": "tinker-local", "iat": now, "exp": now + lifetime}))
    return f"{header}.{payload}.{_b64(_sign(api_key, f'{header}.{payload}'))}"


def jwt_owner(token: str, keys: dict[str, str]) -> str | None:
    """The tenant a token we issued belongs to, or None if it is not one of ours or has expired."""
    try:
        header, payload, signature = token.split(".")
        claims = orjson.loads(_unb64(payload))
        api_key = keys[claims["sub"]]
        valid = hmac.compare_digest(_unb64(signature), _sign(api_key, f"{header}.{payload}"))
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        return None
    return claims["sub"] if valid and claims.get("exp", 0) > time.time() else None
