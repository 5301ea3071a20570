"""What both recipe drivers share: the byte tokenizer registered under the model's name, and run settings.

The drivers run inside a cookbook environment (official tinker or this SDK) as plain scripts, so this module
imports only the cookbook and the standard library; it never imports this project's ``tinker`` internals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinker_cookbook.tokenizer_utils import register_tokenizer

EOS_ID = 256
EOS_TEXT = "<|endoftext|>"


class ByteTokenizer:
    """The local models' vocabulary (ids 0-255 are bytes, 256 ends the text), with the transformers methods the
    cookbook calls; registered with ``register_tokenizer``, the cookbook's way to use a tokenizer not on the Hub."""

    name_or_path = "tinker-local/byte"
    vocab_size = 257
    eos_token_id = EOS_ID
    eos_token = EOS_TEXT
    bos_token: str | None = None
    bos_token_id: int | None = None
    pad_token_id: int | None = None

    def encode(self, text: str, add_special_tokens: bool = False, **_: Any) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, token_ids: Iterable[int], skip_special_tokens: bool = False, **_: Any) -> str:
        parts: list[str] = []
        pending = bytearray()
        for token in (int(t) for t in token_ids):
            if token < 256:
                pending.append(token)
                continue
            parts.append(pending.decode("utf-8", errors="replace"))
            pending.clear()
            if not skip_special_tokens:
                parts.append(EOS_TEXT)
        parts.append(pending.decode("utf-8", errors="replace"))
        return "".join(parts)

    def __len__(self) -> int:
        return self.vocab_size


def register_byte_tokenizer(model_name: str) -> None:
    """``get_tokenizer(model_name)`` then returns the byte tokenizer instead of asking the Hub."""
    register_tokenizer(model_name, ByteTokenizer)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")
