"""Peak memory and time of a teacher's probabilities on a large pool, in row chunks.

A fitted ``MLPClassifier`` teacher labels a pool of ``--n-rows`` rows. The natural
baseline is one ``predict_proba`` call on the whole pool, whose hidden activations
(``n_rows x hidden`` float64 values per layer) grow with the pool; the teacher step
(:func:`skdistill._teacher.teacher_proba`) predicts in row chunks of
``working_memory / (8 bytes x (n_features + n_classes + 1024))`` rows, scikit-learn's
``working_memory`` being 1024 MiB unless set (``--working-memory``). Both are measured in
the same run on the same pool: the peak of the memory allocated during the call (Python's
``tracemalloc``, which sees NumPy's buffers; the pool itself is allocated before and not
counted), the wall-clock time, and that the probabilities agree.

Run: python benchmarks/bench_chunked_inference.py [--n-rows 1000000] [--hidden 100]
     [--working-memory 1024 64]
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skdistill._teacher import chunk_rows, teacher_proba


def _measure(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rows", type=int, default=1_000_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=100, help="the MLP's hidden units")
    parser.add_argument("--working-memory", type=float, nargs="+", default=[1024.0, 64.0],
                        help="scikit-learn working_memory values (MiB) to try")
    args = parser.parse_args(argv)

    X, y = make_classification(n_samples=2000, n_features=args.n_features, random_state=0)
    teacher = MLPClassifier(hidden_layer_sizes=(args.hidden,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a rough teacher is enough here
        teacher.fit(X, y)
    pool = np.random.RandomState(1).standard_normal((args.n_rows, args.n_features))
    print(f"MLPClassifier(hidden_layer_sizes=({args.hidden},)) teacher; pool {args.n_rows} x "
          f"{args.n_features} float64 ({pool.nbytes / 2**20:.0f} MiB, not counted)")

    t_whole, m_whole, P_whole = _measure(lambda: teacher.predict_proba(pool))
    print(f"{'inference':32s} {'rows/call':>10s} {'peak [MiB]':>11s} {'time [s]':>9s} "
          f"{'memory ratio':>13s} {'time ratio':>11s}")
    print(f"{'one predict_proba (baseline)':32s} {args.n_rows:10d} {m_whole:11.1f} "
          f"{t_whole:9.2f} {1.0:13.1f} {1.0:11.2f}")
    for working_memory in args.working_memory:
        with sklearn.config_context(working_memory=working_memory):
            rows = chunk_rows(pool, len(teacher.classes_))
            t, m, P = _measure(lambda: teacher_proba(teacher, pool, teacher.classes_))
        if not np.allclose(P, P_whole, rtol=1e-10, atol=1e-14):
            raise AssertionError("the chunked probabilities differ from the whole pool's")
        label = f"teacher_proba, {working_memory:g} MiB"
        print(f"{label:32s} {rows:10d} {m:11.1f} {t:9.2f} {m_whole / m:13.1f} "
              f"{t / t_whole:11.2f}")
    print("(memory ratio: baseline peak / chunked peak; time ratio: chunked / baseline)")


if __name__ == "__main__":
    main()
