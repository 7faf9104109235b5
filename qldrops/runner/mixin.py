"""Store methods for this package. `qldrops.store.core.Store` inherits from RunnerMixin.

Import heavy dependencies inside the methods, never at module level.
"""

from __future__ import annotations


class RunnerMixin:
    pass
