"""The [cluster] table: keys and types checked without SLURM; with dask-jobqueue installed,
the SLURMCluster it builds writes the job script the table asks for (nothing submitted)."""

from __future__ import annotations

import importlib.util
import signal

import pytest

from zenthermo.errors import ConfigurationError
from zenthermo.hpc import build_cluster, cluster_spec

TABLE = {"kind": "slurm", "jobs": 2, "queue": "normal", "account": "mat123", "cores": 4,
         "processes": 4, "memory": "8GB", "walltime": "01:30:00",
         "job_extra_directives": ["--constraint=cpu"],
         "job_script_prologue": ["source /opt/zenthermo/.venv/bin/activate"]}


def test_a_good_table_keeps_the_dask_jobqueue_options():
    spec = cluster_spec(TABLE, "batch.toml")
    assert (spec.kind, spec.jobs) == ("slurm", 2)
    assert "kind" not in spec.options and "jobs" not in spec.options
    assert spec.options["queue"] == "normal"


@pytest.mark.parametrize(("change", "match"), [
    ({"kind": "lsf"}, "kind 'lsf' is not supported"),
    ({"partition": "x"}, "unknown key 'partition'"),
    ({"resource_spec": "x"}, "unknown key 'resource_spec'"),  # a PBS key on SLURM
    ({"cores": "4"}, "cores has the wrong type"),
    ({"jobs": True}, "jobs has the wrong type"),
    ({"job_extra_directives": [1]}, "list of strings"),
    ({"processes": 3}, "multiple of processes"),
    ({"jobs": 0}, "jobs must be at least 1"),
])
def test_a_bad_table_is_refused_naming_the_file(change, match):
    with pytest.raises(ConfigurationError, match=match) as caught:
        cluster_spec({**TABLE, **change}, "batch.toml")
    assert "batch.toml" in str(caught.value)


def test_cores_and_memory_are_required():
    table = {k: v for k, v in TABLE.items() if k != "memory"}
    with pytest.raises(ConfigurationError, match="needs memory"):
        cluster_spec(table)


def test_pbs_takes_its_own_keys():
    spec = cluster_spec({"kind": "pbs", "cores": 2, "memory": "4GB", "resource_spec": "x"})
    assert spec.options["resource_spec"] == "x"


def test_the_slurm_job_script_asks_for_what_the_table_says():
    needs_dask_jobqueue()
    cluster = build_cluster(cluster_spec(TABLE))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p normal", "#SBATCH -A mat123", "#SBATCH --cpus-per-task=4",
                 "#SBATCH -t 01:30:00", "#SBATCH --constraint=cpu",
                 "source /opt/zenthermo/.venv/bin/activate", "export OMP_NUM_THREADS=1",
                 "export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False",
                 "export MALLOC_TRIM_THRESHOLD_=67108864",
                 "export MALLOC_MMAP_THRESHOLD_=33554432"):
        assert line in script
    assert "--nworkers 4" in script and "--nthreads 1" in script


def test_the_slurm_recipe_builds_its_job_script(fixtures_dir):
    needs_dask_jobqueue()
    from pathlib import Path

    from zenthermo.batch import read_batch_file

    recipe = Path(__file__).resolve().parents[2] / "workflows" / "slurm-batch.toml"
    cluster = build_cluster(read_batch_file(recipe).cluster)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH --cpus-per-task=16" in script and "--nworkers 16" in script
    assert "source $HOME/zenthermo/.venv/bin/activate" in script


def needs_dask_jobqueue() -> None:
    """Skip without dask-jobqueue, without importing it here (zenthermo.hpc imports it)."""
    if importlib.util.find_spec("dask_jobqueue") is None:
        pytest.skip("dask-jobqueue (zenthermo[hpc]) not installed")


def test_building_a_cluster_keeps_the_ctrl_c_handler():
    """dask_jobqueue replaces the SIGINT handler with sys.exit when imported; zenthermo puts
    its own back, so that Ctrl-C still raises KeyboardInterrupt and output is cleaned up."""
    needs_dask_jobqueue()
    before = signal.getsignal(signal.SIGINT)
    cluster = build_cluster(cluster_spec(TABLE))
    cluster.close()
    assert signal.getsignal(signal.SIGINT) is before
