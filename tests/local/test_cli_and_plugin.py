"""``tinker local serve`` as a user starts it, and the pytest fixtures shipped in ``tinker.testing``."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tinker.local import LocalServer


def test_serve_generates_a_key_and_stores_it_privately(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tinker.cli", "local", "serve", "--port", "0", "--data-dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        generated = process.stdout.readline()
        listening = process.stdout.readline()
        key = generated.split("API key ")[1].split()[0]
        assert generated.startswith("Generated API key tml-")
        stored = tmp_path / "api_key"
        assert stored.read_text().strip() == key
        assert stored.stat().st_mode & 0o777 == 0o600
        url = listening.split("listening on ")[1].split()[0]
        assert httpx.get(f"{url}/api/v1/sessions", headers={"X-API-Key": key}).status_code == 200
        assert httpx.get(f"{url}/api/v1/sessions", headers={"X-API-Key": "tml-other"}).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    with LocalServer(tmp_path) as again:
        assert again.api_key == key


def test_fixtures_point_the_environment_at_a_local_server(tinker_env: LocalServer) -> None:
    assert os.environ["TINKER_BASE_URL"] == tinker_env.base_url
    response = httpx.get(
        f"{os.environ['TINKER_BASE_URL']}/api/v1/get_server_capabilities",
        headers={"X-API-Key": os.environ["TINKER_API_KEY"]},
    )
    assert response.status_code == 200


def test_the_fixture_injects_the_faults_pytest_is_told(tmp_path: Path) -> None:
    test = tmp_path / "test_faulty.py"
    test.write_text(
        "import httpx\n"
        "def test_fails(tinker_server):\n"
        "    assert httpx.get(tinker_server.base_url + '/api/v1/sessions').status_code == 503\n"
        "    assert httpx.get(tinker_server.base_url + '/api/v1/healthz').status_code == 200\n"
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(test), "--rootdir", str(tmp_path)]
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=120)
    passed = run([*command, "--tinker-faults", "rate=1,kinds=503"])
    assert passed.returncode == 0, passed.stdout + passed.stderr
    refused = run([*command, "--tinker-faults", "rate=3"])
    assert refused.returncode != 0 and "--tinker-faults" in refused.stdout + refused.stderr


def test_each_limit_and_retention_setting_is_a_serve_flag_with_the_servers_default() -> None:
    from tinker.cli import _LIMIT_FLAGS, _RETENTION_FLAGS
    from tinker.local import ServerConfig
    from tinker.local._config import LIMITS, RETENTION

    defaults = ServerConfig(api_keys=("k",))
    for flags, settings in [(_LIMIT_FLAGS, LIMITS), (_RETENTION_FLAGS, RETENTION)]:
        assert [flag for flag, _, _ in flags] == ["--" + setting.replace("_", "-") for setting in settings]
        assert [default for _, default, _ in flags] == [getattr(defaults, setting) for setting in settings]
