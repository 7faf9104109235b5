"""Every error qldrops raises derives from :class:`QldropsError`.

The tree::

    QldropsError                    anything qldrops raises on purpose
    ├── ConfigurationError          a setting or argument is wrong (bad URL, unknown option)
    ├── DependencyMissing           an optional dependency is not installed (says what to pip install)
    ├── DatabaseError               the database cannot be reached or answered with an error
    │   ├── DatabaseUnavailable     connection refused / unknown host / bad credentials
    │   ├── ObjectStoreUnavailable  the object store for large artifacts is down, slow or refused us
    │   └── SchemaError             schema newer than this code, or not migrated
    ├── ValidationError             input that can never be stored (bad type, bad metadata, binary text)
    │   ├── UnknownDropType         drop_type not registered
    │   ├── BatchError              one item of a batch is invalid; nothing of the batch was written
    │   └── ImportFormatError       a malformed line in an import file; nothing was imported
    ├── NotFound                    an id, version, workflow or link that does not exist
    │   └── Deleted                 the drop exists but is soft-deleted (restore it first)
    ├── Conflict                    a stale expected_version, a duplicate name, a lost race
    │   └── MergeConflict           a save whose three-way merge overlaps; carries the conflict text
    ├── AccessDenied                the caller's workspace or role does not allow this
    │   ├── LinkExpired             a share link past its expiry
    │   ├── LinkRevoked             a share link that was revoked
    │   └── RateLimited             too many requests; ``retry_after`` says when to come back
    ├── VectorIndexError            the vector index is missing, corrupt or built for another model
    ├── AnalysisError               an analyser failed or timed out (batches keep going)
    └── SandboxError                the sandbox could not be set up (not: the code failed)

Each message says what to do next. Third-party errors (SQLAlchemy, psycopg,
FAISS) are translated at the boundary where they are raised, so callers only
need to catch ``QldropsError``.
"""

from __future__ import annotations

__all__ = [
    "QldropsError",
    "ConfigurationError",
    "DependencyMissing",
    "DatabaseError",
    "DatabaseUnavailable",
    "ObjectStoreUnavailable",
    "SchemaError",
    "ValidationError",
    "UnknownDropType",
    "BatchError",
    "ImportFormatError",
    "NotFound",
    "Deleted",
    "Conflict",
    "MergeConflict",
    "AccessDenied",
    "LinkExpired",
    "LinkRevoked",
    "RateLimited",
    "VectorIndexError",
    "AnalysisError",
    "SandboxError",
]


class QldropsError(Exception):
    """Root of every error qldrops raises on purpose.

    ``http_status`` lets the server turn any error into a response without a
    lookup table (a habit borrowed from Datasette).
    """

    http_status = 500

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n  → {hint}")


class ConfigurationError(QldropsError):
    http_status = 400


class DependencyMissing(QldropsError):
    http_status = 500

    def __init__(self, package: str, feature: str, extra: str | None = None):
        cmd = f"pip install 'qldrops[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the package {package!r}, which is not installed.", hint=f"run `{cmd}`")
        self.package = package
        self._args = (package, feature, extra)

    def __reduce__(self):  # raised on a Dask worker, it must travel back to the submitting process
        return (type(self), self._args)


class DatabaseError(QldropsError):
    http_status = 503


class DatabaseUnavailable(DatabaseError):
    pass


class ObjectStoreUnavailable(DatabaseError):
    pass


class SchemaError(DatabaseError):
    pass


class ValidationError(QldropsError):
    http_status = 400


class UnknownDropType(ValidationError):
    pass


class BatchError(ValidationError):
    def __init__(self, message: str, *, index: int, cause: Exception | None = None, hint: str | None = None):
        super().__init__(message, hint=hint or "fix that item and send the whole batch again; nothing was written")
        self.index = index
        self.cause = cause


class ImportFormatError(ValidationError):
    def __init__(self, message: str, *, line: int, hint: str | None = None):
        super().__init__(message, hint=hint or "fix that line and import the file again; nothing was imported")
        self.line = line


class NotFound(QldropsError):
    http_status = 404


class Deleted(NotFound):
    http_status = 410


class Conflict(QldropsError):
    http_status = 409


class MergeConflict(Conflict):
    """A save based on an old version whose edits overlap the edits made since (nothing was written).

    ``conflict_text`` is the merged text with ``<<<<<<<``/``=======``/``>>>>>>>`` markers around each
    overlap; ``base_version`` is what the save started from, ``current_version`` what it met.
    """

    def __init__(self, message: str, *, conflict_text: str, base_version: int, current_version: int,
                 hint: str | None = None):
        super().__init__(message, hint=hint or "resolve the marked regions in conflict_text and save again "
                                               f"with base_version={current_version}")
        self.conflict_text = conflict_text
        self.base_version = base_version
        self.current_version = current_version


class AccessDenied(QldropsError):
    http_status = 403


class LinkExpired(AccessDenied):
    http_status = 410


class LinkRevoked(AccessDenied):
    http_status = 410


class RateLimited(AccessDenied):
    http_status = 429

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None):
        super().__init__(message, hint=hint or f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class VectorIndexError(QldropsError):
    """The vector index file is missing, corrupt, or was built for another model."""

    http_status = 503


class AnalysisError(QldropsError):
    http_status = 422


class SandboxError(QldropsError):
    http_status = 500
