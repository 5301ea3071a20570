"""``tinker checkpoint download`` (interrupted halfway and resumed, a hostile file name refused, a training
checkpoint exported first) and ``tinker checkpoint push-hf`` at the HfApi boundary, against the local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from safetensors import safe_open

import tinker
from tinker.cli import _download, _hub, main
from tinker.local import LocalServer


@pytest.fixture(scope="module")
def paths(tinker_server: LocalServer) -> dict[str, str]:
    service = tinker.ServiceClient(api_key=tinker_server.api_key, base_url=tinker_server.base_url)
    training = service.create_lora_training_client("tinker-local/small", rank=8).result()
    found = {
        "external": training.save_weights_external("dl-ext").result().path,
        "state": training.save_state("dl-state").result().path,
    }
    service.close("success").result()
    return found


@pytest.fixture
def cli(
    tinker_server: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Any:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--base-url", tinker_server.base_url, "--api-key", tinker_server.api_key, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


class Recording(httpx.BaseTransport):
    """The real transport, recording each request's headers; ``cut_after`` bytes of the adapter file, then the
    connection drops."""

    def __init__(self, cut_after: int | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.cut_after = cut_after
        self.requests: list[tuple[str, dict[str, str]]] = []

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path.rsplit("/", 1)[-1], dict(request.headers)))
        response = self.inner.handle_request(request)
        if self.cut_after is None or not request.url.path.endswith("adapter_model.safetensors"):
            return response
        return httpx.Response(
            response.status_code, headers=response.headers, stream=_Cut(response.stream, self.cut_after)
        )


class _Cut(httpx.SyncByteStream):
    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.limit = stream, limit

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self.stream:
            piece = chunk[: self.limit - sent]
            sent += len(piece)
            yield piece
            if sent >= self.limit:
                raise httpx.ReadError("connection dropped (test)")

    def close(self) -> None:
        self.stream.close()


def _use(monkeypatch: pytest.MonkeyPatch, transport: Recording) -> None:
    monkeypatch.setattr(_download, "http_client", lambda: httpx.Client(transport=transport))


def test_an_interrupted_download_resumes_where_it_stopped(
    cli: Any, paths: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tinker_server: LocalServer
) -> None:
    rest = tinker.RestClient(api_key=tinker_server.api_key, base_url=tinker_server.base_url)
    whole = httpx.get(rest.get_external_weights_urls(paths["external"]).result().urls["adapter_model.safetensors"])
    half = len(whole.content) // 2
    target = tmp_path / paths["external"].removeprefix("tinker://").replace("/", "_")

    _use(monkeypatch, Recording(cut_after=half))
    code, out, err = cli("checkpoint", "download", paths["external"])
    assert code == 1 and out == "" and "interrupted" in err and "run the same command again to resume" in err
    part = target / "adapter_model.safetensors.part"
    assert part.stat().st_size == half and (target / "adapter_config.json").exists()

    resumed = Recording()
    _use(monkeypatch, resumed)
    code, out, err = cli("-f", "json", "checkpoint", "download", paths["external"])
    assert code == 0, err
    assert json.loads(out)["destination"] == str(target)
    asked = dict(resumed.requests)
    assert asked["adapter_model.safetensors"]["range"] == f"bytes={half}-"
    assert asked["adapter_model.safetensors"]["if-range"] == whole.headers["etag"]
    assert "adapter_config.json" not in asked  # finished the first time
    assert (target / "adapter_model.safetensors").read_bytes() == whole.content
    assert sorted(p.name for p in target.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]

    code, _, err = cli("checkpoint", "download", paths["external"])
    assert code == 1 and "already exists" in err and "--force" in err
    assert cli("checkpoint", "download", paths["external"], "--force")[0] == 0


@pytest.mark.parametrize("name", ["../escaped.bin", "/tmp/absolute.bin", "sub/../../escaped.bin"])
def test_a_file_name_outside_the_folder_is_refused(
    cli: Any, paths: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    hostile = tinker.types.ExternalWeightsUrlsResponse(
        urls={"adapter_config.json": "http://127.0.0.1:9/a", name: "http://127.0.0.1:9/b"},
        expires=datetime.now(UTC) + timedelta(hours=1),
    )
    monkeypatch.setattr(tinker.RestClient, "get_external_weights_urls", lambda self, path: _done(hostile), raising=True)
    code, out, err = cli("checkpoint", "download", paths["external"], "-o", str(tmp_path / "out"))
    assert code == 1 and out == "" and "Unsafe file path in checkpoint" in err and name in err
    assert not (tmp_path / "escaped.bin").exists() and not Path("/tmp/absolute.bin").exists()
    folder = next((tmp_path / "out").iterdir())
    assert [p.name for p in folder.iterdir()] == [_download.MARKER]  # nothing fetched


def _done(value: Any) -> Any:
    from concurrent.futures import Future

    future: Future[Any] = Future()
    future.set_result(value)
    return future


def test_a_training_checkpoint_is_exported_then_downloaded(
    cli: Any, paths: dict[str, str], tmp_path: Path, tinker_server: LocalServer
) -> None:
    code, out, err = cli("checkpoint", "download", paths["state"], "-o", "models")
    assert code == 0, err
    assert "Exporting" in err and "Downloaded to" in out
    folder = tmp_path / "models" / paths["state"].removeprefix("tinker://").replace("/", "_")
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["r"] == 8 and config["base_model_name_or_path"] == "tinker-local/small"
    with safe_open(str(folder / "adapter_model.safetensors"), "pt") as weights:
        assert all(name.startswith("base_model.model.") for name in weights.keys())  # noqa: SIM118
    rest = tinker.RestClient(api_key=tinker_server.api_key, base_url=tinker_server.base_url)
    # the temporary export (in a training run of its own) is gone again
    assert not [
        c for c in rest.list_user_checkpoints(limit=1000).result().checkpoints if c.checkpoint_id.endswith("/download")
    ]


class HubRecorder:
    """HfApi as push-hf uses it, recording what it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploaded: dict[str, bytes] = {}

    def whoami(self) -> dict[str, str]:
        self.calls.append(("whoami", {}))
        return {"name": "tester"}

    def create_repo(self, **kwargs: Any) -> None:
        self.calls.append(("create_repo", kwargs))

    def upload_folder(self, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", kwargs))
        folder = Path(kwargs["folder_path"])
        self.uploaded = {p.name: p.read_bytes() for p in folder.iterdir()}


def test_push_hf_uploads_the_adapter_folder(cli: Any, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    hub = HubRecorder()

    def no_readme(**kwargs: Any) -> str:
        raise FileNotFoundError("no README.md in a new repository")

    monkeypatch.setattr(_hub, "hub", lambda: (hub, no_readme))
    code, out, err = cli("-f", "json", "checkpoint", "push-hf", paths["state"])
    assert code == 0, err
    run_id = paths["state"].removeprefix("tinker://").split("/")[0]
    expected_repo = _hub.repo_name(f"tinker-small-{run_id}")
    assert json.loads(out) == {
        "checkpoint_path": paths["state"],
        "repo_id": expected_repo,
        "public": False,
        "revision": "weights-dl-state",
    }
    names = [name for name, _ in hub.calls]
    assert names == ["whoami", "create_repo", "upload_folder"]
    assert hub.calls[1][1] == {"repo_id": expected_repo, "private": True, "exist_ok": True}
    upload = hub.calls[2][1]
    assert upload["revision"] == "weights-dl-state" and upload["ignore_patterns"] == ["checkpoint_complete"]
    assert sorted(hub.uploaded) == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    card = hub.uploaded["README.md"].decode()
    assert f"tinker_path: {paths['state']}" in card and "base_model: tinker-local/small" in card
    assert "- LoRA rank: 8" in card
    assert json.loads(hub.uploaded["adapter_config.json"])["base_model_name_or_path"] == "tinker-local/small"


def test_push_hf_refuses_a_repo_holding_another_checkpoint(
    cli: Any, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hub = HubRecorder()
    readme = tmp_path / "README.md"
    readme.write_text("tinker_path: tinker://someone-else/weights/x\n")
    monkeypatch.setattr(_hub, "hub", lambda: (hub, lambda **kwargs: str(readme)))
    code, _, err = cli(
        "checkpoint", "push-hf", paths["external"], "--repo", "me/adapter", "--public", "--no-model-card"
    )
    assert code == 1 and "different Tinker checkpoint" in err
    assert [name for name, _ in hub.calls] == ["whoami", "create_repo"]
    assert hub.calls[1][1]["private"] is False


def test_push_hf_dry_run_writes_the_folder_and_uploads_nothing(
    cli: Any, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def unreachable() -> Any:
        raise AssertionError("the Hub must not be reached with --dry-run")

    monkeypatch.setattr(_hub, "hub", unreachable)
    code, out, err = cli("checkpoint", "push-hf", paths["external"], "--dry-run", str(tmp_path / "prepared"))
    assert code == 0, err and "Written to (dry run)" in out
    assert sorted(p.name for p in (tmp_path / "prepared").iterdir()) == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
    ]


def test_push_hf_without_huggingface_hub_says_how_to_install_it(
    cli: Any, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_hub(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("huggingface_hub"):
            raise ImportError("No module named 'huggingface_hub'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_hub)
    code, _, err = cli("checkpoint", "push-hf", paths["external"])
    assert code == 1 and "huggingface_hub is required" in err and "tinker-openapi[hf]" in err


# --- resuming against a server whose answer does not continue the part (a stub server) ----------------------------

_WHOLE = bytes(range(256)) * 4
_ETAG = '"v1"'


def _stub(ranged: httpx.Response) -> tuple[httpx.Client, list[dict[str, str]]]:
    """A server that answers a request with a Range header ``ranged`` and one without the whole file."""
    asked: list[dict[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.headers))
        if "range" in request.headers:
            return ranged
        return httpx.Response(200, headers={"ETag": _ETAG}, content=_WHOLE)

    return httpx.Client(transport=httpx.MockTransport(handle)), asked


def _resume(tmp_path: Path, held: bytes, ranged: httpx.Response) -> tuple[Path, list[dict[str, str]]]:
    destination = tmp_path / "adapter_model.safetensors"
    (tmp_path / "adapter_model.safetensors.part").write_bytes(held)
    marker = _download.Marker(tmp_path, "tinker://run/external_weights/name", {destination.name: _ETAG})
    client, asked = _stub(ranged)
    with client:
        size = _download.fetch_file(client, "http://stub/file", destination, destination.name, marker, None)
    assert size == destination.stat().st_size
    return destination, asked


def test_a_206_of_another_range_restarts_the_file(tmp_path: Path) -> None:
    """Asked for bytes 10-, the server sends 4-: written as if it were the rest, the file would be wrong."""
    other = httpx.Response(
        206, headers={"Content-Range": f"bytes 4-{len(_WHOLE) - 1}/{len(_WHOLE)}", "ETag": _ETAG}, content=_WHOLE[4:]
    )
    destination, asked = _resume(tmp_path, _WHOLE[:10], other)
    assert destination.read_bytes() == _WHOLE
    assert asked[0]["range"] == "bytes=10-" and "range" not in asked[1] and len(asked) == 2


def test_a_206_of_the_rest_resumes(tmp_path: Path) -> None:
    rest = httpx.Response(
        206, headers={"Content-Range": f"bytes 10-{len(_WHOLE) - 1}/{len(_WHOLE)}", "ETag": _ETAG}, content=_WHOLE[10:]
    )
    destination, asked = _resume(tmp_path, _WHOLE[:10], rest)
    assert destination.read_bytes() == _WHOLE and len(asked) == 1


@pytest.mark.parametrize("content_range", [f"bytes */{len(_WHOLE)}", None], ids=["another size", "no size"])
def test_a_416_for_another_size_restarts_the_file(tmp_path: Path, content_range: str | None) -> None:
    """A 416 means the part is whole only when ``bytes */size`` is its size; here the file on the server is
    longer (or the header is missing), so the part is fetched again from the start."""
    refused = httpx.Response(416, headers={"Content-Range": content_range} if content_range else {})
    destination, asked = _resume(tmp_path, b"\xff" * 2000, refused)
    assert destination.read_bytes() == _WHOLE
    assert asked[0]["range"] == "bytes=2000-" and "range" not in asked[1]


def test_a_416_for_the_part_s_size_finishes_it(tmp_path: Path) -> None:
    whole = httpx.Response(416, headers={"Content-Range": f"bytes */{len(_WHOLE)}"})
    destination, asked = _resume(tmp_path, _WHOLE, whole)
    assert destination.read_bytes() == _WHOLE and len(asked) == 1
