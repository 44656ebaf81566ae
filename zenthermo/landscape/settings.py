"""The settings of a ZENN or DNN training run, as one frozen dataclass of plain values.

:class:`TrainingSettings` is what the fitters (:mod:`zenthermo.landscape.train`) take as
their parameters and what a model file records. Importing it loads no torch, so workflow
files and the command line can check ZENN options without paying for torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from zenthermo.errors import ConfigurationError
from zenthermo.landscape.jets import TRAINING_FIELDS
from zenthermo.option_rules import integer, non_negative, positive

__all__ = ["ACTIVATIONS", "DNN_HIDDEN", "TrainingSettings"]

#: The paper's baseline architecture for the plain DNN: 4 hidden layers of 48 units.
DNN_HIDDEN = (48, 48, 48, 48)
#: The smooth activations (to third order) a network may use.
ACTIVATIONS = ("tanh", "silu", "softplus")


def _widths(x: Any, least: int) -> bool:
    return isinstance(x, tuple) and len(x) > 0 and all(integer(n) and n >= least for n in x)


#: What each setting must be: (test, what the error says it must be); ``device`` is
#: checked in ``__post_init__`` (with whether torch sees a GPU).
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{name: (non_negative, "a number >= 0") for name in (
        "weight_F", "weight_P", "weight_B", "weight_S", "weight_alpha", "weight_density",
        "weight_sources", "weight_combined", "weight_convexity", "weight_heat_capacity",
        "weight_gruneisen", "system_polish", "alpha_floor", "stiffness_floor",
        "low_temperature_knee", "low_temperature_input")},
    **{name: (lambda x: x is None or non_negative(x), "a number >= 0 or unset")
       for name in ("weight_intrinsic_entropy", "entropy_fluctuation_gamma")},
    **{name: (positive, "a number > 0")
       for name in ("learning_rate", "final_learning_rate", "max_temperature")},
    **{name: (lambda x: integer(x) and x >= 0, "an integer >= 0")
       for name in ("adam_epochs", "lbfgs_iterations", "n_volumes", "seed")},
    **{name: (lambda x: integer(x) and x >= 1, "an integer >= 1")
       for name in ("evaluate_every", "patience", "n_temperatures", "n_latent_sources")},
    "hidden": (lambda x: _widths(x, 1), "a list of layer widths >= 1"),
    "dnn_hidden": (lambda x: _widths(x, 1), "a list of layer widths >= 1"),
    "collocation_points": (lambda x: _widths(x, 0) and len(x) == 2,
                           "two integers >= 0 (volumes, temperatures)"),
    "activation": (lambda x: x in ACTIVATIONS, f"one of {', '.join(ACTIVATIONS)}"),
    "sobolev_scaling": (lambda x: x in ("rms", "residual"), "'rms' or 'residual'"),
    "training_precision": (lambda x: x in ("float32", "float64"), "'float32' or 'float64'"),
    "validation_fraction": (lambda x: non_negative(x) and x < 0.5, "a number in [0, 0.5)"),
}


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides a training run (all plain values; saved in the model file).

    Attributes
    ----------
    hidden : tuple of int
        Hidden widths of each ZENN energy and entropy network.
    dnn_hidden : tuple of int
        Hidden widths of the DNN baseline (the paper's 4 x 48).
    activation : str
        ``tanh`` (default), ``silu`` or ``softplus``: smooth to third order.
    adam_epochs, learning_rate, final_learning_rate
        Adam steps and the exponentially decaying learning rate from start to end.
    lbfgs_iterations : int
        L-BFGS iterations of the polish (0 to skip).
    evaluate_every : int
        Steps between validation checks (Adam; L-BFGS checks every ``evaluate_every // 4``).
    patience : int
        Validation checks without improvement before Adam stops early.
    validation_fraction : float
        Fraction of distinct volumes and temperatures held out (0: select on training loss).
    n_temperatures : int
        Temperature points per source where it has no phonon grid (per-source mode).
    n_volumes : int
        Volumes per source (per-source mode): a dense grid over the source's DFT volume
        range on which its physics model is distilled (0: only the DFT volumes).
    max_temperature : float
        Highest training temperature, K (per-source mode; Debye sources are unbounded).
    collocation_points : (int, int)
        Volume x temperature grid for the physics regularisers.
    weight_F, weight_P, weight_B, weight_S, weight_alpha : float
        Weights of the F, F_V (pressure), F_VV (bulk modulus), F_T (entropy) and F_VT
        (dP/dT, which sets the thermal expansion) terms.
    weight_density : float
        Weight of the Jensen-Shannon term of a system density target (see
        :func:`~zenthermo.landscape.losses.density_term`).
    alpha_floor : float
        F_VT residuals are relative errors, divided by |target| + ``alpha_floor`` x the
        F_VT scale (see :func:`~zenthermo.landscape.losses.data_terms`); 0: absolute.
    stiffness_floor : float
        The same for the system-level F_VV (bulk modulus): residuals divided by |target| +
        ``stiffness_floor`` x the F_VV scale, so that the rows next to a critical point,
        where F_VV -> 0, are fitted as closely as the stiff ones; 0 (default): absolute.
        On the Fe3Pt 8-of-12 benchmark 0.1 took the worst T_c error over seeds 0-7 from
        4.1 K to 2.3 K at 1500 L-BFGS iterations, but worsened B_T (docs/benchmarks.md);
        2000 iterations without it did better on both.
    weight_sources, weight_combined : float
        Multipliers of the per-source and of the system-level (combined) data terms.
    weight_convexity, weight_heat_capacity : float
        Physics regularisers (F_k convex in V, C_V,k >= 0).
    n_latent_sources : int
        K in system mode.
    sobolev_scaling : str
        How the per-source F_V, F_VV, F_T residuals are scaled: ``residual`` (by the F
        residual scale over the normalised volume and temperature half-widths, see
        :func:`~zenthermo.landscape.losses.residual_scales`) or ``rms`` (by the RMS of the
        targets). System-level terms always use ``rms``.
    entropy_fluctuation_gamma : float or None
        The paper's optional entropy-fluctuation term (None: off).
    low_temperature_knee : float
        ZENN's temperature input is flat at T = 0 below this fraction of the top training
        temperature (see :func:`~zenthermo.landscape.features.temperature_feature`): each F_k
        then follows the Debye T^4 law there and alpha -> 0 with the data's sign. Used only
        for per-source data that obey the third law (F_k,T = 0 at T = 0); otherwise, and
        for 0, the input is linear in T (the DNN baseline always has a linear input).
    low_temperature_input : float
        T_1 of ZENN's second temperature input u(T) (see
        :func:`~zenthermo.landscape.features.low_temperature_feature`) as a fraction of the top
        training temperature; 0: no second input.
    training_precision : str
        Arithmetic of ZENN's networks during training: ``float32`` (default; the weights,
        baseline, zentropy sum and losses stay float64, and a trained model is always
        evaluated in float64) or ``float64``.
    seed : int
    device : str
        ``cpu`` or ``cuda``.
    weight_intrinsic_entropy : float or None
        Weight of the term that fixes the networks' split F_k = E_k - T S_k (see
        :func:`~zenthermo.landscape.losses.entropy_terms`): per-source mode, each entropy
        network S_k against its source's entropy -dF_k/dT; system mode (only with
        ``entropy_fluctuation_gamma``), S_k = -dF_k/dT of the learned F_k. None: 1 with
        ``entropy_fluctuation_gamma`` (the only place the split enters F), else 0 (off:
        on Fe3Pt the term cost accuracy, T_c 0.2 -> 4.6 K).
    weight_gruneisen : float
        System mode with the flat low-temperature input only (a table of total F that
        reaches into the knee): weight of the quasi-harmonic Grueneisen law of every latent
        source from a quarter of the knee to 3 x the knee
        (:func:`~zenthermo.landscape.losses.gruneisen_term`); 0: off. It removed the
        spurious low-temperature NTE window of the held-out system-mode benchmark; 0.01
        moved T_c by -7.5 and -9.8 K there (docs/zenn.md, "System mode"). Per-source mode
        ignores it (its sources' data carry F_VT directly).
    system_polish : float
        System mode with a table of total F only: a second L-BFGS stage of
        ``system_polish`` x ``lbfgs_iterations`` iterations from the best weights, with a
        fresh curvature history, in float64 (:meth:`polish_iterations`); 0: none. At 2000
        iterations the held-out 91 x 100 benchmark was not converged (T_c wandered by
        5-15 K between checkpoints). After 500-1000 polish iterations its T_c stays within
        about 3 K while the loss keeps falling: 0.5 (1000) is the default for its cost,
        1.5 took the T_c errors over seeds 0-3 from +0.6, -5.5, -6.0, -2.9 K to -0.7,
        -2.9, +1.9, -0.3 K at 3.5x the fit time (docs/zenn.md, "System mode").
    """

    hidden: tuple[int, ...] = (24, 24)
    dnn_hidden: tuple[int, ...] = DNN_HIDDEN
    activation: str = "tanh"
    adam_epochs: int = 300
    learning_rate: float = 1e-2
    final_learning_rate: float = 2e-4
    lbfgs_iterations: int = 2000
    evaluate_every: int = 40
    patience: int = 25
    validation_fraction: float = 0.15
    n_temperatures: int = 21
    n_volumes: int = 13
    max_temperature: float = 1000.0
    collocation_points: tuple[int, int] = (24, 12)
    weight_F: float = 1.0
    weight_P: float = 1.0
    weight_B: float = 1.5
    weight_S: float = 1.0
    weight_alpha: float = 0.5
    weight_density: float = 1.0
    alpha_floor: float = 0.05
    stiffness_floor: float = 0.0
    weight_sources: float = 1.0
    weight_combined: float = 3.0
    weight_convexity: float = 0.1
    weight_heat_capacity: float = 0.1
    n_latent_sources: int = 2
    sobolev_scaling: str = "rms"
    entropy_fluctuation_gamma: float | None = None
    low_temperature_knee: float = 0.04
    low_temperature_input: float = 0.1
    training_precision: str = "float32"
    seed: int = 0
    device: str = "cpu"
    weight_intrinsic_entropy: float | None = None
    weight_gruneisen: float = 0.001
    system_polish: float = 0.5

    def __post_init__(self) -> None:
        for name, (test, wanted) in _RULES.items():
            value = getattr(self, name)
            if not test(value):
                raise ConfigurationError(f"ZENN setting {name} must be {wanted}, not {value!r}")
        if self.device not in ("cpu", "cuda"):
            raise ConfigurationError(f"device must be 'cpu' or 'cuda', not {self.device!r}")
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ConfigurationError("device 'cuda' was asked for but torch sees no "
                                         "CUDA GPU", hint="use --device cpu")

    def to_dict(self) -> dict:
        """Plain values (tuples become lists) for the model file."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> TrainingSettings:
        known = {f.name for f in fields(cls)}
        clean: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                 for k, v in values.items() if k in known}
        clean["device"] = "cpu"
        # model files from before the setting existed were trained in float64
        clean.setdefault("training_precision", "float64")
        return cls(**clean)

    def data_options(self) -> dict:
        """Keyword arguments of :func:`training_data_from_sources` that these settings fix."""
        return {"n_temperatures": self.n_temperatures, "n_volumes": self.n_volumes,
                "max_temperature": self.max_temperature,
                "validation_fraction": self.validation_fraction, "seed": self.seed,
                "entropy_fluctuation_gamma": self.entropy_fluctuation_gamma}

    def data_weights(self, prefix: str, multiplier: float) -> dict[str, float]:
        return {f"{prefix}F": multiplier * self.weight_F,
                f"{prefix}F_V": multiplier * self.weight_P,
                f"{prefix}F_VV": multiplier * self.weight_B,
                f"{prefix}F_T": multiplier * self.weight_S,
                f"{prefix}F_VT": multiplier * self.weight_alpha,
                f"{prefix}density": multiplier * self.weight_density}

    def polish_iterations(self, mode: str, system_target: str = "F") -> int:
        """Iterations of the second L-BFGS stage: ``system_polish`` x ``lbfgs_iterations``
        for system data from a table of total F, else 0."""
        if mode != "system" or system_target != "F":
            return 0
        return int(round(self.system_polish * self.lbfgs_iterations))

    def training_fields(self) -> frozenset:
        """Jet fields the loss needs (F_VT only when its term has a weight)."""
        return TRAINING_FIELDS | ({"vt"} if self.weight_alpha else set())
