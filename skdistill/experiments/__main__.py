"""Command line: ``python -m skdistill.experiments NAME`` or ``skdistill-experiments NAME``.

Runs one reproduction, prints its table (mean ± standard error over trials) and writes
``NAME.png``, ``NAME.json`` and ``NAME.csv`` into ``--output``. ``list`` shows the
reproductions. Parameters a reproduction exposes beyond the common flags (separation,
sample sizes, ...; see its module docstring) are set with ``--set KEY=VALUE``, where
VALUE is a Python literal: ``--set separation=0.5 --set "sizes=[20, 200]"``.

Reproductions on real data (``figure4b``, ``table1``) read it from ``--data-home PATH``,
else from ``skdistill.datasets.get_data_home()`` (``$SKDISTILL_DATA``, else
``~/skdistill_data``).
Progress goes to stderr as one updating line on a terminal (a tqdm bar when tqdm is
installed) and as one summary line elsewhere; ``--quiet`` silences it. The table goes to
stdout.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
from pathlib import Path

from . import EXPERIMENTS, get_experiment
from ._runner import check_params, format_table, save_results


def _parse_set(text):
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"--set expects KEY=VALUE; got {text!r}.")
    try:
        value = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        value = value.strip()  # a bare word such as a method name stays a string
    return key.strip(), value


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skdistill.experiments",
        description="Reproduce the experiments of 'Why distillation helps' (Menon et al.).",
        epilog="Reproductions: " + ", ".join(EXPERIMENTS) + ". Use 'list' for descriptions.",
    )
    parser.add_argument("name", help="reproduction to run, or 'list'")
    parser.add_argument(
        "--trials", type=int, default=None,
        help="number of independent trials (default: quick-mode value, 100 with --full)",
    )
    parser.add_argument(
        "--full", action="store_true",
        help="paper-size run (100 trials and the paper's sizes; minutes to hours)",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=1, help="trials run in parallel (default: 1; -1: all cores)"
    )
    parser.add_argument(
        "--output", default="results", help="directory for NAME.png/.json/.csv (default: results)"
    )
    parser.add_argument("--seed", type=int, default=0, help="root random seed (default: 0)")
    parser.add_argument(
        "--set", dest="params", action="append", type=_parse_set, default=[],
        metavar="KEY=VALUE", help="reproduction-specific parameter (repeatable)",
    )
    parser.add_argument(
        "--data-home", metavar="PATH", default=None,
        help="folder holding the data sets (e.g. fashion_mnist/, bibtex/) for the "
             "reproductions on real data (default: $SKDISTILL_DATA, else ~/skdistill_data)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


#: run() parameters that have their own flag, and the flag.
_FLAGS = {"trials": "--trials", "full": "--full", "n_jobs": "--n-jobs",
          "random_state": "--seed", "verbose": "--quiet", "data_home": "--data-home"}


def _list():
    width = max(map(len, EXPERIMENTS))
    for name, description in EXPERIMENTS.items():
        print(f"{name.ljust(width)}  {description}")


def main(argv=None):
    """Entry point; returns the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.name == "list":
        _list()
        return 0
    if args.name not in EXPERIMENTS:
        parser.error(f"unknown reproduction {args.name!r}; choose one of: "
                     f"{', '.join(EXPERIMENTS)} (or 'list').")
    if args.trials is not None and args.trials < 1:
        parser.error(f"--trials must be a positive integer; got {args.trials}.")
    module = get_experiment(args.name)
    params = dict(args.params)
    common = sorted(set(params) & set(_FLAGS))
    if common:
        parser.error(f"--set {common[0]}=...: use the command-line flag "
                     f"{_FLAGS[common[0]]} instead.")
    try:
        check_params(module.run, params)
    except TypeError as exc:
        parser.error(f"--set: {exc}")
    if args.data_home is not None:
        if not Path(args.data_home).expanduser().is_dir():
            parser.error(f"--data-home {args.data_home}: no such folder; give the folder "
                         "that holds the data sets (e.g. the one with fashion_mnist/ in it).")
        # Reproductions on synthetic data read nothing: the flag does not concern them.
        if "data_home" in inspect.signature(module.run).parameters:
            params["data_home"] = args.data_home
    results = module.run(
        trials=args.trials, full=args.full, n_jobs=args.n_jobs, random_state=args.seed,
        verbose=not args.quiet, **params,
    )
    print(format_table(results))
    paths = save_results(results, args.output, module.plot)
    print(f"wrote {paths['png']}, {paths['json']} and {paths['csv']} "
          f"({results['elapsed_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
