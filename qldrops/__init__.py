"""qldrops: store, search, analyse and share the artifacts of AI code-generation workflows.

    import qldrops
    store = qldrops.connect()          # embedded SQLite in the data directory, or QLDROPS_DATABASE_URL

``connect``, ``Store``, ``Drop`` and ``analyze`` load on first use (PEP 562), so
``import qldrops`` costs a few milliseconds and loads no database driver, model or
dashboard library. The whole exception tree is importable from here.
"""

from .errors import (
    AccessDenied,
    AnalysisError,
    BatchError,
    ConfigurationError,
    Conflict,
    DatabaseError,
    DatabaseUnavailable,
    Deleted,
    DependencyMissing,
    ImportFormatError,
    LinkExpired,
    LinkRevoked,
    MergeConflict,
    NotFound,
    ObjectStoreUnavailable,
    QldropsError,
    RateLimited,
    SandboxError,
    SchemaError,
    UnknownDropType,
    ValidationError,
    VectorIndexError,
)
from .settings import Settings

# Type-only imports without importing `typing` (3 ms of `import qldrops`); mypy reads the block.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis.core import analyze
    from .client import Store, connect
    from .store.models import Drop

del TYPE_CHECKING

__version__ = "0.1.0"

__all__ = [
    "connect",
    "Store",
    "Drop",
    "Settings",
    "analyze",
    "QldropsError",
    "AccessDenied",
    "AnalysisError",
    "BatchError",
    "ConfigurationError",
    "Conflict",
    "MergeConflict",
    "DatabaseError",
    "DatabaseUnavailable",
    "Deleted",
    "DependencyMissing",
    "ImportFormatError",
    "LinkExpired",
    "LinkRevoked",
    "NotFound",
    "ObjectStoreUnavailable",
    "RateLimited",
    "SandboxError",
    "SchemaError",
    "UnknownDropType",
    "ValidationError",
    "VectorIndexError",
    "__version__",
]

# name -> module that defines it; imported on first access.
_LAZY = {"connect": "qldrops.client", "Store": "qldrops.client", "Drop": "qldrops.store.models",
         "analyze": "qldrops.analysis.core"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qldrops' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
