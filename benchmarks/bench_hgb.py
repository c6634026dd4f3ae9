"""HistGradientBoostingClassifier on soft targets: native fit against row expansion.

The natural baseline is the same estimator fitted on hard labels (the argmax of the
soft targets) in the same run. Also timed: the native soft-target fit and the exact
row expansion it replaces (each row into one piece per class). All three grow the
same number of trees (fixed ``max_iter``, no early stopping), so the work compares.
Prints the median wall time over repeats and the ratios to the hard fit.

Run: python benchmarks/bench_hgb.py [--n-samples 50000] [--n-classes 10] [--repeats 3]
"""

import argparse
import warnings

import numpy as np
from _common import soft_problem, timed
from sklearn.ensemble import HistGradientBoostingClassifier

from skdistill import fit_soft_targets
from skdistill.students._hgb import fit_hist_gradient_boosting_by_expansion


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=50_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-expansion", action="store_true",
                        help="time only the hard and the native fits")
    args = parser.parse_args(argv)

    X, P = soft_problem(args.n_samples, args.n_features, args.n_classes)
    y = P.argmax(axis=1)
    classes = np.arange(args.n_classes)

    def student():
        return HistGradientBoostingClassifier(max_iter=args.max_iter, early_stopping=False,
                                              random_state=0)

    def native():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a fallback would time the expansion instead
            fit_soft_targets(student(), X, P)

    fits = {
        "hard labels (argmax)": lambda: student().fit(X, y),
        "soft targets, native": native,
    }
    if not args.skip_expansion:
        fits["soft targets, row expansion"] = lambda: fit_hist_gradient_boosting_by_expansion(
            student(), X, P, classes=classes, sample_weight=None)

    print(f"n_samples={args.n_samples} n_features={args.n_features} "
          f"n_classes={args.n_classes} max_iter={args.max_iter} repeats={args.repeats}")
    print(f"teacher: mean max-probability {P.max(axis=1).mean():.3f}, "
          f"mean entropy {-(P * np.log(P)).sum(axis=1).mean():.3f} nats "
          f"(uniform: {np.log(args.n_classes):.3f})")
    print(f"{'fit':30s} {'median [s]':>11s} {'/ hard':>8s}")
    hard = None
    ratios = {}
    for name, fit in fits.items():
        seconds, _ = timed(fit, args.repeats)
        hard = seconds if hard is None else hard
        ratios[name] = seconds / hard
        print(f"{name:30s} {seconds:11.2f} {seconds / hard:8.2f}")
    return [{"benchmark": "HistGradientBoostingClassifier (native)",
             "size": f"n={args.n_samples}, d={args.n_features}, L={args.n_classes}",
             "ratio": ratios["soft targets, native"], "target": 3.0}]


if __name__ == "__main__":
    main()
