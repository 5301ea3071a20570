"""A checkpoint's external weights over HTTP: a PEFT adapter folder behind URLs signed with the caller's key, served
with byte ranges (``tinker.local._files``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from safetensors import safe_open

import tinker
from tinker.local import LocalServer

Exported = tuple[tinker.RestClient, str, dict[str, str]]


def export(base_url: str, api_key: str, name: str, rank: int = 2, base_model: str = "tinker-local/small") -> Exported:
    """A new run's external weights saved as ``name``: a RestClient, the checkpoint's path and its files' URLs."""
    service = tinker.ServiceClient(api_key=api_key, base_url=base_url)
    training = service.create_lora_training_client(base_model, rank=rank).result()
    path = training.save_weights_external(name).result().path
    rest = tinker.RestClient(api_key=api_key, base_url=base_url)
    return rest, path, rest.get_external_weights_urls(path).result().urls


@pytest.fixture(scope="module")
def exported(tinker_server: LocalServer) -> Exported:
    return export(tinker_server.base_url, tinker_server.api_key, "files-test", rank=4)


def test_the_export_is_a_peft_adapter_folder_fetched_without_headers(exported: Exported, tmp_path: Path) -> None:
    _, _, urls = exported
    assert sorted(urls) == ["adapter_config.json", "adapter_model.safetensors"]
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
    config = httpx.get(urls["adapter_config.json"]).json()
    assert config["peft_type"] == "LORA" and config["r"] == 4 and config["task_type"] == "CAUSAL_LM"
    assert config["base_model_name_or_path"] == "tinker-local/small"
    assert {"q", "k", "v", "o"} <= set(config["target_modules"])
    file = tmp_path / "adapter_model.safetensors"
    file.write_bytes(httpx.get(urls["adapter_model.safetensors"]).content)
    with safe_open(str(file), "pt") as weights:
        names = list(weights.keys())
        assert names and all(name.startswith("base_model.model.") for name in names)
        assert all(name.endswith((".lora_A.weight", ".lora_B.weight")) for name in names)
        a = weights.get_tensor(next(name for name in names if name.endswith("lora_A.weight")))
        assert a.shape[0] == 4


def test_the_alpha_is_the_engines() -> None:
    from tinker.local._files import LORA_ALPHA
    from tinker.local.engine._lora import LORA_ALPHA as ENGINE_ALPHA

    assert LORA_ALPHA == ENGINE_ALPHA


def test_byte_ranges_resume_a_file(exported: Exported) -> None:
    url = exported[2]["adapter_model.safetensors"]
    whole = httpx.get(url)
    assert whole.headers["accept-ranges"] == "bytes" and int(whole.headers["content-length"]) == len(whole.content)
    etag = whole.headers["etag"]
    tail = httpx.get(url, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert tail.status_code == 206 and tail.content == whole.content[1000:]
    assert tail.headers["content-range"] == f"bytes 1000-{len(whole.content) - 1}/{len(whole.content)}"
    middle = httpx.get(url, headers={"Range": "bytes=8-15"})
    assert middle.status_code == 206 and middle.content == whole.content[8:16]
    changed = httpx.get(url, headers={"Range": "bytes=1000-", "If-Range": '"another"'})
    assert changed.status_code == 200 and changed.content == whole.content
    beyond = httpx.get(url, headers={"Range": f"bytes={len(whole.content)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole.content)}"
    nothing = httpx.get(url, headers={"Range": "bytes=-0"})
    assert nothing.status_code == 416 and nothing.headers["content-range"] == f"bytes */{len(whole.content)}"
    last = httpx.get(url, headers={"Range": "bytes=-8"})
    assert last.status_code == 206 and last.content == whole.content[-8:]


@pytest.mark.parametrize("header", ["bytes=5--3", "bytes=9-3", "bytes=-", "bytes=+5-", "bytes=0-1,4-5", "lines=1-2"])
def test_an_invalid_range_is_ignored(exported: Exported, header: str) -> None:
    """RFC 9110 14.2: a Range header that is not a valid single range is ignored, and the whole file is sent."""
    url = exported[2]["adapter_model.safetensors"]
    whole = httpx.get(url)
    answer = httpx.get(url, headers={"Range": header})
    assert answer.status_code == 200 and answer.content == whole.content
    assert "content-range" not in answer.headers


@pytest.mark.parametrize(
    "signature", ["\u00e9" * 64, "zz", "A" * 64, ""], ids=["non-ascii", "short", "upper-case", "empty"]
)
def test_a_signature_of_another_form_is_refused(exported: Exported, signature: str) -> None:
    """Non-ASCII text, another length or upper case: 403, not the 500 of a comparison that raises."""
    url = exported[2]["adapter_config.json"]
    query = parse_qs(urlsplit(url).query)
    forged = url.replace(f"signature={query['signature'][0]}", f"signature={quote(signature)}")
    answer = httpx.get(forged)
    assert answer.status_code == 403 and "signature" in answer.json()["detail"]


def test_a_url_is_refused_when_tampered_with_or_expired(exported: Exported, tinker_server: LocalServer) -> None:
    _, path, urls = exported
    url = urls["adapter_config.json"]
    other_file = url.replace("adapter_config.json?", "adapter_model.safetensors?")
    assert httpx.get(other_file).status_code == 403
    query = parse_qs(urlsplit(url).query)
    later = url.replace(f"expires={query['expires'][0]}", f"expires={int(query['expires'][0]) + 3600}")
    assert httpx.get(later).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403

    from tinker.local import _files

    service = tinker_server.app.state.service  # type: ignore[union-attr]
    owner = query["owner"][0]
    run_id, _, name = path.removeprefix("tinker://").split("/")
    row = {"training_run_id": run_id, "kind": "external_weights", "name": name}
    past = _files.signed_urls(tinker_server.base_url, service.keys[owner], owner, row, datetime.now(UTC) - timedelta(1))
    refused = httpx.get(past["adapter_config.json"])
    assert refused.status_code == 403 and "expired" in refused.json()["detail"]


def test_a_deleted_checkpoint_is_gone(tinker_server: LocalServer) -> None:
    rest, path, urls = export(tinker_server.base_url, tinker_server.api_key, "deleted-later")
    url = urls["adapter_config.json"]
    assert json.loads(httpx.get(url).content)["r"] == 2
    rest.delete_checkpoint_from_tinker_path(path).result()
    assert httpx.get(url).status_code == 404


def test_a_checkpoint_whose_file_is_missing_is_gone(tinker_server: LocalServer) -> None:
    """The checkpoint's row is there but its file is not (removed by hand): 410 naming the checkpoint, not a 500."""
    _, path, urls = export(tinker_server.base_url, tinker_server.api_key, "removed-by-hand")
    url = urls["adapter_model.safetensors"]
    run_id, kind, name = path.removeprefix("tinker://").split("/")
    server = tinker_server.app.state.service  # type: ignore[union-attr]
    server.checkpoint_file(run_id, kind, name).unlink()
    answer = httpx.get(url)
    assert answer.status_code == 410 and path in answer.json()["detail"]


def test_behind_a_proxy_the_urls_start_with_the_public_url(tmp_path: Path) -> None:
    """``--public-url`` (``ServerConfig.public_url``): the address clients reach the server at, not the Host the
    proxy forwarded to."""
    key = "tml-public-url"
    public = "https://tinker.example.com/lab"
    with LocalServer(tmp_path, api_keys=(key,), public_url=public) as server:
        service = tinker.ServiceClient(api_key=key, base_url=server.base_url)
        training = service.create_lora_training_client("tinker-local/tiny", rank=2).result()
        path = training.save_weights_external("proxied").result().path
        rest = tinker.RestClient(api_key=key, base_url=server.base_url)
        urls = rest.get_external_weights_urls(path).result().urls
        local = {name: server.base_url.rstrip("/") + url.removeprefix(public) for name, url in urls.items()}
        assert all(url.startswith(public + "/files/checkpoints/") for url in urls.values())
        assert httpx.get(local["adapter_config.json"]).json()["peft_type"] == "LORA"  # what the proxy passes on
        service.close("success").result()


def test_the_public_url_must_be_an_http_url() -> None:
    from click.testing import CliRunner

    from tinker.cli import cli

    result = CliRunner().invoke(cli, ["local", "serve", "--public-url", "ftp://host/x", "--port", "0"])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output
