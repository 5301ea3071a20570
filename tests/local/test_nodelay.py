"""The server's accepted connections have Nagle's algorithm off: with it on, each small answer written as head and
body waited about 40 ms for the client's delayed ACK on a kept-alive connection (issue 17's latency floor)."""

from __future__ import annotations

import gc
import socket
from pathlib import Path

import httpx

from tinker.local import LocalServer


def _accepted_sockets(port: int) -> list[socket.socket]:
    """The server side of the connections made to ``port`` in this process (an in-thread server)."""
    found = []
    for candidate in gc.get_objects():
        if not isinstance(candidate, socket.socket) or candidate.fileno() < 0:
            continue
        if candidate.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            local, remote = candidate.getsockname(), candidate.getpeername()
        except OSError:  # a listening or closed socket has no peer
            continue
        if local[1] == port and remote[1] != port:
            found.append(candidate)
    return found


def test_the_servers_connections_send_small_answers_at_once(tmp_path: Path) -> None:
    with LocalServer(tmp_path, api_keys=("tml-nodelay",)) as server, httpx.Client(base_url=server.base_url) as client:
        for _ in range(3):  # a kept-alive connection, the case that waited
            assert client.get("/api/v1/healthz").status_code == 200
        accepted = _accepted_sockets(server.port)
        assert accepted, "no server-side connection found"
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)


def test_the_listening_socket_is_named_tcp_so_asyncio_sets_nodelay() -> None:
    from tinker.local.server import bind

    with bind("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
