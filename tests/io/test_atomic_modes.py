"""Atomic writes give the modes a plain write would, and leave the process umask alone.

The umask is process-wide: while one thread sets it to 0 to read it, a file that any other
thread creates gets no umask at all (world-writable). Such a thread is made to create its
file at the worst moment here: whenever the umask is changed, and once at the end.
"""

from __future__ import annotations

import os
import stat
import threading

from zenthermo.io.atomic import atomic_directory, write_text_atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_thread_writing_beside_an_atomic_write_keeps_the_umask(tmp_path, monkeypatch):
    umask = os.umask(0o022)
    os.umask(umask)
    real_umask = os.umask
    others = []

    def another_thread_creates_a_file() -> None:
        path = tmp_path / f"other-{len(others)}.txt"
        thread = threading.Thread(target=path.write_text, args=("x",))
        thread.start()
        thread.join()
        others.append(path)

    def umask_with_a_neighbour(mask: int) -> int:
        previous = real_umask(mask)
        another_thread_creates_a_file()
        return previous

    monkeypatch.setattr(os, "umask", umask_with_a_neighbour)
    write_text_atomic(tmp_path / "out" / "s.json", "{}")
    with atomic_directory(tmp_path / "folder") as tmp:
        (tmp / "a.csv").write_text("1")
    another_thread_creates_a_file()
    monkeypatch.undo()

    assert _mode(tmp_path / "out" / "s.json") == 0o666 & ~umask
    assert _mode(tmp_path / "folder") == 0o777 & ~umask
    assert {path.name: _mode(path) for path in others} == {
        path.name: 0o666 & ~umask for path in others}
