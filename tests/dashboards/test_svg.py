"""The server-drawn SVG charts of the first paint: the figure's numbers, escaped, well-formed, every trace type."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest

from qldrops.dashboards.analytics import AnalyticsPage
from qldrops.dashboards.html import figure_html
from qldrops.dashboards.svg import COLOURWAY, figure_svg, nice_ticks, static_figures, values

HOSTILE = "wf-<script>alert('x')</script>&\"q\""
SVG = "{http://www.w3.org/2000/svg}"


def spec(fig) -> dict:
    """The JSON ``figure_html`` puts in ``data-figure`` (plotly 7: numbers as base64 typed arrays)."""
    return json.loads(html.unescape(re.search(r"data-figure='([^']*)'", figure_html(fig)).group(1)))


def marks(svg: str) -> list[tuple[str, str, float]]:
    """(tag, category, value) of every mark, read from a parsed (so well-formed) SVG."""
    root = ET.fromstring(svg)
    return [(e.tag.removeprefix(SVG), e.get("data-c"), float(e.get("data-v"))) for e in root.iter()
            if e.get("data-v") is not None]


def texts(svg: str) -> list[str]:
    return ["".join(e.itertext()) for e in ET.fromstring(svg).iter(f"{SVG}text")]


def test_bars_and_a_line_on_a_date_axis_carry_the_figures_numbers():
    days = ["2026-03-02", "2026-03-03", "2026-03-05"]
    fig = go.Figure()
    fig.add_bar(x=days, y=np.array([4, 3, 12]), name="views", marker_color="#4c78a8")
    fig.add_scatter(x=days, y=[3, 2, 5], name="unique viewers", mode="lines+markers", line_color="#f58518")
    fig.update_layout(title="Views per day", height=360, legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(type="date", tickformat="%b %d")
    s = spec(fig)
    assert isinstance(s["data"][0]["y"], dict) and values(s["data"][0]["y"]) == [4, 3, 12]  # typed arrays decoded
    svg = figure_svg(s, width=700)
    got = marks(svg)
    assert [(c, v) for tag, c, v in got if tag == "rect"] == [(d, v) for d, v in zip(days, (4, 3, 12), strict=True)]
    assert [(c, v) for tag, c, v in got if tag == "circle"] == [(d, v) for d, v in zip(days, (3, 2, 5), strict=True)]
    assert "<polyline" in svg and "viewBox='0 0 700 360'" in svg
    words = texts(svg)
    assert "Views per day" in words and "views" in words and "unique viewers" in words  # title and legend
    assert {"Mar 02", "Mar 03", "Mar 04", "Mar 05"} <= set(words)  # one tick a day; the missing day keeps its place
    rects = {e.get("data-c"): float(e.get("x")) for e in ET.fromstring(svg).iter(f"{SVG}rect") if e.get("data-c")}
    assert rects["2026-03-05"] - rects["2026-03-03"] == pytest.approx(2 * (rects["2026-03-03"] - rects["2026-03-02"]))
    # taller bars for bigger numbers, from one baseline
    heights = [float(e.get("height")) for e in ET.fromstring(svg).iter(f"{SVG}rect") if e.get("data-c")]
    assert heights[2] / heights[0] == pytest.approx(3, rel=0.01)


def test_a_period_without_data_draws_empty_axes():
    """The analytics page's default period can hold no views at all (the demo's events are older): the views
    chart is then two empty traces on a category axis, which plotly draws as empty axes."""
    fig = go.Figure()
    fig.add_bar(x=[], y=[], name="views")
    fig.add_scatter(x=[], y=[], name="unique viewers", mode="lines+markers")
    fig.update_layout(title="Views per day", height=360)
    fig.update_xaxes(type="category", tickformat="%b %d")
    svg = figure_svg(spec(fig), width=600)
    assert marks(svg) == [] and "Views per day" in texts(svg)
    assert figure_svg(spec(go.Figure(go.Bar(x=[], y=[], orientation="h"))), width=600).startswith("<svg")


def test_horizontal_bars_with_a_text_template_and_a_fixed_range():
    fig = go.Figure(go.Bar(x=[75.0, 90.0], y=["code", "doc"], orientation="h", text=[2, 1],
                           texttemplate="%{x:.0f} (n=%{text})", marker_color="#b279a2"))
    fig.update_layout(title="Mean quality", height=320, xaxis_range=[0, 100])
    svg = figure_svg(spec(fig), width=440)
    assert [(c, v) for _, c, v in marks(svg)] == [("code", 75.0), ("doc", 90.0)]
    words = texts(svg)
    assert "75 (n=2)" in words and "90 (n=1)" in words
    assert {"0", "20", "40", "60", "80", "100"} <= set(words) or {"0", "25", "50", "75", "100"} <= set(words)
    root = ET.fromstring(svg)
    bars = {e.get("data-c"): e for e in root.iter(f"{SVG}rect") if e.get("data-c")}
    assert float(bars["doc"].get("y")) < float(bars["code"].get("y"))  # the first category at the bottom, as plotly


def test_percent_ticks_group_and_overlay_bars():
    fig = go.Figure()
    fig.add_bar(x=["python", "go"], y=[0.5, 1.0], name="a")
    fig.add_bar(x=["python", "go"], y=[0.25, 0.75], name="b")
    fig.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1.05])
    grouped = figure_svg(spec(fig))
    assert {"0%", "50%", "100%"} <= set(texts(grouped))
    xs = [float(e.get("x")) for e in ET.fromstring(grouped).iter(f"{SVG}rect") if e.get("data-c") == "python"]
    assert xs[0] != xs[1]  # side by side
    fig.update_layout(barmode="overlay")
    xs = [float(e.get("x")) for e in ET.fromstring(figure_svg(spec(fig))).iter(f"{SVG}rect")
          if e.get("data-c") == "python"]
    assert xs[0] == xs[1]  # one over the other
    fills = [e.get("fill") for e in ET.fromstring(grouped).iter(f"{SVG}rect") if e.get("data-c") == "go"]
    assert fills == [COLOURWAY[0], COLOURWAY[1]]  # no colour of their own: plotly's colourway


def test_the_funnel_shows_values_and_percent_of_the_first_stage():
    fig = go.Figure(go.Funnel(y=["view", "edit", "execute"], x=[6, 4, 3], textinfo="value+percent initial"))
    svg = figure_svg(spec(fig), width=440, height=320)
    assert [(c, v) for _, c, v in marks(svg)] == [("view", 6.0), ("edit", 4.0), ("execute", 3.0)]
    words = texts(svg)
    assert "6 · 100%" in words and "4 · 67%" in words and "3 · 50%" in words
    assert {"view", "edit", "execute"} <= set(words)


def test_a_box_with_every_point():
    import pandas as pd
    import plotly.express as px

    frame = pd.DataFrame({"language": ["python"] * 4 + ["go"], "quality_score": [60.0, 70.0, 80.0, 90.0, 55.0]})
    fig = px.box(frame, x="language", y="quality_score", points="all", title="Quality score by language")
    fig.update_layout(yaxis_range=[0, 100])
    svg = figure_svg(spec(fig))
    assert sorted((c, v) for _, c, v in marks(svg)) == sorted(zip(frame["language"], frame["quality_score"],
                                                                   strict=True))
    boxes = {e.get("data-c"): float(e.get("data-median")) for e in ET.fromstring(svg).iter(f"{SVG}g")
             if e.get("data-median")}
    assert boxes == {"python": 75.0, "go": 55.0}
    assert "language" in texts(svg) and "quality_score" in texts(svg)  # axis titles


def test_many_points_by_legend_group_and_a_vertical_legend():
    import pandas as pd
    import plotly.express as px

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=900), "y": rng.normal(size=900),
                          "topic": [f"{i % 3}: topic {i % 3}" for i in range(900)]})
    fig = px.scatter(frame, x="x", y="y", color="topic", render_mode="svg")
    svg = figure_svg(spec(fig), width=1100, height=520)
    root = ET.fromstring(svg)
    groups = {g.get("data-name"): len(list(g.iter(f"{SVG}circle"))) for g in root.iter(f"{SVG}g")
              if g.get("data-name")}
    assert groups == {"0: topic 0": 300, "1: topic 1": 300, "2: topic 2": 300}
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "qd-legend")
    assert ["".join(t.itertext()) for t in legend.iter(f"{SVG}text")] == list(groups)
    assert len(svg) < 120_000  # no per-point titles at this size


def test_hostile_strings_are_escaped_everywhere():
    fig = go.Figure(go.Bar(x=[3], y=[HOSTILE], orientation="h", name=HOSTILE, text=[HOSTILE]))
    fig.add_scatter(x=[1], y=[HOSTILE], name=HOSTILE + "2")
    fig.update_layout(title=HOSTILE, xaxis_title=HOSTILE, yaxis_title=HOSTILE)
    figure = spec(fig)
    figure["data"][0]["marker"] = {"color": "red' onload='x()"}  # a colour is an attribute too: never trusted
    svg = figure_svg(figure)
    assert "onload" not in svg
    assert "<script" not in svg and "</style" not in svg
    ET.fromstring(svg)  # well-formed: nothing broke out of an attribute or a text
    assert [(c, v) for _, c, v in marks(svg)] == [(HOSTILE, 3.0), (HOSTILE, 1.0)]
    assert HOSTILE in texts(svg) or any(HOSTILE[:8] in t for t in texts(svg))
    page = static_figures(figure_html(fig, element_id="top-workflows"))
    assert "<script" not in page and "data-figure" not in page


def test_static_figures_replace_each_plot_and_nothing_else():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    page = ("<p>before</p>" + figure_html(fig, element_id="one") + "<div class='qldrops-note'>n</div>"
            + figure_html(fig, height=300) + "<p data-figure-like='x'>after</p>")
    out = static_figures(page, width=500)
    assert "data-figure=" not in out and out.count("<svg ") == 2
    assert out.startswith("<p>before</p><div class='qldrops-plot qldrops-static-plot' id='one' style='width:100%'><svg ")
    assert "viewBox='0 0 500 300'" in out and "<div class='qldrops-note'>n</div>" in out and out.endswith("after</p>")
    assert static_figures("<p>no plots</p>") == "<p>no plots</p>"


def test_nice_ticks():
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1.05, 5) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(-2.7, 3.1, 6) == [-2, -1, 0, 1, 2, 3]
    assert nice_ticks(5, 5) == [5, 5.2, 5.4, 5.6, 5.8, 6.0] or nice_ticks(5, 5)[0] == 5


def test_an_empty_workspace_draws_the_same_notes_and_no_chart(sqlite_store):
    first = AnalyticsPage(sqlite_store).first_paint_html()
    assert "No usage events in this period" in first and "No runs in this period" in first
    assert "No analysis results yet" in first and "No collaboration yet" in first
    assert "<svg" not in first and "data-figure" not in first
