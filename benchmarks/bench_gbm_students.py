"""LightGBM and XGBoost students on soft targets: native fit against row expansion.

Letter recognition (20,000 rows, 16 features, 26 classes; ``skdistill.datasets``): a
``HistGradientBoostingClassifier`` teacher's out-of-fold probabilities on the training
rows are the soft targets. The natural baseline is the same student fitted on the
labels in the same run; also timed are the native soft-target fit (a custom objective
in the library's own boosting loop) and the exact row expansion it replaces (each row
into one piece per class, weighted by its probability). All grow the same number of
trees. Prints the median wall time over repeats, the ratios to the label fit, and each
fit's soft cross-entropy to the targets (training rows) and log-loss on held-out rows.

Students run on ``--n-jobs`` threads (one by default: on a shared machine their threads
otherwise wait for each other, and the ratios drift with the load).

Run: python benchmarks/bench_gbm_students.py [--n-train 10000] [--n-estimators 100]
     [--repeats 3] [--n-jobs 1] [--library lightgbm xgboost] [--skip-expansion]
"""

import argparse
import warnings

import numpy as np
from _common import timed
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import cross_val_predict, train_test_split

from skdistill import fit_soft_targets
from skdistill.datasets import load_tabular
from skdistill.students._expand import fit_expanded


def _students(library, n_estimators, n_jobs):
    """``(make_student, encode_labels)`` for a library: XGBoost takes label positions."""
    if library == "lightgbm":
        import lightgbm

        return (lambda: lightgbm.LGBMClassifier(n_estimators=n_estimators, n_jobs=n_jobs,
                                                verbose=-1, random_state=0), False)
    import xgboost

    return (lambda: xgboost.XGBClassifier(n_estimators=n_estimators, n_jobs=n_jobs,
                                          random_state=0), True)


def _bench(library, args, X, y, X_test, y_test, P, classes):
    """Time one library's label, native and expanded fits; the summary row."""
    make, encode = _students(library, args.n_estimators, args.n_jobs)
    labels = np.searchsorted(classes, y) if encode else y
    fit_classes = np.arange(classes.size) if encode else classes

    def native():
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*row expansion")
            return fit_soft_targets(make(), X, P, classes=classes)

    fits = {"labels": lambda: make().fit(X, labels), "soft targets, native": native}
    if not args.skip_expansion:
        fits["soft targets, row expansion"] = lambda: fit_expanded(
            make(), X, P, classes=fit_classes, sample_weight=None)
    print(f"\n{library}")
    print(f"{'fit':30s} {'median [s]':>11s} {'/ labels':>9s} {'soft CE (train)':>16s} "
          f"{'log-loss (test)':>16s}")
    base = None
    ratios = {}
    for name, fit in fits.items():
        seconds, student = timed(fit, args.repeats)
        base = seconds if base is None else base
        ratios[name] = seconds / base
        soft_ce = -(P * np.log(np.clip(student.predict_proba(X), 1e-300, None))).sum(1).mean()
        test_loss = log_loss(np.searchsorted(classes, y_test) if encode else y_test,
                             student.predict_proba(X_test), labels=fit_classes)
        print(f"{name:30s} {seconds:11.2f} {seconds / base:9.2f} {soft_ce:16.4f} "
              f"{test_loss:16.4f}")
    return {"benchmark": f"{library} student (native)",
            "size": f"letter, n={len(X)}, L={classes.size}",
            "ratio": ratios["soft targets, native"], "target": 1.5}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--library", nargs="+", default=["lightgbm", "xgboost"],
                        choices=["lightgbm", "xgboost"])
    parser.add_argument("--skip-expansion", action="store_true",
                        help="time only the label and the native fits")
    args = parser.parse_args(argv)

    data = load_tabular("letter")
    X, X_test, y, y_test = train_test_split(data.data, data.target.to_numpy(),
                                            train_size=args.n_train, random_state=0,
                                            stratify=data.target)
    teacher = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    P = cross_val_predict(teacher, X, y, cv=3, method="predict_proba")
    classes = np.unique(y)
    print(f"letter: n_train={len(X)} n_test={len(X_test)} n_classes={classes.size} "
          f"n_estimators={args.n_estimators} repeats={args.repeats} n_jobs={args.n_jobs}")
    print(f"teacher (out of fold): mean max-probability {P.max(axis=1).mean():.3f}")
    return [_bench(library, args, X, y, X_test, y_test, P, classes)
            for library in args.library]


if __name__ == "__main__":
    main()
