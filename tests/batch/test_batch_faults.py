"""Faults and other engines, for real: a worker process killed during a task, Ctrl-C in the
middle of a batch, and a scheduler and workers started separately (`dask scheduler`,
`dask worker`) that `zenthermo batch --scheduler` and `zenthermo run --scheduler` attach to."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from conftest import DEFAULTS, LONE_OPTIONS, material

from zenthermo import engine
from zenthermo.batch import BatchFile, read_batch_file, read_batch_table, run_batch
from zenthermo.batch.manifest import MANIFEST_NAME
from zenthermo.cli import main
from zenthermo.io.output_guard import MARKER

pytestmark = pytest.mark.slow

GOOD = ("fe3pt-tree", "si", "fe3pt-embedded")


def wait_for(condition, timeout=120.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("condition not met in time")


def hidden_entries(out: Path) -> list[str]:
    """Hidden entries of OUT_DIR other than zenthermo's output marker (temporaries)."""
    return [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != MARKER]


def test_a_worker_killed_mid_task_is_replaced_and_nothing_is_lost(study, tmp_path):
    """With the user's own client (as in a notebook) and the Python API."""
    from distributed import Client, LocalCluster

    batch = read_batch_file(study / "batch.toml")
    good = BatchFile(batch.path, tuple(m for m in batch.materials if m.name in GOOD))
    out = tmp_path / "out"
    record: dict = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        thread = threading.Thread(target=lambda: record.update(
            table=run_batch(good, out, client=client)))
        thread.start()

        def busy_worker():
            for address, keys in client.processing().items():
                if any(str(key).startswith("material-") for key in keys):
                    return address
            return None

        victim = wait_for(busy_worker)
        time.sleep(0.5)  # well into the task (loading inputs, fitting)
        assert busy_worker() is not None and thread.is_alive()
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        thread.join(timeout=300)
        survivors = set(client.run(os.getpid).values())
    assert pid not in survivors, "the killed worker process is gone, a new one took its place"
    table = record["table"]
    assert table.drop_duplicates("material")["status"].tolist() == ["ok"] * len(GOOD)
    for name in GOOD:
        rows = table[table["material"] == name]
        assert len(rows) == 2  # once per pressure: nothing lost, nothing duplicated
        assert (out / name / "exact" / "summary.json").is_file()
        assert (out / name / MANIFEST_NAME).is_file()
    assert len(read_batch_table(out / "batch.csv")) == 2 * len(GOOD)
    assert hidden_entries(out) == []


def test_ctrl_c_stops_the_batch_and_keeps_finished_materials(tmp_path):
    file = tmp_path / "batch.toml"
    file.write_text(DEFAULTS + "".join(material(name) for name in "abcd"), encoding="utf-8")
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "zenthermo"), "batch", str(file), "-o",
               str(out), "--workers", "1", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(
                                   signal.SIGINT, signal.SIG_DFL))
    try:
        wait_for(lambda: (out / "a" / MANIFEST_NAME).exists() or process.poll() is not None)
        children = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (out / "a" / MANIFEST_NAME).is_file() and (out / "a" / "report.html").is_file()
    assert not (out / "d").exists(), "the batch went on after Ctrl-C"
    assert not (out / "batch.csv").exists()
    assert hidden_entries(out) == []
    time.sleep(0.5)
    alive = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "worker processes outlived the interrupted batch"


@pytest.fixture
def scheduler(tmp_path):
    """`dask scheduler` and a 2-process `dask worker` on localhost, torn down afterwards."""
    dask = str(Path(sys.executable).parent / "dask")
    file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--dashboard-address", ":0", "--scheduler-file", str(file)],
                                  **quiet)]
    try:
        wait_for(file.exists, timeout=60)
        processes.append(subprocess.Popen(
            [dask, "worker", "--scheduler-file", str(file), "--nworkers", "2", "--nthreads",
             "1", "--host", "127.0.0.1"], **quiet))
        address = json.loads(file.read_text())["address"]
        with engine.client(scheduler=address) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_batch_and_run_attach_to_a_separately_started_scheduler(scheduler, study,
                                                                lone_arguments, tmp_path,
                                                                capsys):
    out = tmp_path / "out"
    code = main(["batch", str(study / "batch.toml"), "-o", str(out), "--scheduler",
                 scheduler, "--quiet"])
    assert code == 1  # the broken material
    run = read_batch_file(study / "batch.toml")
    assert {m.name for m in run.materials} == {p.name for p in out.iterdir()
                                               if p.is_dir()} | {"si-broken"}
    lone = tmp_path / "lone-si"
    assert main(["run", *lone_arguments["si"], *LONE_OPTIONS, "-o", str(lone),
                 "--scheduler", scheduler]) == 0
    assert json.loads((lone / "exact" / "summary.json").read_text()) == \
        json.loads((out / "si" / "exact" / "summary.json").read_text())
    # an input error raised on a worker reads as it would locally: one line, exit 2
    assert main(["run", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x"), "--quiet",
                 "--scheduler", scheduler]) == 2
    assert "input not found" in capsys.readouterr().err
