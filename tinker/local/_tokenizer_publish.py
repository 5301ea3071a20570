"""Where the server writes its tokenizer folder, so that the official SDK's ``get_tokenizer()`` works offline.

That SDK loads a tokenizer with ``transformers.AutoTokenizer.from_pretrained``, by one of two names:

- a training client passes ``get_info``'s ``model_data.tokenizer_id``: the server answers the absolute path of a
  folder in its data directory (``<data dir>/tokenizers/tinker-local/byte``), which transformers loads as it is;
- a sampling client knows only the base model's name (``tinker-local/tiny``), which transformers looks up in the
  Hugging Face hub cache: the server writes an entry there for each model name (and for ``tinker-local/byte``),
  laid out as the hub's downloads are (``models--tinker-local--tiny/refs/main`` naming a snapshot folder).
  transformers reads it with ``HF_HUB_OFFLINE=1``; without that it asks the Hub first, and a Hub that answers
  refuses a repository it does not have (an unreachable one falls back to the cache, after its retries).

This SDK needs neither: its ``get_tokenizer()`` recognises these names (``names_byte_tokenizer``) and returns the
byte tokenizer itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from tinker._byte_tokenizer import BYTE_TOKENIZER_ID

from ._hf_tokenizer import tokenizer_files

log = logging.getLogger("tinker.local")

TOKENIZERS_DIR = "tokenizers"
HUB_CACHE_MARKER = ".tinker-local"
"""The file that marks a hub cache repository as this server's, so that it never writes over a real download."""


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename, so that a reader (or another server) never sees half a file."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        _write_if_changed(folder / name, data)


def snapshot_hash(files: Mapping[str, bytes]) -> str:
    """A 40-hex-digit name for the snapshot, from its contents: the same files give the same snapshot."""
    digest = hashlib.sha1(usedforsecurity=False)
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def write_hub_cache_entry(hub_cache: Path, repo_id: str, files: Mapping[str, bytes]) -> Path:
    """A model repository in the hub cache's layout, its ``main`` branch at a snapshot of ``files`` (plain files,
    as the hub's own cache keeps them where it cannot make symbolic links); gives the snapshot folder.

    A repository this server did not write (no marker file: something downloaded under that name) is left alone:
    FileExistsError.
    """
    repository = hub_cache / ("models--" + repo_id.replace("/", "--"))
    marker = repository / HUB_CACHE_MARKER
    if repository.exists() and not marker.is_file():
        raise FileExistsError(f"{repository} holds a repository this server did not write")
    _write_if_changed(marker, b"written by tinker.local: the byte tokenizer, published under this model name\n")
    revision = snapshot_hash(files)
    snapshot = repository / "snapshots" / revision
    write_folder(snapshot, files)
    _write_if_changed(repository / "refs" / "main", revision.encode())
    return snapshot


def tokenizer_folder(data_dir: Path) -> Path:
    """The byte tokenizer's folder in the data dir; its path ends in ``tinker-local/byte`` so that clients know it."""
    return Path(os.path.abspath(data_dir)).joinpath(TOKENIZERS_DIR, *BYTE_TOKENIZER_ID.split("/"))


def publish_tokenizer(data_dir: Path, hub_cache: Path | None, model_names: Iterable[str]) -> str:
    """Write the folder into the data dir, and the hub cache entries when ``hub_cache`` is set; gives the tokenizer
    id to answer. A hub cache that cannot be written (read-only, full) is logged and skipped: only the official SDK's
    ``SamplingClient.get_tokenizer`` needs it."""
    files = tokenizer_files()
    folder = tokenizer_folder(data_dir)
    write_folder(folder, files)
    if hub_cache is not None:
        for repo_id in dict.fromkeys([BYTE_TOKENIZER_ID, *model_names]):
            try:
                write_hub_cache_entry(hub_cache, repo_id, files)
            except OSError as error:  # FileExistsError included: a real download under that name stays as it is
                log.warning("cannot write the tokenizer of %s into the hub cache %s: %s", repo_id, hub_cache, error)
    return str(folder)
