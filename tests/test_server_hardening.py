"""What one visitor can cost (invariant 11), end to end: a real server, real kernels.

Two servers: one with small kernel bounds (and the 600 s default-like abandon time, so
nothing is culled while the test counts), one that culls a closed page's kernel after
one second. Counts come from the server's own ``/healthz``; the one wait polls it with
a bounded deadline.
"""

from __future__ import annotations

import re
import time

import pytest
from test_server import _http, assert_instruction_page, assert_security_headers, seed, visit_cookie

from qldrops.server.process import ServerProcess


@pytest.fixture(scope="module")
def bounded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bounded")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    args = ["--rate-limit-link", "1000/minute", "--max-kernels", "2", "--max-kernels-per-client", "3",
            "--max-kernels-per-link", "3", "--kernel-abandon-timeout", "600"]
    with ServerProcess(url, log_path=folder / "server.log", preheat=True, extra_args=args) as srv:
        srv.links = links
        yield srv


def _visitors(srv) -> int:
    return int(srv.health()["kernels_visitors"])


def test_repeated_visits_of_one_link_from_one_client_keep_one_kernel(bounded):
    """20 GETs used to leave 20 kernels. Cookieless repeats replace each other; so do a browser's reloads."""
    live = bounded.url + "/p/" + bounded.links["live"]
    for _ in range(4):
        code, headers, _ = _http(live)
        assert code == 200
        assert _visitors(bounded) == 1
    cookie = visit_cookie(headers)
    for _ in range(3):
        assert _http(live, headers={"Cookie": cookie})[0] == 200
        assert _visitors(bounded) <= 2  # the cookieless one and this browser's


def test_past_the_server_bound_a_visit_gets_a_busy_page_before_any_kernel(bounded):
    live = bounded.url + "/p/" + bounded.links["live"]
    browsers = ["qldrops_visit=" + letter * 43 for letter in "ABC"]
    for cookie in browsers[:2]:  # two browsers fill the server (max 2); earlier seats are replaced or counted
        assert _http(live, headers={"Cookie": cookie})[0] in (200, 503)
    assert _visitors(bounded) == 2
    bounded.wait_ready()  # the preheated pool is full again: no kernel start pending
    before = bounded.health()
    pids = bounded.kernel_pids()
    code, headers, body = _http(live, headers={"Cookie": browsers[2]})
    assert code == 503
    assert int(headers["Retry-After"]) >= 1
    assert_instruction_page(body)
    assert_security_headers(headers)
    assert re.search(r"<h1>Busy, retry in a moment</h1>", body)
    after = bounded.health()
    assert after["kernels_started"] == before["kernels_started"] and bounded.kernel_pids() == pids
    assert after["kernels_visitors"] == 2
    # a reload of a browser already holding a kernel is still served (it replaces its own)
    assert _http(live, headers={"Cookie": browsers[0]})[0] == 200
    assert _visitors(bounded) == 2


@pytest.fixture(scope="module")
def tabs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tabs")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    args = ["--rate-limit-link", "1000/minute", "--rate-limit-client", "1000/minute"]
    with ServerProcess(url, log_path=folder / "server.log", preheat=True, extra_args=args) as srv:
        srv.links = links
        yield srv


def test_fifty_one_tabs_of_one_link_are_bounded_and_the_rest_told_to_retry(tabs):
    """One browser opens 51 tabs of a link at once: a bounded number of renders (each replacing the
    previous tab's kernel), every other tab a busy page saying when to retry; the server stays up."""
    from concurrent.futures import ThreadPoolExecutor

    live = tabs.url + "/p/" + tabs.links["live"]
    before = tabs.health()
    cookie = "qldrops_visit=" + "T" * 43
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: _http(live, headers={"Cookie": cookie}), range(51)))
    codes = [code for code, _h, _b in answers]
    assert set(codes) <= {200, 503}, codes
    assert 1 <= codes.count(200) <= 10  # the server's default renders per session and minute
    for code, headers, body in answers:
        if code == 503:
            assert_instruction_page(body)
            assert int(headers["Retry-After"]) >= 1
    after = tabs.health()
    assert after["status"] == "ok"
    assert after["kernels_visitors"] == 1  # the tabs' kernels replaced each other
    assert after["kernels_started"] - before["kernels_started"] <= 10 + 1  # renders, and the pool's refill
    assert _http(live, headers={"Cookie": "qldrops_visit=" + "U" * 43})[0] == 200  # another browser is served


@pytest.fixture(scope="module")
def culling(tmp_path_factory):
    folder = tmp_path_factory.mktemp("culling")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    args = ["--kernel-abandon-timeout", "1"]
    with ServerProcess(url, log_path=folder / "server.log", preheat=False, extra_args=args) as srv:
        srv.links = links
        yield srv


def test_a_closed_pages_kernel_is_culled(culling):
    """No websocket ever connects to this page's kernel: it goes after the abandon time, not 600 s idle."""
    code, _, _ = _http(culling.url + "/p/" + culling.links["live"])
    assert code == 200
    assert culling.health()["kernels_started"] == 1
    deadline = time.monotonic() + 120  # a readiness bound for a loaded machine
    while (health := culling.health())["kernels_visitors"] > 0:
        assert time.monotonic() < deadline, f"the abandoned kernel was never culled: {health}"
        time.sleep(0.25)
    assert health["kernels_abandoned"] == 1 and health["kernels_running"] == 0
    assert culling.kernel_pids() == set()
