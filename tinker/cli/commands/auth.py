"""``tinker auth``: log in and out (the key stored in ``~/.tinker/credentials.json``, where and as 0.38 stores it,
and where ``ServiceClient`` reads it after ``api_key``/``TINKER_API_KEY`` and ``TINKER_CREDENTIAL_CMD``), check the
credential, show whose it is."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import click

from .._common import CliContext, CliError, context, format_optional, print_json, print_properties, rest_client, show

T = TypeVar("T")
CONSOLE = "https://tinker.thinkingmachines.ai"


# --- the credentials file -------------------------------------------------------------------------------------------
def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"version": 1, "default": None, "keys": {}}
    except (OSError, ValueError) as error:
        raise CliError(f"Cannot read the stored credentials in {path}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("keys", {}), dict):
        raise CliError(f"{path} is not a credentials file")
    data.setdefault("keys", {})
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    """Atomically, the folder 0700 and the file 0600: it holds live keys."""
    folder = path.parent
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(json.dumps({k: v for k, v in data.items() if v is not None}, indent=2))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _default(data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    key_id = data.get("default")
    record = data["keys"].get(key_id) if isinstance(key_id, str) else None
    return (key_id, record) if isinstance(key_id, str) and isinstance(record, dict) else None


def _with_key(obj: CliContext, api_key: str, operation: str) -> Any:
    """Ask the server about ``api_key`` itself (GET or DELETE /api/v1/auth/apikey/me) through the SDK's pipeline."""
    from tinker._base_client import ClientSettings
    from tinker.lib._holder import Holder
    from tinker_api.api.auth import delete_api_key, get_api_key_info
    from tinker_api.pydantic_models import ApiKeyInfoResponse

    from .._common import CLI_MAX_RETRIES

    holder = Holder(ClientSettings.resolve(api_key=api_key, base_url=obj.base_url, max_retries=CLI_MAX_RETRIES))
    try:
        if operation == "delete":
            return holder.call(holder.send(delete_api_key.build_request()))
        return holder.call(holder.request(get_api_key_info.build_request(), ApiKeyInfoResponse))
    finally:
        holder.call(holder.client.aclose())


def _hosted(obj: CliContext) -> bool:
    return obj.base_url is None and not os.environ.get("TINKER_BASE_URL")


@click.group()
def cli() -> None:
    """Manage authentication credentials."""


@cli.command()
def login() -> None:
    """Store an API key as the default credential of the Tinker SDK.

    The key is checked with the server first; it is the global --api-key when given, else it is asked for.
    """
    from tinker._credentials import credentials_path

    obj = context()
    path = credentials_path()
    data = _load(path)
    if _default(data) is not None:
        raise CliError("Already logged in", "Run 'tinker auth logout' before logging in again.")
    key = obj.api_key
    if key is None:
        if _hosted(obj):
            name = f"tinker-cli-{socket.gethostname().split('.', 1)[0].strip() or 'unknown'}"
            click.echo(f"Create an API Key: {CONSOLE}/keys?new_key=true&key_name={name}", err=True)
        key = click.prompt("Paste your API key", hide_input=True, err=True)
    key = key.strip()
    if not key:
        raise CliError("The API key must not be empty")
    try:
        info = _with_key(obj, key, "get")
    except Exception as error:
        from .._common import describe

        message, details, _ = describe(error)
        raise CliError("Could not validate the API key", f"{message}\n{details or ''}".strip()) from error
    key_id = str(info.key_id)
    details = info.details.model_dump(mode="json")
    data["keys"][key_id] = {"type": "manual", "key": key, "name": info.name, "note": info.note, "details": details}
    data["default"] = key_id
    _save(path, data)
    email, organization = info.details.user_details.email, info.details.org_details.name
    if obj.json:
        print_json({"key_id": key_id, "name": info.name, "email": email, "organization": organization})
    else:
        click.echo(f"Logged in as {email} ({organization}). Stored API key '{info.name}' as the default credential.")


@cli.command()
def logout() -> None:
    """Clear stored Tinker credentials."""
    from tinker._credentials import credentials_path

    obj = context()
    path = credentials_path()
    data = _load(path)
    found = _default(data)
    if found is None:
        raise CliError(
            "No default credential is stored", "There is nothing to log out from. Run 'tinker auth login' to log in."
        )
    key_id, record = found
    generated = record.get("type") == "generated"
    failure: BaseException | None = None
    if generated:
        try:
            _with_key(obj, str(record.get("key", "")), "delete")
        except Exception as error:
            failure = error
    del data["keys"][key_id]
    data["default"] = None
    _save(path, data)
    name = record.get("name", key_id)
    if failure is not None:
        raise CliError(
            "Could not delete the API key on the server",
            f"Removed the local credential '{name}' (API key ID {key_id}); delete the key at {CONSOLE}/keys/{key_id}",
        ) from failure
    if obj.json:
        print_json({"key_id": key_id, "name": name, "deleted_on_server": generated})
    elif generated:
        click.echo(f"Removed credential '{name}' and deleted its API key on the server.")
    else:
        click.echo(f"Removed credential '{name}'. The API key is still active.")
        if _hosted(obj):
            click.echo(f"Delete it here if you no longer need it: {CONSOLE}/keys/{key_id}")


@cli.command()
def status() -> int:
    """Check local credential availability and live access to Tinker."""
    from tinker._credentials import Credentials

    obj = context()
    try:
        Credentials.resolve(obj.api_key)
        available = True
    except Exception:
        available = False
    if not available:
        if obj.json:
            print_json({"credentials_available": False, "accessible": False})
            return 1
        click.echo("Credentials available: no")
        raise CliError(
            "No Tinker credentials are available", "Run 'tinker auth login' or configure a Tinker credential."
        )
    if not obj.json:
        click.echo("Credentials available: yes")
    try:
        rest_client(obj).get_server_capabilities().result()
    except Exception:
        if obj.json:
            print_json({"credentials_available": True, "accessible": False})
        else:
            click.echo("Tinker accessible: no")
        raise
    if obj.json:
        print_json({"credentials_available": True, "accessible": True})
    else:
        click.echo("Tinker accessible: yes")
    return 0


@cli.command()
def whoami() -> None:
    """Show the user and organization of the active credential."""
    obj = context()
    identity = rest_client(obj).whoami().result()

    def table() -> None:
        print_properties(
            [
                ["Email", format_optional(identity.email)],
                ["User", identity.user_urn],
                ["Organization", identity.org_urn],
            ]
        )

    show(obj, identity.model_dump(mode="json"), table)
