"""LogisticRegression on soft targets: the native solver against the hard-label fit.

For each number of classes L, on the same data in the same run, the table gives the
median wall time of

- ``hard``: ``LogisticRegression().fit(X, y)`` on the teacher's argmax labels, the
  natural baseline;
- ``native``: ``fit_soft_targets(LogisticRegression(), X, P)``, the direct soft
  cross-entropy solver (skdistill/students/_linear.py);
- ``one-hot``: the native solver on the one-hot labels of ``y``. It follows the hard
  fit's L-BFGS iterates exactly, so ``one-hot/hard`` is the cost per evaluation
  with the iteration count factored out;
- ``expanded``: the row expansion (one weighted row per class) that the native
  solver replaces, for reference (one repeat from ``--expansion-single-from`` classes
  on, as it is slow; ``--no-expansion`` leaves it out).

The teacher's probabilities ``P`` are a softmax of a random linear model at moderate
scale, far from one-hot (the mean largest probability is printed). L-BFGS
iteration counts are printed too: soft targets usually need fewer iterations than
hard labels, which is part of why the native ratio can be below one.

BLAS runs on ``--threads`` threads (1 by default: on a shared machine, multi-threaded
BLAS makes timings erratic; 0 keeps the library's default). Repeats are
interleaved so that a change in machine load hits all variants alike.

Run: python benchmarks/bench_linear.py [--n-samples 20000] [--n-features 50]
     [--n-classes 2 10 100] [--repeats 5] [--threads 1] [--no-expansion]
"""

import argparse
import contextlib
import warnings

import numpy as np
from _common import soft_problem, timed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from skdistill import fit_soft_targets
from skdistill.students._expand import fit_expanded


def run(n_samples=20000, n_features=50, n_classes=(2, 10, 100), repeats=5, scale=3.0,
        expansion_single_from=100, expansion=True):
    """Time the variants for each number of classes; return one dict per row."""
    rows = []
    for L in n_classes:
        X, P = soft_problem(n_samples, n_features, L, scale)
        classes = np.arange(L)
        y = P.argmax(axis=1)
        Y = np.eye(L)[y]
        variants = {
            "hard": lambda X=X, y=y: LogisticRegression().fit(X, y),
            "native": lambda X=X, P=P, c=classes: fit_soft_targets(
                LogisticRegression(), X, P, classes=c),
            "one-hot": lambda X=X, Y=Y, c=classes: fit_soft_targets(
                LogisticRegression(), X, Y, classes=c),
        }
        if expansion:
            variants["expanded"] = lambda X=X, P=P, c=classes: fit_expanded(
                LogisticRegression(), X, P, classes=c, sample_weight=None)
        times = {name: [] for name in variants}
        n_iter = {}
        for r in range(repeats):
            for name, fit in variants.items():
                if name == "expanded" and L >= expansion_single_from and r > 0:
                    continue
                seconds, model = timed(fit)
                times[name].append(seconds)
                n_iter[name] = int(model.n_iter_[0])
        med = {name: float(np.median(t)) for name, t in times.items()}
        rows.append({
            "n_classes": L,
            "max_proba": float(P.max(axis=1).mean()),
            **{f"{name}_s": med[name] for name in variants},
            **{f"{name}_iter": n_iter[name] for name in variants},
            "expanded_repeats": len(times.get("expanded", [])),
        })
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=50)
    parser.add_argument("--n-classes", type=int, nargs="+", default=[2, 10, 100])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=float, default=3.0,
                        help="standard deviation of the teacher's logits")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (0: the library default)")
    parser.add_argument("--expansion-single-from", type=int, default=100,
                        help="time the expansion once from this many classes on")
    parser.add_argument("--no-expansion", action="store_true",
                        help="do not time the row expansion")
    args = parser.parse_args(argv)

    limits = (threadpool_limits(limits=args.threads, user_api="blas") if args.threads
              else contextlib.nullcontext())
    with limits, warnings.catch_warnings():
        # The hard fit may stop at max_iter; its iteration count is printed.
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = run(args.n_samples, args.n_features, args.n_classes, args.repeats, args.scale,
                   args.expansion_single_from, expansion=not args.no_expansion)

    print(f"n_samples={args.n_samples} n_features={args.n_features} repeats={args.repeats} "
          f"(medians) teacher logit scale={args.scale} BLAS threads="
          f"{args.threads or 'default'}")
    print(f"{'L':>4s} {'max p':>6s} {'hard [s]':>9s} {'native [s]':>10s} {'native/hard':>11s} "
          f"{'one-hot/hard':>12s} {'expanded/hard':>13s} {'iterations h/n/1h/e':>20s}")
    for row in rows:
        hard = row["hard_s"]
        iters = "/".join(str(row.get(f"{k}_iter", "-")) for k in ("hard", "native", "one-hot",
                                                                   "expanded"))
        expanded = "-"
        if row["expanded_repeats"]:
            expanded = f"{row['expanded_s'] / hard:.2f}"
            if row["expanded_repeats"] == 1:
                expanded += " (1x)"
        print(f"{row['n_classes']:4d} {row['max_proba']:6.2f} {hard:9.3f} "
              f"{row['native_s']:10.3f} {row['native_s'] / hard:11.2f} "
              f"{row['one-hot_s'] / hard:12.2f} {expanded:>13s} {iters:>20s}")
    return [{"benchmark": "LogisticRegression (native)",
             "size": f"n={args.n_samples}, d={args.n_features}, L={row['n_classes']}",
             "ratio": row["native_s"] / row["hard_s"], "target": 1.5} for row in rows]


if __name__ == "__main__":
    main()
