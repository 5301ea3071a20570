"""The byte tokenizer as a Hugging Face tokenizer folder, so that transformers loads it with no download.

The official SDK's ``get_tokenizer()`` hands the server's tokenizer id to ``AutoTokenizer.from_pretrained``; these
files make that id load a fast tokenizer that gives the same ids, special tokens and decoded text as
:class:`~tinker._byte_tokenizer.ByteTokenizer`. They are written as plain JSON (the ``tokenizers`` library's
documented ``tokenizer.json`` format), so the server needs neither ``tokenizers`` nor ``transformers``.

How the pieces give the byte tokenizer: the byte-level pre-tokenizer maps each UTF-8 byte of the text to one
printable character (GPT-2's byte-to-character table), and a BPE model with no merges maps each such character to
the byte's value as its id; the byte-level decoder maps back and decodes UTF-8 with replacement characters, as
``ByteTokenizer.decode`` does. ``<|endoftext|>`` is the one added special token (id 256); ``split_special_tokens``
makes its text encode as plain bytes, as ``ByteTokenizer.encode`` does, and no post-processor adds tokens.
"""

from __future__ import annotations

import json
from typing import Any

from tinker._byte_tokenizer import ByteTokenizer

TOKENIZER_CLASS = "PreTrainedTokenizerFast"
_BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}


def byte_to_character() -> dict[int, str]:
    """GPT-2's table from each byte to a printable character, the one the byte-level pre-tokenizer and decoder use:
    printable Latin-1 bytes stand for themselves, the other 68 bytes for the characters from U+0100 on, in order."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    others = [byte for byte in range(256) if byte not in printable]
    table = {byte: chr(byte) for byte in printable}
    table.update({byte: chr(0x100 + index) for index, byte in enumerate(others)})
    return table


def _special_tokens() -> list[dict[str, Any]]:
    return [
        {
            "id": token_id,
            "content": text,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for token_id, text in sorted(ByteTokenizer.special_tokens.items())
    ]


def tokenizer_json() -> dict[str, Any]:
    """The ``tokenizer.json`` of the byte tokenizer."""
    vocab = {character: byte for byte, character in sorted(byte_to_character().items())}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": _special_tokens(),
        "normalizer": None,
        "pre_tokenizer": _BYTE_LEVEL,
        "post_processor": None,
        "decoder": _BYTE_LEVEL,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [],
        },
    }


def tokenizer_config() -> dict[str, Any]:
    """``tokenizer_config.json``: the class to build, the EOS token, and no clean-up of spaces on decode."""
    return {
        "tokenizer_class": TOKENIZER_CLASS,
        "eos_token": ByteTokenizer.eos_token,
        "added_tokens_decoder": {
            str(token["id"]): {key: value for key, value in token.items() if key != "id"} for token in _special_tokens()
        },
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": True,
    }


def model_config() -> dict[str, Any]:
    """A minimal ``config.json``: transformers reads one before the tokenizer's files when it loads by repository
    id from its cache, and a cached repository without it does not load offline."""
    return {
        "tokenizer_class": TOKENIZER_CLASS,
        "vocab_size": ByteTokenizer.vocab_size,
        "eos_token_id": ByteTokenizer.eos_token_id,
    }


def tokenizer_files() -> dict[str, bytes]:
    """Every file of the folder, by name."""
    contents = {
        "tokenizer.json": tokenizer_json(),
        "tokenizer_config.json": tokenizer_config(),
        "special_tokens_map.json": {"eos_token": ByteTokenizer.eos_token},
        "config.json": model_config(),
    }
    return {name: (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode() for name, value in contents.items()}
