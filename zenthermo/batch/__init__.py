"""Many materials in one go: ``zenthermo batch BATCH_FILE -o OUT_DIR`` and its Python API.

    from zenthermo.batch import run_batch
    table = run_batch("screen.toml", "out", client=None)   # pandas DataFrame

A batch file lists materials (each a workflow plus a name) with shared defaults
(:mod:`zenthermo.batch.batch_file`); each material runs as one Dask task
(:mod:`zenthermo.batch.task`, through :mod:`zenthermo.engine`) and writes what
``zenthermo run`` writes into ``OUT_DIR/<name>/``, plus a manifest that lets a re-run skip
it while its inputs and options are unchanged (:mod:`zenthermo.batch.manifest`). The batch
table (:mod:`zenthermo.batch.table`) goes to ``OUT_DIR/batch.csv`` (and Parquet) and the
overview page to ``OUT_DIR/index.html`` (:mod:`zenthermo.batch.index_page`).
"""

from zenthermo.batch.batch_file import BatchFile, materials_from_mappings, read_batch_file
from zenthermo.batch.material import Material
from zenthermo.batch.run import BatchRun, execute_batch, run_batch
from zenthermo.batch.table import COLUMNS, read_batch_table

__all__ = ["COLUMNS", "BatchFile", "BatchRun", "Material", "execute_batch",
           "materials_from_mappings", "read_batch_file", "read_batch_table", "run_batch"]
