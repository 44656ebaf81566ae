"""Fault classes of the output rule: an output never destroys an input or an unrelated file.

Every case runs a command on copies of the real fixtures (Fe3Pt VASP tree, Si phonopy-qha
files, Al in DFTTK's layout, a zenthermo sources file) in ``tmp_path`` and asserts: exit
status 2, a message of at most two lines that names the output path and the fault, no
traceback, and a workspace that is byte-for-byte what it was (hashed before and after).
The check runs before any work, so each refused case takes milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from zenthermo.cli import main
from zenthermo.data import default_sources_path
from zenthermo.errors import ConfigurationError
from zenthermo.io import atomic
from zenthermo.io.atomic import atomic_directory
from zenthermo.io.output_guard import (
    MARKER,
    check_output_file,
    check_output_folder,
    mark_output_folder,
)

SI_FILES = ("e-v.dat", *(f"thermal_properties.yaml-{i}" for i in range(-5, 6)))


@pytest.fixture
def workspace(tmp_path, fixtures_dir, request) -> Path:
    """tmp_path with copies of the fixtures a case needs, a sources file, and user files.

    ``T``: the Fe3Pt VASP tree; ``si``: the Si phonopy-qha files; ``al/config_Al``: the Al
    DFTTK configuration; ``d/in.json`` (a zenthermo sources file) beside ``d/notes.txt``;
    ``user/``: a folder of the user's own files.
    """
    needs = getattr(request, "param", ("T",))
    if "T" in needs:
        shutil.copytree(fixtures_dir / "fe3pt-vasp", tmp_path / "T")
    if "si" in needs:
        (tmp_path / "si").mkdir()
        for name in SI_FILES:
            shutil.copy(fixtures_dir / "si-qha-phonopy" / name, tmp_path / "si" / name)
    if "al" in needs:
        shutil.copytree(fixtures_dir / "al-dfttk" / "config_Al", tmp_path / "al" / "config_Al")
    (tmp_path / "d").mkdir()
    shutil.copy(default_sources_path(), tmp_path / "d" / "in.json")
    (tmp_path / "d" / "notes.txt").write_text("the user's notes\n")
    (tmp_path / "d" / "batch.toml").write_text('[[material]]\nname = "fe3pt-embedded"\n')
    (tmp_path / "d" / "batch-in.toml").write_text(
        '[[material]]\nname = "fe3pt"\ninputs = { paths = ["in.json"] }\n')
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "notes.txt").write_text("keep me\n")
    (tmp_path / "user" / "results.csv").write_text("a,b\n1,2\n")
    return tmp_path


def tree_state(root: Path) -> dict[str, str]:
    """Relative path -> kind and content hash (files), link target (links), mode (all)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            if path.is_symlink():
                kind = f"link {os.readlink(path)}"
            elif path.is_dir():
                kind = "dir"
            else:
                kind = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
            state[path.relative_to(root).as_posix()] = f"{kind} {info.st_mode:o}"
    return state


def _si(w: Path) -> list[str]:
    return [str(w / "si" / name) for name in SI_FILES]


#: (id, fixtures needed, argv from the workspace, the -o path, what the message says)
Case = tuple[str, tuple[str, ...], Callable[[Path], list[str]], Callable[[Path], Path], str]
CASES: list[Case] = [
    # the output is an input
    ("run-o-is-the-tree", ("T",), lambda w: ["run", str(w / "T")], lambda w: w / "T",
     "is the input"),
    ("fit-o-is-the-sources-file", (), lambda w: ["fit", str(w / "d/in.json")],
     lambda w: w / "d/in.json", "is the input"),
    ("export-o-is-the-analysis", (), lambda w: ["calphad", "export", str(w / "d/in.json"),
                                                "--phase-name", "X"],
     lambda w: w / "d/in.json", "is the input"),
    ("ingest-si-o-is-e-v.dat", ("si",), lambda w: ["ingest", *_si(w)],
     lambda w: w / "si/e-v.dat", "is the input"),
    ("run-o-symlink-to-the-tree", ("T",), lambda w: ["run", str(w / "T")],
     lambda w: _link(w / "link", w / "T"), "is the input"),
    # the output sits inside an input
    ("run-o-inside-the-tree", ("T",), lambda w: ["run", str(w / "T")],
     lambda w: w / "T/config_0", "sits inside the input"),
    ("ingest-o-overwrites-an-oszicar", ("T",), lambda w: ["ingest", str(w / "T")],
     lambda w: w / "T/config_0/vol_5/OSZICAR.3static", "sits inside the input"),
    ("ingest-o-new-file-in-the-tree", ("T",), lambda w: ["ingest", str(w / "T")],
     lambda w: w / "T/sources.json", "sits inside the input"),
    ("run-al-o-a-volume-folder", ("al",), lambda w: ["run", str(w / "al/config_Al")],
     lambda w: w / "al/config_Al/vol_0", "sits inside the input"),
    ("ingest-al-o-its-poscar", ("al",), lambda w: ["ingest", str(w / "al/config_Al")],
     lambda w: w / "al/config_Al/POSCAR", "sits inside the input"),
    # the output contains an input
    ("run-o-above-the-configuration", ("T",), lambda w: ["run", str(w / "T/config_0")],
     lambda w: w / "T", "contains the input"),
    ("analyze-o-the-inputs-folder", (), lambda w: ["analyze", str(w / "d/in.json")],
     lambda w: w / "d", "contains the input"),
    ("run-si-o-the-files-folder", ("si",), lambda w: ["run", *_si(w)], lambda w: w / "si",
     "contains the input"),
    ("compare-o-the-inputs-folder", (), lambda w: [
        "calphad", "compare", str(w / "d/in.json"), "--tdb", str(w / "d/notes.txt"),
        "--phase", "FCC_A1", "--components", "AL,VA"], lambda w: w / "d",
     "contains the input"),
    ("batch-o-the-batch-files-folder", (), lambda w: ["batch", str(w / "d/batch.toml")],
     lambda w: w / "d", "contains the input"),
    ("batch-o-a-materials-inputs", (), lambda w: ["batch", str(w / "d/batch-in.toml")],
     lambda w: w / "d", "overlap"),
    # a folder of the user's own files, a file where a folder goes, a folder where a file goes
    ("run-o-a-folder-of-user-files", ("T",), lambda w: ["run", str(w / "T")],
     lambda w: w / "user", "holds files zenthermo did not write"),
    ("analyze-o-a-folder-of-user-files", (), lambda w: ["analyze", str(w / "d/in.json")],
     lambda w: w / "user", "holds files zenthermo did not write"),
    ("batch-o-a-folder-of-user-files", (), lambda w: ["batch", str(w / "d/batch.toml")],
     lambda w: w / "user", "holds files zenthermo did not write"),
    ("analyze-o-a-user-file", (), lambda w: ["analyze", str(w / "d/in.json")],
     lambda w: w / "user/notes.txt", "names a file, not a folder"),
    ("ingest-o-a-user-file", ("T",), lambda w: ["ingest", str(w / "T")],
     lambda w: w / "user/notes.txt", "zenthermo did not write"),
    ("fit-o-a-user-file", (), lambda w: ["fit", str(w / "d/in.json")],
     lambda w: w / "user/results.csv", "zenthermo did not write"),
    ("ingest-o-a-folder", ("T",), lambda w: ["ingest", str(w / "T")], lambda w: w / "user",
     "names a folder"),
    ("ingest-o-below-a-file", ("T",), lambda w: ["ingest", str(w / "T")],
     lambda w: w / "user/notes.txt/sources.json", "which is a file"),
    ("analyze-o-below-a-file", (), lambda w: ["analyze", str(w / "d/in.json")],
     lambda w: w / "user/notes.txt/out", "which is a file"),
]


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target, target_is_directory=True)
    return link


@pytest.mark.parametrize(("argv", "output", "says", "workspace"),
                         [pytest.param(a, o, s, n, id=i) for i, n, a, o, s in CASES],
                         indirect=["workspace"])
def test_a_refused_output_touches_nothing(workspace, argv, output, says, capsys):
    out = output(workspace)
    before = tree_state(workspace)
    status = main([*argv(workspace), "-o", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert str(out) in err and says in err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    assert tree_state(workspace) == before


def test_dot_is_refused_in_a_folder_of_user_files(workspace, monkeypatch, capsys):
    monkeypatch.chdir(workspace / "user")
    before = tree_state(workspace)
    assert main(["run", str(workspace / "T"), "-o", ".", "--quiet"]) == 2
    assert "(the current folder)" in capsys.readouterr().err
    assert tree_state(workspace) == before


def test_a_read_only_destination_is_refused_up_front(workspace, capsys):
    locked = workspace / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root)")
        assert main(["ingest", str(workspace / "T"), "-o", str(locked / "s.json")]) == 2
        err = capsys.readouterr().err
        assert "read-only or not writable" in err and str(locked / "s.json") in err
    finally:
        locked.chmod(0o755)


def test_an_unwritable_destination_is_refused_even_for_root(workspace, monkeypatch, capsys):
    """os.access answers for the destination's nearest existing folder (root: simulated)."""
    locked = workspace / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != locked
                        and real_access(path, mode, **kw))
    before = tree_state(workspace)
    assert main(["run", str(workspace / "T"), "-o", str(locked / "out" / "deeper")]) == 2
    err = capsys.readouterr().err
    assert "read-only or not writable" in err and f"{locked} is not writable" in err
    assert tree_state(workspace) == before


# ------------------------------------------------------------------ what the rule allows
def test_a_zenthermo_folder_is_replaced_and_marked(tmp_path):
    out = tmp_path / "out"
    for text in ("first", "second"):
        with atomic_directory(out) as tmp:
            (tmp / "summary.json").write_text(text)
    assert (out / "summary.json").read_text() == "second"
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "summary.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_empty_folder_is_used_and_a_foreign_one_refused_by_the_library_too(tmp_path):
    empty, foreign = tmp_path / "empty", tmp_path / "foreign"
    empty.mkdir()
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("years of work")
    with atomic_directory(empty) as tmp:
        (tmp / "a.csv").write_text("1")
    assert (empty / MARKER).is_file()
    with pytest.raises(ConfigurationError, match="did not write"), atomic_directory(foreign):
        pytest.fail("the block must not run")
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]


def test_dot_is_written_when_empty_and_replaced_when_zenthermo_wrote_it(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    for text in ("first", "second"):
        monkeypatch.chdir(here)  # a new shell command: the folder was replaced under us
        with atomic_directory(".") as tmp:
            (tmp / "summary.json").write_text(text)
    assert (here / "summary.json").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_a_file_zenthermo_wrote_may_be_replaced(tmp_path):
    ours = tmp_path / "s.json"
    shutil.copy(default_sources_path(), ours)
    assert check_output_file(ours, [tmp_path / "elsewhere"]) == ours.resolve()
    mark_output_folder(tmp_path)  # a marked folder does not make a foreign file ours
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError, match="did not write"):
        check_output_file(tmp_path / "notes.txt")


@pytest.mark.parametrize("workspace", [("si",)], indirect=True)
def test_a_glob_input_stands_for_the_files_it_matches(workspace, monkeypatch):
    """``thermal*`` protects the files it matches, not the whole current folder."""
    monkeypatch.chdir(workspace / "si")
    with pytest.raises(ConfigurationError, match="contains the input"):
        check_output_folder(workspace / "si", ["thermal_properties.yaml-*"])
    assert check_output_folder("si-out", ["thermal_properties.yaml-*"]) == \
        workspace / "si" / "si-out"


# ------------------------------------------------------------------ Ctrl-C, in bursts
@pytest.fixture
def python_ctrl_c():
    """Python's own Ctrl-C handling (KeyboardInterrupt, SIGINT not blocked) for the test,
    whatever earlier code in this process left; restored afterwards."""
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    signal.signal(signal.SIGINT, handler)


def _interrupt_during(monkeypatch, name: str, calls: int = 1):
    """Make zenthermo.io.atomic's ``name`` (shutil.rmtree or os.replace) receive a SIGINT
    on its first ``calls`` calls, as a second or third Ctrl-C would arrive."""
    module = shutil if name == "rmtree" else os
    real = getattr(module, name)
    count = {"n": 0}

    def interrupted(*args, **kwargs):
        count["n"] += 1
        if count["n"] <= calls:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(getattr(atomic, "shutil" if name == "rmtree" else "os"), name,
                        interrupted)


def test_a_burst_of_ctrl_c_during_the_cleanup_leaves_no_hidden_folder(tmp_path, monkeypatch,
                                                                      python_ctrl_c):
    _interrupt_during(monkeypatch, "rmtree", calls=3)
    with pytest.raises(KeyboardInterrupt), atomic_directory(tmp_path / "out") as tmp:
        (tmp / "half.csv").write_text("1,2")
        raise KeyboardInterrupt  # the first Ctrl-C
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_swap_keeps_a_complete_folder(tmp_path, monkeypatch, python_ctrl_c):
    out = tmp_path / "out"
    with atomic_directory(out) as tmp:
        (tmp / "report.html").write_text("old")
    _interrupt_during(monkeypatch, "replace", calls=2)
    with pytest.raises(KeyboardInterrupt), atomic_directory(out) as tmp:
        (tmp / "report.html").write_text("new")
    assert (out / "report.html").read_text() == "new"  # the swap finished, then stopped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow
def test_a_burst_of_ctrl_c_while_a_run_writes_leaves_nothing_hidden(tmp_path):
    """The real command: eight SIGINTs 5 ms apart once the temporary folder exists."""
    import subprocess
    import time

    command = [str(Path(sys.executable).parent / "zenthermo"), "run", "--methods", "exact",
               "--pressures", "0", "--tstep", "20", "-o", "out", "--quiet"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.*.part")) and process.poll() is None:
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.01)
        for _ in range(8):
            if process.poll() is not None:
                break
            process.send_signal(signal.SIGINT)
            time.sleep(0.005)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in stderr
    if process.returncode == 0:  # it finished before the first signal: a complete folder
        assert (tmp_path / "out" / "report.html").is_file()
    else:
        assert process.returncode == 130 and "no partial output was kept" in stderr
        assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_main_called_from_python_leaves_the_ctrl_c_handler_after_an_interrupt(monkeypatch):
    """The console script ignores the rest of a burst while it exits; a caller of main()
    from Python (a notebook, a test) keeps its own handler."""
    import zenthermo.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "check_option_values", interrupted)
    before = signal.getsignal(signal.SIGINT)
    assert cli.main(["inspect", "sources.json"]) == cli.EXIT_INTERRUPTED
    assert signal.getsignal(signal.SIGINT) is before


def test_a_hand_over_due_after_the_command_finished_is_dropped(monkeypatch):
    import _thread

    from zenthermo.cli import _SwallowedInterrupts

    sent = []
    monkeypatch.setattr(_thread, "interrupt_main", sent.append)
    interrupts = _SwallowedInterrupts()
    interrupts.owed = True  # a finaliser swallowed one, and the command then finished
    interrupts.close()
    interrupts._hand_over()
    interrupts.handler(signal.SIGINT, None)  # a late signal raises nothing either
    assert sent == []
