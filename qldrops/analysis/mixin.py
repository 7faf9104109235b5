"""Store methods for this package. `qldrops.store.core.Store` inherits from AnalysisMixin.

Import heavy dependencies inside the methods, never at module level.
"""

from __future__ import annotations


class AnalysisMixin:
    pass
