"""The server's accepted connections have Nagle's algorithm off: with it on, each small answer written as head and
body waited about 40 ms for the client's delayed ACK on a kept-alive connection (issue 17's latency floor)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx

from tinker.local import LocalServer


def _accepted_sockets(server: LocalServer) -> list[Any]:
    """The server side of its open connections (an in-thread server: uvicorn's own record of them)."""
    uvicorn_server = server._server
    assert uvicorn_server is not None
    return [c.transport.get_extra_info("socket") for c in uvicorn_server.server_state.connections]


def test_the_servers_connections_send_small_answers_at_once(tmp_path: Path) -> None:
    with LocalServer(tmp_path, api_keys=("tml-nodelay",)) as server, httpx.Client(base_url=server.base_url) as client:
        for _ in range(3):  # a kept-alive connection, the case that waited
            assert client.get("/api/v1/healthz").status_code == 200
        accepted = _accepted_sockets(server)
        assert accepted, "no server-side connection found"
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)


def test_the_listening_socket_is_named_tcp_so_asyncio_sets_nodelay() -> None:
    from tinker.local.server import bind

    with bind("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
