"""The local models' tokenizer: one token per UTF-8 byte plus an end-of-text token, so it needs no vocabulary file.

The local server's engine uses it, and ``get_tokenizer()`` returns it for the ``tinker-local/`` models; it
imports nothing, so both sides can share it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

BYTE_TOKENIZER_ID = "tinker-local/byte"
LOCAL_PREFIX = "tinker-local/"
EOS_TEXT = "<|endoftext|>"


def names_byte_tokenizer(tokenizer_id: str) -> bool:
    """Whether a tokenizer id (or a model name) means this tokenizer, so that a client needs no file for it.

    True for ``tinker-local/...`` names and for the folder the local server writes the tokenizer to, whose path
    ends in ``tinker-local/byte`` (in either separator): the path need not exist on the client's machine.
    """
    if tokenizer_id.startswith(LOCAL_PREFIX):
        return True
    parts = tokenizer_id.replace("\\", "/").rstrip("/").split("/")
    return len(parts) > 2 and parts[-2:] == BYTE_TOKENIZER_ID.split("/")


class ByteTokenizer:
    """Ids 0..255 are the bytes themselves; 256 is ``<|endoftext|>``, the end-of-sequence token."""

    name: ClassVar[str] = BYTE_TOKENIZER_ID
    name_or_path: ClassVar[str] = BYTE_TOKENIZER_ID
    vocab_size: ClassVar[int] = 257
    eos_token_id: ClassVar[int] = 256
    eos_token: ClassVar[str] = EOS_TEXT
    bos_token_id: ClassVar[int | None] = None
    special_tokens: ClassVar[Mapping[int, str]] = {256: EOS_TEXT}

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """The UTF-8 bytes of ``text``; special-token text is encoded as plain bytes, never as the special id.

        ``add_special_tokens`` is accepted for the transformers signature; there is no BOS token to add.
        """
        return list(text.encode("utf-8"))

    def stream_decoder(self) -> Callable[[int], str]:
        """Decodes one token at a time, each call giving the text that token completes ("" mid-character)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

        def decode(token: int) -> str:
            if 0 <= token < 256:
                return decoder.decode(bytes([token]))
            return decoder.decode(b"", final=True) + self.decode([token])

        return decode

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """Bytes decode with ``errors="replace"``; special ids render as their text, or, when skipped, vanish
        as if absent (the bytes around them decode as one run, as transformers does); other ids raise ValueError."""
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
            if skip_special_tokens:
                continue
            parts.append(pending.decode("utf-8", errors="replace"))
            pending.clear()
            parts.append(special)
        parts.append(pending.decode("utf-8", errors="replace"))
        return "".join(parts)
