"""Running the local server: in this process (a uvicorn thread) or as a child process."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess as sp
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import uvicorn
from starlette.applications import Starlette

from ._config import API_KEYS_ENV, LIMITS, NO_HUB_CACHE, RETENTION, ServerConfig, stored_api_key
from ._faults import FaultSpec
from ._observability import hide_access_query_strings, use_json_logs
from .app import create_app

_LISTENING = re.compile(r"listening on (http://\S+)")
_READY = "Tinker local server ready"
# Idle kept-alive connections stay open longer than clients keep them (httpx: 5 s, uvicorn's own default too): with
# equal timeouts a client may send on a connection the server is closing at that moment, and get a read error.
KEEP_ALIVE_SECONDS = 30


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound now so that port 0 gives a free port that is known before serving.

    Named as TCP (not protocol 0), so that the connections it accepts are too: asyncio turns Nagle's algorithm off
    only on those, and with it on, each small answer sent as head and body waited 40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class LocalServer:
    """A local Tinker server for a ``with`` block: gives ``base_url`` and ``api_key``.

    ``subprocess=True`` runs it as ``tinker local serve`` in a child process (which a test can kill);
    otherwise uvicorn serves it from a thread of this process, and ``app`` is the app it serves.

    ``faults`` (a ``FaultSpec`` or its text, as ``tinker local serve --faults`` takes it) makes the server fail that
    share of requests on purpose, for testing a client's retries; see the README's "Fault injection".
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        api_keys: tuple[str, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        subprocess: bool = False,
        startup_timeout: float = 60.0,
        faults: FaultSpec | str | None = None,
        **settings: Any,
    ) -> None:
        if isinstance(faults, str):
            faults = FaultSpec.parse(faults)
        config = ServerConfig(api_keys=tuple(api_keys), faults=faults, **settings)
        if data_dir is not None:
            config = replace(config, data_dir=Path(data_dir))
        self.config = config
        self.host, self.port = host, port
        self.use_subprocess = subprocess
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.process: sp.Popen[str] | None = None
        self.app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._drainer: threading.Thread | None = None

    @property
    def api_key(self) -> str:
        return self.config.resolved_api_keys()[0]

    def start(self) -> LocalServer:
        if self.use_subprocess:
            self._start_process()
        else:
            self._start_thread()
        return self

    def _start_thread(self) -> None:
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.app = create_app(self.config)
        server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS)
        )
        hide_access_query_strings()  # off at this level, unless the caller turns uvicorn.access up
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="tinker-local-server"
        )
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local Tinker server did not start")
            time.sleep(0.01)
        self.base_url = _url(self.host, self.port)

    def _start_process(self) -> None:
        if not self.config.api_keys:
            self.config = replace(self.config, api_keys=(stored_api_key(self.config.data_dir)[0],))
        config = self.config
        command = [
            sys.executable,
            "-m",
            "tinker.cli",
            "local",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--data-dir",
            str(config.data_dir),
            "--long-poll-seconds",
            str(config.long_poll_seconds),
            "--session-timeout-seconds",
            str(config.session_timeout_seconds),
            "--seq-gap-timeout-seconds",
            str(config.seq_gap_timeout_seconds),
        ]
        for setting in LIMITS + RETENTION:
            command += ["--" + setting.replace("_", "-"), str(getattr(config, setting))]
        if config.device is not None:
            command += ["--device", config.device]
        if config.faults is not None:
            command += ["--faults", str(config.faults)]
        command += ["--hf-hub-cache", str(config.hf_hub_cache) if config.hf_hub_cache is not None else NO_HUB_CACHE]
        # keys travel in the environment, not on the command line, where any local user could read them
        env = {**os.environ, API_KEYS_ENV: ",".join(config.api_keys)}
        self.process = sp.Popen(command, stdout=sp.PIPE, stderr=sp.STDOUT, text=True, env=env)
        assert self.process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        self._drainer = threading.Thread(target=self._read, args=(self.process.stdout, lines), daemon=True)
        self._drainer.start()
        deadline = time.monotonic() + self.startup_timeout
        seen: list[str] = []
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise RuntimeError("the local Tinker server did not start:\n" + "".join(seen))
            seen.append(line)
            if match := _LISTENING.search(line):
                self.base_url = match.group(1)
            if _READY in line and self.base_url:
                return

    @staticmethod
    def _read(stream: IO[str], lines: queue.Queue[str | None]) -> None:
        """Hand the child's lines on until it is ready (None when its output ends first), then keep reading them,
        so that it never blocks on a full pipe."""
        waiting = True
        for line in stream:
            if waiting:
                lines.put(line)
                waiting = _READY not in line
        if waiting:
            lines.put(None)

    def kill(self) -> None:
        """SIGKILL the child process, as a crash would (subprocess mode only)."""
        assert self.process is not None, "kill() needs subprocess=True"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except sp.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self._drainer is not None:
                self._drainer.join(timeout=5)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Announcing(uvicorn.Server):
    """Says when the app has started: its lifespan makes the data dir and the tokenizer folder, so a parent that
    reads files there (or wants its first request answered at once) waits for this line."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(_READY, flush=True)


def serve(config: ServerConfig, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted (``tinker local serve``); prints where, so that a parent can find the port, then
    that it is ready. Connections made in between wait in the socket's backlog until the app has started."""
    sock = bind(host, port)
    url = _url(host, sock.getsockname()[1])
    print(f"Tinker local server listening on {url} (data in {config.data_dir})", flush=True)
    app = create_app(config)
    if config.log_format == "json":  # the app logs each request as JSON; uvicorn's own text lines are left out
        uvicorn_config = uvicorn.Config(
            app,
            log_level=log_level,
            lifespan="on",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            log_config=None,
            access_log=False,
        )
        use_json_logs(log_level)
    else:
        uvicorn_config = uvicorn.Config(app, log_level=log_level, lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS)
        hide_access_query_strings()  # uvicorn's access lines print the query: a signed file URL's signature
    _Announcing(uvicorn_config).run(sockets=[sock])
