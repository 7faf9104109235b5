"""The explorer dashboard's controller with the fake embedder: search, topics, near-duplicates."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from qldrops.dashboards.explorer import ExplorerPage, drop_vectors, project_2d
from qldrops.errors import NotFound

KEY = "AKIAABCDEFGHIJKLMNOP"
RETRY = "import time\n\ndef retry(fn, tries=5):\n    for i in range(tries):\n        time.sleep(2 ** i)\n"


@pytest.fixture
def drops(sqlite_store):
    s = sqlite_store
    items = [
        ("wf-1", "code_generation", f"AWS = '{KEY}'\n" + RETRY),
        ("wf-2", "code_generation", f"AWS = '{KEY}'\n" + RETRY),  # an exact copy in another workflow
        ("wf-3", "code_generation", "fn main() { println!(\"hi\"); }\n"),
        ("wf-3", "documentation", "# Deploying\nRun kubectl rollout restart.\n"),
        ("wf-4", "prompt_enhancement", "Write a retry helper with exponential backoff.\n"),
        ("wf-4", "code_generation", "package main\nfunc main() {}\n"),
    ]
    ids = [s.put(workflow_id=w, drop_type=t, artifact=a).id for w, t, a in items]
    s.index.sync()
    return s, ids


def test_the_header_counts_the_drops(drops):
    s, ids = drops
    page = ExplorerPage(s)
    kpis = page.kpis_html()
    assert f"<b>{len(ids)}</b>drops" in kpis and "<b>4</b>workflows" in kpis
    assert page.drop_types == ["code_generation", "documentation", "prompt_enhancement"]


def test_search_shows_hits_with_secrets_masked(drops):
    s, ids = drops
    page = ExplorerPage(s)
    found = page.search_html("retry with exponential backoff", k=3)
    hits = s.search("retry with exponential backoff", mode="hybrid", limit=3)
    assert "id='search-results'" in found and f"{len(hits)} drops best matching" in found
    assert re.findall(r"<tr><td>[^<]+</td><td>[^<]*</td><td>(\d+)</td>", found) == [str(h.id) for h in hits]
    assert "words + meaning" in found  # the retry code matches by words and is close in meaning
    everything = page.search_html("retry", k=len(ids))
    assert "AWS = &#x27;AKIA****" in everything and KEY not in everything
    only_docs = page.search_html("kubectl", k=5, drop_type="documentation")
    assert only_docs.count("<tr><td>") == 1 and "wf-3" in only_docs


def test_nonsense_says_no_close_match(drops):
    s, _ = drops
    shown = ExplorerPage(s).search_html("zxqv plorf wubblenak", k=8)
    assert "id='no-close-match'" in shown and "search-results" not in shown


def test_fork_copies_fold_into_their_original(drops):
    s, ids = drops
    s.fork_workflow("wf-1", "wf-1-b")
    assert len(s.search("retry", mode="hybrid", limit=8, collapse_forks=False)) == 4  # the copy, unfolded
    shown = ExplorerPage(s).search_html("retry", k=8)
    rows = re.findall(r"<tr><td>[^<]+</td><td>[^<]*</td><td>(\d+)</td><td>([^<]+)(<small class='forks'[^>]*>"
                      r"\+(\d+) fork)?", shown)
    workflows = [w.strip() for _, w, _, _ in rows]
    assert "wf-1" in workflows and "wf-1-b" not in workflows
    assert dict((w.strip(), n) for _, w, _, n in rows)["wf-1"] == "1"


def test_topics_place_every_indexed_drop_on_the_map(drops):
    s, ids = drops
    page = ExplorerPage(s)
    shown = page.topics_html(n=2)
    m = re.search(r"id='cluster-map'[^>]*data-figure='([^']*)'", shown)
    figure = json.loads(html.unescape(m.group(1)))
    xs = [t["x"] for t in figure["data"]]
    assert sum(len(x["bdata"]) if isinstance(x, dict) else len(x) for x in xs) > 0
    assert 'id="cluster-table"' in shown
    indexed, matrix = drop_vectors(s)
    assert sorted(indexed) == sorted(ids) and matrix.shape == (len(ids), s.index.embedder.dim)


def test_near_duplicates_and_a_pair_side_by_side(drops):
    s, ids = drops
    page = ExplorerPage(s)
    found = page.dupes(0.95, ["exact"])
    assert "id='dupe-summary'" in found.summary and "1 pairs" in found.summary and "exact: 1" in found.summary
    ((label, pair),) = found.options
    assert f"drops {pair[0]} and {pair[1]}" in label
    assert set(pair) == {ids[0], ids[1]} and found.empty == ""
    assert page.answered(0.9500000000000001, ["exact"]) and not page.answered(0.9, ["exact"])
    side = page.pair_html(pair)
    assert "id='dupe-pair'" in side and "(identical content)" in side and KEY not in side
    s.delete(ids[1])
    with pytest.raises(NotFound):
        page.pair_html(pair)
    none = page.dupes(0.99, ["exact"])
    assert none.options == [] and "No near-duplicates" in none.empty


def test_the_projection_is_deterministic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 5))
    a, b = project_2d(x), project_2d(x.copy())
    assert a.shape == (10, 2) and np.allclose(a, b)
    assert np.allclose(a.mean(axis=0), 0)
    assert project_2d(np.zeros((0, 5))).shape == (0, 2)
    assert project_2d(np.ones((1, 5))).shape == (1, 2)


def test_the_static_first_paint_is_the_live_pages_default_answers(drops):
    """What the server sends before the widgets: the KPIs, the default search's results, the topic map and
    table, the pairs and the first pair, with every control disabled; the same HTML the live widgets draw
    first, secrets masked, built once per workspace position."""
    from qldrops.dashboards.explorer import DEFAULT_QUERY, DEFAULT_RESULTS, DEFAULT_THRESHOLD, METHODS

    s, ids = drops
    few = ExplorerPage(s).first_paint_html()  # 6 drops, 8 topics asked: the topics section says so, the rest draws
    assert "qldrops-problem" in few and "only 6 drops" in few and "id='cluster-map'" not in few
    assert "id='search-results'" in few and "id='dupe-summary'" in few
    ids += [s.put(workflow_id="wf-5", drop_type="code_generation", artifact=f"def f{i}():\n    return {i}\n").id
            for i in range(3)]
    s.index.sync()
    page = ExplorerPage(s)
    first = page.first_paint_html()
    assert first.startswith("<div class='qldrops-ssr-body") and "qldrops-problem" not in first
    assert page.kpis_html() in first
    assert page.search_html(DEFAULT_QUERY, DEFAULT_RESULTS) in first
    topics = page.topics_html(fresh=False)
    assert topics.split("</div>", 1)[1] in first  # the topics table as the live page draws it
    found = page.dupes(DEFAULT_THRESHOLD, METHODS)
    assert found.summary in first and page.pair_html(found.options[0][1]) in first
    assert html.escape(found.options[0][0]) in first
    # the controls are drawn, but not usable until the live page takes over
    controls = re.findall(r"<(input|select|button)\b([^>]*)>", first)
    assert controls and all("disabled" in attrs for _, attrs in controls)
    assert f"value='{DEFAULT_QUERY}'" in first
    # the topic map is inline SVG (no plotly.js, no data-figure to redraw): one point per drop, by topic
    from qldrops.dashboards.svg import values

    assert "data-figure" not in first and "<script" not in first
    spec = json.loads(html.unescape(re.search(r"data-figure='([^']*)'", topics).group(1)))
    drawn = re.search(r"id='cluster-map'[^>]*>(<svg .*?</svg>)", first, re.DOTALL).group(1)
    groups = dict(re.findall(r"<g fill='[^']*' data-name='([^']*)'>((?:<circle [^>]*>(?:<title>.*?</title></circle>)?)*)</g>",
                             drawn))
    assert {html.unescape(k): v.count("<circle") for k, v in groups.items()} == {
        t["name"]: len(values(t["x"])) for t in spec["data"]}
    assert sum(len(values(t["x"])) for t in spec["data"]) == len(ids)
    for t in spec["data"]:
        assert html.escape(t["name"]) in drawn  # the legend names every topic
    assert KEY not in first and "AKIA****" in first
    ident = re.findall(r"\bid=['\"]([^'\"]+)['\"]", first)
    assert len(ident) == len(set(ident))  # no id twice within the picture
    # cached: a second page at the same position computes nothing; a write draws it again
    hits = s.cache.hits
    assert ExplorerPage(s).first_paint_html() == first and s.cache.hits == hits + 1
    s.put(workflow_id="wf-6", drop_type="code_generation", artifact="print('<b>new</b>')\n")
    again = ExplorerPage(s).first_paint_html()
    assert again != first and f"<b>{len(ids) + 1}</b>drops" in again
    assert "<b>1 changes</b>" in again  # the index was one change behind when the page opened
    s.index.sync()  # the index catches up without a write: the picture follows it, never a stale lag
    assert "<b>0 changes</b>" in ExplorerPage(s).first_paint_html()
    shown = ExplorerPage(s).search_html("print new", k=20)
    assert "&lt;b&gt;new&lt;/b&gt;" in shown and "<b>new</b>" not in shown  # a drop's text is escaped, never markup


def test_the_first_paint_does_not_answer_for_the_live_pairs(drops):
    """Building the picture must not make the live near-duplicates section think it already answered."""
    from qldrops.dashboards.explorer import DEFAULT_THRESHOLD, METHODS

    s, _ = drops
    page = ExplorerPage(s)
    page.first_paint_html()
    assert not page.answered(DEFAULT_THRESHOLD, METHODS)
