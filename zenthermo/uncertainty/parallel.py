"""How members are run: any ``map_fn(func, items) -> list`` that keeps the order.

The uncertainty analysis never schedules work itself; it hands one picklable task per
member to a map function. :func:`serial_map` is the default. :func:`local_process_map`
uses the standard library's process pool on this machine; :func:`engine_map` runs the
members through the package-wide Dask engine (:func:`zenthermo.engine.map`) on a client;
:func:`member_map` chooses: the engine where the caller itself runs as a Dask task (``zenthermo
run --scheduler``: a worker process cannot start a process pool of its own), local processes
otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

__all__ = ["MapFunction", "engine_map", "inside_dask_task", "local_process_map", "member_map",
           "serial_map"]


class MapFunction(Protocol):
    """``map_fn(func, items) -> list``: func applied to every item, results in item order."""

    def __call__(self, func: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]: ...


def serial_map(func: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """Apply ``func`` to every item in this process, in order."""
    return [func(item) for item in items]


def local_process_map(max_workers: int | None = None) -> MapFunction:
    """A map function over ``max_workers`` local processes (default: one per CPU).

    Results come back in the order of the items. ``func`` and the items must be
    picklable (module-level functions and plain data).
    """

    def process_map(func: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        if not items:
            return []
        workers = max(1, min(max_workers or os.cpu_count() or 1, len(items)))
        chunk = max(1, len(items) // (4 * workers))  # a few chunks per worker
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(func, items, chunksize=chunk))

    return process_map


def engine_map(client: Any = None, workers: int | None = None) -> MapFunction:
    """A map function over the Dask engine: :func:`zenthermo.engine.map` on ``client``.

    Without a client each call starts a LocalCluster of ``workers`` processes. Members
    never raise for a bad resample (they come back failed), so an exception here is one
    of the cluster itself and is raised.
    """

    def dask_map(func: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        from zenthermo import engine

        return engine.map(func, list(items), client=client, workers=workers,
                          description="uncertainty members")

    return dask_map


def inside_dask_task() -> bool:
    """Whether this code runs as a task on a Dask worker."""
    try:
        from distributed import get_worker
    except ImportError:  # pragma: no cover - dask is a dependency
        return False
    try:
        get_worker()
    except ValueError:  # "No worker found"
        return False
    return True


def _worker_client_map(func: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    from distributed import worker_client

    with worker_client() as client:  # leaves the worker's slot free while members run
        return engine_map(client)(func, items)


def member_map(workers: int | None = None) -> MapFunction:
    """The map function for members of an analysis running here.

    Inside a Dask task (a job sent to a scheduler) the members are tasks of the same
    cluster (:func:`engine_map` on the worker's client); elsewhere they run on ``workers``
    local processes (:func:`local_process_map`; default one per CPU).
    """
    return _worker_client_map if inside_dask_task() else local_process_map(workers)
