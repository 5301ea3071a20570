"""The tokenizer the server writes for transformers (``tinker/local/_tokenizer_publish.py``): the folder that
get_info names by absolute path, the hub cache entries under each model name, and that transformers loads both as
the byte tokenizer itself (same ids, special tokens and decoded text). The transformers checks are skipped where
it is not installed; the files' own checks run everywhere."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tinker._byte_tokenizer import BYTE_TOKENIZER_ID, ByteTokenizer
from tinker.local import LocalServer, ServerConfig
from tinker.local._config import NO_HUB_CACHE, default_hf_hub_cache, hub_cache_setting
from tinker.local._hf_tokenizer import byte_to_character, tokenizer_files, tokenizer_json
from tinker.local._tokenizer_publish import (
    publish_tokenizer,
    tokenizer_folder,
    write_hub_cache_entry,
)
from tinker.local.engine._registry import MODELS

from .helpers import TINY, Api

BYTE = ByteTokenizer()
TEXTS = [
    "",
    "hi",
    " hello  world . , ! ?",
    "héllo wörld ✓ 🎉 日本語",
    "a<|endoftext|>b",
    "<|endoftext|>",
    "\n\t\r x \x00\x7f\x80",
    "  leading and trailing  ",
    "don't 'quote' \"me\"",
]


def _random_texts(count: int) -> list[str]:
    """Strings from ASCII, Latin-1, CJK and emoji ranges (no lone surrogates, which UTF-8 cannot encode)."""
    rng = random.Random(7)
    ranges = [(0, 0x7F), (0x80, 0x2FF), (0x3040, 0x30FF), (0x4E00, 0x4EFF), (0x1F300, 0x1F5FF)]
    texts = []
    for _ in range(count):
        characters = [chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 24))]
        texts.append("".join(characters))
    return texts


def _random_ids(count: int) -> list[list[int]]:
    """Token sequences mixing EOS with bytes that break UTF-8 (lone lead and continuation bytes)."""
    rng = random.Random(11)
    pool = [*range(256), 256, 256, 256, 0xC3, 0xE2, 0x82, 0xF0, 0x9F, 0xBF]
    return [[rng.choice(pool) for _ in range(rng.randint(0, 20))] for _ in range(count)]


@pytest.fixture(scope="module")
def auto_tokenizer() -> Any:
    return pytest.importorskip("transformers").AutoTokenizer


# --- the files -------------------------------------------------------------------------------------------------
def test_tokenizer_json_maps_each_byte_to_its_own_id() -> None:
    document = tokenizer_json()
    vocab = document["model"]["vocab"]
    assert sorted(vocab.values()) == list(range(256)) and document["model"]["merges"] == []
    assert all(vocab[character] == byte for byte, character in byte_to_character().items())
    assert all(character.isprintable() and not character.isspace() for character in vocab)
    [eos] = document["added_tokens"]
    assert (eos["id"], eos["content"], eos["special"]) == (BYTE.eos_token_id, BYTE.eos_token, True)
    assert document["post_processor"] is None  # nothing is added to an encoded text


def test_every_file_is_json_and_names_the_eos_token() -> None:
    files = {name: json.loads(data) for name, data in tokenizer_files().items()}
    assert set(files) == {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json"}
    assert files["tokenizer_config.json"]["eos_token"] == "<|endoftext|>"
    assert files["special_tokens_map.json"] == {"eos_token": "<|endoftext|>"}
    assert files["tokenizer_config.json"]["clean_up_tokenization_spaces"] is False
    assert files["config.json"]["eos_token_id"] == 256 and files["config.json"]["vocab_size"] == 257


# --- where the server writes them ------------------------------------------------------------------------------
def test_get_info_names_the_folder_the_server_wrote(api: Api, data_dir: Path) -> None:
    session = api.session()
    model_id = api.model(session, seq=1, rank=4)
    tokenizer_id = api.ok(api.post("get_info", {"model_id": model_id}))["model_data"]["tokenizer_id"]
    folder = Path(tokenizer_id)
    assert folder.is_absolute() and folder == data_dir / "tokenizers" / "tinker-local" / "byte"
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == tokenizer_files()


def test_the_server_publishes_each_model_name_in_the_hub_cache(server: LocalServer) -> None:
    hub_cache = server.config.hf_hub_cache
    assert hub_cache is not None
    for repo_id in [BYTE_TOKENIZER_ID, *MODELS]:
        repository = hub_cache / f"models--{repo_id.replace('/', '--')}"
        revision = (repository / "refs" / "main").read_text()
        snapshot = repository / "snapshots" / revision
        assert {path.name: path.read_bytes() for path in snapshot.iterdir()} == tokenizer_files()


def test_publishing_again_rewrites_nothing(tmp_path: Path) -> None:
    publish_tokenizer(tmp_path / "data", tmp_path / "hub", [TINY])
    written = sorted((tmp_path).rglob("*"))
    times = [path.stat().st_mtime_ns for path in written]
    publish_tokenizer(tmp_path / "data", tmp_path / "hub", [TINY])
    assert sorted(tmp_path.rglob("*")) == written
    assert [path.stat().st_mtime_ns for path in written] == times


def test_a_hub_cache_that_cannot_be_written_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING, logger="tinker.local"):
        tokenizer_id = publish_tokenizer(tmp_path / "data", blocked, [TINY])
    assert Path(tokenizer_id) == tokenizer_folder(tmp_path / "data") and Path(tokenizer_id).is_dir()
    assert "cannot write the tokenizer of tinker-local/tiny into the hub cache" in caplog.text


def test_a_repository_the_server_did_not_write_is_left_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    downloaded = tmp_path / "hub" / "models--tinker-local--tiny"
    (downloaded / "refs").mkdir(parents=True)
    (downloaded / "refs" / "main").write_text("0" * 40)
    with caplog.at_level(logging.WARNING, logger="tinker.local"):
        publish_tokenizer(tmp_path / "data", tmp_path / "hub", [TINY])
    assert (downloaded / "refs" / "main").read_text() == "0" * 40 and not (downloaded / "snapshots").exists()
    assert "did not write" in caplog.text
    assert (tmp_path / "hub" / "models--tinker-local--byte" / ".tinker-local").is_file()


def test_a_server_leaves_the_hub_cache_alone_unless_told(tmp_path: Path) -> None:
    assert ServerConfig().hf_hub_cache is None
    with LocalServer(tmp_path / "data"):
        pass
    assert [path.name for path in tmp_path.iterdir()] == ["data"]


def test_no_hub_cache_writes_the_data_dir_only(tmp_path: Path) -> None:
    publish_tokenizer(tmp_path / "data", None, [TINY])
    assert [path.name for path in tmp_path.iterdir()] == ["data"]


def test_a_relative_data_dir_gives_an_absolute_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert tokenizer_folder(Path("data")) == tmp_path / "data" / "tokenizers" / "tinker-local" / "byte"


def test_the_hf_hub_cache_option() -> None:
    assert hub_cache_setting(None) == default_hf_hub_cache()
    assert hub_cache_setting(NO_HUB_CACHE) is None
    assert hub_cache_setting("/some/cache") == Path("/some/cache")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"HF_HOME": "/h/hf-home"},
        {"XDG_CACHE_HOME": "/h/xdg"},
        {"HUGGINGFACE_HUB_CACHE": "/h/legacy", "HF_HOME": "/h/hf-home"},
        {"HF_HUB_CACHE": "/h/hub", "HUGGINGFACE_HUB_CACHE": "/h/legacy"},
    ],
)
def test_the_default_hub_cache_is_huggingface_hubs(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("huggingface_hub")
    names = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    script = "import huggingface_hub.constants as c; print(c.HF_HUB_CACHE)"
    theirs = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert default_hf_hub_cache() == Path(theirs)


def test_a_server_in_a_child_process_publishes_where_it_is_told(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "data", subprocess=True, hf_hub_cache=tmp_path / "hub"):
        assert (tmp_path / "hub" / "models--tinker-local--tiny" / "refs" / "main").is_file()
    with LocalServer(tmp_path / "other", subprocess=True, hf_hub_cache=None):
        assert (tmp_path / "other" / "tokenizers" / "tinker-local" / "byte" / "tokenizer.json").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "hub", "other"]


# --- what transformers makes of them ----------------------------------------------------------------------------
def _check_same_as_byte_tokenizer(tokenizer: Any) -> None:
    assert (tokenizer.eos_token, tokenizer.eos_token_id, tokenizer.bos_token_id) == ("<|endoftext|>", 256, None)
    assert len(tokenizer) == BYTE.vocab_size
    assert tokenizer.convert_ids_to_tokens([256]) == ["<|endoftext|>"]
    for text in TEXTS + _random_texts(300):
        ids = tokenizer.encode(text)
        assert ids == BYTE.encode(text), text
        assert tokenizer(text)["input_ids"] == ids
        assert tokenizer.decode(ids) == text
    for ids in _random_ids(1500):
        for skip in (False, True):
            assert tokenizer.decode(ids, skip_special_tokens=skip) == BYTE.decode(ids, skip_special_tokens=skip), ids


def test_transformers_loads_the_folder_as_the_byte_tokenizer(auto_tokenizer: Any, tmp_path: Path) -> None:
    folder = Path(publish_tokenizer(tmp_path / "data", None, []))
    _check_same_as_byte_tokenizer(auto_tokenizer.from_pretrained(str(folder), fast=True))


@pytest.mark.parametrize("repo_id", [TINY, "tinker-local/small", BYTE_TOKENIZER_ID])
def test_transformers_loads_a_model_name_from_the_hub_cache(auto_tokenizer: Any, tmp_path: Path, repo_id: str) -> None:
    write_hub_cache_entry(tmp_path / "hub", repo_id, tokenizer_files())
    loaded = auto_tokenizer.from_pretrained(repo_id, cache_dir=tmp_path / "hub", local_files_only=True)
    _check_same_as_byte_tokenizer(loaded)


def test_transformers_offline_finds_a_model_name_in_the_default_cache(auto_tokenizer: Any, tmp_path: Path) -> None:
    """As the official SDK's SamplingClient.get_tokenizer asks: by model name alone, offline, from the cache that
    HF_HUB_CACHE names (read when huggingface_hub is imported, hence a child process)."""
    publish_tokenizer(tmp_path / "data", tmp_path / "hub", [TINY])
    script = (
        "from transformers import AutoTokenizer\n"
        f"tokenizer = AutoTokenizer.from_pretrained({TINY!r}, fast=True)\n"
        "print(tokenizer.encode('hé<|endoftext|>'), tokenizer.eos_token_id)\n"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[0] == f"{BYTE.encode('hé<|endoftext|>')} 256"
