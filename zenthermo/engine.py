"""zenthermo's one parallel executor: Dask (``dask.distributed``).

Batches of materials, ensemble and bootstrap members, and benchmark seeds all run through
this module; there is no other pool or scheduler in zenthermo::

    from zenthermo import engine

    results = engine.map(fit_member, seeds)                 # a LocalCluster for this call
    with engine.client(workers=2) as client:                # or scheduler="tcp://host:8786"
        first = engine.map(fit_member, seeds, client=client)
        second = engine.map(analyse, first, client=client, errors="return")

* :func:`client` yields a ``dask.distributed.Client``: attached to a running scheduler
  (``scheduler="tcp://..."``), to a job-queue cluster (``cluster=`` a
  :class:`zenthermo.hpc.ClusterSpec`), or to a new ``LocalCluster`` of ``workers``
  processes with one thread each (default: one per usable core). The cluster it started is
  closed when the block ends.
* :func:`map` runs ``func(item)`` for every item as its own Dask task and returns the
  results in the order of ``items``. ``func`` must be importable on the workers (a
  module-level function) and the items picklable. A failing item either raises its own
  exception after the other items were cancelled (``errors="raise"``) or stands in the
  list as a :class:`Failure` while every other item completes (``errors="return"``).
  ``retries`` re-runs an item whose function raised; an item whose worker died (killed,
  out of memory) is re-run by Dask on another worker whatever ``retries`` says, up to the
  scheduler's ``distributed.scheduler.allowed-failures`` (then it fails with
  ``KilledWorker``).
* Every worker limits the threads of torch and the BLAS libraries to ``threads_per_task``
  (:class:`ThreadLimits`), so that N single-threaded workers do not oversubscribe N cores.

Interrupting (Ctrl-C) cancels the tasks not yet finished and re-raises KeyboardInterrupt;
a LocalCluster started here is closed, which stops its running tasks too. Tasks already
running on someone else's cluster finish there (Dask cannot stop a running task).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from distributed import WorkerPlugin

from zenthermo import allocator
from zenthermo.errors import ConfigurationError
from zenthermo.progress import SILENT, Progress

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

    from zenthermo.hpc import ClusterSpec

T = TypeVar("T")

#: Environment variables that cap the threads of the numerical libraries in a worker.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Failure:
    """An item that failed, in place of its result (``map(..., errors="return")``).

    Attributes
    ----------
    index : int
        Position of the item in ``items``.
    error : BaseException
        The exception the task raised (re-raised from the worker), or ``KilledWorker``.
    traceback : str
        The formatted traceback, as far as Dask carried it back.
    """

    index: int
    error: BaseException
    traceback: str = ""

    @property
    def message(self) -> str:
        """One line: the exception's type and first line of its message."""
        text = str(self.error).strip().splitlines()
        return f"{type(self.error).__name__}: {text[0]}" if text else type(self.error).__name__


def default_workers() -> int:
    """Worker processes of a LocalCluster sized to this machine: one per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def thread_environment(threads: int) -> dict[str, str]:
    """The environment variables that cap the numerical libraries at ``threads`` threads."""
    return {name: str(int(threads)) for name in THREAD_VARIABLES}


class ThreadLimits(WorkerPlugin):
    """Worker plugin: cap torch and BLAS threads at ``threads`` in every worker process.

    Registered by :func:`client` on every cluster (also on a scheduler it merely attaches
    to, so that workers started by hand behave the same). Where torch is not imported yet,
    the environment variables are enough (torch reads them when imported); where it is,
    ``torch.set_num_threads`` applies the limit at once. Imports nothing heavy.
    """

    name = "zenthermo-thread-limits"

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = int(threads)

    def setup(self, worker: Any) -> None:
        os.environ.update(thread_environment(self.threads))
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(self.threads)



#: Dask settings of the workers of :func:`local_cluster` that differ from Dask's defaults.
#: ``MALLOC_TRIM_THRESHOLD_`` (which Dask's nanny otherwise sets for every worker it
#: spawns) switches glibc's adaptive mmap threshold off, so that every numpy temporary and
#: figure buffer over 128 KiB is mmap'ed and page-faulted afresh: 7-9x the page faults
#: and 15-25 % more CPU per material than ``zenthermo run`` (measured on the batch
#: benchmark's materials). Unset, the workers allocate as a lone run does. The statistical
#: profiler samples the running task's stack every 10 ms on the worker's event loop (for
#: the dashboard's profile page), taking the GIL from the task each time.
LOCAL_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}

#: glibc allocator settings for workers whose nanny zenthermo does not configure (dask-jobqueue
#: jobs, workers started by hand for ``--scheduler``): Dask's ``MALLOC_TRIM_THRESHOLD_`` is
#: read from the environment first, and it cannot be unset there, so both thresholds are
#: pinned as the console script pins its own (:mod:`zenthermo.allocator`). Minor page faults
#: of one exact pipeline run on a worker: 134k with Dask's default, 4-6k unset, 2-3k pinned,
#: 8k alone (2026-12-07).
WORKER_ALLOCATOR_ENVIRONMENT = allocator.ENVIRONMENT


def local_cluster(workers: int | None = None, threads_per_task: int = 1):
    """A ``LocalCluster`` of ``workers`` processes (default :func:`default_workers`).

    One thread per worker; the numerical libraries of each worker are capped at
    ``threads_per_task`` threads (environment set before the process starts); the workers
    run with :data:`LOCAL_WORKER_CONFIG` (glibc's own allocator settings, no statistical
    profiler), also when their nanny restarts a dead one (:func:`client` keeps the settings
    for its whole block, for the workers that ``client.restart()`` makes). The
    scheduler's HTTP server (the dashboard, when bokeh is installed) listens on a free port.
    """
    import dask
    from distributed import LocalCluster

    count = default_workers() if workers is None else int(workers)
    if count < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with dask.config.set(LOCAL_WORKER_CONFIG):  # read by each Nanny when it is made
        return LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True,
            dashboard_address=":0",  # a free port (the HTTP server runs even without bokeh)
            silence_logs=logging.ERROR, env=thread_environment(threads_per_task))


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def dashboard_link(client: Client) -> str | None:
    """The address of the Dask dashboard of ``client``'s scheduler, None where it has none."""
    if not _has_bokeh():
        return None
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):  # the scheduler serves no dashboard
        return None
    return link or None


@contextmanager
def client(scheduler: str | None = None, workers: int | None = None, *,
           cluster: ClusterSpec | None = None, threads_per_task: int = 1,
           ) -> Iterator[Client]:
    """A Dask client for the block: an existing scheduler, a job-queue or a local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); its workers are used as they
        are (``workers`` must then be None).
    workers : int, optional
        Processes of the LocalCluster started when neither ``scheduler`` nor ``cluster`` is
        given (default: one per usable core).
    cluster : zenthermo.hpc.ClusterSpec, optional
        Start a dask-jobqueue cluster (SLURM, PBS) and scale it to ``cluster.jobs`` jobs.
    threads_per_task : int
        Threads torch and BLAS may use inside one task.
    """
    import dask
    from distributed import Client

    if scheduler is not None and (workers is not None or cluster is not None):
        raise ValueError("give either a scheduler address or workers/cluster, not both")
    with ExitStack() as stack:
        owned = None
        if scheduler is not None:
            try:
                dask_client = Client(scheduler)
            except OSError as error:
                raise ConfigurationError(
                    f"cannot reach the Dask scheduler at {scheduler} ({error})",
                    hint="start one (`dask scheduler`) or give no scheduler for a local "
                         "cluster") from None
        else:
            if cluster is not None:
                from zenthermo.hpc import start_cluster

                owned = start_cluster(cluster)
                threads_per_task = cluster.threads_per_task
            else:
                # for the whole block: a restart (client.restart) makes new nannies
                stack.enter_context(dask.config.set(LOCAL_WORKER_CONFIG))
                owned = local_cluster(workers, threads_per_task)
            stack.callback(owned.close)
            dask_client = Client(owned)
        stack.callback(dask_client.close)
        dask_client.register_plugin(ThreadLimits(threads_per_task), name=ThreadLimits.name)
        yield dask_client


_client = client  # ``map`` has a parameter of the same name


def map(func: Callable[[Any], T], items: Iterable[Any], *, client: Client | None = None,
        workers: int | None = None, retries: int = 0,
        errors: Literal["raise", "return"] = "raise", progress: Progress | None = None,
        description: str = "tasks", labels: Sequence[str] | None = None,
        ) -> list[T | Failure]:
    """Run ``func(item)`` for each item as a Dask task; results in the order of ``items``.

    Parameters
    ----------
    func : callable
        A module-level function (importable on the workers).
    items : iterable
        Picklable arguments, one task each.
    client : dask.distributed.Client, optional
        Where to run; without one a LocalCluster of ``workers`` processes (at most one per
        item) is started for this call and closed afterwards.
    retries : int
        Re-runs of an item whose function raised (worker deaths are retried anyway).
    errors : {"raise", "return"}
        ``"raise"``: the first failing item cancels the rest and its exception is raised.
        ``"return"``: a failing item gives a :class:`Failure` in its place, the rest run on.
    progress : Progress, optional
        Advanced once per finished item, in a stage named ``description``.
    labels : sequence of str, optional
        One readable name per item for the task keys (dashboard, logs).

    Returns
    -------
    list
        ``func(item)`` (or a :class:`Failure`) for every item, in order.
    """
    if errors not in ("raise", "return"):
        raise ValueError(f"errors must be 'raise' or 'return', got {errors!r}")
    items = list(items)
    if not items:
        return []
    if client is None:
        count = min(default_workers() if workers is None else int(workers), len(items))
        with _client(workers=count) as owned:
            return map(func, items, client=owned, retries=retries, errors=errors,
                       progress=progress, description=description, labels=labels)
    return _run(client, func, items, retries, errors, progress or SILENT, description, labels)


def _run(dask_client: Client, func, items, retries, errors, progress, description, labels):
    from distributed import as_completed

    if labels is not None and len(labels) != len(items):
        raise ValueError("give one label per item")
    token = uuid.uuid4().hex[:8]
    names = labels if labels is not None else [getattr(func, "__name__", "task")] * len(items)
    keys = [f"{name}-{index}-{token}" for index, name in enumerate(names)]
    futures = dask_client.map(func, items, key=keys, retries=retries or None, pure=False)
    index_of = {future.key: index for index, future in enumerate(futures)}
    results: list[Any] = [None] * len(items)
    try:
        with progress.stage(description, total=len(items)) as advance:
            for future in as_completed(futures):
                index = index_of[future.key]
                if future.status == "finished":
                    results[index] = future.result()
                else:
                    results[index] = _failure(future, index, errors)
                future.release()
                advance()
    except BaseException:
        dask_client.cancel(futures)
        raise
    return results


def _failure(future: Any, index: int, errors: str) -> Failure:
    error = future.exception()
    if errors == "raise":
        future.result()  # re-raises the item's exception with its remote traceback
    trace = future.traceback()
    text = "".join(traceback.format_tb(trace)) if trace is not None else ""
    return Failure(index=index, error=error, traceback=text)


__all__ = ["LOCAL_WORKER_CONFIG", "WORKER_ALLOCATOR_ENVIRONMENT", "Failure", "ThreadLimits",
           "client", "dashboard_link", "default_workers", "local_cluster", "map",
           "thread_environment"]
