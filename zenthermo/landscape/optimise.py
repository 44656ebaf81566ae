"""The optimiser loop shared by the fitters: Adam, then an L-BFGS polish, keeping the weights
with the best validation loss. System fits to a table of total F add a second L-BFGS stage
in float64 (``polish_iterations``).

A loss with a ``checkpoint()`` method (:class:`~zenthermo.landscape.losses.GatedLoss`) has it
called at the start, at every validation check and before the final evaluation.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch

from zenthermo.landscape.settings import TrainingSettings

__all__ = ["optimise"]


#: Fresh curvature histories the polish may start in a row when L-BFGS stalls (its line
#: search made no progress for two chunks: seen on the system fits after 0-60 iterations).
POLISH_RESTARTS = 3
#: Progress labels of the L-BFGS stages.
_STAGES = {"lbfgs": "L-BFGS", "polish": "L-BFGS polish"}


def optimise(network, loss_fn, val_fn, s: TrainingSettings, progress, method: str,
             polish_iterations: int = 0, before_polish: Callable[[], None] | None = None,
             ) -> dict:
    """Adam then L-BFGS, keeping the weights with the best validation loss.

    ``polish_iterations`` > 0 adds a second L-BFGS stage from the best weights with a fresh
    curvature history (system mode: :meth:`TrainingSettings.polish_iterations`);
    ``before_polish`` is called before it starts (the fitters switch to float64 there).
    """
    criterion = val_fn or loss_fn
    checkpoint = getattr(loss_fn, "checkpoint", None) or (lambda: None)
    checkpoint()

    def score() -> float:
        with torch.no_grad():
            value = float(criterion()[0])
        return value if math.isfinite(value) else math.inf

    best = {"score": score(), "state": copy.deepcopy(network.state_dict()), "stage": "init",
            "step": 0}

    def consider(stage: str, step: int) -> bool:
        checkpoint()
        value = score()
        if value < best["score"]:
            best.update(score=value, state=copy.deepcopy(network.state_dict()), stage=stage,
                        step=step)
            return True
        return False

    params = [p for p in network.parameters() if p.requires_grad]
    history: dict = {"adam_steps": 0, "lbfgs_iterations": 0}
    name = method.upper()
    if s.adam_epochs:
        optimiser: torch.optim.Optimizer = torch.optim.Adam(params, lr=s.learning_rate)
        decay = (s.final_learning_rate / s.learning_rate) ** (1.0 / max(s.adam_epochs, 1))
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=decay)
        stale = 0
        with progress.stage(f"{name}: Adam", total=s.adam_epochs) as advance:
            for step in range(1, s.adam_epochs + 1):
                optimiser.zero_grad(set_to_none=True)
                loss, _ = loss_fn()
                loss.backward()
                optimiser.step()
                scheduler.step()
                history["adam_steps"] = step
                advance()
                if step % s.evaluate_every == 0 or step == s.adam_epochs:
                    stale = 0 if consider("adam", step) else stale + 1
                    if stale >= s.patience:
                        break
        network.load_state_dict(best["state"])
        checkpoint()
    for stage, iterations in (("lbfgs", s.lbfgs_iterations), ("polish", polish_iterations)):
        if iterations and stage == "polish" and before_polish is not None:
            before_polish()
            checkpoint()
            best["score"] = score()  # the best weights (loaded) scored in the new arithmetic
        if iterations:
            history[f"{stage}_iterations"] = _lbfgs(
                params, loss_fn, consider, iterations, max(s.evaluate_every // 4, 5), progress,
                f"{name}: {_STAGES[stage]}", stage, POLISH_RESTARTS if stage == "polish" else 0)
            network.load_state_dict(best["state"])
    checkpoint()
    with torch.no_grad():
        train_loss, train_terms = loss_fn()
        history["final_train_loss"] = float(train_loss)
        history["final_train_terms"] = {k: float(v) for k, v in train_terms.items()}
        if val_fn is not None:
            val_loss, _ = val_fn()
            history["best_validation_loss"] = float(val_loss)
    history["best_stage"] = best["stage"]
    history["best_step"] = int(best["step"])
    return history


def _lbfgs(params, loss_fn, consider, iterations: int, chunk: int, progress, label: str,
           stage: str, restarts: int = 0) -> int:
    """One L-BFGS stage of about ``iterations`` iterations in chunks of ``chunk``, each
    chunk ending with a validation check (``consider``); returns the iterations run.

    L-BFGS returns early when its line search cannot improve; the stage stops after two
    such chunks in a row, or, with ``restarts`` > 0, first starts a fresh curvature history
    (up to ``restarts`` times in a row without an improvement between them).
    """
    def fresh() -> torch.optim.LBFGS:
        return torch.optim.LBFGS(params, lr=1.0, max_iter=chunk, history_size=50,
                                 tolerance_grad=1e-12, tolerance_change=1e-14,
                                 line_search_fn="strong_wolfe")

    optimiser = fresh()

    def closure():
        optimiser.zero_grad(set_to_none=True)
        loss, _ = loss_fn()
        loss.backward()
        return loss

    done, last, flat, restarted = 0, math.inf, 0, 0
    with progress.stage(label, total=iterations) as advance:
        while done < iterations:
            before = optimiser.state[params[0]].get("n_iter", 0)
            loss = float(optimiser.step(closure).detach())
            ran = max(optimiser.state[params[0]].get("n_iter", 0) - before, 1)
            done += ran
            advance(ran)
            consider(stage, done)
            improved = loss < last * (1 - 1e-9)
            flat = 0 if improved else flat + 1
            restarted = 0 if improved else restarted
            last = min(last, loss)
            if not math.isfinite(loss):
                break
            if flat >= 2:
                if restarted >= restarts:
                    break
                optimiser, flat, restarted = fresh(), 0, restarted + 1
    return done
