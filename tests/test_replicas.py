"""Two `qldrops serve` replicas on one PostgreSQL (and Redis) behind nginx (deploy/nginx.conf).

One replica set per module (tests/replicas.py): two real server processes with preheated
kernels, a real nginx with the repository's configuration, the session's PostgreSQL database and
the local Redis for the shared rate limits. The tests run in file order; the last ones stop the
proxy and kill a replica.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from replicas import ReplicaSet, cookies_of, http, nginx_available
from support import CHROMIUM, CHROMIUM_ARGS, test_settings

import qldrops
from qldrops.server.process import ServerProcess
from qldrops.store import schema as t

WORKFLOW = "wf-replicas"
REDIS_URL = os.environ.get("QLDROPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LINK_LIMIT = 8  # per link and minute, counted in Redis by both replicas together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not nginx_available(), reason="nginx is not installed (apt-get install nginx)"),
]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def cluster(pg_database, tmp_path_factory):
    shared = _redis_answers()  # without Redis each replica counts its own rate limits (that test skips)
    eng = sa.create_engine(pg_database)
    with eng.begin() as c:  # a clean database: other modules' rows would only slow the pages
        tables = [tbl.name for tbl in reversed(t.metadata.sorted_tables)]
        c.exec_driver_sql("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
    eng.dispose()
    folder = tmp_path_factory.mktemp("replicas")
    store = qldrops.connect(pg_database, settings=test_settings(folder))
    store.put(workflow_id=WORKFLOW, drop_type="prompt_enhancement", artifact="Build a todo app",
              metadata={"title": "Enhanced prompt"})
    store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="print('hi')",
              metadata={"path": "main.py"})
    args = ["--rate-limit-link", f"{LINK_LIMIT}/minute", "--rate-limit-client", "100000/minute",
            "--max-kernels-per-link", "2", "--max-kernels-per-client", "50"]
    env = {"QLDROPS_EMBEDDING_MODEL": "fake", **({"QLDROPS_REDIS_URL": REDIS_URL} if shared else {})}
    with ReplicaSet(pg_database, folder, replicas=2, extra_args=args, env=env) as rs:
        rs.store = store
        rs.redis = shared
        yield rs
    store.close()


def _link(cluster, **kwargs):
    return cluster.store.previews.create(workflow_id=WORKFLOW, ttl="60m", **kwargs)


def _kernel_id(page: str) -> str:
    found = re.search(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"', page)
    assert found, "the page names no kernel"
    return found.group(1)


def _cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def test_a_link_opens_on_every_replica_and_through_the_proxy(cluster):
    link = _link(cluster)
    r1, r2 = cluster.replicas
    for url in (r1.url, r2.url, cluster.proxy.url):
        status, _, page = http(url + "/p/" + link.capability)
        assert status == 200, page[:300]
        assert "kernelId" in page and link.capability not in page
    assert cluster.store.previews.get(link.id).access_count == 3  # every replica recorded its view
    _, headers, _ = http(cluster.proxy.url + "/p/" + link.capability)
    # nginx pins the visitor to the replica that rendered the page (its kernel lives there)
    assert cookies_of(headers).get("qldrops_route") in {"r1", "r2"}
    assert link.capability not in cluster.proxy.access_log()  # the proxy's log holds no capability
    for r in (r1, r2):
        assert r.health()["kernels_visitors"] >= 1  # each replica counts (and bounds) its own kernels


def test_each_replica_bounds_its_own_kernels(cluster):
    link = _link(cluster)
    r1, r2 = cluster.replicas
    visits = [_cookie_header({"qldrops_visit": secrets.token_urlsafe(32)}) for _ in range(3)]
    # --max-kernels-per-link 2: two visitors (browser sessions) of one link fill replica 1 ...
    assert [http(r1.url + "/p/" + link.capability, headers=v)[0] for v in visits[:2]] == [200, 200]
    status, headers, body = http(r1.url + "/p/" + link.capability, headers=visits[2])
    assert status == 503 and int(headers["Retry-After"]) >= 1 and "Traceback" not in body
    # ... and replica 2 has its own budget (kernels live in one process; each bounds what it holds)
    assert http(r2.url + "/p/" + link.capability, headers=visits[2])[0] == 200


def test_a_revocation_reaches_every_replica_within_a_second(cluster):
    from websockets.sync.client import connect

    link = _link(cluster, access="edit")
    r1, r2 = cluster.replicas
    status, _, page = http(r2.url + "/e/" + link.capability)
    assert status == 200
    config = json.loads(re.search(r'id="qldrops-editor-config">(.*?)</script>', page, re.DOTALL).group(1))
    ws_url = f"ws://127.0.0.1:{r2.port}/e/{link.capability}/events?visit={config['visit']}"
    with connect(ws_url, open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30)) == {"type": "access", "access": "edit", "reason": None}
        cluster.store.previews.revoke(link.id)  # by another process, as `qldrops preview revoke` would
        revoked = time.monotonic()
        # new visits are refused by both replicas at once (the link is checked in the database) ...
        assert http(r1.url + "/e/" + link.capability)[0] == 410
        assert http(r2.url + "/p/" + link.capability)[0] == 410
        # ... and the page open on replica 2 turns read-only on its own
        while True:
            msg = json.loads(ws.recv(timeout=30))
            if msg.get("type") == "access":
                break
        took = time.monotonic() - revoked
    assert msg["access"] == "view" and "read-only" in msg["reason"]
    print(f"revocation reached the open page on the other replica in {took:.2f} s")
    assert took < 15  # generous on a loaded machine; the design bound is one tick (0.5 s) plus a query


def test_rate_limits_are_shared_by_the_replicas(cluster):
    if not cluster.redis:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: start it (redis-server --daemonize yes)")
    link = _link(cluster)
    r1, r2 = cluster.replicas
    urls = [r1.url, r2.url, cluster.proxy.url]
    # /e/ checks the link like /p/ (format, rate limit, database) without starting a kernel
    statuses = [http(urls[i % 3] + "/e/" + link.capability)[0] for i in range(LINK_LIMIT)]
    assert statuses == [200] * LINK_LIMIT
    for url in urls:  # the budget is spent, whichever replica is asked
        status, headers, _ = http(url + "/e/" + link.capability)
        assert status == 429 and int(headers["Retry-After"]) >= 1


def test_kernel_requests_follow_the_page_to_its_replica(cluster):
    link = _link(cluster)
    status, headers, page = http(cluster.proxy.url + "/p/" + link.capability)
    assert status == 200
    cookies = cookies_of(headers)
    kernel = _kernel_id(page)
    pinned = int(cookies["qldrops_route"][1:]) - 1
    other = cluster.replicas[1 - pinned]
    # through the proxy, the page's cookies reach the kernel's replica every time
    for _ in range(4):
        assert http(f"{cluster.proxy.url}/api/kernels/{kernel}", headers=_cookie_header(cookies))[0] == 200
    assert http(f"{cluster.replicas[pinned].url}/api/kernels/{kernel}", headers=_cookie_header(cookies))[0] == 200
    assert http(f"{other.url}/api/kernels/{kernel}", headers=_cookie_header(cookies))[0] == 404  # not there
    # the internal endpoints do not exist through the proxy
    assert http(cluster.proxy.url + "/qldrops/internal/redeem", method="POST")[0] == 404


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_a_dashboard_draws_through_the_proxy(cluster):
    """The kernel's websocket goes through nginx to the replica that rendered the page."""
    from playwright.sync_api import sync_playwright

    link = _link(cluster)
    results = Path(__file__).resolve().parent.parent / "test-results"
    results.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            sockets: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            response = page.goto(cluster.proxy.url + "/p/" + link.capability, timeout=120_000)
            assert response.status == 200
            code = page.locator("#qldrops-code")  # drawn by the widget manager once the kernel answers
            code.wait_for(state="visible", timeout=120_000)
            assert "print" in code.inner_text()
            assert any(f":{cluster.proxy.port}/api/kernels/" in u for u in sockets)
            assert {"qldrops_route", "qldrops_visit"} <= {c["name"] for c in context.cookies()}
            page.screenshot(path=str(results / "replicas-preview.png"), full_page=True)
        finally:
            browser.close()


def test_the_proxy_restarts_and_serves_again(cluster):
    link = _link(cluster)
    cluster.proxy.stop()
    with pytest.raises(OSError):
        http(cluster.proxy.url + "/healthz", timeout=5)
    cluster.proxy.start()
    assert http(cluster.proxy.url + "/healthz")[0] == 200
    assert http(cluster.proxy.url + "/e/" + link.capability)[0] == 200


def test_a_replica_dying_loses_no_data_and_the_other_serves(cluster):
    store = cluster.store
    link = _link(cluster)
    pinned = {"qldrops_route": "r1"}
    status, headers, _ = http(cluster.proxy.url + "/e/" + link.capability, headers=_cookie_header(pinned))
    assert status == 200 and cookies_of(headers)["qldrops_route"] == "r1"
    written = [store.put(workflow_id=WORKFLOW, drop_type="documentation", artifact=f"note {i}").id for i in range(20)]
    cluster.kill(0)  # SIGKILL: no clean shutdown
    # the visitor pinned to the dead replica is served by the other one, and pinned there from now on
    status, headers, _ = http(cluster.proxy.url + "/e/" + link.capability, headers=_cookie_header(pinned))
    assert status == 200 and cookies_of(headers)["qldrops_route"] == "r2"
    status, _, page = http(cluster.proxy.url + "/p/" + link.capability)
    assert status == 200 and "kernelId" in page
    assert http(cluster.proxy.url + "/healthz")[0] == 200
    # everything acknowledged before the crash is there
    assert [d.id for d in store.get_many(written)] == written
    assert store.previews.get(link.id).access_count == 3


def test_a_replica_older_than_the_database_schema_is_refused(cluster, pg_database, tmp_path):
    # a running replica reports itself degraded once another one migrated past it ...
    r2 = cluster.replicas[1]
    eng = sa.create_engine(pg_database)
    with eng.begin() as c:
        real = c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    try:
        assert http(r2.url + "/healthz")[0] == 503
        # ... and a replica started now refuses, with advice, and changes nothing
        srv = ServerProcess(pg_database, log_path=tmp_path / "old.log", preheat=False, start_timeout=60)
        with pytest.raises(qldrops.QldropsError, match="exited"):
            srv.start()
        log = (tmp_path / "old.log").read_text()
        assert "newer than this qldrops" in log and "upgrade qldrops" in log and "Traceback" not in log
        with eng.connect() as c:
            assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "9999"
    finally:
        with eng.begin() as c:
            c.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": real})
        eng.dispose()
    assert http(r2.url + "/healthz")[0] == 200
