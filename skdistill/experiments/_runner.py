"""Shared machinery of the reproductions: trials, summaries, tables and files.

A reproduction (described by an ``Experiment``, see ``_experiment``) has a module-level
*trial function* ``trial(seed, **settings) -> list[dict]`` that draws its own data from
``seed`` and returns one record per cell of the experiment (e.g. one per training-set
size). :func:`run_experiment` runs independent trials in parallel, :func:`summarize`
turns the records into mean and standard error per cell, :func:`format_table` prints
them and :func:`save_results` writes JSON, CSV and the PNG.

Results are plain dictionaries (JSON-serialisable, no pandas) with the keys

``name``, ``title``, ``settings``
    What was run; ``settings`` holds every parameter, including the ones the paper
    leaves open.
``keys``, ``metrics``, ``labels``
    Record fields that identify a cell, the measured fields, and display names.
``records``
    One dictionary per (trial, cell), with a ``trial`` field.
``summary``
    One dictionary per cell: the key fields, ``<metric>`` (mean over trials),
    ``<metric>_se`` (standard error of the mean) and ``n_trials``.
``notes`` (optional)
    Lines printed under the table (e.g. a teacher's accuracy measured once per run).
"""

from __future__ import annotations

import csv
import inspect
import json
import math
import time
from pathlib import Path

import numpy as np
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from ._progress import TrialProgress

FULL_TRIALS = 100


def trial_seeds(random_state, trials):
    """Independent integer seeds for ``trials`` trials, reproducible from ``random_state``.

    ``numpy.random.SeedSequence.spawn`` gives statistically independent streams, so
    trial ``i`` draws the same data whatever ``n_jobs`` is and however many trials run.
    """
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(2**31))
    elif isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**31))
    root = np.random.SeedSequence(random_state)
    return [int(child.generate_state(1)[0]) for child in root.spawn(trials)]


def _run_one(trial, index, seed, settings, shared):
    start = time.perf_counter()
    # Parallelism is across trials: a multi-threaded BLAS inside each trial only
    # oversubscribes the cores (5x slower logistic regressions on a busy machine).
    with threadpool_limits(limits=1):
        rows = trial(seed, **settings, **shared)
    return index, rows, time.perf_counter() - start


def parallel(n_jobs):
    """A ``Parallel`` that yields trials as they finish, where the joblib backend can.

    Some backends (Ray's) cannot return results before all are done; there the trials
    come back together, and the progress line moves once at the end.
    """
    try:
        return Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    except ValueError:
        return Parallel(n_jobs=n_jobs)


def check_trials(trials):
    if isinstance(trials, bool) or not isinstance(trials, int | np.integer) or trials < 1:
        raise ValueError(f"trials must be a positive integer; got {trials!r}.")
    return int(trials)


def run_experiment(
    name,
    title,
    trial,
    settings,
    *,
    keys,
    metrics,
    labels=None,
    trials,
    n_jobs=None,
    random_state=0,
    verbose=True,
    shared=None,
):
    """Run ``trials`` independent trials of ``trial`` and summarise them.

    Parameters
    ----------
    name, title : str
        Short name (file names) and one-line description (table and plot title).
    trial : callable
        Module-level function ``trial(seed, **settings) -> list of dict``.
    settings : dict
        Keyword arguments of ``trial``; stored in the results.
    keys, metrics : list of str
        Record fields identifying a cell, and measured fields to average.
    labels : dict, default=None
        Display names of keys and metrics.
    trials : int
        Number of independent trials.
    n_jobs : int, default=None
        Trials run in parallel through :class:`joblib.Parallel`.
    random_state : int or None, default=0
        Root seed; each trial gets an independent child seed.
    verbose : bool, default=True
        Show progress on stderr: on a terminal one line (a tqdm bar if tqdm is
        installed) that updates as trials finish; elsewhere one summary line at the end.
    shared : dict, default=None
        Further keyword arguments of ``trial`` that are not settings (data arrays, a
        fitted teacher): passed to every trial, not stored in the results.

    Returns
    -------
    results : dict
        See the module docstring.
    """
    trials = check_trials(trials)
    if random_state is None:
        # Record the fresh entropy so that an unseeded run can still be repeated.
        random_state = np.random.SeedSequence().entropy
    seeds = trial_seeds(random_state, trials)
    start = time.perf_counter()
    collected = []
    shared = shared or {}
    tasks = (
        delayed(_run_one)(trial, i, seed, settings, shared) for i, seed in enumerate(seeds)
    )
    with TrialProgress(name, trials, verbose=verbose) as progress:
        for index, rows, _ in parallel(n_jobs)(tasks):
            collected.append((index, rows))
            progress.update()
    collected.sort(key=lambda item: item[0])
    records = [
        {"trial": index, "seed": seeds[index], **row} for index, rows in collected for row in rows
    ]
    return {
        "name": name,
        "title": title,
        "settings": {
            **_jsonable(settings),
            "trials": trials,
            "random_state": random_state if isinstance(random_state, int) else repr(random_state),
            "n_jobs": n_jobs,
        },
        "keys": list(keys),
        "metrics": list(metrics),
        "labels": dict(labels or {}),
        "records": records,
        "summary": summarize(records, keys, metrics),
        "elapsed_seconds": round(time.perf_counter() - start, 3),
    }


def summarize(records, keys, metrics):
    """Mean, standard error and count of each metric per cell, cells in first-seen order.

    Missing or non-finite values (e.g. a teacher MSE for a baseline without teacher)
    are left out of a cell's mean; a metric with no value in a cell is NaN.
    """
    groups = {}
    for record in records:
        groups.setdefault(tuple(_hashable(record.get(k)) for k in keys), []).append(record)
    summary = []
    for rows in groups.values():
        row = {k: rows[0].get(k) for k in keys}
        n_trials = len({r.get("trial") for r in rows})
        for metric in metrics:
            values = np.array(
                [r[metric] for r in rows if r.get(metric) is not None], dtype=float
            )
            values = values[np.isfinite(values)]
            row[metric] = float(values.mean()) if values.size else math.nan
            row[f"{metric}_se"] = (
                float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else math.nan
            )
        row["n_trials"] = n_trials
        summary.append(row)
    return summary


def select(results, **conditions):
    """Summary rows whose key fields equal ``conditions`` (e.g. ``method="distilled"``)."""
    return [
        row
        for row in results["summary"]
        if all(_hashable(row.get(k)) == _hashable(v) for k, v in conditions.items())
    ]


def column(rows, field):
    """``numpy`` array of one field of summary rows (None becomes NaN)."""
    return np.array([math.nan if row.get(field) is None else row[field] for row in rows], float)


def _format_key(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format_key(v) for v in value) + "]"
    return str(value)


def _format_metric(mean, se):
    if mean is None or not math.isfinite(mean):
        return "-"
    digits = 4 if abs(mean) < 100 else 1
    if se is None or not math.isfinite(se):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {se:.{digits}f}"


def format_table(results):
    """The summary as a fixed-width text table (mean ± standard error over trials)."""
    labels = results.get("labels", {})
    keys, metrics = results["keys"], results["metrics"]
    header = [labels.get(k, k) for k in keys] + [labels.get(m, m) for m in metrics] + ["trials"]
    body = [
        [_format_key(row.get(k)) for k in keys]
        + [_format_metric(row.get(m), row.get(f"{m}_se")) for m in metrics]
        + [str(row["n_trials"])]
        for row in results["summary"]
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line):
        return "  ".join(cell.rjust(width) for cell, width in zip(line, widths))

    settings = ", ".join(
        f"{k}={_format_key(v)}"
        for k, v in results["settings"].items()
        if k not in ("n_jobs",) and not isinstance(v, dict)
    )
    rule = "-" * len(fmt(header))
    return "\n".join(
        [
            f"{results['name']}: {results['title']}",
            f"settings: {settings}",
            "mean ± standard error over trials",
            rule,
            fmt(header),
            rule,
            *(fmt(line) for line in body),
            rule,
            *results.get("notes", []),
        ]
    )


def save_results(results, output, plot):
    """Write ``<name>.json``, ``<name>.csv`` (one row per trial and cell) and ``<name>.png``.

    Parameters
    ----------
    results : dict
        Output of a reproduction's ``run``.
    output : str or path-like
        Directory, created if needed.
    plot : callable
        ``plot(results, path)`` of the reproduction.

    Returns
    -------
    paths : dict
        ``{"json": ..., "csv": ..., "png": ...}``.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    stem = output / results["name"]
    paths = {kind: stem.with_suffix(f".{kind}") for kind in ("json", "csv", "png")}
    paths["json"].write_text(json.dumps(_jsonable(results), indent=2, allow_nan=False) + "\n")
    fields = list(dict.fromkeys(field for record in results["records"] for field in record))
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(results["records"])
    plot(results, paths["png"])
    return paths


def new_figure(n_panels, *, width=4.6, height=3.8, fig=None):
    """A matplotlib Figure with ``n_panels`` axes in a row, drawn by the Agg canvas.

    Uses :class:`matplotlib.figure.Figure` directly rather than pyplot, so that writing
    a PNG never changes the user's pyplot backend or open figures. Pass ``fig`` (e.g.
    ``plt.figure()`` in a gallery example) to draw into an existing figure instead.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting the reproductions needs matplotlib: pip install 'skdistill[plot]'"
        ) from exc
    if fig is None:
        fig = Figure(figsize=(width * n_panels, height), layout="constrained")
    else:
        fig.set_layout_engine("constrained")
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, list(axes)


def finish_figure(fig, results, path, note=""):
    """Add the title (and a line of settings ``note``), save to ``path`` and return ``fig``."""
    n_trials = results["settings"].get("trials")
    title = f"{results['title']}\n{note + '; ' if note else ''}{n_trials} trials, mean ± s.e."
    fig.suptitle(title, fontsize="medium")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def errorbar(ax, x, rows, metric, **kwargs):
    """Mean ± standard error of ``metric`` over ``rows`` against ``x``."""
    return ax.errorbar(
        x, column(rows, metric), yerr=column(rows, f"{metric}_se"), capsize=3, marker="o",
        markersize=4, **kwargs
    )


def check_params(func, params):
    """Raise a clear error for keyword arguments ``func`` does not take."""
    accepted = [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise TypeError(
            f"unknown parameter(s) {', '.join(unknown)}; this reproduction accepts: "
            f"{', '.join(accepted)}."
        )


def _hashable(value):
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # strict JSON has no NaN: an empty cell (e.g. no teacher) is null
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)
