"""A tiny Qwen3 with random weights and the byte tokenizer, made offline, for servers that load Hugging Face models.

Two steps in two environments, as nothing here may come from the Hub:

- ``python -m tests.interop.tiny_model tokenizer DIR`` (this project's environment) writes the byte tokenizer's
  files (``tinker.local``'s Hugging Face tokenizer folder: one id per UTF-8 byte, ``<|endoftext|>`` = 256), so the
  compat scenario's tokenizer checks hold on every server;
- ``python tests/interop/tiny_model.py weights DIR`` (a server's environment, with torch and transformers) adds
  ``config.json`` and ``model.safetensors``: a Qwen3ForCausalLM of two layers, hidden size 64, random weights from a
  fixed seed, its vocabulary the tokenizer's 257 ids padded to 320.

The folder's absolute path is then the base model's name on that server.
"""

from __future__ import annotations

import sys
from pathlib import Path

CONFIG = {
    "vocab_size": 320,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "max_position_embeddings": 1024,
    "rope_theta": 10000.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": True,
    "bos_token_id": 256,
    "eos_token_id": 256,
    "pad_token_id": 256,
    "torch_dtype": "float32",
}


def write_tokenizer(folder: Path) -> None:
    from tinker.local._hf_tokenizer import tokenizer_files

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in tokenizer_files().items():
        if name != "config.json":  # the model's config.json comes with the weights
            (folder / name).write_bytes(data)


def write_weights(folder: Path) -> None:
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(0)
    model = Qwen3ForCausalLM(Qwen3Config(**CONFIG)).to(torch.float32)
    model.save_pretrained(folder, safe_serialization=True)


if __name__ == "__main__":
    step, target = sys.argv[1], Path(sys.argv[2])
    {"tokenizer": write_tokenizer, "weights": write_weights}[step](target)
