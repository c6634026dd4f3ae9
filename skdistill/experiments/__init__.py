"""Reproductions of the experiments of Menon et al., "Why distillation helps".

Each reproduction is a module with ``run(*, trials, full, n_jobs, random_state, ...)``
returning a results dictionary and ``plot(results, path)`` writing a PNG. Run them from
the command line::

    python -m skdistill.experiments list
    python -m skdistill.experiments figure2a --output results
    python -m skdistill.experiments figure3 --full --n-jobs 2 --set n_teacher=2000

or from Python:

>>> from skdistill.experiments import get_experiment
>>> figure2a = get_experiment("figure2a")
>>> results = figure2a.run(trials=2, sizes=[20], n_test=500, verbose=False)
>>> [row["n_samples"] for row in results["summary"]]
[20]

The module docstring of each reproduction states its setup, including every choice the
paper leaves open (separation, regularisation, sample sizes).
"""

from importlib import import_module

from ._runner import format_table, save_results

#: Reproduction name -> one-line description (the module is imported on first use). A
#: reproduction is a module of that name declaring its ``EXPERIMENT``, listed here.
EXPERIMENTS = {
    "figure2a": "Figure 2(a): Bayes-distilled vs one-hot logistic regression vs training size",
    "figure2b": "Figure 2(b): gain of Bayes-distillation vs class separation",
    "figure3": "Figures 3 and 4(a): random-forest teacher depth, teacher MSE and student AUC",
    "figure4b": "Figure 4(b): Fashion-MNIST, noisy/biased MLP teacher vs student",
    "appendix_b1": "Figures 5 and 6: bias/noise grid of teachers around the Bayes teacher",
    "appendix_b2": "Figure 7: calibration-distorted Bayes teacher (same accuracy, worse student)",
    "table1": "Table 1: one-hot, distilled and double-distilled retrieval students (P@k)",
    "teacher_selection": "Choosing and tempering teachers by held-out Brier score (real data)",
    "tabular": "Distillation on real tables: students of a tuned boosted teacher vs on labels",
}

__all__ = ["EXPERIMENTS", "format_table", "get_experiment", "save_results"]


def get_experiment(name):
    """The module of reproduction ``name`` (one of :data:`EXPERIMENTS`).

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the available names.
    """
    if name not in EXPERIMENTS:
        raise ValueError(
            f"unknown reproduction {name!r}; available: {', '.join(EXPERIMENTS)}."
        )
    return import_module(f"{__name__}.{name}")
