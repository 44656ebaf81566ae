"""Writing outputs so that a failed or interrupted run never leaves a file that looks valid.

Everything is written under a temporary name in the destination folder and renamed into
place only once complete (``os.replace`` is atomic on one file system).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    On any exception (including KeyboardInterrupt) the temporary file is removed and
    ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            tmp.chmod(_default_file_mode())
        os.replace(tmp, target)
    except BaseException:
        with deferred_interrupts():
            tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask, read from /proc where Linux shows it (``Umask:``, Linux 4.7+).

    Elsewhere it is set to 0 for a moment and put back: a file another thread of the process
    (a notebook's, a Dask worker's) creates in that moment gets no umask at all.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _default_file_mode() -> int:
    """0666 less the umask: what a plain ``open(path, "w")`` would give (mkstemp uses 0600)."""
    return 0o666 & ~_umask()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while the block runs; deliver it once the block is done.

    Guards the few steps that must not stop half-way (renaming a finished folder into place,
    removing a temporary one), so that a burst of Ctrl-C leaves no hidden temporary folder.
    Outside the main thread (where no signal handler can be set) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and sys.exc_info()[0] is None:  # deliver it as the handler before would
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it becomes ``path`` if the block succeeds.

    The new folder carries the marker of :mod:`zenthermo.io.output_guard`; an existing
    ``path`` is replaced only when it is empty or carries that marker (else
    :class:`~zenthermo.errors.ConfigurationError` before anything is written), and only
    after the new content is complete. On failure or interruption (however many Ctrl-C)
    the temporary folder is removed and an existing ``path`` is kept as it was.
    """
    from zenthermo.io.output_guard import check_output_folder, mark_output_folder

    target = Path(os.path.abspath(path))  # "." and "out/." have a name to swap under
    check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        with deferred_interrupts():
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part",
                                        dir=target.parent))
            mark_output_folder(tmp)
        yield tmp
        with deferred_interrupts():
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; give what mkdir would
            _swap_into_place(tmp, target)
    except BaseException:
        if tmp is not None:
            with deferred_interrupts():
                shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    """``tmp`` becomes ``target``; a previous ``target`` is removed once it is replaced."""
    from zenthermo.io.output_guard import is_zenthermo_folder

    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists() and not is_zenthermo_folder(old):  # not ours: never removed
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old",
                                        dir=target.parent))
            old.rmdir()
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
