"""Distributed engines for batch work: a Dask cluster (``--engine dask``).

``qldrops index sync --engine dask`` and ``qldrops analyze-all --engine dask`` hand
batches of content hashes to Dask workers (:mod:`qldrops.index.distributed`,
:mod:`qldrops.analysis.distributed`). This module only opens the cluster: the
scheduler the settings name (``QLDROPS_DASK_SCHEDULER`` or ``--scheduler``), or,
without one, a ``LocalCluster`` of worker processes on this machine.

Ray is not offered: one engine keeps one tested code path, and Dask's
``LocalCluster`` is what the tests and this machine run. ``--engine ray`` is refused
with that advice rather than half-supported.

Workers open the database themselves (:func:`worker_store`, once per process) and write
their results back in batches; the process that submitted the job only hands out
content hashes and collects counts.

Dask is an optional dependency (``pip install 'qldrops[distributed]'``), imported
only when an engine is opened.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, DependencyMissing, QldropsError
from .settings import Settings
from .store.core import DropStore
from .store.db import make_engine

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

ENGINES = ("local", "dask", "ray")
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before saying it is unreachable


def check_engine(name: str) -> str:
    """``local`` (this process) or ``dask``; anything else is refused with advice."""
    if name == "ray":
        raise ConfigurationError(
            "the Ray engine is not supported: qldrops runs distributed batch work on Dask",
            hint="use --engine dask (pip install 'qldrops[distributed]'; give a scheduler with --scheduler "
                 "tcp://host:8786 or QLDROPS_DASK_SCHEDULER, or none for workers on this machine)")
    if name not in ("local", "dask"):
        raise ConfigurationError(f"unknown engine {name!r}", hint="use --engine local or --engine dask")
    return name


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DependencyMissing("distributed", "the Dask engine", extra="distributed") from None
    return distributed


@contextlib.contextmanager
def dask_client(scheduler: str = "", *, workers: int = 2, threads_per_worker: int = 1,
                timeout: float | None = None, **cluster_options: Any) -> Iterator[Client]:
    """A Dask client: connected to ``scheduler`` (``tcp://host:8786``), or to a ``LocalCluster`` of
    ``workers`` processes started here (and stopped at the end of the block)."""
    distributed = _import_distributed()
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConfigurationError(
                f"the Dask scheduler at {scheduler} did not answer within {timeout:.0f} s ({exc})",
                hint="start it (`dask scheduler` and `dask worker tcp://host:8786` on each machine), fix "
                     "--scheduler / QLDROPS_DASK_SCHEDULER, or leave it empty for workers on this machine") from None
        except ValueError as exc:
            raise ConfigurationError(f"{scheduler!r} is not a Dask scheduler address ({exc})",
                                     hint="use tcp://host:8786") from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, not {workers}", hint="use --workers 2")
    options = {"n_workers": workers, "threads_per_worker": threads_per_worker, "processes": True,
               "dashboard_address": ":0", **cluster_options}
    with distributed.LocalCluster(**options) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        log.info("started a local Dask cluster of %d worker processes", workers)
        yield client


def collect(client: Client, futures: list, report: Any, *, total: int, desc: str, show: bool, what: str) -> None:
    """Wait for a job's tasks, adding each task's counts to ``report`` (fields of the same names).

    A progress bar (tqdm, as the rest of qldrops) counts the items. A task that fails stops the
    job: the others are cancelled and the error says that what was written is kept."""
    from tqdm.auto import tqdm

    distributed = _import_distributed()
    bar = tqdm(total=total, desc=desc, unit="item", disable=not show)
    try:
        for fut in distributed.as_completed(futures, loop=client.loop):
            try:
                res = fut.result()
            except Exception as exc:
                for other in futures:
                    other.cancel()
                if isinstance(exc, QldropsError):
                    raise
                name = type(exc).__name__
                if name == "KilledWorker":
                    raise QldropsError(
                        f"{what} stopped: a batch killed {exc} several workers in turn (out of memory?)",
                        hint="run the command again: what was written is kept and skipped; try a smaller --batch")
                raise QldropsError(f"{what} stopped: a task failed on a worker ({name}: {exc})",
                                   hint="fix the cause and run the command again: what was written is kept "
                                        "and skipped") from exc
            for name, value in res.items():
                if name != "pid" and isinstance(value, (int, float)) and hasattr(report, name):
                    setattr(report, name, getattr(report, name) + value)
            bar.update(res.get("hashes", 0))
    finally:
        bar.close()


def batches(items: list, size: int) -> list[list]:
    """``items`` cut into lists of at most ``size`` (the tasks of a distributed job)."""
    if size < 1:
        raise ConfigurationError(f"the batch size must be at least 1, not {size}", hint="use --batch 128")
    return [items[i:i + size] for i in range(0, len(items), size)]


_WORKER_STORES: dict[tuple[str, str, Settings], DropStore] = {}


def worker_store(url: str, settings: Settings, workspace: str) -> DropStore:
    """The store a worker process uses for all its tasks (one engine and pool per process, not per task).

    The schema is not migrated here: the process that submitted the job opened the store first."""
    key = (url, workspace, settings)
    if key not in _WORKER_STORES:
        _WORKER_STORES[key] = DropStore(make_engine(url), settings, workspace=workspace, url=url)
    return _WORKER_STORES[key]

