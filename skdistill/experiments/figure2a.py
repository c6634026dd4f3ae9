"""Figure 2(a): Bayes-distilled vs one-hot logistic regression as the training size grows.

Setup (section 5.1 of the paper, with every choice it leaves open stated):

- Data: ``skdistill.datasets.make_gaussian_classification`` — equal priors, class
  conditionals ``N(±r·(1, …, 1), I)`` in ``d = 10`` dimensions, so
  ``p*(y=1|x) = sigmoid(2r·Σx)``.
- Separation ``r = 0.25``, not the paper's ``r = 1``: at ``r = 1`` the Bayes AUC is
  ``Φ(√20) = 0.99999`` and both students are near-perfect, so the difference the figure
  is about is invisible. At ``r = 0.25`` the Bayes AUC is 0.868. Change it with
  ``separation=`` (CLI: ``--set separation=1``).
- Students: ``LogisticRegression(C=1.0)`` (scikit-learn's default; the paper does not
  give the regularisation), fitted on one-hot labels, or wrapped in
  ``DistilledClassifier(student, teacher=BayesTeacher(p*))`` which fits it exactly on
  the soft targets ``p*(x_n)`` (the Bayes-distilled risk, eq. 7). Both see the same
  training sample in each trial, so the gain is a paired difference.
- Training sizes ``N``: quick ``10, 20, 50, 100, 200, 500``; full adds ``1000``. A sample
  with a single class (possible at ``N = 10``) is redrawn.
- Test set: a fresh sample of ``10⁴`` points per trial and size (quick and full alike);
  metric: AUC-ROC of the student's decision function.
- Trials: quick 50, full 100 (the paper's), each drawing independent data.

Reported per ``N``: both AUCs, the paired gain and the AUC of ``p*`` on the same test
sets (the ceiling). The quick run takes a few seconds on one core.
"""

from __future__ import annotations

import numpy as np

from . import _gaussian
from ._experiment import Experiment, public_run
from ._runner import FULL_TRIALS


def _trial(seed, *, sizes, separation, n_features, n_test, C):
    rng = np.random.RandomState(seed)
    return [
        {
            "n_samples": n,
            **_gaussian.compare_one_hot_and_bayes(
                n, separation=separation, n_features=n_features, n_test=n_test, C=C, rng=rng
            ),
        }
        for n in sizes
    ]


def _settings(*, sizes=None, separation=0.25, n_features=_gaussian.N_FEATURES, n_test=10_000,
              C=1.0):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    sizes : sequence of int, default=None
        Training-set sizes ``N``.
    separation : float, default=0.25
        Class means ``±separation·(1, …, 1)``.
    n_features : int, default=10
        Dimension ``d``.
    n_test : int, default=10000
        Test-set size per cell.
    C : float, default=1.0
        Inverse regularisation of both logistic-regression students.
    """
    return {
        "sizes": [int(n) for n in sizes],
        "separation": float(separation),
        "n_features": int(n_features),
        "n_test": int(n_test),
        "C": float(C),
    }


EXPERIMENT = Experiment(
    name="figure2a",
    title="Figure 2(a): student AUC vs training size, one-hot vs Bayes-distilled",
    trial=_trial,
    settings=_settings,
    keys=["n_samples"],
    metrics=_gaussian.COMPARISON_METRICS,
    labels={"n_samples": "N", **_gaussian.COMPARISON_LABELS},
    quick={"trials": 50, "sizes": (10, 20, 50, 100, 200, 500)},
    full={"trials": FULL_TRIALS, "sizes": (10, 20, 50, 100, 200, 500, 1000)},
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Student AUC and paired gain against the training size (log axis)."""
    return _gaussian.plot_comparison(
        results, path, fig, x="n_samples", xlabel="training samples N", log_base=10
    )
