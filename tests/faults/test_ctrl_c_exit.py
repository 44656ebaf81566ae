"""The console script's way out under a burst of Ctrl-C, made deterministic.

A burst of SIGINTs (a held Ctrl-C, or a CI test sending eight 5 ms apart) can put a second
one anywhere after the first: in the command's clean-up, or between restoring Python's
handler and ignoring the rest (there it raised inside ``except``: a traceback). Instead of
hoping a real burst hits such a moment, the first test raises a SIGINT before every line
that ``zenthermo.cli`` runs after the first one (``sys.settrace``): the densest burst Python
can deliver. A Ctrl-C while a completed command's process exits must not kill it by SIGINT
(status 130 from the shell with the output complete) or raise in the exit either.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator

import pytest

import zenthermo.cli as cli
import zenthermo.cli.inspect as inspect_cli
from zenthermo import allocator


@pytest.fixture
def console_script(monkeypatch) -> Iterator[Callable[[Callable[[], int]], int]]:
    """Run ``main()`` as the console script does (argv from sys.argv, Python's Ctrl-C
    handler in place) on a command whose work is the given function; SIGINT's handler and
    mask, the trace function and the allocator are left as they were."""
    monkeypatch.setattr(allocator, "pin_thresholds", lambda: True)
    monkeypatch.setattr(sys, "argv", ["zenthermo", "inspect", "sources.json", "--quiet"])
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def run(work: Callable[[], int]) -> int:
        monkeypatch.setattr(inspect_cli, "_handle", lambda args, progress: work())
        try:
            return cli.main()
        except KeyboardInterrupt:  # a failure of this test, not a stop of the whole session
            pytest.fail(f"a Ctrl-C escaped main():\n{traceback.format_exc()}")
        finally:
            sys.settrace(None)

    yield run
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    signal.signal(signal.SIGINT, handler)


def ctrl_c_before_every_line() -> threading.Event:
    """Trace zenthermo.cli; once the returned event is set, raise SIGINT before each of its
    lines (but those of the SIGINT handler itself: its own signal would nest in it)."""
    burst = threading.Event()

    def line(frame, event, arg):
        handler = signal.getsignal(signal.SIGINT)
        if event == "line" and burst.is_set() and frame.f_code is not getattr(
                handler, "__code__", None):
            signal.raise_signal(signal.SIGINT)  # the handler runs before this returns
        return line

    sys.settrace(lambda frame, event, arg: line if frame.f_code.co_filename == cli.__file__
                 else None)
    return burst


def test_after_the_first_ctrl_c_the_rest_of_a_burst_cannot_break_the_exit(console_script,
                                                                          capsys):
    burst = ctrl_c_before_every_line()

    def interrupted_work() -> int:
        burst.set()
        signal.raise_signal(signal.SIGINT)  # the first Ctrl-C, in the middle of the work
        raise AssertionError("the first Ctrl-C did not stop the command")

    assert console_script(interrupted_work) == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "zenthermo: interrupted; no partial output was kept\n"
    signal.raise_signal(signal.SIGINT)  # and one more while the process exits: nothing


def test_a_ctrl_c_while_a_completed_command_exits_changes_nothing(console_script, capsys):
    """The output is complete and main() has returned: a Ctrl-C now, while the process
    exits (modules torn down for tens of ms), neither raises KeyboardInterrupt there nor,
    once Python's finalisation has put SIGINT's default back, kills the process by SIGINT."""
    assert console_script(lambda: 0) == 0
    assert capsys.readouterr().err == ""
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C after main() returned raised KeyboardInterrupt")
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # kept so by the finalisation


def test_a_caller_from_python_gets_its_handler_back_after_a_completed_command(monkeypatch):
    monkeypatch.setattr(inspect_cli, "_handle", lambda args, progress: 0)
    before = signal.getsignal(signal.SIGINT)
    assert cli.main(["inspect", "sources.json", "--quiet"]) == 0
    assert signal.getsignal(signal.SIGINT) is before
