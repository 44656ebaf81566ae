"""Ctrl-C while the command starts (Python importing its modules, the parser being built)
ends it with the one line and status 130 of any interrupt, never Python's traceback."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

import zenthermo.cli as cli
from zenthermo import console

#: A fresh interpreter runs the console script's entry point as its wrapper does, with a
#: Ctrl-C the moment Python starts to import zenthermo.cli (an import hook raises it).
CTRL_C_DURING_IMPORT = """
import signal, sys
class CtrlCOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == "zenthermo.cli":
            signal.raise_signal(signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlCOnImport())
sys.argv = ["zenthermo", "--version"]
from zenthermo.console import main
sys.exit(main())
"""


def test_a_ctrl_c_while_python_imports_the_command_is_one_line():
    result = subprocess.run([sys.executable, "-c", CTRL_C_DURING_IMPORT], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == console.EXIT_INTERRUPTED
    assert result.stderr == "zenthermo: interrupted; no partial output was kept\n"


@pytest.fixture
def sigint_kept():
    handler = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, handler)


def test_a_ctrl_c_before_the_command_handles_its_own_is_one_line(monkeypatch, capsys,
                                                                 sigint_kept):
    def interrupted_parser():
        raise KeyboardInterrupt  # Ctrl-C while the parser is being built

    monkeypatch.setattr(cli, "build_parser", interrupted_parser)
    monkeypatch.setattr(cli.allocator, "pin_thresholds", lambda: True)
    monkeypatch.setattr(sys, "argv", ["zenthermo", "--version"])
    try:
        status = console.main()
    except KeyboardInterrupt:  # a failure of this test, not a stop of the whole session
        pytest.fail("a Ctrl-C before the command's own handling escaped the console script")
    assert status == console.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "zenthermo: interrupted; no partial output was kept\n"
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # the rest of a burst: nothing


def test_import_zenthermo_imports_nothing_the_console_script_could_be_stopped_in():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, zenthermo.console\n"
         "print(' '.join(m for m in sys.modules if m.startswith(('zenthermo', 'numpy'))))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert sorted(loaded) == ["zenthermo", "zenthermo._lazy", "zenthermo.console"]
