"""The console script pins glibc's allocator thresholds; a library caller's process is left
as it was; Dask workers started elsewhere get the same settings through the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zenthermo import allocator, cli, engine

GLIBC = hasattr(os, "confstr") and os.confstr("CS_GNU_LIBC_VERSION") is not None


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_pinning_succeeds_on_glibc():
    script = "from zenthermo.allocator import pin_thresholds; print(pin_thresholds())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "True"


def test_the_thresholds_are_glibcs_adaptive_ceiling():
    assert allocator.MMAP_THRESHOLD_BYTES == 32 * 2**20
    assert allocator.TRIM_THRESHOLD_BYTES == 2 * allocator.MMAP_THRESHOLD_BYTES
    assert engine.WORKER_ALLOCATOR_ENVIRONMENT == {
        "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20)}


def _calls_to_pin(monkeypatch, argv):
    calls = []
    monkeypatch.setattr(allocator, "pin_thresholds", lambda: calls.append(1) or True)
    monkeypatch.setattr(sys, "argv", ["zenthermo", "inspect", "--help"])
    with pytest.raises(SystemExit):  # --help exits after printing
        cli.main(argv)
    return len(calls)


def test_the_console_script_pins_them(monkeypatch):
    assert _calls_to_pin(monkeypatch, None) == 1


def test_a_caller_from_python_keeps_its_allocator(monkeypatch):
    assert _calls_to_pin(monkeypatch, ["inspect", "--help"]) == 0
