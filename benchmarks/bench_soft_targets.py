"""Cost of fitting trees and forests on soft targets, against the ordinary hard-label fit.

The natural baseline is the same estimator fitted on hard labels (the argmax of the
soft targets) in the same run. Prints, per student, the median wall time of both over
repeats and their ratio. A tree on soft targets is grown as its multi-output regression
twin (``skdistill/students/_trees.py``): one pass over the rows per split, the impurity
summed over the classes. (Logistic regression and gradient boosting have their own
benchmarks, ``bench_linear.py`` and ``bench_hgb.py``.)

Run: python benchmarks/bench_soft_targets.py [--n-samples 50000] [--n-classes 10] [--repeats 3]
"""

import argparse

import numpy as np
from _common import soft_problem, timed
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from skdistill import fit_soft_targets

TARGET = 1.5


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=50_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    X, P = soft_problem(args.n_samples, args.n_features, args.n_classes,
                        scale=0.5 * np.sqrt(args.n_features))
    y = P.argmax(axis=1)

    students = {
        "DecisionTreeClassifier(max_depth=8)": lambda: DecisionTreeClassifier(
            max_depth=8, random_state=0),
        "RandomForestClassifier(50 trees, depth 8)": lambda: RandomForestClassifier(
            n_estimators=50, max_depth=8, random_state=0),
        "ExtraTreesClassifier(50 trees, depth 8)": lambda: ExtraTreesClassifier(
            n_estimators=50, max_depth=8, random_state=0),
    }
    print(f"trees and forests: n_samples={args.n_samples} n_features={args.n_features} "
          f"n_classes={args.n_classes} repeats={args.repeats} "
          f"(teacher's mean top probability {P.max(axis=1).mean():.2f})")
    print(f"{'student':45s} {'hard fit [s]':>12s} {'soft fit [s]':>12s} {'soft/hard':>10s}")
    rows = []
    for name, make in students.items():
        hard, _ = timed(lambda make=make: make().fit(X, y), args.repeats)
        soft, _ = timed(lambda make=make: fit_soft_targets(make(), X, P), args.repeats)
        print(f"{name:45s} {hard:12.3f} {soft:12.3f} {soft / hard:10.2f}")
        rows.append({"benchmark": name, "size": f"n={args.n_samples}, L={args.n_classes}",
                     "ratio": soft / hard, "target": TARGET})
    return rows


if __name__ == "__main__":
    main()
