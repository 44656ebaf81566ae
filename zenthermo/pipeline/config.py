"""The settings of one run of the main job: :class:`RunConfig` and its defaults.

A :class:`RunConfig` holds plain values only (strings, numbers, tuples), so that a workflow
file (:mod:`zenthermo.pipeline.workflow`), the command line and a batch runner can all build
one, and it can be pickled and sent to another process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zenthermo.data import default_sources_path
from zenthermo.errors import ConfigurationError
from zenthermo.option_rules import problem
from zenthermo.physics import options
from zenthermo.thermo.temperatures import DEFAULT_TMAX_K

__all__ = ["DEFAULT_PRESSURES_GPA", "DEFAULT_SOURCES", "DEFAULT_TMAX_K", "METHODS", "RunConfig"]

#: The embedded default input: Fe3Pt (three magnetic configurations), made by zenthermo ingest;
#: package data of :mod:`zenthermo.data`.
DEFAULT_SOURCES = default_sources_path()
DEFAULT_PRESSURES_GPA = (0.0, 2.0, 4.0)
#: The landscapes a run can build, in the order they are analysed and reported.
METHODS = ("exact", "zenn")


@dataclass(frozen=True)
class RunConfig:
    """Settings of one run (all plain values; a workflow file maps onto these fields).

    Attributes
    ----------
    inputs : tuple of str
        Results tree, configuration folders, phonopy-qha files or a sources file; empty
        means the embedded default :data:`DEFAULT_SOURCES`.
    output_dir : str
        Folder written by :func:`~zenthermo.pipeline.run.run_pipeline` (replaced as a whole).
    manifest : str or None
        A ``zenthermo.toml`` for ingestion.
    pressures_GPa : tuple of float
        Isobars, GPa (negative allowed).
    tmin_K, tmax_K : float or None
        Default 0 (or the domain's lower end) and :data:`DEFAULT_TMAX_K` clipped to the
        domain (:func:`~zenthermo.thermo.temperatures.choose_temperatures`).
    tstep_K : float
        Temperature step, K.
    methods : tuple of str or None
        Subset of :data:`METHODS`; None: every method the sources allow.
    eos, vibrations, debye_scaling, debye_x, debye_volume, electronic, phonon_interpolation
        Physics options of the per-source free energies
        (:func:`~zenthermo.physics.free_energy.build_source_free_energies`).
    phase_diagram : bool
        Compute the critical point, spinodal and coexistence line.
    references : tuple of str
        Measured reference CSV files (:mod:`zenthermo.io.experiment`).
    tdb, phase, components
        CALPHAD comparison (all three or none).
    seed : int
        ZENN training seed (the first member's, with ``zenn_ensemble``).
    zenn_ensemble : int
        ZENN networks trained with seeds ``seed``, ``seed + 1``, ...; more than one makes
        the reported ZENN landscape their mean (:mod:`zenthermo.landscape.ensemble`).
    zenn_settings : mapping
        Overrides of :class:`zenthermo.landscape.settings.TrainingSettings`.
    title : str or None
        Report title (default from the composition).
    ingest_options : mapping
        Extra keyword arguments of :func:`zenthermo.io.ingest.ingest`
        (``allow_relaxation_energy``, ``merge_duplicates``).
    uncertainty_members : int
        Members of the exact analysis's error bars (:mod:`zenthermo.uncertainty`); 0: none.
        The members' random draws are seeded by ``seed``.
    uncertainty_method : str
        ``bootstrap``, ``eos`` or ``both`` (:data:`zenthermo.uncertainty.METHODS`).
    uncertainty_ci : tuple of float
        Percentiles of the members reported (low, middle, high).

    Raises
    ------
    ConfigurationError
        Unknown methods, an incomplete CALPHAD triple, or no pressures.
    """

    inputs: tuple[str, ...] = ()
    output_dir: str = "zenthermo-out"
    manifest: str | None = None
    pressures_GPa: tuple[float, ...] = DEFAULT_PRESSURES_GPA
    tmin_K: float | None = None
    tmax_K: float | None = None
    tstep_K: float = 1.0
    methods: tuple[str, ...] | None = None
    eos: str = options.DEFAULT_EOS
    vibrations: str = options.DEFAULT_VIBRATIONS
    debye_scaling: float = options.DEFAULT_SCALING
    debye_x: float = options.DEFAULT_X
    debye_volume: str = options.DEFAULT_DEBYE_VOLUME
    electronic: str = options.DEFAULT_ELECTRONIC
    phonon_interpolation: str = options.DEFAULT_INTERPOLATION
    phase_diagram: bool = True
    references: tuple[str, ...] = ()
    tdb: str | None = None
    phase: str | None = None
    components: tuple[str, ...] = ()
    seed: int = 0
    zenn_settings: Mapping[str, Any] = field(default_factory=dict)
    title: str | None = None
    ingest_options: Mapping[str, Any] = field(default_factory=dict)
    uncertainty_members: int = 0
    uncertainty_method: str = "both"
    uncertainty_ci: tuple[float, ...] = (2.5, 50.0, 97.5)
    zenn_ensemble: int = 1

    def __post_init__(self) -> None:
        if self.methods is not None:
            unknown = [m for m in self.methods if m not in METHODS]
            if unknown or not self.methods:
                raise ConfigurationError(
                    f"unknown or no methods {list(self.methods)}",
                    hint=f"choose from {', '.join(METHODS)}")
        calphad = [self.tdb, self.phase, self.components or None]
        if any(x is not None for x in calphad) and not all(x is not None for x in calphad):
            raise ConfigurationError("the CALPHAD comparison needs tdb, phase and components "
                                     "together")
        if not self.pressures_GPa:
            raise ConfigurationError("no pressures given")
        self._check_values()
        if self.uncertainty_members:
            self.uncertainty_settings()  # refuses a bad count, method or ci now
        if isinstance(self.zenn_ensemble, bool) or not isinstance(self.zenn_ensemble, int) \
                or self.zenn_ensemble < 1:
            raise ConfigurationError(f"the ZENN ensemble needs at least 1 member, got "
                                     f"{self.zenn_ensemble!r}")

    def _check_values(self) -> None:
        """Numbers that cannot be used are refused here, naming the field (a workflow key)."""
        quantities = [("pressures_GPa", "pressure", p) for p in self.pressures_GPa]
        quantities += [(name, name[:-2], getattr(self, name))
                       for name in ("tstep_K", "tmin_K", "tmax_K")
                       if getattr(self, name) is not None]
        quantities += [(name, name, getattr(self, name)) for name in ("debye_scaling", "debye_x")]
        for name, quantity, value in quantities:
            wanted = problem(quantity, value)
            if wanted is not None:
                raise ConfigurationError(f"{name} must be {wanted}, got {getattr(self, name)}")
        for name, allowed in (("electronic", options.ELECTRONIC_MODELS),
                              ("phonon_interpolation", options.INTERPOLATION_FORMS)):
            if getattr(self, name) not in allowed:
                raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got "
                                         f"{getattr(self, name)!r}")
        if self.tmin_K is not None and self.tmax_K is not None and not self.tmin_K < self.tmax_K:
            raise ConfigurationError(f"tmin_K ({self.tmin_K}) must be below tmax_K "
                                     f"({self.tmax_K})")

    def uncertainty_settings(self):
        """The :class:`~zenthermo.uncertainty.UncertaintySettings` of the run, or None."""
        if not self.uncertainty_members:
            return None
        from zenthermo.uncertainty.settings import UncertaintySettings

        ci = tuple(float(x) for x in self.uncertainty_ci)
        if len(ci) != 3:
            raise ConfigurationError(f"ci must be three percentiles (low, middle, high), "
                                     f"got {list(ci)}")
        lo, mid, hi = ci
        return UncertaintySettings(members=self.uncertainty_members,
                                   method=self.uncertainty_method,
                                   ci=(lo, mid, hi), seed=self.seed)

    def physics_options(self) -> dict[str, Any]:
        """Keyword arguments of ``build_source_free_energies`` (and ``load_landscape``)."""
        return {"eos": self.eos, "vibrations": self.vibrations,
                "debye_scaling": self.debye_scaling, "debye_x": self.debye_x,
                "debye_volume": self.debye_volume, "electronic": self.electronic,
                "phonon_interpolation": self.phonon_interpolation}
