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


_LLAMA_3_TOKENIZER = "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer"
"""What the official SDK loads for meta-llama/Llama-3* models, whose own repositories are gated."""

_REMOTE_CODE_REVISIONS: dict[str, tuple[str, str]] = {
    "moonshotai/Kimi-K2-Thinking": ("moonshotai/Kimi-K2-Thinking", "612681931a8c906ddb349f8ad0f582cb552189cd"),
    "moonshotai/Kimi-K2.5-Text-Only": ("moonshotai/Kimi-K2.5", "4d01dfe0332d63057c186e0b262165819efb6611"),
    "moonshotai/Kimi-K2.5": ("moonshotai/Kimi-K2.5", "4d01dfe0332d63057c186e0b262165819efb6611"),
    "moonshotai/Kimi-K2.6": ("moonshotai/Kimi-K2.6", "b5aabbfb20227ed42becbf5541dbffd213942c58"),
}
"""Tokenizers whose code lives in their repository: the repository and the revision the official SDK trusts."""


def tokenizer_name(tokenizer_id: str | None, model_name: str | None) -> str:
    """The tokenizer to load, as the official 0.38 SDK picks it: the server's ``tokenizer_id`` as given, else the
    model's name without its ``:`` suffix, with 0.38's two rules (the Llama 3 tokenizer for gated Llama 3 models,
    ``org/model`` for an ``org/model/variant`` deployment)."""
    if tokenizer_id:
        return tokenizer_id
    model = (model_name or "").split(":")[0]
    if not model:
        raise TinkerError("the server named neither a tokenizer nor a model name")
    if model.startswith("meta-llama/Llama-3"):
        return _LLAMA_3_TOKENIZER
    if model.count("/") == 2:
        return "/".join(model.split("/")[:2])
    return model


@functools.lru_cache(maxsize=32)
def load_tokenizer(tokenizer_id: str | None, model_name: str | None) -> Any:
    """The tokenizer a model names. The local server's (``tinker-local/...`` names, and the folder it writes the byte
    tokenizer to, wherever that is) needs no file and no download; a folder is loaded where it exists here."""
    name = tokenizer_name(tokenizer_id, model_name)
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
    if name.startswith(("TML/", "thinkingmachines/")):
        raise TinkerError(
            f"the tokenizer {name!r} is Thinking Machines' own, which transformers cannot load: the official SDK "
            "loads it with the tml_tokenizers package"
        )
    repository, revision = _REMOTE_CODE_REVISIONS.get(name, (name, None))
    options: dict[str, Any] = {"trust_remote_code": True, "revision": revision} if revision else {}
    try:
        return AutoTokenizer.from_pretrained(repository, use_fast=True, **options)
    except OSError as error:
        raise TinkerError(f"cannot load the tokenizer {name!r} (offline, or not on the Hub?): {error}") from error
