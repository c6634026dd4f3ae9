"""Figure 7 (appendix B.2): an accurate but uncalibrated teacher distils worse.

Setup (appendix B.2 of the paper, with every choice it leaves open stated):

- Data: the Gaussian problem of section 5.1 (``make_gaussian_classification``),
  ``d = 10``, separation ``r = 0.25`` (Bayes AUC 0.868; at the paper's ``r = 1``
  every student is near-perfect), training size ``N = 50``.
- Teachers: ``CalibrationDistortedTeacher(BayesTeacher(p*), power=α)`` for
  ``α ∈ {1, 2, 4, 8, 16}``, i.e. ``p̄(x) = Ψ_α(p*(x))`` with
  ``Ψ_α(u) = ½(2u)^α`` for ``u ≤ ½`` and ``1 − ½(2(1 − u))^α`` for ``u ≥ ½``. The printed
  upper branch ``½ + (2u − 1)^{1/α}`` is not a probability (it maps 1 to 1.5); this
  symmetric map keeps ``½`` fixed, hence every decision and the accuracy, and pushes
  the probabilities to 0 and 1 as ``α`` grows. ``α = 1`` is the Bayes teacher.
- Student: ``LogisticRegression(C=1.0)`` distilled through ``DistilledClassifier``;
  a last row is the same student on one-hot labels.
- Measured on a test set of 5000 (quick) / ``10⁴`` (full) points per trial: the teacher's
  accuracy, ECE (15 equal-width bins), MSE to ``p*``, the student's AUC and its paired
  change from the first ``α`` (``α = 1``). Trials: quick 50, full 100.
"""

from __future__ import annotations

import numpy as np

from ..teachers import CalibrationDistortedTeacher, distort_calibration
from . import _gaussian, _runner
from ._experiment import Experiment, public_run
from ._runner import FULL_TRIALS

POWERS = (1, 2, 4, 8, 16)
DISTORTED = "Ψ_α(p*)"


def _trial(seed, *, powers, n_samples, separation, n_features, n_test, C):
    rng = np.random.RandomState(seed)
    problem = _gaussian.draw_problem(
        n_samples=n_samples, separation=separation, n_features=n_features, n_test=n_test,
        rng=rng,
    )
    teachers = [
        ({"teacher": DISTORTED, "power": alpha},
         CalibrationDistortedTeacher(_gaussian.bayes_teacher(separation), power=alpha))
        for alpha in powers
    ]
    rows = _gaussian.teacher_family_rows(teachers, problem, C=C)
    reference = rows[0]["student_auc"]
    for row in rows[: len(powers)]:
        row["student_auc_change"] = row["student_auc"] - reference
    return rows


def _settings(*, powers=POWERS, n_samples=50, separation=0.25, n_features=_gaussian.N_FEATURES,
              n_test=None, C=1.0):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    powers : sequence of float, default=(1, 2, 4, 8, 16)
        Distortion powers ``α``; the student AUC change is relative to the first.
    n_samples : int, default=50
        Training-set size.
    separation : float, default=0.25
        Class means ``±separation·(1, …, 1)``.
    n_features : int, default=10
        Dimension ``d``.
    n_test : int, default=None
        Test-set size per trial.
    C : float, default=1.0
        Inverse regularisation of the logistic-regression students.
    """
    return {
        "powers": [float(a) for a in powers],
        "n_samples": int(n_samples),
        "separation": float(separation),
        "n_features": int(n_features),
        "n_test": int(n_test),
        "C": float(C),
    }


EXPERIMENT = Experiment(
    name="appendix_b2",
    title="Figure 7: calibration-distorted Bayes teacher Ψ_α(p*), same accuracy, worse student",
    trial=_trial,
    settings=_settings,
    keys=["teacher", "power"],
    metrics=[*_gaussian.TEACHER_METRICS, "student_auc_change"],
    labels={"power": "α", **_gaussian.TEACHER_LABELS,
            "student_auc_change": "Δ student AUC (paired)"},
    quick={"trials": 50, "n_test": 5000},
    full={"trials": FULL_TRIALS, "n_test": 10_000},
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Ψ_α curves (Fig. 7a), teacher accuracy/ECE/MSE and student AUC against α (7b)."""
    fig, (ax_map, ax_teacher, ax_student) = _runner.new_figure(3, fig=fig)
    rows = _runner.select(results, teacher=DISTORTED)
    powers = _runner.column(rows, "power")
    u = np.linspace(0.0, 1.0, 201)
    for alpha in powers:
        curve = distort_calibration(np.column_stack([1.0 - u, u]), alpha)[:, 1]
        ax_map.plot(u, curve, label=f"α = {alpha:g}")
    ax_map.set(xlabel="Bayes probability p*(y=1|x)", ylabel="teacher probability Ψ_α(p*)",
               title="(7a) the distortion Ψ_α", aspect="equal")
    ax_map.legend(fontsize="small")
    for metric, color in (("teacher_accuracy", "tab:green"), ("teacher_ece", "tab:red"),
                          ("teacher_mse", "tab:purple")):
        _runner.errorbar(ax_teacher, powers, rows, metric, color=color,
                         label=results["labels"][metric])
    ax_teacher.set(xlabel="α", ylabel="teacher metric (test set)",
                   title="teacher: accuracy kept, calibration lost")
    ax_teacher.legend(fontsize="small")
    _runner.errorbar(ax_student, powers, rows, "student_auc", color="tab:blue",
                     label="distilled from Ψ_α(p*)")
    for row in _runner.select(results, teacher=_gaussian.ONE_HOT):
        ax_student.axhline(row["student_auc"], color="k", ls=":", lw=1, label="one-hot labels")
    ax_student.set(xlabel="α", ylabel="student test AUC", title="(7b) student AUC")
    ax_student.legend(fontsize="small")
    for ax in (ax_teacher, ax_student):
        ax.set_xscale("log", base=2)
        ax.set_xticks(powers, [f"{a:g}" for a in powers])
    for ax in (ax_map, ax_teacher, ax_student):
        ax.grid(alpha=0.3)
    s = results["settings"]
    note = (f"Gaussian problem, r = {s['separation']}, d = {s['n_features']}, "
            f"N = {s['n_samples']}, logistic regression C = {s['C']}")
    return _runner.finish_figure(fig, results, path, note)
