"""The server's parts without a server: tickets, the link gate, pages, config, the kernel helper."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from qldrops.errors import (
    AccessDenied,
    DatabaseUnavailable,
    LinkExpired,
    LinkRevoked,
    NotFound,
    QldropsError,
    RateLimited,
)
from qldrops.server import pages
from qldrops.server.app import ServeOptions, build_config, cell_timeout, redact_uri
from qldrops.server.gate import LinkGate
from qldrops.server.tickets import Grant, TicketBook

GRANT = Grant(preview_id=7, workspace="acme", workflow_id="wf-1", expires_at="2030-01-01T00:00:00+00:00")


# ------------------------------------------------------------------------------------------- tickets
def test_a_ticket_is_redeemed_once():
    book = TicketBook(ttl=60)
    ticket = book.issue(GRANT)
    assert len(ticket) >= 24
    assert book.redeem(ticket) == GRANT
    assert book.redeem(ticket) is None


def test_a_ticket_expires():
    now = [100.0]
    book = TicketBook(ttl=5, clock=lambda: now[0])
    ticket = book.issue(GRANT)
    now[0] += 6
    assert book.redeem(ticket) is None
    book.issue(GRANT)
    now[0] += 6
    assert len(book) == 0  # expired tickets are swept, not kept forever


@pytest.mark.parametrize("bad", ["", "x", "A" * 24, "ticket=abc"])
def test_unknown_tickets_grant_nothing(bad):
    book = TicketBook()
    book.issue(GRANT)
    assert book.redeem(bad) is None


def test_tickets_are_unique():
    book = TicketBook()
    assert len({book.issue(GRANT) for _ in range(1000)}) == 1000


# ---------------------------------------------------------------------------------------- log, pages
@pytest.mark.parametrize(
    "uri,expected",
    [
        ("/p/abcDEF123", "/p/<capability>"),
        ("/p/abc?x=1", "/p/<capability>?x=1"),
        ("/qldrops/internal/s3cr3t/query/123", "/qldrops/internal/<secret>/query/123"),
        ("/healthz", "/healthz"),
    ],
)
def test_access_log_redacts_secrets(uri, expected):
    assert redact_uri(uri) == expected


@pytest.mark.parametrize(
    "exc,status,word",
    [
        (NotFound("INTERNAL-DETAIL no row"), 404, "does not exist"),
        (LinkExpired("INTERNAL-DETAIL at 12:00"), 410, "expired"),
        (LinkRevoked("INTERNAL-DETAIL by alice"), 410, "revoked"),
        (RateLimited("INTERNAL-DETAIL link", retry_after=12.0), 429, "12 seconds"),
        (
            DatabaseUnavailable("INTERNAL-DETAIL postgresql+psycopg://admin:hunter2@db/prod"),
            503,
            "unavailable",
        ),
        (AccessDenied("INTERNAL-DETAIL nope"), 403, "denied"),
        (RuntimeError("INTERNAL-DETAIL boom at /srv/app.py line 3"), 500, "went wrong"),
    ],
)
def test_error_pages_are_instructions_with_the_error_status(exc, status, word):
    code, body = pages.for_error(exc)
    assert code == status == (exc.http_status if isinstance(exc, QldropsError) else 500)
    assert word in body
    assert "INTERNAL-DETAIL" not in body and "hunter2" not in body and "Traceback" not in body


def test_pages_escape_what_they_show():
    body = pages.page(404, "<script>", "a & b", "<img src=x>")
    assert "<script>" not in body.split("</style>")[1] and "&lt;img" in body


# -------------------------------------------------------------------------------------------- config
def test_cell_timeout_spares_only_the_visitor_wait():
    from qldrops.server.kernel import WAIT_TAG

    assert cell_timeout({"metadata": {"tags": [WAIT_TAG]}}, 30) is None
    assert cell_timeout({"metadata": {"tags": ["other"]}}, 30) == 30
    assert cell_timeout({"metadata": {}}, 30) == 30


def test_config_is_safe_by_default(tmp_path):
    nb = tmp_path / "preview.ipynb"
    nb.write_text("{}")
    c = build_config(ServeOptions(port=9999), nb)
    assert c.Voila.config_file_paths == []  # no voila.json/voila.py from the CWD or Jupyter paths
    assert c.Voila.port_retries == 0
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.VoilaConfiguration.template == "qldrops"
    assert c.VoilaConfiguration.preheat_kernel is True
    assert c.VoilaExecutor.timeout == 60
    assert c.VoilaExecutor.timeout_func({"metadata": {}}) == 60
    assert c.MappingKernelManager.cull_idle_timeout == 600
    assert c.MappingKernelManager.cull_interval == 60
    assert c.VoilaConfiguration.http_header_envs == []
    # a cell's outputs are waited for as long as the cell may run (nbclient's 4 s default dropped the
    # preview's widget output on a busy machine: issue 11, tests/test_server_dashboards.py)
    assert c.VoilaExecutor.iopub_timeout == 60
    assert c.VoilaConfiguration.page_config_hook({}, notebook_path=None)["qldropsLiveTimeout"] == 60.0


def test_the_visitor_bounds_reach_the_kernel_manager_from_the_command_line_and_the_environment(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import qldrops.cli.serve as serve_cli

    nb = tmp_path / "preview.ipynb"
    nb.write_text("{}")
    got = []
    monkeypatch.setattr(serve_cli, "run", got.append)  # our own entry point: the options it is handed
    result = CliRunner().invoke(serve_cli.serve, ["--max-renders-per-session", "3", "--max-kernels", "5"])
    assert result.exit_code == 0, result.output
    c = build_config(got[0], nb)
    assert c.CountingKernelManager.max_renders_per_session == 3 and c.CountingKernelManager.max_kernels == 5
    bad = CliRunner().invoke(serve_cli.serve, ["--max-renders-per-session", "0"])
    assert bad.exit_code == 2 and "--max-renders-per-session" in bad.output
    monkeypatch.setenv("QLDROPS_MAX_RENDERS_PER_SESSION", "7")
    assert build_config(ServeOptions(port=9999), nb).CountingKernelManager.max_renders_per_session == 7
    monkeypatch.delenv("QLDROPS_MAX_RENDERS_PER_SESSION")
    assert build_config(ServeOptions(port=9999), nb).CountingKernelManager.max_renders_per_session == 10


def test_the_live_timeout_and_the_cell_timeout_reach_the_page_and_the_executor(tmp_path):
    nb = tmp_path / "preview.ipynb"
    nb.write_text("{}")
    c = build_config(ServeOptions(port=9999, execute_timeout=45, live_timeout=20), nb)
    assert c.VoilaExecutor.iopub_timeout == 45
    assert c.VoilaConfiguration.page_config_hook({}, notebook_path=None)["qldropsLiveTimeout"] == 20.0


def test_template_drops_the_cdn_links():
    from qldrops.server.app import SHARE_DIR

    text = (SHARE_DIR / "voila" / "templates" / "qldrops" / "index.html.j2").read_text()
    assert "fontawesome-free@^5/css/all.min.css" in text  # the exact link it removes
    assert "extends 'lab/index.html.j2'" in text


# ---------------------------------------------------------------------------------------------- gate
def _count_queries(engine):
    seen = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: seen.append(1))
    return seen


def _links(store):
    store.put(workflow_id="wf-1", drop_type="prompt_enhancement", artifact="x")
    live = store.previews.create(workflow_id="wf-1", ttl="60m")
    revoked = store.previews.create(workflow_id="wf-1", ttl="60m")
    store.previews.revoke(revoked.id)
    real = store.clock
    store.clock = lambda: real() - dt.timedelta(hours=2)
    expired = store.previews.create(workflow_id="wf-1", ttl="60m")
    store.clock = real
    return live, revoked, expired


def test_gate_grants_a_live_link_and_refuses_the_rest(store):
    live, revoked, expired = _links(store)
    gate = LinkGate(store)
    grant = gate.open(live.capability, user_agent="ua", client="127.0.0.1")
    assert (grant.preview_id, grant.workspace, grant.workflow_id) == (live.id, live.workspace, "wf-1")
    assert live.capability not in repr(grant) + str(grant.to_json())
    with pytest.raises(LinkRevoked):
        gate.open(revoked.capability)
    with pytest.raises(LinkExpired):
        gate.open(expired.capability)
    with pytest.raises(NotFound):
        gate.open("A" * 42 + "E")
    assert store.previews.get(live.id).access_count == 1  # refused links count nothing on the live one


@pytest.mark.parametrize("junk", ["", "short", "A" * 42 + "B", "A" * 44, "A" * 42 + "!", None, "../" * 15])
def test_gate_rejects_junk_without_a_query(sqlite_store, junk):
    queries = _count_queries(sqlite_store.engine)
    with pytest.raises(NotFound):
        LinkGate(sqlite_store).open(junk)
    assert queries == []


def test_gate_rate_limits_per_link(sqlite_store):
    from qldrops.previews.ratelimit import RateLimits

    live, _, _ = _links(sqlite_store)
    gate = LinkGate(sqlite_store, RateLimits(link="2/minute"))
    gate.open(live.capability, client="10.0.0.1")
    gate.open(live.capability, client="10.0.0.2")
    with pytest.raises(RateLimited) as e:
        gate.open(live.capability, client="10.0.0.3")
    assert e.value.retry_after >= 1 and e.value.http_status == 429


def test_gate_ping_reports_an_unreachable_database(sqlite_store):
    assert LinkGate(sqlite_store).ping() is True

    class Down:  # an object with an engine that points at a closed port
        engine = sa.create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
        )

    assert LinkGate(Down()).ping() is False


# -------------------------------------------------------------------------------------- kernel side
def test_wait_for_visit_outside_the_server_is_a_clear_error(monkeypatch):
    from qldrops.server import kernel

    for name in ("VOILA_PREHEAT", "QUERY_STRING", kernel.ENV_REDEEM_URL, kernel.ENV_KERNEL_KEY):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AccessDenied):
        kernel.wait_for_visit()


def test_wait_for_visit_with_no_server_does_not_hang(monkeypatch):
    from qldrops.server import kernel

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "ticket=abc")
    monkeypatch.setenv(kernel.ENV_REDEEM_URL, "http://127.0.0.1:1/qldrops/internal/redeem")
    monkeypatch.setenv(kernel.ENV_KERNEL_KEY, "k")
    with pytest.raises(QldropsError):
        kernel.wait_for_visit(timeout=5)
    import os

    assert "QUERY_STRING" not in os.environ  # the ticket is gone from the kernel's environment


def test_problem_html_shows_no_exception_text():
    from qldrops.server.kernel import problem_html

    body = problem_html(DatabaseUnavailable("postgresql://u:secret@h/db refused"))
    assert "secret" not in body and "unavailable" in body


# ------------------------------------------------------------------------------------ labextensions
def test_plotly_loads_only_for_dashboards_that_ask(tmp_path):
    import json as _json

    from qldrops.server.extensions import PageConfigHook

    exts = [{"name": "jupyterlab-plotly"}, {"name": "@jupyter-widgets/jupyterlab-manager"}]
    (tmp_path / "plain.ipynb").write_text(_json.dumps({"metadata": {}, "cells": []}))
    (tmp_path / "charts.ipynb").write_text(
        _json.dumps({"metadata": {"qldrops": {"labextensions": ["jupyterlab-plotly"]}}, "cells": []})
    )
    hook = PageConfigHook(str(tmp_path))
    plain = hook({"federated_extensions": list(exts)}, notebook_path="plain.ipynb")
    charts = hook({"federated_extensions": list(exts)}, notebook_path="charts.ipynb")
    assert [e["name"] for e in plain["federated_extensions"]] == ["@jupyter-widgets/jupyterlab-manager"]
    assert len(charts["federated_extensions"]) == 2


# ------------------------------------------------------------------------------------ behind a proxy
def _request(peer: str, **headers: str):
    from tornado.httputil import HTTPHeaders, HTTPServerRequest

    req = HTTPServerRequest(method="GET", uri="/p/x", headers=HTTPHeaders(headers))
    req.remote_ip = peer
    return req


def test_forwarded_addresses_are_believed_only_from_trusted_proxies():
    from qldrops.server.proxy import client_address, is_forwarded, parse_trusted

    trusted = parse_trusted("127.0.0.1, 10.0.0.0/24")
    # from the proxy: the nearest hop it did not add itself
    assert client_address(_request("127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}), trusted) == "203.0.113.9"
    assert client_address(_request("10.0.0.5", **{"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.0.0.7"}),
                          trusted) == "203.0.113.9"
    assert client_address(_request("127.0.0.1", **{"X-Real-IP": "203.0.113.9"}), trusted) == "203.0.113.9"
    # from anyone else, or garbage: the direct peer
    assert client_address(_request("203.0.113.50", **{"X-Forwarded-For": "127.0.0.1"}), trusted) == "203.0.113.50"
    assert client_address(_request("127.0.0.1", **{"X-Forwarded-For": "not-an-ip"}), trusted) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}), ()) == "127.0.0.1"
    assert is_forwarded(_request("127.0.0.1", **{"X-Real-IP": "203.0.113.9"}))
    assert not is_forwarded(_request("127.0.0.1"))
    with pytest.raises(QldropsError, match="QLDROPS_TRUSTED_PROXIES"):
        parse_trusted("127.0.0.1, proxy.example")


def test_the_trusted_proxies_reach_the_handlers_settings(tmp_path):
    from qldrops.server.proxy import SETTING

    nb = tmp_path / "preview.ipynb"
    nb.write_text("{}")
    c = build_config(ServeOptions(port=9999, trusted_proxies="127.0.0.1"), nb)
    assert [str(n) for n in c.Voila.tornado_settings[SETTING]] == ["127.0.0.1/32"]


def test_https_is_believed_from_a_trusted_proxy_only():
    from types import SimpleNamespace

    from qldrops.server.proxy import SETTING, is_https, parse_trusted

    def handler(peer: str, trusted: str, **headers: str):
        return SimpleNamespace(request=_request(peer, **headers), settings={SETTING: parse_trusted(trusted)})

    assert is_https(handler("127.0.0.1", "127.0.0.1", **{"X-Forwarded-Proto": "https"}))
    assert not is_https(handler("203.0.113.5", "127.0.0.1", **{"X-Forwarded-Proto": "https"}))
    assert not is_https(handler("127.0.0.1", "", **{"X-Forwarded-Proto": "https"}))


def test_the_nginx_configuration_is_rendered_for_the_replicas_and_refuses_bad_input(tmp_path):
    from replicas import render_module

    render = render_module()
    text = render.render(["127.0.0.1:8871", "10.0.0.12:8866"], listen="127.0.0.1:8080", prefix=tmp_path)
    assert not re.search(r"@@[A-Z_]+@@", text) and "listen 127.0.0.1:8080;" in text
    assert "r2 qldrops_r2;" in text and "server 10.0.0.12:8866 backup;" in text
    assert "location /qldrops/internal/" in text and "/p/<capability>" in text
    for bad, why in (([], "at least one"), (["127.0.0.1:8871", "127.0.0.1:8871"], "twice"),
                     (["127.0.0.1;8871"], "host:port"), (["127.0.0.1:99999"], "host:port")):
        with pytest.raises(ValueError, match=why):
            render.render(bad, prefix=tmp_path)
    with pytest.raises(ValueError, match="listen"):
        render.render(["127.0.0.1:8871"], listen="80; include /etc/passwd", prefix=tmp_path)


def test_the_presence_cache_of_links_stays_bounded():
    from qldrops.server.handlers import remember

    cache: dict = {}
    for start in range(0, 100, 10):
        remember(cache, {i: ("default", f"wf-{i}", None) for i in range(start, start + 10)}, keep=25)
        assert len(cache) <= 25
    assert sorted(cache) == list(range(75, 100))  # the newest stay
    remember(cache, {80: ("default", "wf-80", None), 500: None}, keep=25)  # a known id again, and a gone link
    assert len(cache) == 25 and 500 in cache and 80 in cache and 75 not in cache
    remember(cache, {600: None}, keep=25, needed={76, 600})  # an open link looked up long ago stays
    assert 76 in cache and 77 not in cache and len(cache) == 25
