"""Three-way merge of texts (``merge3``, the diff3 algorithm of Bazaar and Breezy), and line mapping.

``merge`` combines the edits made from a common base on two sides; when both sides
changed the same (or adjacent) lines the result is a conflict carrying the marked
text. ``map_lines`` follows a line range from one version of a text to the next
through the diff (for comments anchored to lines).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import DependencyMissing


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str  # the merged text; with conflict markers when ``conflicts`` > 0
    conflicts: int


def merge(base: str, current: str, mine: str, *, current_label: str = "current",
          mine_label: str = "yours") -> MergeResult:
    """Merge ``mine`` (edited from ``base``) into ``current`` (also descended from ``base``)."""
    try:
        import merge3
    except ImportError:  # pragma: no cover - merge3 is a core dependency
        raise DependencyMissing("merge3", "merging a save into a changed drop") from None
    m = merge3.Merge3(base.splitlines(keepends=True), current.splitlines(keepends=True),
                      mine.splitlines(keepends=True))
    conflicts = sum(1 for region in m.merge_regions() if region[0] == "conflict")
    lines = list(m.merge_lines(name_a=current_label, name_b=mine_label))
    # A marker written after a last line without a newline would join that line: give it one.
    text = "".join(line if line.endswith("\n") or i == len(lines) - 1 else line + "\n"
                   for i, line in enumerate(lines)) if conflicts else "".join(lines)
    return MergeResult(text, conflicts)


def line_mapper(old: str, new: str) -> Callable[[int, int], tuple[int, int] | None]:
    """A function telling where lines ``start``..``end`` (1-based, inclusive) of ``old`` are in ``new``.

    The diff is computed once (many comments of one file are mapped with one diff). A range
    follows its lines when every one of them is unchanged (only lines above or below it were
    added or removed); it maps to None when any of them was edited or deleted.
    """
    a, b = old.splitlines(), new.splitlines()
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()

    def where(start: int, end: int) -> tuple[int, int] | None:
        if start < 1 or end < start or end > max(len(a), 1):
            return None
        for blk in blocks:
            if blk.a <= start - 1 and end <= blk.a + blk.size:
                shift = blk.b - blk.a
                return start + shift, end + shift
        return None

    return where


def map_lines(old: str, new: str, start: int, end: int) -> tuple[int, int] | None:
    """Where lines ``start``..``end`` of ``old`` are in ``new``, or None (see :func:`line_mapper`)."""
    return line_mapper(old, new)(start, end)
