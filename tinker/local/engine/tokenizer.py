"""The local models' tokenizer: one token per UTF-8 byte plus an end-of-text token, so it needs no vocabulary file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

BYTE_TOKENIZER_ID = "tinker-local/byte"
EOS_TEXT = "<|endoftext|>"


class ByteTokenizer:
    """Ids 0..255 are the bytes themselves; 256 is ``<|endoftext|>``, the end-of-sequence token."""

    name: ClassVar[str] = BYTE_TOKENIZER_ID
    vocab_size: ClassVar[int] = 257
    eos_token_id: ClassVar[int] = 256
    special_tokens: ClassVar[Mapping[int, str]] = {256: EOS_TEXT}

    def encode(self, text: str) -> list[int]:
        """The UTF-8 bytes of ``text``; special-token text is encoded as plain bytes, never as the special id."""
        return list(text.encode("utf-8"))

    def decode(self, ids: Iterable[int]) -> str:
        """Bytes decode with ``errors="replace"``; special ids render as their text; other ids raise ValueError."""
        parts: list[str] = []
        pending = bytearray()
        for token in ids:
            token = int(token)
            if 0 <= token < 256:
                pending.append(token)
                continue
            special = self.special_tokens.get(token)
            if special is None:
                raise ValueError(f"token id {token} is outside the byte tokenizer's vocabulary [0, {self.vocab_size})")
            parts.append(pending.decode("utf-8", errors="replace"))
            pending.clear()
            parts.append(special)
        parts.append(pending.decode("utf-8", errors="replace"))
        return "".join(parts)
