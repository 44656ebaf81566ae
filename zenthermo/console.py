"""The ``zenthermo`` console script: Ctrl-C at any moment ends it with one line and status 130.

The command's own handling (:func:`zenthermo.cli.main`) starts once its modules are
imported and its arguments parsed; a Ctrl-C before that, while Python imports them, would
end in Python's traceback. This module imports nothing at load, so the window left is
Python's own start-up (where SIGINT ends the process silently).
"""

from __future__ import annotations

import sys

#: Exit status of an interrupted command (128 + SIGINT), here and in :mod:`zenthermo.cli`.
EXIT_INTERRUPTED = 130
#: What an interrupted command prints, here and in :mod:`zenthermo.cli`.
INTERRUPTED_MESSAGE = "zenthermo: interrupted; no partial output was kept"


def main() -> int:
    """Run :func:`zenthermo.cli.main` as the console script; returns the exit status."""
    try:
        from zenthermo.cli import main as run_command

        return run_command()
    except KeyboardInterrupt:  # before the command's own handling began
        ignore_further_interrupts()
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return EXIT_INTERRUPTED


def ignore_further_interrupts() -> None:
    """After the first Ctrl-C has been handled, let a burst of more end nothing half-way
    (no traceback while the message is printed and the process exits)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
