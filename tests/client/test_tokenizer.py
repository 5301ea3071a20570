"""``get_tokenizer()`` on the local server's tokenizer ids: the byte tokenizer with no file, no download and no
transformers, whatever form the id takes (the folder the server names by absolute path, on this machine or not);
and clear errors for folders that are not here."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tinker
from tinker._byte_tokenizer import ByteTokenizer, names_byte_tokenizer
from tinker._exceptions import TinkerError
from tinker.lib._tokenizer import load_tokenizer, tokenizer_name


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    load_tokenizer.cache_clear()
    yield
    load_tokenizer.cache_clear()


@pytest.fixture
def no_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import transformers`` fails, as where it is not installed."""
    monkeypatch.setitem(sys.modules, "transformers", None)


@pytest.mark.parametrize(
    "tokenizer_id",
    [
        "tinker-local/byte",
        "tinker-local/byte:some-revision",
        "/var/lib/tinker-local/tokenizers/tinker-local/byte",
        "/var/lib/tinker-local/tokenizers/tinker-local/byte/",
        "C:\\Users\\me\\AppData\\Local\\tinker-local\\tokenizers\\tinker-local\\byte",
    ],
)
def test_the_byte_tokenizer_in_any_form_needs_nothing(tokenizer_id: str, no_transformers: None) -> None:
    assert names_byte_tokenizer(tokenizer_id)
    assert isinstance(load_tokenizer(tokenizer_id, "tinker-local/tiny"), ByteTokenizer)


def test_a_local_model_name_alone_gives_the_byte_tokenizer(no_transformers: None) -> None:
    assert isinstance(load_tokenizer(None, "tinker-local/small"), ByteTokenizer)


@pytest.mark.parametrize("name", ["Qwen/Qwen3-8B", "/srv/tokenizers/byte", "/srv/tinker-local/other", "byte"])
def test_other_names_are_not_the_byte_tokenizer(name: str) -> None:
    assert not names_byte_tokenizer(name)


@pytest.mark.parametrize(
    ("tokenizer_id", "model_name", "expected"),
    [
        ("Qwen/Qwen3-8B", "Qwen/Qwen3-8B:base", "Qwen/Qwen3-8B"),
        ("org/tok:rev", "org/model", "org/tok:rev"),  # 0.38 keeps the server's tokenizer id as it is
        (None, "Qwen/Qwen3-8B:base", "Qwen/Qwen3-8B"),  # and cuts the model name at its colon
        (None, "meta-llama/Llama-3.1-8B", "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer"),
        (None, "org/model/variant", "org/model"),
        ("", "tinker-local/tiny", "tinker-local/tiny"),
    ],
)
def test_the_tokenizer_is_picked_as_0_38_picks_it(tokenizer_id: str | None, model_name: str, expected: str) -> None:
    assert tokenizer_name(tokenizer_id, model_name) == expected


def test_thinking_machines_tokenizers_are_refused_clearly() -> None:
    with pytest.raises(TinkerError, match="tml_tokenizers"):
        load_tokenizer("TML/some-tokenizer", "TML/model")


def test_a_folder_that_is_not_on_this_machine_is_named_in_the_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "elsewhere" / "tokenizers" / "llama")
    with pytest.raises(TinkerError, match="not on this machine") as raised:
        load_tokenizer(missing, "some/model")
    assert missing in str(raised.value)


def test_a_hub_tokenizer_without_transformers_says_what_to_install(no_transformers: None) -> None:
    with pytest.raises(TinkerError, match="Hugging Face Hub: install transformers"):
        load_tokenizer("Qwen/Qwen3-8B:rev", "Qwen/Qwen3-8B")


def test_a_folder_here_without_transformers_says_what_to_install(tmp_path: Path, no_transformers: None) -> None:
    with pytest.raises(TinkerError, match="tokenizer folder: install transformers"):
        load_tokenizer(str(tmp_path), "some/model")


def test_a_folder_here_loads_with_transformers(tmp_path: Path) -> None:
    """A folder that is not the byte tokenizer's goes to transformers: here the server's files under another name."""
    auto = pytest.importorskip("transformers").AutoTokenizer
    from tinker.local._hf_tokenizer import tokenizer_files
    from tinker.local._tokenizer_publish import write_folder

    write_folder(tmp_path / "my-tokenizer", tokenizer_files())
    loaded = load_tokenizer(str(tmp_path / "my-tokenizer"), "some/model")
    assert isinstance(loaded, type(auto.from_pretrained(str(tmp_path / "my-tokenizer"))))
    assert loaded.encode("hé") == [104, 195, 169]


def test_get_tokenizer_against_the_local_server_needs_no_transformers(
    training: tinker.TrainingClient, no_transformers: None
) -> None:
    assert isinstance(training.get_tokenizer(), ByteTokenizer)
