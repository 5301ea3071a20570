"""Tokenizers for ``get_tokenizer()``: the local server's models offline, others through transformers."""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from .._byte_tokenizer import ByteTokenizer, names_byte_tokenizer
from .._exceptions import TinkerError

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


def _is_path(name: str) -> bool:
    """An absolute path (POSIX or Windows), as a server names a tokenizer folder on its own machine."""
    return os.path.isabs(name) or name.startswith(("/", "\\")) or bool(_WINDOWS_PATH.match(name))


@functools.lru_cache(maxsize=32)
def load_tokenizer(tokenizer_id: str | None, model_name: str | None) -> Any:
    """The tokenizer a model names. The local server's (``tinker-local/...`` names, and the folder it writes the byte
    tokenizer to, wherever that is) needs no file and no download; a folder is loaded where it exists here."""
    # a revision after a colon is dropped, as the official SDK does, but not from a Windows path's drive
    kept = tokenizer_id if tokenizer_id and _is_path(tokenizer_id) else (tokenizer_id or "").split(":")[0]
    name = kept or model_name
    if not name:
        raise TinkerError("the server named neither a tokenizer nor a model name")
    if names_byte_tokenizer(name):
        return ByteTokenizer()
    if _is_path(name) and not os.path.isdir(name):
        raise TinkerError(
            f"the server named the tokenizer folder {name!r}, which is not on this machine (a path on the server's "
            "machine?): run the client where that folder is, or copy it here"
        )
    try:
        from transformers import AutoTokenizer
    except ImportError:
        source = "a tokenizer folder" if _is_path(name) else "the Hugging Face Hub"
        raise TinkerError(
            f"the tokenizer {name!r} comes from {source}: install transformers (and, for the Hub, have network "
            "access or a cached copy) to load it"
        ) from None
    try:
        return AutoTokenizer.from_pretrained(name, use_fast=True)
    except OSError as error:
        raise TinkerError(f"cannot load the tokenizer {name!r} (offline, or not on the Hub?): {error}") from error
