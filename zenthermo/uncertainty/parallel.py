"""How members are run: any ``map_fn(func, items) -> list`` that keeps the order.

The uncertainty analysis never schedules work itself; it hands one picklable task per
member to a map function. :func:`serial_map` is the default. :func:`local_process_map`
uses the standard library's process pool, for use until the package-wide parallel engine
(Dask) is wired in; the engine's ``map(func, items)`` has the same signature and can be
passed as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

__all__ = ["MapFunction", "local_process_map", "serial_map"]


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
