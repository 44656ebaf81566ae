"""DFTTK's Al folder through the command line: ``zenthermo ingest`` then ``zenthermo analyze``
with the electronic part on and off reproduces the textbook calculation of
``test_al_dfttk_validation`` (same criteria: V within 0.1 %, alpha within 3 %, the
electronic shift of V(600 K) within 30 %)."""

from __future__ import annotations

import numpy as np
import pytest
from test_al_dfttk_validation import CHECKED, textbook_reference

from zenthermo.cli import main

pytestmark = pytest.mark.slow  # ingest + two analyses + the reference (~10 s)


@pytest.fixture(scope="module")
def cli_isobars(al_dfttk_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("al")
    sources = folder / "al.json"
    assert main(["ingest", str(al_dfttk_dir.parent), "-o", str(sources), "--quiet"]) == 0
    found = {}
    for electronic in ("on", "off"):
        out = folder / electronic
        assert main(["analyze", str(sources), "-o", str(out), "--electronic", electronic,
                     "--pressures", "0", "--tmax", "700", "--no-phase-diagram",
                     "--quiet"]) == 0
        table = np.genfromtxt(out / "isobar_P0GPa.csv", delimiter=",", names=True)
        found[electronic] = {T: (float(table["V_A3"][table["T_K"] == T][0]),
                                 float(table["alpha_per_K"][table["T_K"] == T][0]))
                             for T in CHECKED}
    return found


@pytest.fixture(scope="module")
def references(al_dfttk_dir):
    return {"on": textbook_reference(al_dfttk_dir, True),
            "off": textbook_reference(al_dfttk_dir, False)}


@pytest.mark.parametrize("electronic", ["on", "off"])
def test_the_cli_reproduces_the_textbook_calculation(cli_isobars, references, electronic):
    for T in CHECKED:
        volume, alpha = cli_isobars[electronic][T]
        ref_volume, ref_alpha = references[electronic][T]
        assert volume == pytest.approx(ref_volume, rel=1e-3), T
        assert alpha == pytest.approx(ref_alpha, rel=0.03), T


def test_the_cli_electronic_shift_of_v_600(cli_isobars, references):
    ours = cli_isobars["on"][600.0][0] - cli_isobars["off"][600.0][0]
    theirs = references["on"][600.0][0] - references["off"][600.0][0]
    assert ours == pytest.approx(theirs, rel=0.3)
