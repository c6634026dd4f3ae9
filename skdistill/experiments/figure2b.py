"""Figure 2(b): gain of Bayes-distillation over one-hot labels as the class separation varies.

Setup (section 5.1 of the paper, with every choice it leaves open stated):

- Data: ``skdistill.datasets.make_gaussian_classification`` in ``d = 10`` dimensions.
- **Reading of "the distance r between the means"** (``reading=``): by default
  ``"scale"``, ``r`` *scales* the means, which are ``±r·(1, …, 1)`` (their Euclidean
  distance is ``2r·√10``). ``reading="distance"`` takes ``r`` as the Euclidean distance
  between the means (``separation = r / (2·√10)``), a much harder problem at the same
  ``r`` (Bayes AUC 0.53 to 0.92 over the axis). What each reading gives is on the
  results page (:ref:`reproductions`).
- Separations ``r ∈ {0.125, 0.25, 0.5, 1, 2}``, the values on the paper's axis.
- Training size ``N = 20`` (not stated in the paper; the small-sample regime of
  Figure 2(a), where distillation matters). Change it with ``n_samples=``.
- Students: ``LogisticRegression(C=1.0)`` on one-hot labels vs the same model distilled
  from the Bayes teacher ``p*`` through ``DistilledClassifier`` (paired on the same
  sample); a single-class sample is redrawn.
- Test set: ``10⁴`` fresh points per trial and separation; metric AUC-ROC.
- Trials: quick 50, full 100.

Reported per ``r``: both AUCs, the paired gain and the AUC of ``p*`` (the ceiling).
"""

from __future__ import annotations

import numpy as np

from . import _gaussian
from ._experiment import Experiment, public_run
from ._runner import FULL_TRIALS

SEPARATIONS = (0.125, 0.25, 0.5, 1.0, 2.0)
READINGS = ("scale", "distance")


def _separation(r, reading, n_features):
    """The scale of the means ``±separation·(1, …, 1)`` for the value ``r`` of the axis."""
    return r if reading == "scale" else r / (2.0 * np.sqrt(n_features))


def _trial(seed, *, separations, reading, n_samples, n_features, n_test, C):
    rng = np.random.RandomState(seed)
    rows = []
    for r in separations:
        separation = _separation(r, reading, n_features)
        rows.append({
            "r": r,
            "separation": separation,
            **_gaussian.compare_one_hot_and_bayes(
                n_samples, separation=separation, n_features=n_features, n_test=n_test, C=C,
                rng=rng,
            ),
        })
    return rows


def _settings(*, separations=SEPARATIONS, reading="scale", n_samples=20,
              n_features=_gaussian.N_FEATURES, n_test=10_000, C=1.0):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    separations : sequence of float, default=(0.125, 0.25, 0.5, 1.0, 2.0)
        Values of ``r``.
    reading : {"scale", "distance"}, default="scale"
        ``"scale"``: means ``±r·(1, …, 1)``; ``"distance"``: ``r`` is the Euclidean
        distance between the means.
    n_samples : int, default=20
        Training-set size.
    n_features : int, default=10
        Dimension ``d``.
    n_test : int, default=10000
        Test-set size per cell.
    C : float, default=1.0
        Inverse regularisation of both logistic-regression students.
    """
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {READINGS}; got {reading!r}.")
    return {
        "separations": [float(r) for r in separations],
        "reading": reading,
        "n_samples": int(n_samples),
        "n_features": int(n_features),
        "n_test": int(n_test),
        "C": float(C),
    }


EXPERIMENT = Experiment(
    name="figure2b",
    title="Figure 2(b): student AUC vs class separation r, one-hot vs Bayes-distilled",
    trial=_trial,
    settings=_settings,
    keys=["r", "separation"],
    metrics=_gaussian.COMPARISON_METRICS,
    labels={"separation": "means ±s·1, s", **_gaussian.COMPARISON_LABELS},
    quick={"trials": 50},
    full={"trials": FULL_TRIALS},
    returns="``separation`` is the scale of the means that ``r`` gives.",
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Student AUC and paired gain against the separation ``r`` (log2 axis, as the paper)."""
    xlabel = ("class separation r (means ±r·1)" if results["settings"]["reading"] == "scale"
              else "class separation r (distance between the means)")
    return _gaussian.plot_comparison(results, path, fig, x="r", xlabel=xlabel, log_base=2)
