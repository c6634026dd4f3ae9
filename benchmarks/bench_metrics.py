"""Top-k selection of the ranking metrics against a full sort of every row.

Every ranking metric of :mod:`skdistill.metrics` takes the ``k`` best columns of each
row of an ``(n_samples, n_labels)`` score matrix, highest score first and ties to the
lower column. The natural baseline is the full stable sort that gives the same order,
``np.argsort(-scores, axis=1, kind="stable")[:, :k]``, measured in the same run on the
same matrix. The script prints the time of both, their ratio, and checks that they
select the same columns, for continuous scores (almost no ties) and for scores with few
distinct values (ties at the k-th place in every row, the partition's worst case), and
then the time of the four metrics on the same matrix.

Run: python benchmarks/bench_metrics.py [--n-samples 2000] [--n-labels 100000] [--k 5]
"""

import argparse

import numpy as np
from _common import timed

from skdistill._top_k import top_k_indices
from skdistill.metrics import ndcg_at_k, precision_at_k, psp_at_k, recall_at_k


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--n-labels", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)

    rng = np.random.RandomState(0)
    shape = (args.n_samples, args.n_labels)
    cases = {
        "continuous scores": rng.standard_normal(shape).astype(args.dtype),
        "ties (10 values)": rng.randint(0, 10, size=shape).astype(args.dtype),
    }
    print(f"scores {args.n_samples} x {args.n_labels} {args.dtype}, k={args.k}, "
          f"best of {args.repeats}")
    print(f"{'case':20s} {'argsort [s]':>12s} {'top-k [s]':>10s} {'speed-up':>9s} {'same':>5s}")
    for name, S in cases.items():
        t_sort, by_sort = timed(
            lambda S=S: np.argsort(-S, axis=1, kind="stable")[:, :args.k], args.repeats)
        t_top, by_top = timed(lambda S=S: top_k_indices(S, args.k), args.repeats, min)
        same = bool(np.array_equal(by_sort, by_top))
        print(f"{name:20s} {t_sort:12.2f} {t_top:10.2f} {t_sort / t_top:9.1f} {str(same):>5s}")

    S = cases["continuous scores"]
    Y = rng.uniform(size=shape) < 5 / args.n_labels  # about 5 relevant labels per row
    propensities = rng.uniform(0.1, 1.0, size=args.n_labels)
    metrics = {
        "precision_at_k": lambda: precision_at_k(Y, S, args.k),
        "recall_at_k": lambda: recall_at_k(Y, S, args.k),
        "ndcg_at_k": lambda: ndcg_at_k(Y, S, args.k),
        "psp_at_k": lambda: psp_at_k(Y, S, args.k, propensities=propensities),
    }
    for name, fn in metrics.items():
        t, _ = timed(fn, 1)
        print(f"{name:20s} {t:10.2f} s (dense indicator y_true)")


if __name__ == "__main__":
    main()
