"""Tokenizers for ``get_tokenizer()``: the local server's models offline, others through transformers."""

from __future__ import annotations

import functools
from typing import Any

from .._byte_tokenizer import ByteTokenizer
from .._exceptions import TinkerError

LOCAL_PREFIX = "tinker-local/"


@functools.lru_cache(maxsize=32)
def load_tokenizer(tokenizer_id: str | None, model_name: str | None) -> Any:
    """The tokenizer a model names; the local server's models (``tinker-local/...``) need no download."""
    name = (tokenizer_id or "").split(":")[0] or model_name
    if not name:
        raise TinkerError("the server named neither a tokenizer nor a model name")
    if name.startswith(LOCAL_PREFIX):
        return ByteTokenizer()
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise TinkerError(
            f"the tokenizer {name!r} comes from the Hugging Face Hub: install transformers (and have network "
            "access or a cached copy) to load it"
        ) from None
    try:
        return AutoTokenizer.from_pretrained(name, use_fast=True)
    except OSError as error:
        raise TinkerError(f"cannot load the tokenizer {name!r} (offline, or not on the Hub?): {error}") from error
