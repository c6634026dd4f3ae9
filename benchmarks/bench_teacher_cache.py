"""A hyper-parameter search with the teacher step cached (``memory=``) against without.

A ``GridSearchCV`` over a ``DistilledClassifier`` on scikit-learn's digits: a
``HistGradientBoostingClassifier`` teacher with out-of-fold targets (``teacher_cv=3``),
a logistic-regression student, and a grid over the temperature and the student's ``C``
(neither changes the teacher). Without a cache every candidate refits the teacher in
every fold (``teacher_cv`` fits and the refit); with ``memory=`` each fold's teacher is
fitted once and the other candidates load it. The natural baseline is the same search
without ``memory``, measured in the same run on the same data; the script prints both
wall-clock times, their ratio, the teacher fits each search made, and checks that the
two searches score every candidate identically. The cache lives in a temporary folder
and starts empty, so the cached time includes filling it.

Run: python benchmarks/bench_teacher_cache.py [--temperatures 1 2 4 8] [--C 0.1 1 10]
"""

import argparse
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier


class _CountingHGB(HistGradientBoostingClassifier):
    """Counts its fits in a class attribute (the searches run in this process)."""

    fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def _search(memory, args):
    student = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    clf = DistilledClassifier(student, _CountingHGB(max_iter=args.max_iter, random_state=0),
                              teacher_cv=3, memory=memory, random_state=0, alpha=1.0)
    grid = {"temperature": args.temperatures, "student__logisticregression__C": args.C}
    return GridSearchCV(clf, grid, cv=StratifiedKFold(args.folds, shuffle=True, random_state=0),
                        n_jobs=args.n_jobs)


def _timed(memory, X, y, args):
    _CountingHGB.fits = 0
    start = time.perf_counter()
    search = _search(memory, args).fit(X, y)
    return time.perf_counter() - start, _CountingHGB.fits, search


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 2.0, 4.0, 8.0])
    parser.add_argument("--C", type=float, nargs="+", default=[0.1, 1.0, 10.0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=30, help="the teacher's boosting rounds")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="parallel candidates (fit counts are then not collected)")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    n_candidates = len(args.temperatures) * len(args.C)
    print(f"digits {X.shape[0]} x {X.shape[1]}, {len(np.unique(y))} classes; "
          f"{n_candidates} candidates x {args.folds} folds; teacher "
          f"HistGradientBoostingClassifier(max_iter={args.max_iter}), teacher_cv=3")
    t_plain, fits_plain, plain = _timed(None, X, y, args)
    with tempfile.TemporaryDirectory() as cache:
        t_cached, fits_cached, cached = _timed(cache, X, y, args)
    same = np.array_equal(plain.cv_results_["mean_test_score"],
                          cached.cv_results_["mean_test_score"])
    counted = args.n_jobs in (None, 1)
    print(f"{'search':14s} {'time [s]':>9s} {'teacher fits':>13s}")
    print(f"{'no memory':14s} {t_plain:9.1f} {fits_plain if counted else '-':>13}")
    print(f"{'memory=':14s} {t_cached:9.1f} {fits_cached if counted else '-':>13}")
    print(f"speed-up {t_plain / t_cached:.1f}x; same scores for every candidate: {same}; "
          f"best {cached.best_params_} ({cached.best_score_:.4f})")


if __name__ == "__main__":
    main()
