"""The main job (``zenthermo run``) as a library: settings, inputs, the run, its outputs.

    from zenthermo.pipeline import RunConfig, run_pipeline, workflow_config
    result = run_pipeline(RunConfig(inputs=("results/",), output_dir="out"))
    result = run_pipeline(workflow_config("workflows/fe3pt.toml", tstep_K=5.0))
    result.analyses["exact"].isobar(0.0).nte_windows

Modules, each with one job:

- :mod:`~zenthermo.pipeline.config`: :class:`RunConfig` (plain values; picklable) and the
  defaults (:data:`METHODS`, :data:`DEFAULT_SOURCES`, :data:`DEFAULT_PRESSURES_GPA`);
- :mod:`~zenthermo.pipeline.workflow`: TOML workflow files -> :class:`RunConfig`
  (:func:`workflow_config`, :func:`read_workflow`);
- :mod:`~zenthermo.pipeline.inputs`: the inputs -> one SourceSet (:func:`load_inputs`),
  which methods they allow (:func:`choose_methods`);
- :mod:`~zenthermo.pipeline.run`: :func:`run_pipeline`, :func:`fit_zenn`;
- :mod:`~zenthermo.pipeline.outputs`: writing a run atomically, :class:`RunResult`.

:func:`run_pipeline` takes one :class:`RunConfig` and returns one :class:`RunResult`
without touching anything outside ``config.output_dir``, so a batch runner can call it
for many configurations in other processes.
"""

from __future__ import annotations

from zenthermo.pipeline.config import (
    DEFAULT_PRESSURES_GPA,
    DEFAULT_SOURCES,
    DEFAULT_TMAX_K,
    METHODS,
    RunConfig,
)
from zenthermo.pipeline.inputs import choose_methods, load_inputs
from zenthermo.pipeline.outputs import RunResult
from zenthermo.pipeline.run import fit_zenn, run_pipeline, temperatures_for
from zenthermo.pipeline.workflow import read_workflow, workflow_config

__all__ = [
    "DEFAULT_PRESSURES_GPA",
    "DEFAULT_SOURCES",
    "DEFAULT_TMAX_K",
    "METHODS",
    "RunConfig",
    "RunResult",
    "choose_methods",
    "fit_zenn",
    "load_inputs",
    "read_workflow",
    "run_pipeline",
    "temperatures_for",
    "workflow_config",
]
