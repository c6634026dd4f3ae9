"""Figures 5 and 6 (appendix B.1): a bias/noise grid of teachers around the Bayes teacher.

Setup (appendix B.1 of the paper, with every choice it leaves open stated):

- Data: the Gaussian problem of section 5.1 (``make_gaussian_classification``),
  ``d = 10``, separation ``r = 0.25`` (at the paper's ``r = 1`` every student is
  near-perfect), training size ``N = 50``.
- Teachers: ``NoisyTeacher(BayesTeacher(p*), bias=α, noise=s)`` for
  ``α ∈ {0, 0.25, 0.5, 0.75}`` and ``s ∈ {0, 1, 2, 4}``:
  ``p_t(x) = (1 − α)·sigmoid(θ*ᵀx + s·ε) + α/2`` with ``ε ~ N(0, 1)`` fresh for every
  point and call. This is the paper's eq. (16) with ``s = σ²`` (the paper writes the
  noise scale as ``σ²``); ``α`` adds bias, ``s`` adds variance.
- Student: ``LogisticRegression(C=1.0)`` distilled through ``DistilledClassifier``
  (the teacher labels the training sample with one noise draw); a last row is the
  student on one-hot labels.
- Teacher quality, on the test set (5000 points quick, ``10⁴`` full): MSE to ``p*`` of
  one draw (``skdistill.metrics.probability_mse``) and, for Figure 6, its split into
  squared bias and variance over 10 fresh draws on the first 1000 test points
  (``skdistill.metrics.teacher_bias_variance``). Student: test AUC.
- Trials: quick 20, full 100.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..datasets import gaussian_class_probability
from ..metrics import teacher_bias_variance
from ..teachers import NoisyTeacher
from . import _gaussian, _runner
from ._experiment import Experiment, public_run
from ._runner import FULL_TRIALS

BIASES = (0.0, 0.25, 0.5, 0.75)
NOISES = (0.0, 1.0, 2.0, 4.0)
NOISY = "noisy Bayes"
N_EVAL, N_ROUNDS = 1000, 10


def _sample(seed, *, n_samples, separation, n_features):
    # The Bayes teacher ignores its training data; only the noise draws vary per round.
    rng = np.random.RandomState(seed)
    return _gaussian.draw_sample(
        n_samples, separation=separation, n_features=n_features, rng=rng)[:2]


def _trial(seed, *, biases, noises, n_samples, separation, n_features, n_test, C):
    rng = np.random.RandomState(seed)
    problem = _gaussian.draw_problem(
        n_samples=n_samples, separation=separation, n_features=n_features, n_test=n_test,
        rng=rng,
    )
    teachers = [
        ({"teacher": NOISY, "bias": bias, "noise": noise},
         NoisyTeacher(_gaussian.bayes_teacher(separation), bias=bias, noise=noise,
                      random_state=rng.randint(2**31)))
        for bias in biases for noise in noises
    ]
    rows = _gaussian.teacher_family_rows(teachers, problem, C=C)
    sampler = partial(_sample, n_samples=n_samples, separation=separation,
                      n_features=n_features)
    X_eval = problem[2][:N_EVAL]
    for row, (_, teacher) in zip(rows, teachers):
        split = teacher_bias_variance(
            teacher, X_eval, p_star=partial(gaussian_class_probability, separation=separation),
            sampler=sampler, n_rounds=N_ROUNDS, random_state=rng.randint(2**31),
        )
        row["teacher_bias2"], row["teacher_variance"] = split.bias2, split.variance
    return rows


def _settings(*, biases=BIASES, noises=NOISES, n_samples=50, separation=0.25,
              n_features=_gaussian.N_FEATURES, n_test=None, C=1.0):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    biases : sequence of float, default=(0, 0.25, 0.5, 0.75)
        ``NoisyTeacher(bias=...)`` values (the paper's ``α``).
    noises : sequence of float, default=(0, 1, 2, 4)
        ``NoisyTeacher(noise=...)`` values (the paper's ``σ²``).
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
        "biases": [float(b) for b in biases],
        "noises": [float(s) for s in noises],
        "n_samples": int(n_samples),
        "separation": float(separation),
        "n_features": int(n_features),
        "n_test": int(n_test),
        "C": float(C),
    }


EXPERIMENT = Experiment(
    name="appendix_b1",
    title="Figures 5 and 6: noisy/biased Bayes teachers, teacher MSE vs student AUC",
    trial=_trial,
    settings=_settings,
    keys=["teacher", "bias", "noise"],
    metrics=["teacher_mse", "teacher_bias2", "teacher_variance", "student_auc"],
    labels={"bias": "bias α", "noise": "noise σ²", "teacher_mse": "teacher MSE to p*",
            "teacher_bias2": "bias²", "teacher_variance": "variance",
            "student_auc": "student AUC"},
    quick={"trials": 20, "n_test": 5000},
    full={"trials": FULL_TRIALS, "n_test": 10_000},
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Student AUC vs teacher MSE per bias level (Fig. 5); bias² vs variance (Fig. 6)."""
    from ..plotting import TeacherStudentDisplay

    fig, (ax_mse, ax_split) = _runner.new_figure(2, width=5.5, height=4.4, fig=fig)
    rows = _runner.select(results, teacher=NOISY)
    for i, bias in enumerate(dict.fromkeys(row["bias"] for row in rows)):
        cell = [row for row in rows if row["bias"] == bias]
        # Noise levels are labelled on the first curve only: the others follow the same order.
        TeacherStudentDisplay.from_results(
            _runner.column(cell, "teacher_mse"), _runner.column(cell, "student_auc"),
            labels=[f"σ²={row['noise']:g}" for row in cell] if i == 0 else None,
            yerr=_runner.column(cell, "student_auc_se"), score_name="student test AUC",
            name=f"bias α = {bias:g}", ax=ax_mse,
        )
    for row in _runner.select(results, teacher=_gaussian.ONE_HOT):
        ax_mse.axhline(row["student_auc"], color="k", ls=":", lw=1, label="one-hot labels")
    ax_mse.legend(fontsize="small")
    ax_mse.set_title("(5) student AUC vs teacher MSE")
    points = ax_split.scatter(
        _runner.column(rows, "teacher_bias2"), _runner.column(rows, "teacher_variance"),
        c=_runner.column(rows, "teacher_mse"), cmap="viridis", s=60,
    )
    for row in rows:
        ax_split.annotate(f"({row['bias']:g}, {row['noise']:g})",
                          (row["teacher_bias2"], row["teacher_variance"]),
                          xytext=(4, 3), textcoords="offset points", fontsize=7)
    fig.colorbar(points, ax=ax_split, label="teacher MSE to p*")
    ax_split.set(xlabel="teacher bias²", ylabel="teacher variance",
                 title="(6) bias and variance of the teachers (α, σ²)")
    for ax in (ax_mse, ax_split):
        ax.grid(alpha=0.3)
    s = results["settings"]
    note = (f"Gaussian problem, r = {s['separation']}, d = {s['n_features']}, "
            f"N = {s['n_samples']}, logistic regression C = {s['C']}")
    return _runner.finish_figure(fig, results, path, note)
