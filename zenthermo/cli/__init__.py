"""The ``zenthermo`` command: a thin layer that parses arguments and calls the library.

Each sub-command lives in its own module exposing ``register(subparsers)``; the parser it
adds sets ``handler=callable(args, progress) -> int``. Errors from bad input are printed in
one or two lines (a traceback only with ``--debug``) and give a non-zero exit status.
"""

from __future__ import annotations

import _thread
import argparse
import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from zenthermo import allocator
from zenthermo.cli._options import check_option_values, join_negative_values
from zenthermo.console import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE, ignore_further_interrupts
from zenthermo.errors import ZenthermoError
from zenthermo.progress import SILENT, RichProgress

#: Sub-command modules, in the order they appear in ``zenthermo --help``.
COMMAND_MODULES = (
    "zenthermo.cli.run",
    "zenthermo.cli.ingest",
    "zenthermo.cli.inspect",
    "zenthermo.cli.analyze",
    "zenthermo.cli.fit",
    "zenthermo.cli.calphad",
    "zenthermo.cli.batch",
)

EXIT_INPUT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with a short error: one line naming the option, one line of hint (no usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT_ERROR, f"{self.prog}: error: {message}\n"
                                    f"  hint: see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    from zenthermo import __version__

    parser = _Parser(
        prog="zenthermo",
        description="Helmholtz energy landscapes F(V,T) from first-principles configurations.",
    )
    parser.add_argument("--version", action="version", version=f"zenthermo {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="show no progress")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``zenthermo`` command; returns the exit status.

    The console script calls it without ``argv`` (through :mod:`zenthermo.console`, which
    also answers a Ctrl-C that comes before this function's own handling); it then pins
    glibc's allocator thresholds (:mod:`zenthermo.allocator`) and ignores Ctrl-C once the
    command has ended. Called with ``argv`` (from Python: a test, a notebook) it leaves the
    process's Ctrl-C handler and allocator as it found them, also after an interrupt.
    """
    if argv is None:
        allocator.pin_thresholds()
    parser = build_parser()
    args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv))
    progress = SILENT if args.quiet else RichProgress()
    try:
        check_option_values(args)  # before any work: one line naming the option
        with first_interrupt_only(exiting=argv is None):
            return int(args.handler(args, progress) or 0)
    except ZenthermoError as error:
        if args.debug:
            raise
        print(f"zenthermo: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        if argv is None:  # the console script, about to exit: a burst ends nothing half-way
            ignore_further_interrupts()  # (already so where the command had started)
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return EXIT_INTERRUPTED


@contextmanager
def first_interrupt_only(exiting: bool = False) -> Iterator[None]:
    """The first Ctrl-C raises KeyboardInterrupt; the rest of a burst is ignored while the
    command cleans up (a second one could otherwise land in a library's clean-up and print
    a traceback). The previous handler is restored afterwards; with ``exiting`` (the console
    script, which exits once the command has ended) Ctrl-C is ignored from then on instead:
    restoring Python's handler first would leave a gap in which one more Ctrl-C of the
    burst raised in the middle of the exit (a traceback), or, after a completed command,
    reported it interrupted or killed the process by SIGINT with its output complete.

    Python runs a signal handler between any two bytecodes, also inside a finaliser (a
    weakref callback, ``__del__``), where an exception cannot propagate: Python would print
    it as "Exception ignored in ..." with a traceback and the run would go on. While the
    command runs, such a swallowed Ctrl-C is handed on to the main flow instead: silently,
    about a millisecond later (:class:`_SwallowedInterrupts`).
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupts = _SwallowedInterrupts()
    previous = signal.signal(signal.SIGINT, interrupts.handler)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = interrupts.hook(previous_hook)
    interrupts.start()
    try:
        yield
    finally:
        interrupts.close()
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, signal.SIG_IGN if exiting else previous)


class _SwallowedInterrupts:
    """The SIGINT handler of :func:`first_interrupt_only` and its hand-over.

    ``handler`` raises KeyboardInterrupt for the first SIGINT and for one that a finaliser
    swallowed (``owed``); other signals do nothing. ``hook`` (``sys.unraisablehook``) marks
    a swallowed one owed and wakes the hand-over thread, which re-sends SIGINT to the main
    thread every ``DELAY_S`` until the handler has raised it in the main flow (landing in a
    finaliser once more, it is handed on again). The handler never raises while the main
    thread is inside the hook itself, where the exception would be lost once more ("Exception
    ignored in sys.unraisablehook"): a hand-over that fired before a main thread slowed
    down by a busy machine had left the hook did just that (a third of the runs of the
    finaliser test beside two busy loops). ``close`` ends all of it: an interrupt still owed
    when the command has finished is dropped, its work being complete.
    """

    DELAY_S = 0.001
    POLL_S = 0.05

    def __init__(self) -> None:
        import threading

        self.first = True
        self.owed = False
        self.open = True
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.hook_code: Any = None

    def start(self) -> None:
        import threading

        threading.Thread(target=self._hand_over, name="zenthermo-ctrl-c", daemon=True).start()

    def handler(self, signum: int, frame: Any) -> None:
        if not self.open or not (self.first or self.owed):
            return
        self.first = False
        self.owed = self._inside_hook(frame)  # raised there it would be lost: sent again
        if not self.owed:
            raise KeyboardInterrupt

    def _inside_hook(self, frame: Any) -> bool:
        while frame is not None:
            if frame.f_code is self.hook_code:
                return True
            frame = frame.f_back
        return False

    def hook(self, previous_hook: Any) -> Any:
        def pass_on_swallowed(unraisable: Any) -> None:
            if unraisable.exc_type is None or not issubclass(unraisable.exc_type,
                                                             KeyboardInterrupt):
                previous_hook(unraisable)
                return
            self.owed = True
            self.wake.set()

        self.hook_code = pass_on_swallowed.__code__
        return pass_on_swallowed

    def _hand_over(self) -> None:
        """The hand-over thread: while an interrupt is owed, send SIGINT to the main thread."""
        import signal

        while True:
            self.wake.wait(self.DELAY_S if self.owed else self.POLL_S)
            self.wake.clear()
            with self.lock:
                if not self.open:
                    return
                if self.owed:
                    _thread.interrupt_main(signal.SIGINT)

    def close(self) -> None:
        with self.lock:
            self.open = False
        self.wake.set()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
