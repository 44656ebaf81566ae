"""Progress reporting that the library can use without printing.

Library functions take an optional ``progress`` argument implementing :class:`Progress`;
the default :data:`SILENT` does nothing. The CLI passes a :class:`RichProgress` unless
``--quiet`` is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Progress(Protocol):
    """Something that can show the progress of named stages."""

    def stage(
        self, description: str, total: int | None = None
    ) -> AbstractContextManager[Callable[..., None]]:
        """Context manager for one stage; yields ``advance(n=1)``."""
        ...


class SilentProgress:
    """A progress reporter that shows nothing."""

    @contextmanager
    def stage(self, description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        yield lambda n=1: None


SILENT = SilentProgress()


class Stopwatch:
    """``with stopwatch("stage"):`` adds the stage's wall time (s) to ``stopwatch.seconds``.

    A stage entered again adds to its total; a stage that raises is timed too.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


class RichProgress:
    """Progress bars on stderr with rich: one line per stage, with elapsed time."""

    def __init__(self) -> None:
        from rich.console import Console

        self._console = Console(stderr=True)

    @contextmanager
    def stage(self, description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as _RichProgress

        columns = [SpinnerColumn(), TextColumn("{task.description}")]
        if total is not None:
            columns += [BarColumn(), MofNCompleteColumn()]
        columns.append(TimeElapsedColumn())
        with _RichProgress(*columns, console=self._console, transient=False) as bar:
            task = bar.add_task(description, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance
            if total is not None:
                bar.update(task, completed=total)
