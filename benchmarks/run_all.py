"""Every speed target of the package, measured against its natural baseline in one run.

Runs the benchmarks below (each also runs on its own, with its own options) and ends with
one table: what was measured, the size, the ratio to the baseline measured in the same
run (soft-target fit / hard-label fit; double-distillation loss / ``F.cross_entropy``),
and the target. Ratios, not seconds, are what carry over between machines; on a shared
machine run it when it is otherwise idle.

- ``bench_linear.py``: LogisticRegression students, n = 20,000, d = 50, L = 2, 10, 100;
- ``bench_hgb.py``: HistGradientBoostingClassifier students, n = 50,000, d = 20, L = 10;
- ``bench_soft_targets.py``: trees and forests, n = 50,000, L = 10;
- ``bench_double_distillation.py``: the loss, forward and backward, batch 256,
  L = 10^4 and 10^5;
- with ``--ranker-memory`` only, ``bench_ranker_memory.py``: the peak memory of one
  epoch of DoubleDistilledRanker (100,000 rows, labels and 10,000 features at full
  size) against its 4 GiB budget. It is a memory target, not a speed target, and
  takes tens of minutes on two cores (``--quick``: 5,000 rows, a few minutes).

Run: python benchmarks/run_all.py [--quick] [--ranker-memory]
     (--quick: smaller sizes, fewer repeats)
"""

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

QUICK = {
    "bench_linear": ["--n-samples", "5000", "--repeats", "2", "--no-expansion"],
    "bench_hgb": ["--n-samples", "10000", "--repeats", "1", "--skip-expansion",
                  "--max-iter", "20"],
    "bench_soft_targets": ["--n-samples", "10000", "--repeats", "1"],
    "bench_double_distillation": ["--repeats", "3"],
}
QUICK_RANKER_MEMORY = ["--n-samples", "5000", "--teacher-rows", "500"]
FULL = {
    "bench_linear": ["--no-expansion"],
    "bench_hgb": ["--skip-expansion"],
    "bench_soft_targets": [],
    "bench_double_distillation": [],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--ranker-memory", action="store_true",
                        help="also run bench_ranker_memory.py (slow at full size)")
    args = parser.parse_args(argv)
    benchmarks = dict(QUICK if args.quick else FULL)
    if args.ranker_memory:
        benchmarks["bench_ranker_memory"] = QUICK_RANKER_MEMORY if args.quick else []
    rows = []
    for name, options in benchmarks.items():
        print(f"\n== {name} {' '.join(options)}", flush=True)
        rows += importlib.import_module(name).main(options) or []
    print("\n== summary: ratio to the baseline measured in the same run")
    name_width = max([len("benchmark")] + [len(row["benchmark"]) for row in rows])
    size_width = max([len("size")] + [len(row["size"]) for row in rows])
    print(f"{'benchmark':{name_width}s} {'size':{size_width}s} {'ratio':>7s} {'target':>7s}")
    for row in rows:
        verdict = "ok" if row["ratio"] <= row["target"] else "ABOVE"
        print(f"{row['benchmark']:{name_width}s} {row['size']:{size_width}s} "
              f"{row['ratio']:7.2f} {row['target']:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
