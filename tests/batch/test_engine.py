"""zenthermo.engine on a real 2-worker LocalCluster (processes, no mocks): results in item
order, a failing item raises or stands as a Failure while the rest complete, torch and BLAS
capped at one thread per worker."""

from __future__ import annotations

import math
import os

import pytest

from zenthermo import engine

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    with engine.client(workers=2) as dask_client:
        yield dask_client


def test_results_come_back_in_item_order(client):
    items = [7, 1, 5, 0, 3, 2]
    assert engine.map(math.factorial, items, client=client) == [5040, 1, 120, 1, 6, 2]
    assert engine.map(math.factorial, [], client=client) == []


def test_a_failing_item_stands_as_a_failure_and_the_rest_complete(client):
    results = engine.map(math.sqrt, [4.0, -1.0, 9.0], client=client, errors="return")
    assert results[0] == 2.0 and results[2] == 3.0
    failure = results[1]
    assert isinstance(failure, engine.Failure) and failure.index == 1
    assert isinstance(failure.error, ValueError)
    assert failure.message == "ValueError: math domain error"


def test_a_failing_item_raises_its_own_error_by_default(client):
    with pytest.raises(ValueError, match="math domain error"):
        engine.map(math.sqrt, [4.0, -1.0, 9.0], client=client)


def test_progress_advances_once_per_item(client):
    from contextlib import contextmanager

    seen = []

    class Recorder:
        @contextmanager
        def stage(self, description, total=None):
            seen.append((description, total))
            yield lambda n=1: seen.append(n)

    engine.map(math.factorial, [1, 2, 3], client=client, progress=Recorder(),
               description="factorials")
    assert seen == [("factorials", 3), 1, 1, 1]


def test_workers_are_single_threaded_in_torch_and_blas(client):
    assert set(client.run(os.getenv, "OMP_NUM_THREADS").values()) == {"1"}
    assert len(client.scheduler_info()["workers"]) == 2
    torch = pytest.importorskip("torch")
    assert client.submit(torch.get_num_threads, pure=False).result() == 1


def test_local_workers_allocate_and_run_as_a_lone_run_does(monkeypatch):
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ in its workers, which turns glibc's
    adaptive mmap threshold off: every numpy temporary and figure buffer over 128 KiB is then
    page-faulted afresh (7-9x the page faults, 15-25 % more CPU per material than a lone
    `zenthermo run`). zenthermo's local workers keep glibc's defaults and run without Dask's
    10 ms stack sampler, also after the nanny restarts them."""
    import dask

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)  # an earlier cluster's
    with engine.client(workers=1) as dask_client:
        for _ in range(2):
            assert set(dask_client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_").values()) == {None}
            assert set(dask_client.run(dask.config.get, "distributed.worker.profile.enabled")
                       .values()) == {False}
            dask_client.restart()


def test_an_exported_allocator_environment_outranks_the_nannys_default(monkeypatch):
    """HPC job scripts export engine.WORKER_ALLOCATOR_ENVIRONMENT before `dask worker`
    starts: a nanny with Dask's default settings then spawns workers with the pinned
    thresholds, not its own MALLOC_TRIM_THRESHOLD_=65536."""
    from distributed import Client, LocalCluster

    for name, value in engine.WORKER_ALLOCATOR_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as dask_client:
        for name, value in engine.WORKER_ALLOCATOR_ENVIRONMENT.items():
            assert set(dask_client.run(os.getenv, name).values()) == {value}


def test_without_a_client_a_local_cluster_serves_the_call():
    assert engine.map(math.factorial, [4, 5], workers=1) == [24, 120]


def test_a_scheduler_address_and_workers_are_exclusive():
    with pytest.raises(ValueError, match="not both"), \
            engine.client(scheduler="tcp://127.0.0.1:1", workers=2):
        pass
