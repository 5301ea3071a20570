"""Settings of a local server, and where its data and API keys live."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ._faults import FaultSpec

API_KEY_FILE = "api_key"
API_KEYS_ENV = "TINKER_LOCAL_API_KEYS"  # comma-separated keys for `tinker local serve`, kept off the command line
NO_HUB_CACHE = "none"  # `tinker local serve --hf-hub-cache none`: publish the tokenizer in the data dir only
# The settings that bound what one tenant may ask of the server; each is a `tinker local serve --flag` of its name
# (underscores as dashes), and `tinker local serve --help` lists them with their defaults.
LIMITS = (
    "max_body_bytes",
    "max_queued_per_model",
    "max_queued_per_tenant",
    "max_sampling_requests_per_tenant",
    "max_sessions_per_tenant",
    "max_training_runs_per_tenant",
    "max_samplers_per_tenant",
    "max_sampled_tokens",
)
# How long, and how many of, the server's own records are kept (``_retention``); each is a `tinker local serve
# --flag` of its name too. User data (sessions, training runs, checkpoints, samplers) is never among them.
RETENTION = (
    "telemetry_retention_seconds",
    "max_telemetry_batches",
    "audit_retention_seconds",
    "max_audit_events_per_tenant",
    "result_retention_seconds",
    "max_results_per_tenant",
)
DAY = 24 * 3600


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

    The limits (``LIMITS``) keep one tenant from taking the machine: ``max_body_bytes`` bounds a body as sent and
    as decoded (413); a request past a queue or the sampling bound is a 429 with Retry-After, since those drain on
    their own; sessions, training runs and samplers are counted while active or loaded, and one past the bound is
    a 400 until the tenant finishes a session or unloads a model; ``max_sampled_tokens`` bounds ``max_tokens *
    num_samples`` of one sample request (400).

    The retention settings (``RETENTION``) bound the server's own records, each by age and by count, the oldest
    dropped first: telemetry batches (30 days, 100,000 in all: they carry no tenant), audit events (90 days, 10,000
    per tenant, which is also the most ``get_audit_log`` answers) and finished futures' results (24 hours, 10,000
    per tenant: a client fetches a result within minutes; a pruned one is a 404).
    """

    data_dir: Path = field(default_factory=default_data_dir)
    api_keys: tuple[str, ...] = ()
    long_poll_seconds: float = 30.0
    seq_gap_timeout_seconds: float = 60.0
    session_timeout_seconds: float = 600.0
    max_body_bytes: int = 64 * 1024 * 1024
    max_queued_per_model: int = 1_000
    max_queued_per_tenant: int = 4_000
    max_sampling_requests_per_tenant: int = 256
    max_sessions_per_tenant: int = 1_000
    max_training_runs_per_tenant: int = 64
    max_samplers_per_tenant: int = 1_000
    max_sampled_tokens: int = 65_536
    telemetry_retention_seconds: int = 30 * DAY
    max_telemetry_batches: int = 100_000
    audit_retention_seconds: int = 90 * DAY
    max_audit_events_per_tenant: int = 10_000
    result_retention_seconds: int = DAY
    max_results_per_tenant: int = 10_000
    device: str | None = None
    hf_hub_cache: Path | None = None
    faults: FaultSpec | None = None
    # /metrics answers without a key (`tinker local serve --metrics-public`), for a scraper on a trusted network
    metrics_public: bool = False
    # `tinker local serve --log-format json`: one JSON line per request on the tinker.local.access logger
    log_format: Literal["text", "json"] = "text"
    # `tinker local serve --public-url`: where other machines reach this server (behind a TLS proxy or a path
    # prefix), the start of its signed file URLs; unset, they are http:// and the request's Host header
    public_url: str | None = None

    def resolved_api_keys(self) -> tuple[str, ...]:
        if self.api_keys:
            return self.api_keys
        return (stored_api_key(self.data_dir)[0],)
