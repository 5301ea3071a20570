"""Every ``tinker`` command against the local server (the ``tinker_server`` fixture), as a table and as JSON, and
the ways they fail: an unknown run or checkpoint, no key, the server down, whoami without a JWT."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import tinker
from tinker.cli import main
from tinker.local import LocalServer

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def seeded(tinker_server: LocalServer) -> dict[str, str]:
    """A training run with a training, an external weights and a sampler checkpoint."""
    service = tinker.ServiceClient(api_key=tinker_server.api_key, base_url=tinker_server.base_url)
    training = service.create_lora_training_client("tinker-local/small", rank=4).result()
    paths = {
        "state": training.save_state("cli-state").result().path,
        "external": training.save_weights_external("cli-ext").result().path,
        "sampler": training.save_weights_for_sampler("cli-sampler").result().path,
    }
    service.close("success").result()
    run_id = paths["state"].removeprefix("tinker://").split("/")[0]
    return {**paths, "run_id": run_id, "session_id": run_id.split(":")[0]}


@pytest.fixture
def run(
    tinker_server: LocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Run:
    """``tinker --base-url <server> --api-key <key> ARGS`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    monkeypatch.delenv("TINKER_BASE_URL", raising=False)
    monkeypatch.delenv("TINKER_CREDENTIAL_CMD", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(
        *args: str, key: str | None = tinker_server.api_key, url: str | None = tinker_server.base_url
    ) -> tuple[int, str, str]:
        capsys.readouterr()
        prefix = [*(["--base-url", url] if url else []), *(["--api-key", key] if key else [])]
        code = main([*prefix, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_run_list_and_info(run: Run, seeded: dict[str, str]) -> None:
    code, out, _ = run("run", "list")
    assert code == 0 and seeded["run_id"] in out and "Base Model" in out and "Rank 4" in out
    code, out, _ = run("-f", "json", "run", "list", "--limit", "0", "--columns", "id,checkpoint")
    runs = json.loads(out)["runs"]
    assert code == 0 and seeded["run_id"] in [r["training_run_id"] for r in runs]
    code, out, _ = run("run", "list", "-c", "id,checkpoint,checkpoint_time,owner")
    assert code == 0 and "Last Checkpoint" in out and "Owner" in out
    code, out, err = run("run", "list", "--columns", "id,bogus")
    assert code == 2 and "bogus" in err and out == ""
    code, out, _ = run("run", "info", seeded["run_id"])
    assert code == 0 and "Last Training Checkpoint" in out and seeded["state"] in out
    code, out, _ = run("--format", "json", "run", "info", seeded["run_id"])
    assert code == 0 and json.loads(out)["training_run_id"] == seeded["run_id"]


def test_an_unknown_run_fails_with_the_servers_message(run: Run) -> None:
    for fmt in ("table", "json"):
        code, out, err = run("-f", fmt, "run", "info", "no-such-run")
        assert code == 1 and out == "" and "Error: Resource not found (HTTP 404)" in err and "no-such-run" in err
        assert "Traceback" not in err


def test_checkpoint_list_and_info(run: Run, seeded: dict[str, str]) -> None:
    code, out, _ = run("checkpoint", "list")
    assert code == 0 and "cli-state" in out and "Checkpoint ID" in out
    code, out, _ = run("-f", "json", "checkpoint", "list", "--run-id", seeded["run_id"])
    listed = json.loads(out)
    assert code == 0 and listed["run_id"] == seeded["run_id"]
    assert {c["tinker_path"] for c in listed["checkpoints"]} >= {seeded["state"], seeded["external"], seeded["sampler"]}
    code, out, _ = run("-f", "json", "checkpoint", "list", "--limit", "1")
    assert code == 0 and len(json.loads(out)["checkpoints"]) == 1
    code, out, _ = run("checkpoint", "info", seeded["state"])
    assert code == 0 and "Yes (Rank 4)" in out and "Tinker Path" in out
    code, out, _ = run("-f", "json", "checkpoint", "info", seeded["state"])
    info = json.loads(out)
    assert code == 0 and info["tinker_path"] == seeded["state"] and info["lora_rank"] == 4


def test_an_unknown_checkpoint_or_a_bad_path(run: Run, seeded: dict[str, str]) -> None:
    code, out, err = run("checkpoint", "info", f"tinker://{seeded['run_id']}/weights/missing")
    assert code == 1 and out == "" and "Checkpoint not found" in err
    code, _, err = run("checkpoint", "info", "tinker://no-such-run/weights/x")
    assert code == 1 and "not found" in err.lower()
    code, _, err = run("checkpoint", "info", "not-a-path")
    assert code == 2 and "Invalid checkpoint path" in err
    code, _, err = run("checkpoint", "download", seeded["sampler"])
    assert code == 2 and "Sampler checkpoints cannot be downloaded" in err


def test_publish_unpublish_and_ttl(run: Run, seeded: dict[str, str]) -> None:
    path = seeded["state"]
    assert run("checkpoint", "publish", path)[:2] == (0, f"Published {path}\n")
    code, out, _ = run("-f", "json", "checkpoint", "info", path)
    assert json.loads(out)["public"] is True
    code, out, _ = run("-f", "json", "checkpoint", "unpublish", path)
    assert code == 0 and json.loads(out) == {"checkpoint_path": path, "public": False}
    code, out, _ = run("checkpoint", "set-ttl", path, "--ttl", "7200")
    assert code == 0 and "7200" in out
    code, out, _ = run("-f", "json", "checkpoint", "info", path)
    assert json.loads(out)["expires_at"] is not None
    code, out, _ = run("-f", "json", "checkpoint", "set-ttl", path, "--remove")
    assert code == 0 and json.loads(out)["ttl_seconds"] is None
    assert run("checkpoint", "set-ttl", path)[0] == 2
    assert run("checkpoint", "set-ttl", path, "--ttl", "5", "--remove")[0] == 2


def test_delete_by_path_and_by_run_with_filters(run: Run, tinker_server: LocalServer) -> None:
    service = tinker.ServiceClient(api_key=tinker_server.api_key, base_url=tinker_server.base_url)
    training = service.create_lora_training_client("tinker-local/small", rank=2).result()
    first = training.save_state("doomed-1").result().path
    training.save_state("doomed-2").result()
    kept = training.save_weights_for_sampler("kept").result().path
    run_id = first.removeprefix("tinker://").split("/")[0]
    code, out, _ = run("checkpoint", "delete", first, "--yes")
    assert code == 0 and "Deleted 1 checkpoint(s)" in out
    code, out, _ = run("-f", "json", "checkpoint", "delete", first, "-y")
    result = json.loads(out)
    assert code == 1 and result["deleted_count"] == 0 and result["failed"][0]["tinker_path"] == first
    code, out, _ = run(
        "-f", "json", "checkpoint", "delete", "--run-id", run_id, "--type", "weights", "--after", "2000-01-01", "-y"
    )
    assert code == 0 and json.loads(out) == {"deleted_count": 1, "failed": []}
    code, out, _ = run("-f", "json", "checkpoint", "list", "--run-id", run_id)
    assert [c["tinker_path"] for c in json.loads(out)["checkpoints"]] == [kept]
    code, out, _ = run("checkpoint", "delete", "--run-id", run_id, "--before", "2000-01-01", "-y")
    assert code == 0 and "No checkpoints found" in out
    assert run("checkpoint", "delete")[0] == 2
    assert run("checkpoint", "delete", kept, "--run-id", run_id)[0] == 2
    assert run("checkpoint", "delete", kept, "--type", "weights")[0] == 2
    assert run("checkpoint", "delete", "--run-id", run_id, "--before", "yesterday", "-y")[0] == 2
    service.close("success").result()


def test_model_list(run: Run) -> None:
    code, out, _ = run("model", "list")
    assert code == 0 and "tinker-local/small" in out and "Max Context" in out
    code, out, _ = run("-f", "json", "model", "list", "SMALL")
    assert code == 0 and [m["model_name"] for m in json.loads(out)["models"]] == ["tinker-local/small"]
    code, out, err = run("model", "list", "no-such-model")
    assert code == 1 and "No model name contains 'no-such-model'" in err


def test_billing(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("billing", "usage", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z")
    assert code == 0 and out.strip()
    code, out, _ = run("-f", "json", "billing", "usage", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z")
    assert code == 0 and set(json.loads(out)) == {"data", "sessions", "cost_data_through"}
    code, out, _ = run("billing", "checkpoint-storage")
    assert code == 0 and out.strip()
    code, out, _ = run("-f", "json", "billing", "checkpoint-storage")
    assert code == 0 and "effective_rate_usd_per_gigabyte_month" in json.loads(out)
    code, _, _ = run("billing", "checkpoint-storage", "--csv", str(tmp_path / "storage.csv"))
    assert code == 0 and (tmp_path / "storage.csv").read_text().startswith("effective_rate_usd_per_gigabyte_month")
    code, out, _ = run("billing", "usage", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", "--csv", "-")
    assert code == 0 and "Error" not in out  # no rows in that window: an empty CSV


def test_session_export_trace(run: Run, seeded: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = run("-f", "json", "session", "export-trace", seeded["session_id"], "-o", str(tmp_path / "t.json"))
    result = json.loads(out)
    assert code == 0 and result["file_size_bytes"] == (tmp_path / "t.json").stat().st_size > 0
    assert json.loads((tmp_path / "t.json").read_bytes())["metadata"]["session_id"] == seeded["session_id"]
    code, out, _ = run("session", "export-trace", seeded["session_id"], "--url-only")
    assert code == 0 and out.strip().count("\n") == 0 and out.startswith("http://")
    code, out, _ = run("session", "export-trace", seeded["session_id"])
    saved = tmp_path / f"{seeded['session_id']}.json"  # the local server's trace is JSON: named so by default
    assert code == 0 and "Saved to" in out
    threads = [e["args"]["name"] for e in json.loads(saved.read_bytes())["traceEvents"] if e["name"] == "thread_name"]
    assert f"run {seeded['run_id']}" in threads
    code, _, err = run("session", "export-trace", "no-such-session")
    assert code == 1 and "Error:" in err


def test_a_trace_is_named_for_what_the_server_sends() -> None:
    """JSON from a URL naming a .json file (this server); anything else, the hosted service's protobuf, .pftrace."""
    from tinker.cli.commands.session import _suffix

    assert _suffix("http://127.0.0.1:8000/files/traces/abc.json?owner=t&expires=1&signature=s") == ".json"
    assert _suffix("https://storage.example.com/traces/3f2a6c1e.pftrace?signature=abc123") == ".pftrace"
    assert _suffix("https://storage.example.com/traces/3f2a6c1e?name=x.json") == ".pftrace"


def test_version_and_api(run: Run) -> None:
    code, out, _ = run("version")
    assert code == 0 and out.startswith("tinker 0.38")
    code, out, _ = run("-f", "json", "version")
    assert code == 0 and json.loads(out)["version"].startswith("0.38")
    code, out, _ = run("-f", "json", "api")
    assert code == 0 and any(op["operation_id"] == "forward_backward" for op in json.loads(out))


def test_auth_status_whoami_login_logout(run: Run, tinker_server: LocalServer, tmp_path: Path) -> None:
    code, out, _ = run("auth", "status")
    assert code == 0 and out == "Credentials available: yes\nTinker accessible: yes\n"
    code, out, _ = run("-f", "json", "auth", "status")
    assert code == 0 and json.loads(out) == {"credentials_available": True, "accessible": True}
    for fmt in ("table", "json"):
        code, out, err = run("-f", fmt, "auth", "whoami")
        assert code == 1 and out == "" and "whoami needs JWT credentials" in err and "Traceback" not in err

    store = tmp_path / "home" / ".tinker" / "credentials.json"
    code, out, _ = run("auth", "login")
    assert code == 0 and "Logged in as" in out
    saved = json.loads(store.read_text())
    assert saved["keys"][saved["default"]]["key"] == tinker_server.api_key
    assert stat.S_IMODE(store.stat().st_mode) == 0o600 and stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert run("auth", "login")[0] == 1  # already logged in
    # the stored key is what the clients use with no other credential
    code, out, _ = run("-f", "json", "run", "list", key=None)
    assert code == 0 and "runs" in json.loads(out)
    code, out, _ = run("-f", "json", "auth", "logout", key=None)
    assert code == 0 and json.loads(out)["deleted_on_server"] is False
    assert json.loads(store.read_text())["keys"] == {}
    code, _, err = run("auth", "logout", key=None)
    assert code == 1 and "No default credential" in err
    code, _, err = run("auth", "login", key="tml-not-a-key-of-this-server")
    assert code == 1 and "Could not validate the API key" in err


def test_no_key(run: Run) -> None:
    for args in (("run", "list"), ("-f", "json", "checkpoint", "list"), ("model", "list")):
        code, out, err = run(*args, key=None)
        assert code == 1 and out == "" and "api_key" in err and "tinker auth login" in err
    code, out, _ = run("auth", "status", key=None)
    assert code == 1 and "Credentials available: no" in out


def test_a_refused_key(run: Run) -> None:
    code, _, err = run("run", "list", key="tml-wrong")
    assert code == 1 and "Authentication failed (HTTP 401)" in err


def test_server_down(run: Run) -> None:
    for fmt in ("table", "json"):
        code, out, err = run("-f", fmt, "run", "list", url="http://127.0.0.1:9")
        assert code == 1 and out == "" and "Connection failed" in err and "Traceback" not in err


def test_logout_deletes_a_generated_key_on_the_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that login generated (type "generated", as 0.38 stores one) is deleted on the server at logout, and the
    server refuses it afterwards; a server of its own, since the key is gone for good."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("TINKER_API_KEY", "TINKER_BASE_URL", "TINKER_CREDENTIAL_CMD"):
        monkeypatch.delenv(name, raising=False)
    keep, generated = "tml-cli-kept", "tml-cli-generated"
    with LocalServer(tmp_path / "server", api_keys=(keep, generated)) as server:
        store = tmp_path / "home" / ".tinker" / "credentials.json"
        store.parent.mkdir(parents=True)
        record = {"key": generated, "type": "generated", "name": "laptop"}
        store.write_text(json.dumps({"default": "key-1", "keys": {"key-1": record}}))
        capsys.readouterr()
        code = main(["--base-url", server.base_url, "-f", "json", "auth", "logout"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert json.loads(out) == {"key_id": "key-1", "name": "laptop", "deleted_on_server": True}
        code = main(["--base-url", server.base_url, "--api-key", generated, "run", "list"])
        assert code == 1 and "Traceback" not in capsys.readouterr().err
        assert main(["--base-url", server.base_url, "--api-key", keep, "-f", "json", "run", "list"]) == 0
