"""The server's early first paint (qldrops/server/first_paint.py): one copy of the picture on the page,
and the kernel's own picture wins when it differs (see test_server.py for the served pages)."""

from __future__ import annotations

import re

from qldrops.server.first_paint import EarlyPaint

STYLE, HEADER, CODE = "<style>.x{}</style>", "<h1>wf</h1>", "<pre>print('hi')</pre>"
HEAD = '<html><head></head><body><div id="rendered_cells" style="display: none">\n  <div>'


def block(body: str) -> str:
    return f'<div class="qldrops-ssr"><!--qldrops-ssr-->{body}<!--/qldrops-ssr--></div>'


def pictures(page: str) -> list[str]:
    return re.findall(r"<!--qldrops-ssr-->(.*?)<!--/qldrops-ssr-->", page, re.DOTALL)


def test_the_picture_is_sent_first_and_the_kernels_same_copy_dropped():
    early = EarlyPaint([STYLE, HEADER, CODE])
    page = early.feed(HEAD + '<div cell-index="1"></div>')
    assert page.startswith(HEAD) and pictures(page) == [STYLE, HEADER, CODE]
    assert page.index(CODE) < page.index('cell-index="1"')  # before any cell of the kernel
    page += early.feed(f'<div cell-index="4">{block(STYLE)}{block(HEADER)}{block(CODE)}</div>')
    assert pictures(page) == [STYLE, HEADER, CODE]  # one copy each
    assert "qldrops-ssr-early" in page and "remove()" not in page


def test_a_different_picture_from_the_kernel_replaces_the_early_one_and_keeps_the_styles():
    early = EarlyPaint([STYLE, HEADER, CODE])
    page = early.feed(HEAD)
    newer = "<pre>print('bye')</pre>"
    page += early.feed(f'<div cell-index="4">{block(STYLE)}{block(HEADER)}{block(newer)}</div>')
    # the early header and code are removed by the script, the kernel's header and code drawn after it
    assert pictures(page) == [STYLE, HEADER, CODE, HEADER, newer]
    script = page.index("document.querySelectorAll('.qldrops-ssr-early')")
    assert page.index(CODE) < script < page.rindex(HEADER)
    assert page.count("qldrops-ssr-early\"") == 2  # only the early copies carry the class the script removes


def test_a_problem_instead_of_the_page_replaces_the_picture():
    early = EarlyPaint([STYLE, HEADER, CODE])
    page = early.feed(HEAD) + early.feed(f"{block(STYLE)}{block('<p>This link has expired</p>')}")
    assert "remove()" in page and pictures(page)[-1] == "<p>This link has expired</p>"
    assert pictures(page).count(STYLE) == 1


def test_a_stream_without_the_page_body_passes_unchanged():
    early = EarlyPaint([STYLE, HEADER, CODE])
    chunk = f"<html><head></head>{block(HEADER)}"
    assert early.feed(chunk) == chunk
