"""Cost of fitting a student on soft targets, against the ordinary hard-label fit.

The natural baseline is the same estimator fitted on hard labels (the argmax of the
soft targets) in the same run. Prints, per student family, the median wall time of
both over repeats and their ratio. Row expansion (logistic regression, boosting)
costs roughly the number of classes with positive mass per row; trees grown as
multi-output regressors cost about the number of classes.

Run: python benchmarks/bench_soft_targets.py [--n-samples 20000] [--n-classes 5] [--repeats 3]
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skdistill import fit_soft_targets


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-classes", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(args.n_samples, args.n_features))
    logits = X @ rng.normal(size=(args.n_features, args.n_classes))
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = P.argmax(axis=1)

    students = {
        "LogisticRegression": lambda: LogisticRegression(max_iter=200),
        "DecisionTreeClassifier(max_depth=8)": lambda: DecisionTreeClassifier(
            max_depth=8, random_state=0),
        "RandomForestClassifier(50 trees, depth 8)": lambda: RandomForestClassifier(
            n_estimators=50, max_depth=8, random_state=0),
        "HistGradientBoostingClassifier(50 iter)": lambda: HistGradientBoostingClassifier(
            max_iter=50, early_stopping=False, random_state=0),
    }
    print(f"n_samples={args.n_samples} n_features={args.n_features} "
          f"n_classes={args.n_classes} repeats={args.repeats}")
    print(f"{'student':45s} {'hard fit [s]':>12s} {'soft fit [s]':>12s} {'soft/hard':>10s}")
    for name, make in students.items():
        hard = _median_time(lambda make=make: make().fit(X, y), args.repeats)
        soft = _median_time(lambda make=make: fit_soft_targets(make(), X, P), args.repeats)
        print(f"{name:45s} {hard:12.3f} {soft:12.3f} {soft / hard:10.2f}")


if __name__ == "__main__":
    main()
