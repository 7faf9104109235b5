"""Bounds on visitor kernels (invariant 11) and the server's hardening, without a server.

The seats bookkeeping (:mod:`qldrops.server.admission`), the busy page, the per-link
run limit, the template path check and the kernel-side comm guard. The same paths
run end to end in ``test_server_hardening.py`` and ``test_server.py``.
"""

from __future__ import annotations

import logging

import pytest

from qldrops.errors import RateLimited
from qldrops.previews.ratelimit import RateLimits
from qldrops.server import pages
from qldrops.server.admission import KernelBudget, ServerBusy
from qldrops.server.gate import LinkGate
from qldrops.server.kernel import comm_problem, guard_comms
from qldrops.server.security import template_path_ok


def budget(total: int = 10, per_link: int = 10, per_client: int = 10) -> KernelBudget:
    return KernelBudget(total=total, per_link=per_link, per_client=per_client, retry_after=30)


# ------------------------------------------------------------------------------------------- seats
def test_a_reload_replaces_the_previous_kernel():
    b = budget()
    seat, replaced = b.admit(link=1, client="a", session="s1")
    assert replaced == []
    assert b.bind(seat, "k1")
    for n in range(5):
        seat, replaced = b.admit(link=1, client="a", session="s1")
        assert replaced == [f"k{n + 1}"]
        assert b.bind(seat, f"k{n + 2}")
        assert len(b) == 1


def test_cookieless_repeats_replace_each_other_not_cookie_visits():
    b = budget()
    browser, _ = b.admit(link=1, client="a", session="s1")
    b.bind(browser, "kb")
    for n in range(5):
        seat, replaced = b.admit(link=1, client="a", session=f"new{n}", returning=False)
        assert replaced == ([] if n == 0 else [f"k{n - 1}"])
        b.bind(seat, f"k{n}")
    assert len(b) == 2 and b.seat_of("kb") is browser


def test_a_reload_during_a_render_shuts_the_late_kernel_down():
    b = budget()
    first, _ = b.admit(link=1, client="a", session="s1")  # still rendering, no kernel yet
    second, replaced = b.admit(link=1, client="a", session="s1")
    assert replaced == []
    assert not b.bind(first, "k-late")  # the handler shuts this one down
    assert b.bind(second, "k2") and len(b) == 1


@pytest.mark.parametrize(
    "bounds,visits",
    [
        ({"per_client": 2}, [(1, "a"), (2, "a"), (3, "a")]),  # one address, three links
        ({"per_link": 2}, [(1, "a"), (1, "b"), (1, "c")]),  # one link, three addresses
        ({"total": 2}, [(1, "a"), (2, "b"), (3, "c")]),  # the server
    ],
)
def test_past_a_bound_a_visit_is_refused_before_any_kernel(bounds, visits):
    b = budget(**bounds)
    for n, (link, client) in enumerate(visits[:-1]):
        b.admit(link=link, client=client, session=f"s{n}")
    link, client = visits[-1]
    with pytest.raises(ServerBusy) as e:
        b.admit(link=link, client=client, session="late")
    assert e.value.http_status == 503 and e.value.retry_after == 30
    assert len(b) == len(visits) - 1


def test_one_browser_session_starts_a_bounded_number_of_renders_per_window():
    """50 tabs of one link at once: the first ``renders_per_session`` are served (each replacing the
    previous tab's kernel), the rest are told when to come back; a cookieless script is bounded by
    the rate limits instead (its seats replace each other)."""
    b = KernelBudget(total=10, per_link=10, per_client=10, renders_per_session=10, session_window=60)
    for i in range(10):
        b.admit(link=1, client="a", session="tabs", now=100.0 + i)
    with pytest.raises(ServerBusy) as e:
        b.admit(link=1, client="a", session="tabs", now=110.0)
    assert e.value.retry_after == pytest.approx(50.0) and "close the tabs" in e.value.message
    assert len(b) == 1  # the tabs replaced each other: one seat
    b.admit(link=1, client="a", session="other browser", now=110.0)  # another browser is not affected
    b.admit(link=1, client="a", session="tabs", now=160.5)  # the window moved: served again
    for i in range(20):
        b.admit(link=1, client="a", session=f"script{i}", returning=False, now=161.0)  # not counted per session


def test_untracked_kernels_count_against_the_server_bound():
    b = budget(total=3)
    with pytest.raises(ServerBusy):
        b.admit(link=1, client="a", session="s", untracked=3)


def test_a_seat_ends_with_its_kernel_or_its_failed_render():
    b = budget(total=1)
    seat, _ = b.admit(link=1, client="a", session="s")
    b.bind(seat, "k")
    b.rendered(seat)
    assert not b.rendering("k") and b.owns("k", "s") and not b.owns("k", "other") and not b.owns("k", None)
    b.release("k")
    assert len(b) == 0 and not b.owns("k", "s")
    failed, _ = b.admit(link=1, client="a", session="s")
    b.rendered(failed)  # the render ended without a kernel
    assert len(b) == 0


def test_the_busy_page_says_when_to_come_back():
    status, body = pages.for_error(ServerBusy("every kernel of this server is taken", retry_after=31.2))
    assert status == 503
    assert "Busy" in body and "32 seconds" in body and "kernel" not in body


# -------------------------------------------------------------------------------------- run limit
def test_runs_per_link_are_limited():
    gate = LinkGate(store=None, limits=RateLimits(run="2/minute"))
    gate.permit_run(7)
    gate.permit_run(7)
    with pytest.raises(RateLimited) as e:
        gate.permit_run(7)
    assert e.value.retry_after >= 1
    gate.permit_run(8)  # another link has its own budget


# ------------------------------------------------------------------------------ template paths
@pytest.mark.parametrize(
    "path,ok",
    [
        ("qldrops/static/voila.js", True),
        ("lab/static/css/index.css", True),
        ("qldrops/static/..%2F..%2F..%2Fetc%2Fpasswd", False),
        ("..%2F..%2Fetc/passwd", False),
        ("qldrops/static/../secret", False),
        ("qldrops/static/", False),
        ("qldrops/other/file.js", False),
        ("qldrops/static/a//b.js", False),
        ("qldrops/static/a\\b.js", False),
        ("qldrops/static/%00.js", False),
    ],
)
def test_template_paths(path, ok):
    assert template_path_ok(path) is ok


# ------------------------------------------------------------------------------------ comm guard
class _Kernel:
    def __init__(self, handler):
        self.shell_handlers = {"comm_open": handler, "comm_msg": handler, "comm_close": handler}


@pytest.mark.parametrize(
    "msg",
    [
        {},
        {"content": None},
        {"content": {"target_name": "jupyter.widget"}},
        {"content": {"comm_id": 5, "target_name": "jupyter.widget"}},
        {"content": {"comm_id": "x", "target_name": 5}},
        {"content": {"comm_id": "x", "target_name": "jupyter.widget", "data": "junk"}},
        {"content": {"comm_id": "x" * 500, "target_name": "jupyter.widget"}},
    ],
)
def test_malformed_comm_messages_never_reach_the_handler(msg, caplog):
    called = []
    kernel = _Kernel(lambda *a: called.append(a))
    assert guard_comms(kernel)
    with caplog.at_level(logging.WARNING, logger="ipykernel.comm"):
        kernel.shell_handlers["comm_open"](None, [], msg)
    assert called == []
    assert comm_problem("comm_open", msg) is not None
    assert all(r.exc_info is None for r in caplog.records) and "refused" in caplog.text


def test_a_failing_comm_handler_logs_a_short_line_without_a_traceback(caplog):
    def explode(*_):
        raise ValueError("/secret/server/path.py line 3")

    kernel = _Kernel(explode)
    guard_comms(kernel)
    guard_comms(kernel)  # twice: still one guard
    msg = {"content": {"comm_id": "x", "target_name": "jupyter.widget", "data": {}}}
    with caplog.at_level(logging.WARNING, logger="ipykernel.comm"):
        kernel.shell_handlers["comm_open"](None, [], msg)
        try:
            raise KeyError("/another/path.py")
        except KeyError:
            logging.getLogger("Comm").error("Exception in comm_msg for %s", "x", exc_info=True)
    assert "/secret" not in caplog.text and "/another" not in caplog.text and "Traceback" not in caplog.text
    assert "ValueError" in caplog.text and "(KeyError)" in caplog.text
