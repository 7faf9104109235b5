"""Both dashboard themes read: every text colour on the background it is drawn on, and every code token
colour on the code background, reaches WCAG AA (4.5:1). The ratio is computed here from the WCAG
formula, not taken from the module under test."""

from __future__ import annotations

import re

import pytest

from qldrops.dashboards import theme
from qldrops.dashboards.html import STYLE


def wcag_ratio(a: str, b: str) -> float:
    def lum(hexcolour: str) -> float:
        chans = [int(hexcolour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_matches_wcag_reference_values():
    assert wcag_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert wcag_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert theme.contrast("#777777", "#ffffff") == pytest.approx(wcag_ratio("#777777", "#ffffff"))


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_text_colour_reads_on_its_background(name):
    colours = theme.THEMES[name]
    low = [(fg, bg, round(wcag_ratio(colours[fg], colours[bg]), 2)) for fg, bg in theme.PAIRS
           if wcag_ratio(colours[fg], colours[bg]) < 4.5]
    assert low == []


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_code_token_colour_reads_on_the_code_background(name):
    css = STYLE
    if name == "dark":
        css = css[css.index("prefers-color-scheme: dark"):]
    else:
        css = css[:css.index("@media (prefers-color-scheme: dark)")]
    rules = re.findall(r"\.qldrops-code \.([\w-]+)\{color:(#[0-9a-f]{6})", css)
    assert len(rules) > 30  # keywords, strings, comments, names ... all coloured
    bg = theme.THEMES[name]["code-bg"]
    low = [(cls, colour, round(wcag_ratio(colour, bg), 2)) for cls, colour in rules if wcag_ratio(colour, bg) < 4.5]
    assert low == []


def test_the_dark_theme_follows_the_browser_and_sets_every_variable():
    assert "@media (prefers-color-scheme: dark)" in STYLE
    dark = STYLE[STYLE.index("@media (prefers-color-scheme: dark)"):]
    for name in theme.THEMES["dark"]:
        assert f"--qd-{name}:{theme.THEMES['dark'][name]}" in dark
    used = set(re.findall(r"var\(--qd-([\w-]+)", STYLE))
    assert used <= set(theme.THEMES["light"]) and used <= set(theme.THEMES["dark"])
    assert "http" not in STYLE  # nothing fetched (the CSP refuses it anyway)
