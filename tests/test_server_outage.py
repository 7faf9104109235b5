"""A link opened while PostgreSQL restarts: a "try again" page (503), then the page works.

PostgreSQL is shared with other work, so the restart is played by a TCP relay between the
server and the real PostgreSQL: closing it drops every connection and refuses new ones (what
clients see during a restart); opening it again is PostgreSQL back.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

import qldrops
from qldrops.server.process import ServerProcess, free_port
from qldrops.settings import Settings

pytestmark = [pytest.mark.postgres]


class Relay:
    """127.0.0.1:<port> -> PostgreSQL, that can go down and come back."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.port = upstream, free_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            if self._listener is not None:
                try:  # wakes the thread blocked in accept(): a plain close leaves the port listening
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for s in self._sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=180) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_link_opened_while_postgresql_restarts_says_try_again_then_works(pg_url, tmp_path):
    real = sa.make_url(pg_url)
    relay = Relay((real.host or "127.0.0.1", real.port or 5432))
    relay.up()
    through = real.set(port=relay.port).render_as_string(hide_password=False)
    store = qldrops.connect(pg_url, settings=Settings(data_dir=str(tmp_path), embedding_model="fake", progress=False))
    store.put(workflow_id="wf-1", drop_type="code_generation", artifact="# File: a.py\nprint('hello')\n")
    link = store.previews.create(workflow_id="wf-1", ttl="1h").capability
    store.close()
    env = {"QLDROPS_EMBEDDING_MODEL": "fake", "QLDROPS_DATA_DIR": str(tmp_path)}
    try:
        with ServerProcess(through, log_path=tmp_path / "server.log", env=env,
                           extra_args=["--rate-limit-link", "1000/minute"]) as srv:
            assert _get(f"{srv.url}/p/{link}")[0] == 200
            relay.down()  # PostgreSQL restarting: connections dropped, new ones refused
            status, body = _get(f"{srv.url}/p/{link}")
            assert status == 503 and "Try again" in body and "Traceback" not in body
            assert _get(f"{srv.url}/healthz")[0] == 503
            relay.up()  # back
            status, body = _get(f"{srv.url}/p/{link}")
            assert status == 200 and "qldrops-workflow" in body
    finally:
        relay.down()
