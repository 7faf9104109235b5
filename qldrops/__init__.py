"""qldrops: store, search, analyse and share the artifacts of AI code-generation workflows.

    import qldrops
    store = qldrops.connect()          # embedded SQLite under data/, or QLDROPS_DATABASE_URL
"""

from .errors import (
    AccessDenied,
    BatchError,
    Conflict,
    DatabaseError,
    DatabaseUnavailable,
    Deleted,
    DependencyMissing,
    LinkExpired,
    LinkRevoked,
    NotFound,
    QldropsError,
    RateLimited,
    SchemaError,
    UnknownDropType,
    ValidationError,
    VectorIndexError,
)
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "connect",
    "Store",
    "Drop",
    "Settings",
    "analyze",
    "QldropsError",
    "AccessDenied",
    "BatchError",
    "Conflict",
    "DatabaseError",
    "DatabaseUnavailable",
    "Deleted",
    "DependencyMissing",
    "LinkExpired",
    "LinkRevoked",
    "NotFound",
    "RateLimited",
    "SchemaError",
    "UnknownDropType",
    "ValidationError",
    "VectorIndexError",
    "__version__",
]


def __getattr__(name):
    # Lazy: `import qldrops` stays cheap; SQLAlchemy loads on first use.
    if name in {"connect", "Store"}:
        from .store import core

        return getattr(core, name)
    if name == "Drop":
        from .store.models import Drop

        return Drop
    if name == "analyze":
        from .analysis import analyze

        return analyze
    raise AttributeError(f"module 'qldrops' has no attribute {name!r}")
