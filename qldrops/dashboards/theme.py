"""The dashboards' two themes, light and dark (the browser's ``prefers-color-scheme`` picks one), as CSS.

Every colour a page draws text with is named here, with the background it is drawn on
(:data:`PAIRS`); ``tests/dashboards/test_theme.py`` computes their WCAG contrast ratios. Code is
coloured by the tokens of a pygments style per theme; a token colour too faint on the theme's
code background is darkened (light) or lightened (dark) until it reads at :data:`MIN_CONTRAST`,
so a style's pale comments stay readable. Pages carry this CSS inline: nothing is fetched.
"""

from __future__ import annotations

import functools

from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES

MIN_CONTRAST = 4.5  # WCAG AA for normal text

# name -> colour, per theme. Foregrounds end in -fg (or are fg, muted, ln), backgrounds in -bg or bg.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "fg": "#1f2328", "bg": "#ffffff", "muted": "#59636e", "border": "#d0d7de",
        "code-bg": "#fbfcfd", "ln": "#616a73", "ln-border": "#d8dee4",
        "chip-fg": "#0550ae", "chip-bg": "#ddf4ff", "selected-bg": "#ddf4ff", "hover-bg": "#eff2f5",
        "add-bg": "#e6ffec", "del-bg": "#ffebe9", "hunk-bg": "#ddf4ff", "hunk-fg": "#424a53",
        "add-fg": "#116329", "del-fg": "#a40e26",
        "problem-bg": "#fff4e5", "problem-border": "#f0b35b", "note-bg": "#eef4fb", "note-border": "#b6cbe6",
        "ok-bg": "#dafbe1", "bad-bg": "#ffebe9", "out-bg": "#0d1117", "out-fg": "#e6edf3", "err-fg": "#ff9492",
        "button-bg": "#1f7a38", "button-fg": "#ffffff", "sev-bg": "#fff0f0", "kpi-fg": "#1f2328",
    },
    "dark": {
        "fg": "#e6edf3", "bg": "#0d1117", "muted": "#9198a1", "border": "#3d444d",
        "code-bg": "#151b23", "ln": "#8b949e", "ln-border": "#30363d",
        "chip-fg": "#9ecbff", "chip-bg": "#1c2d41", "selected-bg": "#1f3350", "hover-bg": "#1c2128",
        "add-bg": "#12311d", "del-bg": "#3c1618", "hunk-bg": "#15263d", "hunk-fg": "#b1bac4",
        "add-fg": "#56d364", "del-fg": "#ff9492",
        "problem-bg": "#3a2602", "problem-border": "#9e6a03", "note-bg": "#132238", "note-border": "#2f4a6e",
        "ok-bg": "#12311d", "bad-bg": "#3c1618", "out-bg": "#010409", "out-fg": "#e6edf3", "err-fg": "#ff9492",
        "button-bg": "#238636", "button-fg": "#ffffff", "sev-bg": "#3c1618", "kpi-fg": "#e6edf3",
    },
}
# (text colour, background) pairs the pages use; each must read at MIN_CONTRAST in both themes.
PAIRS: list[tuple[str, str]] = [
    ("fg", "bg"), ("muted", "bg"), ("fg", "code-bg"), ("ln", "code-bg"), ("chip-fg", "chip-bg"),
    ("fg", "selected-bg"), ("fg", "hover-bg"), ("fg", "add-bg"), ("fg", "del-bg"), ("hunk-fg", "hunk-bg"),
    ("add-fg", "bg"), ("del-fg", "bg"), ("fg", "problem-bg"), ("fg", "note-bg"), ("fg", "ok-bg"), ("fg", "bad-bg"),
    ("out-fg", "out-bg"), ("err-fg", "out-bg"), ("button-fg", "button-bg"), ("fg", "sev-bg"), ("kpi-fg", "bg"),
    ("muted", "code-bg"),
]
# The pygments style code is coloured with, per theme.
CODE_STYLES = {"light": "default", "dark": "github-dark"}


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def readable(colour: str, bg: str, minimum: float = MIN_CONTRAST) -> str:
    """``colour``, moved towards black (light background) or white (dark) until it reads on ``bg``."""
    target = 0 if luminance(bg) > 0.5 else 255
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    for step in range(21):
        mix = step / 20
        out = "#" + "".join(f"{round(c + (target - c) * mix):02x}" for c in rgb)
        if contrast(out, bg) >= minimum:
            return out
    return "#000000" if target == 0 else "#ffffff"


@functools.lru_cache(maxsize=4)
def token_colours(theme: str) -> dict[str, tuple[str, bool, bool]]:
    """pygments class -> (colour, bold, italic) for ``theme``, every colour readable on its code background."""
    bg = THEMES[theme]["code-bg"]
    out: dict[str, tuple[str, bool, bool]] = {}
    for ttype, style in get_style_by_name(CODE_STYLES[theme]):
        cls = STANDARD_TYPES.get(ttype)
        if not cls or not style["color"]:
            continue
        out[cls] = (readable("#" + style["color"], bg), bool(style["bold"]), bool(style["italic"]))
    return out


def _variables(theme: str) -> str:
    return "".join(f"--qd-{name}:{value};" for name, value in THEMES[theme].items())


def _tokens(theme: str) -> str:
    return "".join(
        f".qldrops-code .{cls}{{color:{colour}{';font-weight:600' if bold else ''}"
        f"{';font-style:italic' if italic else ''}}}"
        for cls, (colour, bold, italic) in sorted(token_colours(theme).items()))


# Jupyter's own variables, so widgets (tabs, buttons, dropdowns) follow the dark theme too.
_JUPYTER_DARK = ("--jp-layout-color0:#0d1117;--jp-layout-color1:#0d1117;--jp-layout-color2:#151b23;"
                 "--jp-layout-color3:#30363d;--jp-ui-font-color0:#ffffff;--jp-ui-font-color1:#e6edf3;"
                 "--jp-ui-font-color2:#b1bac4;--jp-ui-font-color3:#9198a1;--jp-content-font-color0:#ffffff;"
                 "--jp-content-font-color1:#e6edf3;--jp-content-font-color2:#b1bac4;--jp-border-color0:#3d444d;"
                 "--jp-border-color1:#3d444d;--jp-border-color2:#30363d;--jp-widgets-color:#e6edf3;"
                 "--jp-widgets-label-color:#e6edf3;--jp-widgets-readout-color:#e6edf3;"
                 "--jp-widgets-input-color:#e6edf3;--jp-widgets-input-background-color:#151b23;"
                 "--jp-widgets-input-border-color:#3d444d;--jp-cell-editor-background:#151b23;"
                 "--jp-rendermime-table-row-background:#0d1117;--jp-rendermime-table-row-hover-background:#1c2128;")


@functools.lru_cache(maxsize=1)
def theme_css() -> str:
    """Both themes as CSS: the light one by default, the dark one under ``prefers-color-scheme: dark``."""
    return (
        f":root{{{_variables('light')}color-scheme:light dark}}{_tokens('light')}"
        f"@media (prefers-color-scheme: dark){{:root{{{_variables('dark')}{_JUPYTER_DARK}}}"
        "body,.jp-Notebook,.jp-Cell,.jp-OutputArea,.jp-OutputArea-output,#rendered_cells,main"
        "{background:var(--qd-bg) !important;color:var(--qd-fg)}"
        f"{_tokens('dark')}}}"
    )


__all__ = ["CODE_STYLES", "MIN_CONTRAST", "PAIRS", "THEMES", "contrast", "luminance", "readable", "theme_css",
           "token_colours"]
