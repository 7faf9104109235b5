"""Constants and helpers shared by conftest.py and test modules.

(Test modules import this, never ``conftest``: with several conftest.py files in
the tree, ``import conftest`` may find the wrong one.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from qldrops.settings import Settings

PG_ADMIN_URL = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("QLDROPS_REQUIRE_POSTGRES") == "1"


# Debian's chromium, driven by Playwright (``playwright install`` cannot download here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium launched headless by Playwright (the browser tests' fixtures)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def version_in_flight(store, drop_id: int, content_hash: str) -> Iterator[None]:
    """A writer's transaction making version 2 of ``drop_id``, open for the ``with`` block: its change
    takes its seq at once and commits when the block ends (PostgreSQL: later writers' changes, with
    higher seqs, can commit before it)."""
    import sqlalchemy as sa

    from qldrops.store import schema as t

    with store.transaction() as conn:
        conn.execute(sa.update(t.drops).where(t.drops.c.id == drop_id).values(content_hash=content_hash, version=2))
        store.log_change(conn, drop_id, "upsert", 2, content_hash)
        yield


def test_settings(tmp_path, **overrides) -> Settings:
    base = dict(data_dir=str(tmp_path), index_dir=str(tmp_path / "index"), embedding_model="fake",
                progress=False, workspace="default")
    base.update(overrides)
    return Settings(**base)


test_settings.__test__ = False  # not a test, whatever its name


def cli_environment(monkeypatch, database_url: str, folder) -> None:
    """The environment a CLI run in a test sees: this database, files under ``folder``, the fake model."""
    monkeypatch.setenv("QLDROPS_DATABASE_URL", database_url)
    monkeypatch.setenv("QLDROPS_DATA_DIR", str(folder))
    monkeypatch.setenv("QLDROPS_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("QLDROPS_PROGRESS", "0")


class RecordingEmbedder:
    """The fake embedder, slowed down, appending one line per embedded text to ``path``
    (``<pid> <sha256 of the text>``): a distributed test counts how often each content was embedded,
    across worker processes, and finds the workers' process ids to kill one."""

    def __init__(self, path: str, delay: float = 0.0, dim: int = 64):
        from qldrops.index.embedder import FakeEmbedder

        self.inner = FakeEmbedder(dim)
        self.model_id = self.inner.model_id
        self.dim = dim
        self.path = path
        self.delay = delay
        with open(path + ".loads", "a") as f:  # one line per model load: once per worker process
            f.write(f"{os.getpid()}\n")

    def embed_documents(self, texts):
        import hashlib
        import time

        out = self.inner.embed_documents(texts)
        for text in texts:
            time.sleep(self.delay)
            with open(self.path, "a") as f:
                f.write(f"{os.getpid()} {hashlib.sha256(text.encode()).hexdigest()}\n")
        return out

    def embed(self, texts):
        return self.embed_documents(texts)[0]

    def embed_query(self, texts):
        return self.inner.embed_query(texts)

    def __repr__(self) -> str:
        return f"RecordingEmbedder({self.path!r})"


def kill_a_worker_mid_job(job: Callable[[], Any], pick: Callable[[], int | None], *, timeout: float,
                          poll: float = 0.05, join: float = 600) -> tuple[int, Any]:
    """Run ``job()`` in a thread and, while it runs, ask ``pick()`` every ``poll`` seconds for a worker
    process to kill; SIGKILL the first one it names, wait for the job, and return (that pid, the job's
    result). Fails the test if the job ended before a worker could be killed, or raised."""
    import signal
    import threading
    import time

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    deadline = time.monotonic() + timeout
    while victim is None and thread.is_alive() and time.monotonic() < deadline:
        victim = pick()
        if victim is not None:
            os.kill(victim, signal.SIGKILL)
        time.sleep(poll)
    thread.join(join)
    assert victim is not None, "the job ended before a worker could be killed"
    assert "error" not in box, box.get("error")
    return victim, box["result"]
