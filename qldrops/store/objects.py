"""Large artifacts in an S3-compatible object store (MinIO, SeaweedFS, AWS S3).

A blob at least ``object_store_min_bytes`` long is kept as an object named by its
sha256 (``<prefix>blobs/<aa>/<hash>``), so identical content is stored once here as
in the database. Its ``blobs`` row says ``codec = "s3"`` and holds no bytes. The
object is written *before* the row (in the row's transaction, ahead of the
insert): a failed upload rolls the transaction back, so there is never a row
without its object. An object without a row (an upload whose transaction then
failed) is harmless; :meth:`ObjectStore.orphans` lists them for a sweep.

The body is the zstd frame of the text when that pays, else the text itself; a
zstd frame starts with ``28 B5 2F FD``, which no UTF-8 text can start with, so
the body says which it is.

``QLDROPS_OBJECT_STORE_URL``:

* ``http://[KEY:SECRET@]host:port/bucket[/prefix]`` (or ``https://``): an endpoint such
  as MinIO or SeaweedFS; without KEY:SECRET, the usual AWS variables or profile.
* ``s3://bucket[/prefix]``: AWS S3, credentials and region from the usual AWS chain.

:class:`S3ObjectStore` uses boto3 (imported on first use). Every boto3/botocore
error comes out as :class:`~qldrops.errors.ObjectStoreUnavailable` with advice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from ..errors import ConfigurationError, DependencyMissing, NotFound, ObjectStoreUnavailable
from . import blobs as blobcodec

log = logging.getLogger(__name__)

CODEC = "s3"  # the blobs.codec of a blob kept in the object store
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class ObjectStore(Protocol):
    """What the drop store needs from an object store. Keys are content hashes."""

    def put(self, content_hash: str, body: bytes) -> None:
        """Store ``body`` under the hash (idempotent: the same hash always means the same content)."""

    def get(self, content_hash: str) -> bytes:
        """The body stored under the hash; :class:`NotFound` when there is none."""

    def delete(self, content_hashes: Iterable[str]) -> None:
        """Remove the objects (absent ones are fine)."""

    def orphans(self, known: set[str], older_than: dt.timedelta) -> list[str]:
        """Hashes stored here, older than ``older_than``, that are not in ``known``."""


@dataclass(frozen=True)
class Location:
    endpoint: str | None  # None: AWS
    bucket: str
    prefix: str
    access_key: str | None
    secret_key: str | None

    def key(self, content_hash: str) -> str:
        return f"{self.prefix}blobs/{content_hash[:2]}/{content_hash}"

    def safe(self) -> str:
        where = self.endpoint or "s3:/"
        return f"{where}/{self.bucket}/{self.prefix}"


def parse_url(url: str) -> Location:
    """Read ``QLDROPS_OBJECT_STORE_URL`` (see the module docstring)."""
    parts = urlsplit(url)
    hint = "set QLDROPS_OBJECT_STORE_URL to http://host:port/bucket[/prefix] or s3://bucket[/prefix]"
    if parts.scheme == "s3":
        bucket, _, prefix = (parts.netloc + parts.path).partition("/")
        endpoint = None
    elif parts.scheme in ("http", "https") and parts.hostname:
        bucket, _, prefix = parts.path.lstrip("/").partition("/")
        port = f":{parts.port}" if parts.port else ""
        endpoint = f"{parts.scheme}://{parts.hostname}{port}"
    else:
        raise ConfigurationError(f"object store URL {url!r} is not http(s):// or s3://", hint=hint)
    if not bucket:
        raise ConfigurationError(f"object store URL {url!r} names no bucket", hint=hint)
    prefix = prefix.strip("/")
    return Location(endpoint, bucket, prefix + "/" if prefix else "",
                    unquote(parts.username) if parts.username else None,
                    unquote(parts.password) if parts.password else None)


class S3ObjectStore:
    """An S3 bucket through boto3. Timeouts are short and retries few: a store that is down
    fails the write it was part of quickly (nothing is half-written) instead of hanging it."""

    def __init__(self, url: str, *, timeout: float = 10.0, create_bucket: bool = True):
        self.location = parse_url(url)
        self.timeout = timeout
        self.create_bucket = create_bucket
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.location.safe()!r})"

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise DependencyMissing("boto3", "keeping large artifacts in an object store", extra="objects") from None
        loc = self.location
        config = Config(connect_timeout=self.timeout, read_timeout=self.timeout,
                        retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"},
                        request_checksum_calculation="when_required", response_checksum_validation="when_required")
        kwargs: dict[str, Any] = {"config": config}
        if loc.endpoint:
            kwargs["endpoint_url"] = loc.endpoint
            kwargs.setdefault("region_name", "us-east-1")
        if loc.access_key:
            kwargs["aws_access_key_id"] = loc.access_key
            kwargs["aws_secret_access_key"] = loc.secret_key or ""
        client = boto3.session.Session().client("s3", **kwargs)
        if self.create_bucket:
            with self._errors("open the bucket"):
                try:
                    client.head_bucket(Bucket=loc.bucket)
                except client.exceptions.ClientError as exc:
                    if _status(exc) != 404:
                        raise
                    client.create_bucket(Bucket=loc.bucket)
        return client

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """botocore's errors, translated at the boundary."""
        try:
            yield
        except ObjectStoreUnavailable:
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("botocore", "boto3", "urllib3", "s3transfer"):
                raise
            raise ObjectStoreUnavailable(
                f"the object store at {self.location.safe()} could not {doing}: {type(exc).__name__}: {exc}",
                hint="check that it is running and QLDROPS_OBJECT_STORE_URL (and its credentials) are right; "
                     "nothing was written. Drops smaller than QLDROPS_OBJECT_STORE_MIN_BYTES do not need it",
            ) from exc

    def bucket_exists(self) -> bool:
        """Whether the bucket is there (``qldrops doctor``); raises ObjectStoreUnavailable when the store
        does not answer or refuses the credentials. Creates nothing."""
        client = self.client
        with self._errors("answer"):
            try:
                client.head_bucket(Bucket=self.location.bucket)
            except client.exceptions.ClientError as exc:
                if _status(exc) == 404:
                    return False
                raise
        return True

    def put(self, content_hash: str, body: bytes) -> None:
        with self._errors(f"store {content_hash[:12]}…"):
            self.client.put_object(Bucket=self.location.bucket, Key=self.location.key(content_hash), Body=body)

    def get(self, content_hash: str) -> bytes:
        client = self.client
        with self._errors(f"read {content_hash[:12]}…"):
            try:
                res = client.get_object(Bucket=self.location.bucket, Key=self.location.key(content_hash))
            except client.exceptions.NoSuchKey:
                raise NotFound(f"the object store at {self.location.safe()} has no object for content "
                               f"{content_hash[:12]}…",
                               hint="it was deleted behind qldrops' back; restore it from the bucket's backup "
                                    "(`qldrops doctor` lists drops whose content is missing)") from None
            return res["Body"].read()

    def delete(self, content_hashes: Iterable[str]) -> None:
        keys = [{"Key": self.location.key(h)} for h in content_hashes]
        with self._errors("delete objects"):
            for i in range(0, len(keys), 1000):  # S3 deletes at most 1,000 keys per request
                self.client.delete_objects(Bucket=self.location.bucket,
                                           Delete={"Objects": keys[i:i + 1000], "Quiet": True})

    def orphans(self, known: set[str], older_than: dt.timedelta) -> list[str]:
        cutoff = dt.datetime.now(dt.UTC) - older_than
        out = []
        with self._errors("list objects"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=self.location.prefix + "blobs/")
            for page in pages:
                for obj in page.get("Contents", []):
                    h = obj["Key"].rsplit("/", 1)[-1]
                    if h not in known and obj["LastModified"] < cutoff:
                        out.append(h)
        return out


def _status(exc: Any) -> int:
    try:
        return int(exc.response["ResponseMetadata"]["HTTPStatusCode"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return 0


def connect(url: str, *, timeout: float = 10.0) -> ObjectStore:
    """The object store a URL names (no network until first use)."""
    return S3ObjectStore(url, timeout=timeout)


def encode_body(raw: bytes, level: int) -> bytes:
    """The object's body: the zstd frame when it saves at least 5 %, else the text itself."""
    codec, stored = blobcodec.encode(raw, min_bytes=0, level=level)
    return stored if codec == blobcodec.ZSTD else raw


def decode_body(body: bytes) -> bytes:
    # A zstd frame's magic number cannot begin UTF-8 text (0xB5 is a continuation byte).
    return blobcodec.decode(blobcodec.ZSTD, body) if body[:4] == ZSTD_MAGIC else bytes(body)


# Namespace of the per-content advisory locks (PostgreSQL) that order an upload and a purge's
# object delete for the same hash; fork_workflow's lock uses another namespace.
_OBJECT_LOCK = 7202613


def lock_hashes(conn: sa.Connection, dialect: str, hashes: Iterable[str]) -> None:
    """Hold per-hash locks until the transaction ends (PostgreSQL); SQLite's write transaction
    (BEGIN IMMEDIATE) already serialises every writer. Sorted, so two lockers never deadlock."""
    if dialect != "postgresql":
        return
    for h in sorted(set(hashes)):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:h))"), {"ns": _OBJECT_LOCK, "h": h})
