"""Distributed engines for batch work: a Dask cluster (``--engine dask``) or a Ray cluster (``--engine ray``).

``qldrops index sync --engine dask|ray`` and ``qldrops analyze-all --engine dask|ray`` hand
batches of content hashes to the workers of a cluster (:mod:`qldrops.index.distributed`,
:mod:`qldrops.analysis.distributed`). Everything but the cluster is shared by both engines:
the batch functions (``embed_task``, ``analyze_task``: plain functions of a job and a batch),
the batching (:func:`batches`), the write-back (each worker writes its results itself, in
batches) and the resume logic (a batch first skips what is already stored, so a batch run
twice writes nothing twice). This module only opens a cluster and runs a job's batches on it:
a :class:`Pool`, whose :meth:`Pool.results` hands out the batches and yields each batch's
counts, whatever the engine.

* **Dask** (:func:`dask_client`, :class:`DaskPool`): the scheduler the settings name
  (``QLDROPS_DASK_SCHEDULER`` or ``--scheduler tcp://host:8786``), or, without one, a
  ``LocalCluster`` of worker processes on this machine. Dask gives the batch of a killed
  worker to another worker (and gives up after a batch killed three).
* **Ray** (:func:`ray_pool`, :class:`RayPool`): the cluster the settings name
  (``QLDROPS_RAY_ADDRESS`` or ``--scheduler ray://host:10001``; a cluster with token
  authentication, Ray's default, also needs ``RAY_AUTH_MODE=token`` and its token here), or,
  without one, a Ray started on this machine for the call (``num_cpus=workers``, no dashboard)
  and shut down at the end.
  One actor per worker (per CPU of the cluster) runs the batches, one at a time; the batch
  functions' per-process caches keep the store and the model there for all its batches. An
  actor that dies is restarted by Ray (a new process: it loads the model once again) and its
  batch is handed out again, to whichever worker is free first; a batch that killed three
  workers stops the job.

Workers open the database themselves (:func:`worker_store`, once per process) and write
their results back in batches; the process that submitted the job only hands out
content hashes and collects counts.

Both are optional dependencies (``pip install 'qldrops[distributed]'`` for Dask,
``'qldrops[ray]'`` for Ray), imported only when an engine is opened.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Generator, Iterator
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
LOST_WORKER_LIMIT = 3  # a batch whose worker died this many times stops the job (as Dask's allowed-failures)
RESTART_TIMEOUT = 600.0  # seconds with batches left, none running, waiting for a lost Ray worker to come back
LOCAL_START_ATTEMPTS = 3  # starts of a local Ray before giving up (its processes may be slow on a busy machine)


def check_engine(name: str) -> str:
    """``local`` (this process), ``dask`` or ``ray``; anything else is refused with advice."""
    if name not in ENGINES:
        raise ConfigurationError(f"unknown engine {name!r}",
                                 hint="use --engine local, --engine dask or --engine ray")
    return name


class WorkersLost(Exception):
    """A batch's workers kept dying (out of memory?): the job stops (said by :func:`collect`)."""


class Pool:
    """The workers of one cluster, whatever the engine: what a distributed job needs of it."""

    engine = ""

    @property
    def workers(self) -> int:
        raise NotImplementedError

    def results(self, fn: Callable[[Any, list], dict], job: Any, tasks: list[list], *,
                name: str) -> Generator[dict, None, None]:
        """Run ``fn(job, task)`` for every task on the workers; yield each result as it finishes.

        A task that raises stops the job (its exception is raised here); a task whose worker
        died is run again (``fn`` must skip what is already stored), up to
        :data:`LOST_WORKER_LIMIT` times, then :class:`WorkersLost`."""
        raise NotImplementedError

    def run_everywhere(self, fn: Callable, *args: Any) -> dict[str, Any]:
        """``fn(*args)`` once on every worker (e.g. to load the model before timing a job)."""
        raise NotImplementedError


def as_pool(client: Any) -> Pool:
    """A :class:`Pool` as given, or a ``distributed.Client`` wrapped in a :class:`DaskPool`."""
    return client if isinstance(client, Pool) else DaskPool(client)


@contextlib.contextmanager
def open_pool(engine: str, scheduler: str = "", *, workers: int = 2, settings: Settings | None = None
              ) -> Iterator[Pool]:
    """The workers of ``engine``: the cluster at ``scheduler`` (else the address the settings name),
    or else a local cluster of ``workers`` processes started for the block and stopped at its end."""
    settings = settings or Settings()
    if check_engine(engine) == "dask":
        with dask_client(scheduler or settings.dask_scheduler, workers=workers) as client:
            yield DaskPool(client)
    elif engine == "ray":
        with ray_pool(scheduler or settings.ray_address, workers=workers) as pool:
            yield pool
    else:
        raise ConfigurationError("the local engine runs in this process, not on a cluster",
                                 hint="use --engine dask or --engine ray")


# ---------------------------------------------------------------------------------------------- Dask
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


class DaskPool(Pool):
    """A Dask cluster's workers (a ``distributed.Client``): each batch one task (``pure=False``)."""

    engine = "dask"

    def __init__(self, client: Client):
        self.client = client

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def results(self, fn: Callable[[Any, list], dict], job: Any, tasks: list[list], *,
                name: str) -> Generator[dict, None, None]:
        distributed = _import_distributed()
        run = uuid.uuid4().hex[:8]
        futures = [self.client.submit(fn, job, part, key=f"qldrops-{name}-{run}-{i}", pure=False)
                   for i, part in enumerate(tasks)]
        try:
            for fut in distributed.as_completed(futures, loop=self.client.loop):
                try:
                    res = fut.result()
                except Exception as exc:
                    if type(exc).__name__ == "KilledWorker":
                        raise WorkersLost(f"a batch killed {exc} several workers in turn (out of memory?)") from None
                    raise
                yield res
        finally:
            for fut in futures:  # a job that stopped: the other batches are not run
                if not fut.done():
                    fut.cancel()

    def run_everywhere(self, fn: Callable, *args: Any) -> dict[str, Any]:
        return self.client.run(fn, *args)


# ----------------------------------------------------------------------------------------------- Ray
def _import_ray():
    try:
        import ray
    except ImportError:
        raise DependencyMissing("ray", "the Ray engine", extra="ray") from None
    return ray


class BatchWorker:
    """A Ray actor: one worker process that runs a job's batches, one at a time, for as long as
    the pool lives (the batch functions' per-process caches keep its store and model)."""

    def pid(self) -> int:
        return os.getpid()

    def run(self, fn: Callable, *args: Any) -> Any:
        return fn(*args)


def _probe(address: str, timeout: float) -> None:
    """Refuse within ``timeout`` an address where nothing answers (Ray's own retries take minutes)."""
    hostport = address.removeprefix("ray://").rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit() or "://" in hostport:
        raise ConfigurationError(f"{address!r} is not a Ray cluster address",
                                 hint="use ray://host:10001 (the head's Ray Client port), host:6379 or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConfigurationError(
            f"the Ray cluster at {address} did not answer within {timeout:.0f} s ({exc})",
            hint="start it (`ray start --head` on the head machine, `ray start --address host:6379` on the "
                 "others), fix --scheduler / QLDROPS_RAY_ADDRESS, or leave it empty for workers on this "
                 "machine") from None


def _start_local_ray(ray: Any, options: dict[str, Any], attempts: int = LOCAL_START_ATTEMPTS) -> None:
    """``ray.init`` of a Ray on this machine, tried again when its processes were too slow to start:
    Ray gives its raylet a fixed 30 s to register, which a loaded machine can miss."""
    for attempt in range(1, attempts + 1):
        try:
            ray.init(**options)
            return
        except Exception as exc:  # Ray raises a bare Exception for the start-up timeout
            with contextlib.suppress(Exception):
                ray.shutdown()
            if "timed out during startup" not in str(exc) or attempt == attempts:
                raise ConfigurationError(f"could not start Ray on this machine ({exc})",
                                         hint="try again when the machine is less busy, or give a cluster "
                                              "with --scheduler / QLDROPS_RAY_ADDRESS") from exc
            log.warning("Ray did not start in time (attempt %d of %d): trying again", attempt, attempts)


@contextlib.contextmanager
def ray_pool(address: str = "", *, workers: int = 2, timeout: float | None = None,
             **init_options: Any) -> Iterator[RayPool]:
    """A :class:`RayPool`: connected to the Ray cluster at ``address`` (``ray://host:10001``,
    ``host:6379`` or ``auto``) with one actor per CPU, or to a Ray started here with
    ``num_cpus=workers`` and ``workers`` actors (shut down at the end of the block).

    If this process is already connected to Ray (``ray.init`` was called), that connection is
    used and left open, with one actor per CPU free. ``init_options`` go to ``ray.init``."""
    ray = _import_ray()
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    if workers < 1 and not address:
        raise ConfigurationError(f"workers must be at least 1, not {workers}", hint="use --workers 2")
    if address and address != "auto":
        _probe(address, timeout)
    own = not ray.is_initialized()
    if own:
        quiet = {"logging_level": logging.WARNING, "log_to_driver": False}
        if address:
            options = init_options if address.startswith("ray://") else {**quiet, **init_options}
            try:
                ray.init(address=address, **options)
            except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
                raise ConfigurationError(
                    f"could not connect to the Ray cluster at {address} ({exc})",
                    hint="check --scheduler / QLDROPS_RAY_ADDRESS, that the cluster runs the same Ray and Python "
                         "versions, and, for a cluster with token authentication (Ray's default), set "
                         "RAY_AUTH_MODE=token here with its token (~/.ray/auth_token or RAY_AUTH_TOKEN)") from None
        else:
            # "local": a new Ray even if `ray start` left one running here (``auto`` connects to that).
            # Only hashes and counts travel: a small object store (Ray's minimum is 75 MB).
            _start_local_ray(ray, {"address": "local", "num_cpus": workers, "include_dashboard": False,
                                   "object_store_memory": 100 * 2**20, **quiet, **init_options})
            log.info("started a local Ray of %d CPUs", workers)
    try:
        if not own:  # this process's Ray, perhaps running another pool: the CPUs free now
            count = max(1, int(ray.available_resources().get("CPU", 0)))
        elif address:
            count = max(1, int(ray.cluster_resources().get("CPU", 0)))
        else:
            count = workers
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(BatchWorker)
        pool = RayPool(ray, [actor.remote() for _ in range(count)])
        try:
            yield pool
        finally:
            pool.close()
    finally:
        if own:
            ray.shutdown()


class RayPool(Pool):
    """Ray actors (:class:`BatchWorker`, one per worker) running a job's batches.

    Each actor has one batch at a time: the next batch goes to the first actor free. When an
    actor dies (``ActorDiedError``, ``ActorUnavailableError``...), its batch goes back in the
    queue and the actor is asked for its process id until Ray has restarted it; then it gets
    batches again."""

    engine = "ray"

    def __init__(self, ray: Any, actors: list):
        self._ray = ray
        self.actors = list(actors)

    @property
    def workers(self) -> int:
        return len(self.actors)

    def pids(self, timeout: float = RESTART_TIMEOUT) -> list[int]:
        """The actors' process ids, waiting (up to ``timeout`` seconds) for actors being started or
        restarted. An actor answers between batches only."""
        deadline = time.monotonic() + timeout
        out = []
        for actor in self.actors:
            while True:
                try:
                    out.append(self._ray.get(actor.pid.remote(), timeout=max(0.1, deadline - time.monotonic())))
                    break
                except self._ray.exceptions.ActorUnavailableError:  # restarting: asked again
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        return out

    def run_everywhere(self, fn: Callable, *args: Any) -> dict[str, Any]:
        values = self._ray.get([a.run.remote(fn, *args) for a in self.actors])
        return {f"ray-actor-{i}": v for i, v in enumerate(values)}

    def close(self) -> None:
        for a in self.actors:
            with contextlib.suppress(Exception):
                self._ray.kill(a, no_restart=True)
        self.actors = []

    def results(self, fn: Callable[[Any, list], dict], job: Any, tasks: list[list], *,
                name: str) -> Generator[dict, None, None]:
        ray = self._ray
        errors = ray.exceptions
        lost_errors = (errors.RayActorError, errors.WorkerCrashedError, errors.OutOfMemoryError,
                       errors.NodeDiedError)
        queue = collections.deque(range(len(tasks)))
        idle = list(self.actors)
        running: dict[Any, tuple[Any, int | None]] = {}  # call -> (actor, batch; None: a call for its pid)
        lost: collections.Counter[int] = collections.Counter()
        stalled: float | None = None
        while queue or any(i is not None for _, i in running.values()):
            while queue and idle:
                free, nxt = idle.pop(0), queue.popleft()
                running[free.run.remote(fn, job, tasks[nxt])] = (free, nxt)
            if not any(i is not None for _, i in running.values()):  # batches left, every worker lost
                stalled = stalled or time.monotonic()
                if not running or time.monotonic() - stalled > RESTART_TIMEOUT:
                    raise WorkersLost(f"every worker was lost and none came back ({len(queue)} batches left)")
            else:
                stalled = None
            ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
            for ref in ready:
                actor, i = running.pop(ref)
                try:
                    res = ray.get(ref)
                except lost_errors as exc:
                    if i is None:  # the actor is not back yet
                        if isinstance(exc, errors.ActorDiedError):  # nor will it be: Ray gave it up
                            log.warning("a Ray worker is gone for good (%s)", exc)
                            continue
                        time.sleep(0.2)
                        running[actor.pid.remote()] = (actor, None)
                        continue
                    lost[i] += 1
                    log.warning("a Ray worker died running %s batch %d (%d times now): handed out again",
                                name, i, lost[i])
                    if lost[i] >= LOST_WORKER_LIMIT:
                        raise WorkersLost(f"a batch killed {lost[i]} workers in turn (out of memory?)") from None
                    queue.appendleft(i)
                    running[actor.pid.remote()] = (actor, None)  # answers once Ray has restarted it
                    continue
                except errors.RayTaskError as exc:
                    cause = getattr(exc, "cause", None)
                    if isinstance(cause, Exception):
                        raise cause from None
                    raise
                idle.append(actor)
                if i is not None:
                    yield res


def collect(pool: Pool, fn: Callable[[Any, list], dict], job: Any, tasks: list[list], report: Any, *,
            total: int, desc: str, show: bool, what: str, name: str) -> None:
    """Run a job's ``tasks`` on ``pool``, adding each task's counts to ``report`` (fields of the same names).

    A progress bar (tqdm, as the rest of qldrops) counts the items. A task that fails stops the
    job (the other tasks are dropped) and the error says that what was written is kept."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="item", disable=not show)
    results = pool.results(fn, job, tasks, name=name)
    try:
        while True:
            try:
                res = next(results)
            except StopIteration:
                break
            except QldropsError:
                raise
            except WorkersLost as exc:
                raise QldropsError(f"{what} stopped: {exc}",
                                   hint="run the command again: what was written is kept and skipped; "
                                        "try a smaller --batch") from None
            except Exception as exc:
                raise QldropsError(f"{what} stopped: a task failed on a worker ({type(exc).__name__}: {exc})",
                                   hint="fix the cause and run the command again: what was written is kept "
                                        "and skipped") from exc
            for field, value in res.items():
                if field != "pid" and isinstance(value, (int, float)) and hasattr(report, field):
                    setattr(report, field, getattr(report, field) + value)
            bar.update(res.get("hashes", 0))
    finally:
        results.close()
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

