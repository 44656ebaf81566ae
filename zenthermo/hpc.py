"""Dask clusters on HPC job queues (dask-jobqueue): the ``[cluster]`` table of a batch file.

::

    [cluster]
    kind = "slurm"              # slurm or pbs
    jobs = 4                    # jobs to submit (each one runs `processes` workers)
    queue = "normal"
    account = "mat123"
    cores = 16                  # cores per job
    processes = 16              # worker processes per job (one thread each)
    memory = "64GB"             # memory per job
    walltime = "02:00:00"
    job_extra_directives = ["--constraint=cpu"]
    job_script_prologue = ["source ~/zenthermo/.venv/bin/activate"]

:func:`cluster_spec` checks the table (known keys, types, cores divisible by processes)
without dask-jobqueue; :func:`start_cluster` builds the ``SLURMCluster``/``PBSCluster``
(dask-jobqueue, the optional extra ``zenthermo[hpc]``) and scales it to ``jobs`` jobs.
A job runs ``processes`` worker processes with ``cores // processes`` threads each (one task
per thread); every task is single-threaded in torch and BLAS (the prologue exports the
thread variables and :class:`zenthermo.engine.ThreadLimits` sets torch), so a job never
runs more threads than it has cores.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zenthermo.errors import ConfigurationError

#: dask-jobqueue class per ``kind``.
KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}
_STRINGS = (str,)
_INTEGER = (int,)
_LIST = (list,)
#: Keys every kind takes (passed to the dask-jobqueue class as they are), with their types.
COMMON_KEYS: dict[str, tuple[type, ...]] = {
    "queue": _STRINGS, "account": _STRINGS, "walltime": _STRINGS, "memory": _STRINGS,
    "cores": _INTEGER, "processes": _INTEGER, "interface": _STRINGS,
    "local_directory": _STRINGS, "log_directory": _STRINGS, "python": _STRINGS,
    "job_name": _STRINGS, "shebang": _STRINGS, "death_timeout": (int, float),
    "job_extra_directives": _LIST, "job_script_prologue": _LIST,
    "job_directives_skip": _LIST, "worker_extra_args": _LIST,
}
#: Keys of one kind only.
KIND_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    "slurm": {"job_cpu": _INTEGER, "job_mem": _STRINGS},
    "pbs": {"resource_spec": _STRINGS},
}
#: Keys zenthermo itself reads (not passed to dask-jobqueue).
OWN_KEYS: dict[str, tuple[type, ...]] = {"kind": _STRINGS, "jobs": _INTEGER}
REQUIRED = ("cores", "memory")


@dataclass(frozen=True)
class ClusterSpec:
    """A checked ``[cluster]`` table.

    Attributes
    ----------
    kind : str
        A key of :data:`KINDS`.
    jobs : int
        Jobs to submit at start.
    options : mapping
        Keyword arguments of the dask-jobqueue class (``cores``, ``memory``, ...).
    """

    kind: str
    jobs: int
    options: Mapping[str, Any] = field(default_factory=dict)

    #: Threads torch and BLAS may use in one task (one task per core).
    threads_per_task: int = 1

    def cluster_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the dask-jobqueue class, with the thread limits, the
        allocator thresholds and the Dask worker profiler's switch exported."""
        from zenthermo.engine import WORKER_ALLOCATOR_ENVIRONMENT, thread_environment

        kwargs = dict(self.options)
        environment = {**thread_environment(self.threads_per_task),
                       **WORKER_ALLOCATOR_ENVIRONMENT,
                       # no 10 ms stack sampler in the workers (it takes the GIL from the
                       # task; engine.LOCAL_WORKER_CONFIG turns it off on local clusters)
                       "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
        exports = [f"export {k}={v}" for k, v in environment.items()]
        kwargs["job_script_prologue"] = [*kwargs.get("job_script_prologue", []), *exports]
        return kwargs


def cluster_spec(table: Mapping[str, Any], origin: str | os.PathLike[str] | None = None,
                 ) -> ClusterSpec:
    """Check a ``[cluster]`` table and return its :class:`ClusterSpec`.

    Raises
    ------
    ConfigurationError
        Unknown kind or key, a value of the wrong type, a missing ``cores``/``memory``,
        ``cores`` not a multiple of ``processes``; ``origin`` (the batch file) is named.
    """
    kind = table.get("kind", "slurm")
    if kind not in KINDS:
        raise ConfigurationError(f"[cluster] kind {kind!r} is not supported", origin,
                                 hint=f"choose from {', '.join(KINDS)}")
    allowed = {**COMMON_KEYS, **KIND_KEYS[kind], **OWN_KEYS}
    for key, value in table.items():
        if key not in allowed:
            raise ConfigurationError(f"unknown key {key!r} in [cluster] (kind {kind!r})",
                                     origin, hint=f"known keys: {', '.join(sorted(allowed))}")
        types = allowed[key]
        if not isinstance(value, types) or isinstance(value, bool):
            raise ConfigurationError(
                f"[cluster] {key} has the wrong type ({type(value).__name__})", origin,
                hint=f"expected {' or '.join(t.__name__ for t in types)}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"[cluster] {key} must be a list of strings", origin)
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        raise ConfigurationError(f"[cluster] needs {' and '.join(missing)}", origin,
                                 hint="cores and memory per job, e.g. cores = 16, "
                                      'memory = "64GB"')
    options = {k: v for k, v in table.items() if k not in OWN_KEYS}
    cores, processes = int(options["cores"]), int(options.get("processes", 1))
    if cores < 1 or processes < 1 or cores % processes:
        raise ConfigurationError(
            f"[cluster] cores ({cores}) must be a positive multiple of processes ({processes})",
            origin)
    jobs = int(table.get("jobs", 1))
    if jobs < 1:
        raise ConfigurationError("[cluster] jobs must be at least 1", origin)
    return ClusterSpec(kind=kind, jobs=jobs, options=options)


def build_cluster(spec: ClusterSpec):
    """The dask-jobqueue cluster object of ``spec`` (its scheduler runs here; no job yet).

    ``build_cluster(spec).job_script()`` shows the job script without submitting anything.
    """
    # Importing dask_jobqueue replaces the SIGINT handler with sys.exit (its runner module
    # does so at import); keep ours, so that Ctrl-C still cleans up as everywhere else.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.getsignal(signal.SIGINT) if in_main_thread else None
    try:
        import dask_jobqueue
    except ModuleNotFoundError:
        raise ConfigurationError(
            "a [cluster] table needs dask-jobqueue",
            hint="pip install 'zenthermo[hpc]' (or dask-jobqueue)") from None
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    cluster_class = getattr(dask_jobqueue, KINDS[spec.kind])
    return cluster_class(**spec.cluster_kwargs())


def start_cluster(spec: ClusterSpec):
    """Build the cluster of ``spec`` and submit its ``jobs`` jobs."""
    cluster = build_cluster(spec)
    cluster.scale(jobs=spec.jobs)
    return cluster


__all__ = ["COMMON_KEYS", "KINDS", "KIND_KEYS", "ClusterSpec", "build_cluster", "cluster_spec",
           "start_cluster"]
