"""The walkthrough notebook runs from top to bottom (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "fe3pt_walkthrough.ipynb"


@pytest.mark.slow
def test_walkthrough_notebook_executes():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel", reason="the python3 kernel needs ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for o in cell.get("outputs", []))
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    assert "3 configurations, 12 atoms per cell" in outputs
    assert "critical point: T =" in outputs
    images = sum(1 for cell in notebook.cells for o in cell.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert images == 4
