"""glibc's allocator thresholds, pinned for zenthermo's own processes.

glibc returns freed heap to the system once its top exceeds the trim threshold, and serves
every block over the mmap threshold (128 KiB at start) by a fresh ``mmap``; both thresholds
rise only as blocks are freed (mallopt(3)). An analysis makes many numpy temporaries of a
few MB, so a process that has not yet freed a large block page-faults them afresh on every
call: on the exact Fe3Pt landscape at 50 pressures 5-10k minor faults a call, 15-25 % of
its time, and a fresh process falls into that regime or not by chance. Pinning both at the
values the adaptive rule reaches on 64-bit Linux (mmap 32 MiB, trim twice that) makes every
process allocate like a warmed-up one; at most the trim threshold of freed heap stays
mapped.

The console script pins them in its own process (:func:`pin_thresholds`); Dask workers that
zenthermo starts without configuring their nanny get them through the environment
(:data:`ENVIRONMENT`, read by glibc at start-up). A program that calls zenthermo as a
library keeps its allocator as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: Blocks over this many bytes are served by ``mmap`` (the adaptive rule's ceiling).
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: Free heap over this many bytes at the top is returned to the system.
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES
#: The same settings as environment variables, for processes started elsewhere.
ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD_BYTES),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD_BYTES),
}

# mallopt(3) parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def pin_thresholds() -> bool:
    """Pin both thresholds in this process; True where set (glibc), False elsewhere."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return False
    except (ValueError, OSError, AttributeError):  # not a GNU libc system
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))


__all__ = ["ENVIRONMENT", "MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES", "pin_thresholds"]
