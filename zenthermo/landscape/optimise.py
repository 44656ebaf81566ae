"""The optimiser loop shared by the fitters: Adam, then an L-BFGS polish, keeping the weights
with the best validation loss.

Adam is the textbook update (Kingma & Ba, the arithmetic of ``torch.optim.Adam``) with an
exponentially decaying learning rate; the polish is scipy's L-BFGS-B (no bounds) on the
flattened parameters. Neither is a ``torch.optim`` optimiser: constructing one imports
torch's compiler stack (``torch._dynamo``), seconds of a fit of tens of seconds.

A loss with a ``checkpoint()`` method (:class:`~zenthermo.landscape.losses.GatedLoss`) has it
called at the start, at every validation check and before the final evaluation; when its
``active`` flag changes there, the L-BFGS polish restarts on the changed loss.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from zenthermo.landscape.settings import TrainingSettings

__all__ = ["optimise"]

#: Adam's moment decay rates and denominator guard (torch's and the paper's defaults).
BETAS = (0.9, 0.999)
EPS = 1e-8
#: L-BFGS memory (pairs of steps kept).
LBFGS_HISTORY = 50


def _adam_step(params, moments, step: int, lr: float) -> None:
    """One Adam update of ``params`` in place from their ``.grad``."""
    beta1, beta2 = BETAS
    with torch.no_grad():
        for p, (m, v) in zip(params, moments, strict=True):
            if p.grad is None:
                continue
            m.lerp_(p.grad, 1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            denom = (v.sqrt() / (1 - beta2 ** step) ** 0.5).add_(EPS)
            p.addcdiv_(m, denom, value=-lr / (1 - beta1 ** step))


class _Flat:
    """The parameters as one float64 numpy vector (what scipy's L-BFGS-B works on)."""

    def __init__(self, params) -> None:
        self.params = params

    def get(self) -> np.ndarray:
        return torch.cat([p.detach().reshape(-1) for p in self.params]).cpu().numpy()

    def set(self, x: np.ndarray) -> None:
        flat = torch.as_tensor(x, dtype=self.params[0].dtype, device=self.params[0].device)
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat, self.params)

    def gradient(self) -> np.ndarray:
        return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                          for p in self.params]).cpu().numpy()


def _lbfgs(params, loss_fn, s: TrainingSettings, consider, advance) -> int:
    """scipy L-BFGS-B from the current parameters; returns the iterations run."""
    from scipy.optimize import minimize

    flat = _Flat(params)
    every = max(s.evaluate_every // 4, 5)
    done = 0

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        flat.set(x)
        for p in params:
            p.grad = None
        loss, _ = loss_fn()
        loss.backward()
        value = float(loss.detach())
        if not math.isfinite(value):
            return math.inf, np.zeros_like(x)
        return value, flat.gradient()

    state = {"changed": False}
    while done < s.lbfgs_iterations:
        state["changed"] = False
        before = done

        def callback(intermediate_result) -> None:
            nonlocal done
            done += 1
            advance()
            if done % every == 0:
                flat.set(intermediate_result.x)
                active = getattr(loss_fn, "active", None)
                consider("lbfgs", done)
                if getattr(loss_fn, "active", None) != active:
                    state["changed"] = True  # the loss itself changed: restart on it
                    raise StopIteration

        result = minimize(fun, flat.get(), jac=True, method="L-BFGS-B", callback=callback,
                          options={"maxiter": s.lbfgs_iterations - done,
                                   "maxfun": 2 * (s.lbfgs_iterations - done) + 20,
                                   "maxcor": LBFGS_HISTORY, "ftol": 1e-14, "gtol": 1e-12})
        flat.set(result.x)
        if done % every:
            consider("lbfgs", done)
        if not state["changed"] or done == before:
            break
    return done


def optimise(network, loss_fn, val_fn, s: TrainingSettings, progress, method: str) -> dict:
    """Adam then L-BFGS, keeping the weights with the best validation loss."""
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
        moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
        decay = (s.final_learning_rate / s.learning_rate) ** (1.0 / max(s.adam_epochs, 1))
        lr = s.learning_rate
        stale = 0
        with progress.stage(f"{name}: Adam", total=s.adam_epochs) as advance:
            for step in range(1, s.adam_epochs + 1):
                for p in params:
                    p.grad = None
                loss, _ = loss_fn()
                loss.backward()
                _adam_step(params, moments, step, lr)
                lr *= decay
                history["adam_steps"] = step
                advance()
                if step % s.evaluate_every == 0 or step == s.adam_epochs:
                    stale = 0 if consider("adam", step) else stale + 1
                    if stale >= s.patience:
                        break
        network.load_state_dict(best["state"])
        checkpoint()
    if s.lbfgs_iterations:
        with progress.stage(f"{name}: L-BFGS", total=s.lbfgs_iterations) as advance:
            history["lbfgs_iterations"] = _lbfgs(params, loss_fn, s, consider, advance)
        network.load_state_dict(best["state"])
    checkpoint()
    for p in params:
        p.grad = None
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
