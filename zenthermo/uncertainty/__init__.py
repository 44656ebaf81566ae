"""Error bars on the exact path: members from resampled data and re-chosen models.

A *member* is a whole landscape built from resampled or re-modelled inputs (a residual
bootstrap of every source's E(V) points and phonon grids, resampled together; an
equation-of-state kind drawn per source by its Akaike weight; optional spreads of the
Debye s and x), analysed by the same :func:`zenthermo.thermo.analysis.analyze` as the
plain analysis. Intervals are percentiles over the members; the plain analysis stays the
central value. See ``docs/uncertainty.md`` for the method and its measured calibration.

Modules: :mod:`~.settings` (what to vary), :mod:`~.eos_family` (fits, Akaike weights,
leverage-corrected residuals), :mod:`~.resampling` (members' inputs from the seed),
:mod:`~.members` (build and analyse one member), :mod:`~.aggregate` (percentiles, window
matching), :mod:`~.results` (frozen results), :mod:`~.encoding` (the summary.json object),
:mod:`~.parallel` (map functions), :mod:`~.estimate` (the whole analysis).
"""

from zenthermo.uncertainty.encoding import uncertainty_from_dict, uncertainty_to_dict
from zenthermo.uncertainty.estimate import (
    analyze_with_uncertainty,
    estimate_uncertainty,
    member_temperatures,
)
from zenthermo.uncertainty.parallel import (
    MapFunction,
    engine_map,
    local_process_map,
    member_map,
    serial_map,
)
from zenthermo.uncertainty.results import (
    CoexistenceInterval,
    CriticalPointInterval,
    IsobarIntervals,
    NteWindowInterval,
    UncertaintyResult,
)
from zenthermo.uncertainty.settings import METHODS, Spread, UncertaintySettings

__all__ = [
    "METHODS",
    "CoexistenceInterval",
    "CriticalPointInterval",
    "IsobarIntervals",
    "MapFunction",
    "NteWindowInterval",
    "Spread",
    "UncertaintyResult",
    "UncertaintySettings",
    "analyze_with_uncertainty",
    "engine_map",
    "estimate_uncertainty",
    "local_process_map",
    "member_map",
    "member_temperatures",
    "serial_map",
    "uncertainty_from_dict",
    "uncertainty_to_dict",
]
