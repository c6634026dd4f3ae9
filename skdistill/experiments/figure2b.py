"""Figure 2(b): gain of Bayes-distillation over one-hot labels as the class separation varies.

Setup (section 5.1 of the paper, with every choice it leaves open stated):

- Data: ``skdistill.datasets.make_gaussian_classification`` in ``d = 10`` dimensions.
- **Reading of "the distance r between the means"**: ``r`` *scales* the means, which are
  ``±r·(1, …, 1)`` (their Euclidean distance is ``2r·√10``). With this reading the gain
  falls steadily as ``r`` grows. For the other reading pass
  ``separation = r / (2·√10)`` values yourself (``separations=`` parameter).
- Separations ``r ∈ {0.125, 0.25, 0.5, 1, 2}``, the values on the paper's axis.
- **Training size ``N = 20``** (not stated in the paper; the small-sample regime of
  Figure 2(a), where distillation matters). Change it with ``n_samples=``.
- Students: ``LogisticRegression(C=1.0)`` on one-hot labels vs the same model distilled
  from the Bayes teacher ``p*`` through ``DistilledClassifier`` (paired on the same
  sample); a single-class sample is redrawn.
- Test set: ``10⁴`` fresh points per trial and separation; metric AUC-ROC.
- Trials: quick 40, full 100.

Reported per ``r``: both AUCs, the paired gain and the AUC of ``p*`` (the ceiling).
"""

from __future__ import annotations

import numpy as np

from . import _gaussian, _runner

NAME = "figure2b"
TITLE = "Figure 2(b): student AUC vs class separation r, one-hot vs Bayes-distilled"
SEPARATIONS = (0.125, 0.25, 0.5, 1.0, 2.0)


def _trial(seed, *, separations, n_samples, n_features, n_test, C):
    rng = np.random.RandomState(seed)
    return [
        {
            "separation": r,
            **_gaussian.compare_one_hot_and_bayes(
                n_samples, separation=r, n_features=n_features, n_test=n_test, C=C, rng=rng
            ),
        }
        for r in separations
    ]


def run(
    *,
    trials=None,
    full=False,
    n_jobs=None,
    random_state=0,
    verbose=True,
    separations=SEPARATIONS,
    n_samples=20,
    n_features=_gaussian.N_FEATURES,
    n_test=10_000,
    C=1.0,
):
    """Run the Figure 2(b) reproduction.

    Parameters
    ----------
    trials : int, default=None
        Independent trials; 40 in quick mode, 100 with ``full=True``.
    full : bool, default=False
        Paper-size run (100 trials).
    n_jobs : int, default=None
        Trials run in parallel (joblib).
    random_state : int or None, default=0
        Root seed.
    verbose : bool, default=True
        Progress line per finished trial on stderr.
    separations : sequence of float, default=(0.125, 0.25, 0.5, 1.0, 2.0)
        Values of ``r`` (means ``±r·(1, …, 1)``).
    n_samples : int, default=20
        Training-set size.
    n_features : int, default=10
        Dimension ``d``.
    n_test : int, default=10000
        Test-set size per cell.
    C : float, default=1.0
        Inverse regularisation of both logistic-regression students.

    Returns
    -------
    results : dict
        Cells keyed by ``separation``.
    """
    settings = {
        "separations": [float(r) for r in separations],
        "n_samples": int(n_samples),
        "n_features": int(n_features),
        "n_test": int(n_test),
        "C": float(C),
    }
    return _runner.run_experiment(
        NAME, TITLE, _trial, settings,
        keys=["separation"],
        metrics=_gaussian.COMPARISON_METRICS,
        labels={"separation": "r", **_gaussian.COMPARISON_LABELS},
        trials=_runner.resolve(trials, 40, _runner.FULL_TRIALS, full),
        n_jobs=n_jobs, random_state=random_state, verbose=verbose,
    )


def plot(results, path=None, *, fig=None):
    """Student AUC and paired gain against the separation ``r`` (log2 axis, as the paper)."""
    return _gaussian.plot_comparison(
        results, path, fig, x="separation", xlabel="class separation r (means ±r·1)",
        log_base=2,
    )
