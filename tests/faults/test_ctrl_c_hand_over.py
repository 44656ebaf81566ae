"""A Ctrl-C that a finaliser swallowed reaches the command also when its main thread is slow.

Python cannot raise out of a weakref callback or ``__del__``; the command hands such a
Ctrl-C on to its main flow from a second thread (zenthermo.cli). On a busy machine the main
thread may stall anywhere, also inside the hook that hands the interrupt on: a hand-over
that fired while it was still there raised inside ``sys.unraisablehook``, where it was lost
as well ("Exception ignored in sys.unraisablehook", a traceback) and the command ran on. The
finaliser test of test_outputs.py failed so in 33 of 100 runs beside two busy loops. Here
the stall is made certain: the main thread sleeps at every step of zenthermo.cli's code.
"""

from __future__ import annotations

import gc
import signal
import sys
import time
import weakref

import pytest

import zenthermo.cli as cli
from zenthermo.cli import first_interrupt_only

STALL_S = 0.005  # 5 x the hand-over's delay: each step of the hook outlasts it


def _stall(frame, event, arg):
    time.sleep(STALL_S)
    return _stall


def _stall_in_the_cli(frame, event, arg):
    return _stall(frame, event, arg) if frame.f_code.co_filename == cli.__file__ else None


class Figure:
    pass


@pytest.mark.parametrize("stalls", [False, True], ids=["main-thread-free", "main-thread-stalls"])
def test_a_ctrl_c_that_lands_in_a_finaliser_still_stops_the_command(capfd, stalls):
    """Also when the main thread stalls at every step of zenthermo.cli."""
    def callback(_):
        signal.raise_signal(signal.SIGINT)  # its KeyboardInterrupt is raised in here

    before = (signal.getsignal(signal.SIGINT), sys.unraisablehook)
    stopped = False
    try:
        with first_interrupt_only():
            if stalls:
                sys.settrace(_stall_in_the_cli)
            figure = Figure()
            reference = weakref.ref(figure, callback)
            del figure
            gc.collect()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.001)
    except KeyboardInterrupt:
        stopped = True
    finally:
        sys.settrace(None)
    assert reference() is None
    assert capfd.readouterr().err == ""
    assert stopped, "the command ran on after the Ctrl-C"
    assert (signal.getsignal(signal.SIGINT), sys.unraisablehook) == before
