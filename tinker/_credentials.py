"""Where the SDK's credential comes from, and the short-lived JWT it may be traded for, as in the official 0.38 SDK.

- A static key: the ``api_key`` argument, else ``TINKER_API_KEY``, else (only when ``TINKER_CREDENTIAL_CMD`` is
  unset) the default key that ``tinker auth login`` stored in ``~/.tinker/credentials.json``.
- ``TINKER_CREDENTIAL_CMD``: a shell command that prints a credential. It is run afresh each time a base credential
  is needed (the ``client/config`` request of a client without a static key, and each JWT exchange); its output
  is never cached, since such credentials are typically short-lived.
- A JWT from ``auth/token``, when the server's ``client/config`` says ``pjwt_auth_enabled``: cached, renewed in the
  background once half its lifetime has passed and on demand when a minute or less is left.

The request pipeline (``_base_client``) decides which of them each request carries.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ._exceptions import AuthenticationError, TinkerError

__all__ = ["MISSING_API_KEY_MESSAGE", "Credentials", "JwtCache", "stored_default_key"]

log = logging.getLogger("tinker")

MISSING_API_KEY_MESSAGE = (
    "The api_key client option must be set by passing api_key to the client, by setting the TINKER_API_KEY "
    "environment variable, or by storing a key with `tinker auth login`"
)
KEY_PREFIXES = ("tml-", "eyJ")
REFRESH_ON_DEMAND_SECONDS = 60.0
RETRY_REFRESH_SECONDS = 60.0
COMMAND_TIMEOUT_SECONDS = 60.0
"""How long TINKER_CREDENTIAL_CMD may take to print a credential (time for a helper that asks a local agent)."""


_JITTER = random.Random()  # not the module's: a caller who seeded ``random`` keeps their sequence


def credentials_path() -> Path:
    return Path("~/.tinker/credentials.json").expanduser()


def stored_default_key(path: Path | None = None) -> str | None:
    """The default key of the credentials file (``tinker auth login`` writes it), or None."""
    path = path or credentials_path()
    try:
        stored = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as error:
        raise TinkerError(f"cannot read the stored credentials in {path}: {error}") from error
    if not isinstance(stored, dict) or not isinstance(stored.get("keys", {}), dict):
        raise TinkerError(f"the stored credentials in {path} are not a credentials file")
    record = stored.get("keys", {}).get(stored.get("default"))
    key = record.get("key") if isinstance(record, dict) else None
    return key if isinstance(key, str) and key else None


def jwt_claims(token: str) -> dict[str, object]:
    """The claims of a JWT, unverified: the SDK only reads tokens it was given over TLS."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise ValueError(f"not a JWT: {error}") from error
    if not isinstance(claims, dict):
        raise ValueError("not a JWT: its payload is not an object")
    return claims


def expiry(credential: str) -> float:
    """When a credential expires: a JWT's ``exp`` claim; an opaque API key never does."""
    if not credential.startswith("eyJ"):
        return math.inf
    exp = jwt_claims(credential).get("exp")
    if not isinstance(exp, int | float):
        raise ValueError("the JWT has no exp claim")
    return float(exp)


def _seconds_left(token: str) -> float:
    if not token:
        return 0.0
    try:
        return expiry(token) - time.time()
    except ValueError:
        return 0.0


def _refresh_after(token: str) -> float:
    """Seconds after receipt to renew a JWT: half its lifetime (server clock, ``exp - iat``), with 10 % jitter."""
    try:
        claims = jwt_claims(token)
        lifetime = float(claims["exp"]) - float(claims["iat"])  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError):
        return RETRY_REFRESH_SECONDS
    return max(lifetime, 0.0) * _JITTER.uniform(0.45, 0.55)


async def run_command(command: str, timeout: float = COMMAND_TIMEOUT_SECONDS) -> str:
    """Run ``TINKER_CREDENTIAL_CMD`` through the shell; its standard output, stripped, is the credential.

    A command still running after ``timeout`` seconds (a helper waiting for a login nobody makes), or whose caller
    is cancelled, is killed: nothing waits for it for ever.
    """
    try:
        process = await asyncio.create_subprocess_shell(
            command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except OSError as error:
        raise TinkerError(f"TINKER_CREDENTIAL_CMD could not be run: {error}") from error
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        raise TinkerError(f"TINKER_CREDENTIAL_CMD printed no credential within {timeout:g} s") from None
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
    credential = stdout.decode(errors="replace").strip()
    if not credential:
        # its standard error is not repeated here: a helper may print secrets there
        raise TinkerError(
            f"TINKER_CREDENTIAL_CMD returned an empty credential (exit status {process.returncode}; "
            "run it yourself to see why)"
        )
    try:
        expired = time.time() >= expiry(credential)
    except ValueError as error:
        raise TinkerError(f"TINKER_CREDENTIAL_CMD printed a malformed JWT: {error}") from error
    if expired:
        raise TinkerError("TINKER_CREDENTIAL_CMD printed an expired JWT.")
    return credential


@dataclass(frozen=True)
class Credentials:
    """The configured sources: a static key (argument, environment or stored file) and the credential command.
    Neither is shown in a repr (tracebacks, logs)."""

    api_key: str | None = field(repr=False)
    command: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(cls, api_key: str | None = None) -> Credentials:
        """Read the sources now; refuse at once when there is none, or only a key of the wrong form."""
        command = os.environ.get("TINKER_CREDENTIAL_CMD") or None
        key = api_key or os.environ.get("TINKER_API_KEY") or None
        if key is None and command is None:
            key = stored_default_key()
        if key is None and command is None:
            raise TinkerError(MISSING_API_KEY_MESSAGE)
        if key is not None and command is None:
            _check_form(key)
        return cls(key, command)

    def static_key(self) -> str:
        """The key itself, for a server that takes API keys (no ``pjwt_auth_enabled``)."""
        if self.api_key is None:
            raise TinkerError(MISSING_API_KEY_MESSAGE)
        _check_form(self.api_key)
        try:
            expired = time.time() >= expiry(self.api_key)
        except ValueError as error:
            raise TinkerError(f"The api_key is not a valid JWT: {error}") from error
        if expired:
            raise TinkerError(
                "The api_key JWT has expired. Pass a fresh one, or remove it and set TINKER_CREDENTIAL_CMD to a "
                "command that prints one."
            )
        return self.api_key

    async def base(self, *, command_first: bool) -> str:
        """The credential for ``client/config`` and for the JWT exchange. A JWT given as the key is used as it
        is; ``command_first`` (the server's ``credential_default_source`` is ``credential_cmd``) requires the
        command; otherwise the static key, else the command."""
        if self.api_key is not None and self.api_key.startswith("eyJ"):
            return self.static_key()
        if command_first:
            if self.command is None:
                raise TinkerError(
                    "Your organization requires dynamic credentials: set TINKER_CREDENTIAL_CMD to a command that "
                    "prints a valid credential."
                )
            return await run_command(self.command)
        if self.api_key is not None and (self.api_key.startswith(KEY_PREFIXES) or self.command is None):
            return self.static_key()
        if self.command is not None:
            return await run_command(self.command)
        raise TinkerError(MISSING_API_KEY_MESSAGE)


def _check_form(key: str) -> None:
    if not key.startswith(KEY_PREFIXES):
        raise TinkerError("The api_key must start with the 'tml-' prefix")


class JwtCache:
    """The JWT a client sends when the server asks for JWTs, traded for the base credential by ``exchange``.

    The first request waits for the exchange. Later ones get the cached token; once half its lifetime has passed a
    renewal starts in the background, and with a minute or less left a request waits for one. A failed renewal
    leaves the cached token in use until it expires (the server then says why); a rejected credential
    (``AuthenticationError``) is raised at once.
    """

    def __init__(self, exchange: Callable[[], Awaitable[str]]) -> None:
        self._exchange = exchange
        self._token = ""
        self._renew_at = math.inf
        self._lock = asyncio.Lock()
        self._renewal: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def current(self) -> str:
        """The JWT held now (empty before the first exchange)."""
        return self._token

    async def token(self) -> str:
        if self._token and _seconds_left(self._token) > REFRESH_ON_DEMAND_SECONDS:
            if time.time() >= self._renew_at and self._renewal is None and not self._closed:
                self._renewal = asyncio.get_running_loop().create_task(self._renew_in_background())
            return self._token
        async with self._lock:
            if self._token and _seconds_left(self._token) > REFRESH_ON_DEMAND_SECONDS:
                return self._token
            try:
                return await self._fetch()
            except AuthenticationError:
                raise
            except Exception as error:
                if _seconds_left(self._token) <= 0:
                    raise
                log.warning("renewing the JWT failed (%s); the current one is used until it expires", error)
                return self._token

    async def replace(self, rejected: str) -> str:
        """A token other than ``rejected``, which the server refused before its expiry; one exchange for many
        requests that were refused together."""
        async with self._lock:
            if self._token != rejected:
                return self._token
            return await self._fetch()

    async def aclose(self) -> None:
        self._closed = True
        if self._renewal is not None:
            self._renewal.cancel()
            await asyncio.gather(self._renewal, return_exceptions=True)

    async def _fetch(self) -> str:
        token = await self._exchange()
        self._token = token
        self._renew_at = time.time() + _refresh_after(token)
        return token

    async def _renew_in_background(self) -> None:
        try:
            async with self._lock:
                await self._fetch()
        except Exception as error:
            log.warning("renewing the JWT failed (%s); trying again in %.0f s", error, RETRY_REFRESH_SECONDS)
            self._renew_at = time.time() + RETRY_REFRESH_SECONDS
        finally:
            self._renewal = None
