"""Settings of a local server, and where its data and API keys live."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ._faults import FaultSpec

API_KEY_FILE = "api_key"
API_KEYS_ENV = "TINKER_LOCAL_API_KEYS"  # comma-separated keys for `tinker local serve`, kept off the command line
NO_HUB_CACHE = "none"  # `tinker local serve --hf-hub-cache none`: publish the tokenizer in the data dir only


def default_data_dir() -> Path:
    """A per-user data directory (XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows)."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "tinker-local"


def default_hf_hub_cache() -> Path:
    """The Hugging Face hub cache that transformers reads, found as huggingface_hub finds it (``HF_HUB_CACHE``,
    then ``HUGGINGFACE_HUB_CACHE``, ``HF_HOME``/hub, ``XDG_CACHE_HOME``/huggingface/hub, ~/.cache/huggingface/hub),
    without importing it: the server does not depend on it."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expanduser(os.path.expandvars(explicit)))
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    home = os.environ.get("HF_HOME") or os.path.join(cache_home, "huggingface")
    return Path(os.path.expanduser(os.path.expandvars(home))) / "hub"


def hub_cache_setting(option: str | None) -> Path | None:
    """The ``--hf-hub-cache`` option as a setting: absent means the default cache, ``none`` means none."""
    if option is None:
        return default_hf_hub_cache()
    return None if option == NO_HUB_CACHE else Path(option)


def generate_api_key() -> str:
    return f"tml-local-{secrets.token_urlsafe(24)}"


def stored_api_key(data_dir: Path) -> tuple[str, bool]:
    """The key kept in the data dir (mode 0600), made on first use; also says whether it was just made."""
    path = data_dir / API_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_api_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key, True


@dataclass
class ServerConfig:
    """``api_keys`` empty means: use the key stored in the data dir, creating it if needed.

    ``hf_hub_cache`` is where the server also publishes its tokenizer under each model name, so that code that
    asks transformers for a model's tokenizer by name loads it offline; None (the default: a server in a program or
    a test leaves the user's caches alone) publishes nothing there. ``tinker local serve`` publishes into the
    cache transformers uses unless told ``--hf-hub-cache none``.

    ``faults`` makes the server fail some requests on purpose, on a seeded schedule (``_faults``), for testing
    clients; None (the default) injects nothing.
    """

    data_dir: Path = field(default_factory=default_data_dir)
    api_keys: tuple[str, ...] = ()
    long_poll_seconds: float = 30.0
    seq_gap_timeout_seconds: float = 60.0
    session_timeout_seconds: float = 600.0
    max_body_bytes: int = 64 * 1024 * 1024
    device: str | None = None
    hf_hub_cache: Path | None = None
    faults: FaultSpec | None = None

    def resolved_api_keys(self) -> tuple[str, ...]:
        if self.api_keys:
            return self.api_keys
        return (stored_api_key(self.data_dir)[0],)
