"""Distillation on real tables: does a distilled student beat the same student on labels?

Not a figure of the paper. A practitioner's question: given a strong teacher fitted on a
table and a small model to deploy, does fitting the small model on the teacher's
probabilities give a lower test log-loss than fitting it on the labels, and with which
setting of :class:`~skdistill.DistilledClassifier`?

Setup (every choice stated):

- Data: :func:`skdistill.datasets.load_tabular`, classification sets ``letter``,
  ``satellite``, ``spam``, ``credit``, ``churn``, ``vehicle``; regression sets ``ames``
  (target ``log10`` of the price) and ``concrete``, which run when
  ``skdistill.DistilledRegressor`` exists and are skipped with a note otherwise. The
  tables are used as :func:`pandas.read_csv` gives them, with one change: the columns
  that are not numeric become pandas ``category`` columns (categories from the whole
  table, so that every split shares them), which is what
  ``HistGradientBoosting*(categorical_features="from_dtype")`` reads; every model and
  :class:`~skdistill.DistilledClassifier` get that DataFrame, NaN included.
  ``max_rows`` (quick ``1500``, full none) subsamples a table, stratified, first.
  Quick mode runs ``vehicle``, ``credit``, ``spam`` and ``concrete``, the students
  ``tree d4``, ``linear`` and ``hgb50``, and the configurations ``labels``,
  ``default``, ``alpha=1``, ``cv5``, ``auto T, cv5`` and ``munge``; full mode all of
  them.
- Splits: ``trials`` seeded splits per table (quick 2, full 3), stratified for
  classification, ``test_size=0.25``. A (table, split) is one task, seeded from the
  split's seed and the table's name (a table's splits do not depend on which other
  tables run); tasks run in parallel over ``n_jobs``, the largest first.
- Teacher, fitted once per split: ``HistGradientBoosting*(categorical_features=
  "from_dtype", early_stopping=False)`` tuned on a stratified 20% validation split of
  the training rows. Each setting of ``teacher_grid`` (``learning_rate``,
  ``max_leaf_nodes``, ``l2_regularization``; quick the first two of the full three) is
  fitted with ``teacher_max_iter`` iterations (quick 150, full 300) on the other 80%,
  its number of iterations read off its staged validation log-loss (RMSE); the
  setting and number with the lowest are refitted on all training rows. A
  configuration that distils the fitted teacher gets it as a ``FrozenEstimator``; one
  that fits it out of fold (``teacher_cv=5``) gets the tuned, unfitted teacher, and all
  students of a task share one ``memory=`` cache, so the fold fits are made once per
  split (once per grid fold and split for the ``alpha`` grid).
- Students (by dtype, through ``make_column_selector``):

  - ``tree d4``, ``tree d6``: ``DecisionTree*(max_depth=4 or 6)`` after an
    ``OrdinalEncoder`` of the nominal columns (missing and unseen values ``-1``), the
    numeric columns as they are (NaN takes the trees' missing-value branch);
  - ``linear``: ``LogisticRegression(max_iter=1000)`` (``Ridge`` for regression)
    after a ``ColumnTransformer``: numeric columns median-imputed and standardised,
    nominal ones imputed with the most frequent value and one-hot encoded
    (``handle_unknown="ignore"``);
  - ``mlp``: a skorch ``NeuralNetClassifier`` of :class:`skdistill.nets.MLPModule`
    (one hidden layer of 64 ReLU units, Adam, ``lr=1e-2``, batches of 128) after the
    same preprocessing, in float32, trained until its loss on skorch's 20% validation
    split (stratified) has not improved for 5 epochs, at most ``mlp_epochs`` (quick 50,
    full 100), and set back to its best epoch. Its fit on the labels is
    ``DistilledClassifier`` with ``alpha=0``: the same cross-entropy, with the labels
    encoded as a skorch net needs them. For regression the same net is scikit-learn's
    ``MLPRegressor`` (``early_stopping=True``, 10% validation, patience 5) in a
    ``TransformedTargetRegressor`` that standardises the target: skorch's regressor
    takes no target scaler;
  - ``hgb50``: ``HistGradientBoosting*(max_iter=50, categorical_features="from_dtype",
    early_stopping=False)`` on the table.

- Configurations (each one row per student; ``DistilledClassifier`` with
  ``random_state`` fixed per task):

  - ``labels``: the student alone, fitted on the labels (its unset ``random_state``
    parameters seeded from the task's seed);
  - ``default``: ``DistilledClassifier(student, teacher, memory=...)`` with its
    defaults: ``alpha="auto"`` (the teacher refitted on 3 folds' training rows to
    choose ``alpha`` in {0, 0.5, 1} by the student's held-out loss), then the teacher's
    probabilities on its own training rows;
  - ``default, prefit``: the same with the teacher fitted on the split in a
    ``FrozenEstimator`` (``alpha`` chosen on its in-sample probabilities, no refit);
  - ``alpha=1``: pure distillation of the prefit teacher's probabilities on its own
    training rows (``alpha=1``, the default before ``alpha="auto"``);
  - ``cv5``: ``teacher_cv=5``, out-of-fold probabilities, ``alpha=1``;
  - ``auto T, cv5``: ``temperature="auto", teacher_cv=5``, ``alpha=1``
    (classification only);
  - ``munge``: ``augment="munge", augment_size=augment_size`` (2), ``alpha=1``:
    synthetic rows labelled by the fitted teacher, in-sample probabilities on the real
    rows;
  - ``cv5 + munge``: ``teacher_cv=5`` with the same synthetic rows, ``alpha=1``;
  - ``alpha grid``: ``GridSearchCV(DistilledClassifier(student, teacher,
    memory=...), {"alpha": alphas}, cv=3 shuffled stratified folds,
    scoring="neg_log_loss")`` (``neg_root_mean_squared_error`` for regression),
    ``alphas`` (0, 0.5, 1): the teacher is fitted on each grid fold's training rows
    (once for all values of ``alpha``) and the fold's validation rows are unseen by it;
    ``alpha=0`` is the student on the labels, so the search may fall back to them;
  - ``alpha grid, cv5``: the same with ``teacher_cv=5``.

- Measured on the test rows: accuracy and log-loss (RMSE for regression); the size of
  the model one deploys, ``len(pickle.dumps(model))`` in KiB with ``keep_teacher=False``
  (the best estimator of a grid search); and its ``predict_proba`` (``predict``) time on
  the test rows over the teacher's, each the fastest of ``timing_repeats`` (3) calls.
  The teacher is a row of each table. The notes read the target off the results: per
  configuration, the share of (table, student) pairs whose mean test log-loss (RMSE)
  is below the student's on labels, and the median share of the gap between the
  student on labels and the teacher that it closes, over the pairs whose teacher is
  better than the student on labels (with the pooled share, the sum of the gains over
  the sum of the gaps); and, for the pairs whose teacher is worse, the mean change.
- Cost: quick about a CPU minute; full about an hour of wall-clock time with
  ``n_jobs=2`` on two shared cores, letter half of it (:ref:`tabular`).
"""

from __future__ import annotations

import math
import pickle
import tempfile
import time
import warnings
import zlib

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, root_mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.parallel import delayed
from threadpoolctl import threadpool_limits

import skdistill

from .._seeding import seed_random_states
from ..datasets import TABULAR_DATASETS, load_tabular
from . import _runner
from ._experiment import Experiment, public_run
from ._progress import TrialProgress

DATASETS = tuple(TABULAR_DATASETS)
STUDENTS = ("tree d4", "tree d6", "linear", "mlp", "hgb50")
LABELS, DEFAULT, PREFIT, PURE, CV, AUTO, MUNGE, CV_MUNGE, ALPHA_GRID, ALPHA_GRID_CV = (
    "labels", "default", "default, prefit", "alpha=1", "cv5", "auto T, cv5", "munge",
    "cv5 + munge", "alpha grid", "alpha grid, cv5")
CONFIGS = (LABELS, DEFAULT, PREFIT, PURE, CV, AUTO, MUNGE, CV_MUNGE, ALPHA_GRID,
           ALPHA_GRID_CV)
#: The configurations that choose ``alpha`` by a grid search.
GRIDS = (ALPHA_GRID, ALPHA_GRID_CV)
TEACHER = "teacher"
#: The settings of the teacher's tuning, in order: quick uses the first two.
TEACHER_GRID = (
    {"learning_rate": 0.1, "max_leaf_nodes": 31, "l2_regularization": 0.0},
    {"learning_rate": 0.05, "max_leaf_nodes": 15, "l2_regularization": 1.0},
    {"learning_rate": 0.1, "max_leaf_nodes": 63, "l2_regularization": 1.0},
)
#: Regression targets modelled on another scale, as the data set's users do.
TARGET_TRANSFORMS = {"ames": ("log10", np.log10)}
QUICK = {"trials": 2, "datasets": ("vehicle", "credit", "spam", "concrete"),
         "students": ("tree d4", "linear", "hgb50"),
         "configs": (LABELS, DEFAULT, PURE, CV, AUTO, MUNGE), "max_rows": 1500,
         "teacher_grid": TEACHER_GRID[:2], "teacher_max_iter": 150, "mlp_epochs": 50}
FULL = {"trials": 3, "datasets": DATASETS, "students": STUDENTS, "configs": CONFIGS,
        "max_rows": None,
        "teacher_grid": TEACHER_GRID, "teacher_max_iter": 300, "mlp_epochs": 100}
TEACHER_FOLDS, GRID_FOLDS = 5, 3


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #


def _table(name, data_home):
    """Features (nominal columns as ``category``), target and task of a table."""
    bunch = load_tabular(name, data_home=data_home)
    X = bunch.data.copy()
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]):
            X[column] = X[column].astype("category")
    y = bunch.target
    if name in TARGET_TRANSFORMS:
        y = TARGET_TRANSFORMS[name][1](y)
    return X, y.to_numpy(), bunch.task


def _split(X, y, task, *, max_rows, test_size, rng):
    stratify = y if task == "classification" else None
    if max_rows is not None and max_rows < len(y):
        keep, _ = train_test_split(np.arange(len(y)), train_size=max_rows, stratify=stratify,
                                   random_state=rng.randint(2**31))
        X, y = X.iloc[np.sort(keep)], y[np.sort(keep)]
        stratify = y if task == "classification" else None
    return train_test_split(X, y, test_size=test_size, stratify=stratify,
                            random_state=rng.randint(2**31))


# --------------------------------------------------------------------------- #
# Teacher and students
# --------------------------------------------------------------------------- #


def _numeric():
    return make_column_selector(dtype_include="number")


def _nominal():
    return make_column_selector(dtype_exclude="number")


def _ordinal_encoded():
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                             encoded_missing_value=-1)
    return ColumnTransformer([("nominal", encoder, _nominal())], remainder="passthrough")


def _scaled_one_hot():
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    nominal = make_pipeline(SimpleImputer(strategy="most_frequent"),
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    return ColumnTransformer([("numeric", numeric, _numeric()),
                              ("nominal", nominal, _nominal())])


def _boosting(task, **params):
    model = HistGradientBoostingClassifier if task == "classification" else \
        HistGradientBoostingRegressor
    return model(categorical_features="from_dtype", early_stopping=False, **params)


def _mlp(task, epochs):
    if task == "regression":
        # skorch's regressor needs a 2-D float32 target, which a target scaler does not
        # give; unscaled prices or strengths leave the net far from its fit. The same
        # net in scikit-learn, on a standardised target, stands in.
        net = MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=1e-2,
                           batch_size=128, max_iter=epochs, early_stopping=True,
                           n_iter_no_change=5)
        return TransformedTargetRegressor(make_pipeline(_scaled_one_hot(), net),
                                          transformer=StandardScaler())
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import EarlyStopping

    from ..nets import MLPModule

    net = NeuralNetClassifier(MLPModule, module__hidden_units=(64,),
                              optimizer=torch.optim.Adam, lr=1e-2, batch_size=128,
                              max_epochs=epochs, verbose=0,
                              callbacks=[EarlyStopping(patience=5, load_best=True)])
    return make_pipeline(_scaled_one_hot(), net)


def _student(name, task, *, mlp_epochs):
    classification = task == "classification"
    if name.startswith("tree"):
        tree = DecisionTreeClassifier if classification else DecisionTreeRegressor
        return make_pipeline(_ordinal_encoded(), tree(max_depth=int(name.removeprefix("tree d"))))
    if name == "linear":
        linear = LogisticRegression(max_iter=1000) if classification else Ridge()
        return make_pipeline(_scaled_one_hot(), linear)
    if name == "mlp":
        return _mlp(task, mlp_epochs)
    if name == "hgb50":
        return _boosting(task, max_iter=50)
    raise ValueError(f"unknown student {name!r}; choose among {', '.join(STUDENTS)}.")


def _score(task, y, prediction):
    """Validation loss of a prediction: log-loss of probabilities, or RMSE."""
    if task == "classification":
        return log_loss(y, prediction[0], labels=prediction[1])
    return root_mean_squared_error(y, prediction)


def _tune_teacher(task, X, y, *, grid, max_iter, seed):
    """The teacher's setting and number of iterations with the lowest validation loss;
    returns the unfitted teacher and a description of the choice."""
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=0.2, random_state=seed,
        stratify=y if task == "classification" else None)
    best = (math.inf, None, None)
    for params in grid:
        model = _boosting(task, max_iter=max_iter, **params).fit(X_fit, y_fit)
        if task == "classification":
            stages = ((p, model.classes_) for p in model.staged_predict_proba(X_val))
        else:
            stages = model.staged_predict(X_val)
        for n_iter, prediction in enumerate(stages, start=1):
            loss = _score(task, y_val, prediction)
            if loss < best[0]:
                best = (loss, params, n_iter)
    loss, params, n_iter = best
    teacher = _boosting(task, max_iter=n_iter, **params)
    setting = ", ".join(f"{key}={value:g}" for key, value in params.items())
    return teacher, f"{setting}, max_iter={n_iter} (validation {loss:.4f})"


# --------------------------------------------------------------------------- #
# Configurations
# --------------------------------------------------------------------------- #


def _configured(config, student, task, *, fitted, tuned, cache, seed, augment_size, alphas):
    """The estimator of one configuration, unfitted."""
    if config == LABELS:
        if _is_net(student):
            # skorch needs encoded labels: the distilled path with alpha=0 is the same
            # cross-entropy on the labels, with the labels encoded.
            return _distilled(task, student, FrozenEstimator(fitted), alpha=0.0,
                              random_state=seed)
        # seeded as a distilled student is: an unseeded tree breaks ties between equally
        # good splits at random, which moves its log-loss on labels from run to run
        return seed_random_states(clone(student), seed)
    if config == DEFAULT:
        return _distilled(task, student, tuned, memory=cache, random_state=seed)
    if config == PREFIT:
        return _distilled(task, student, FrozenEstimator(fitted), random_state=seed)
    if config == PURE:
        return _distilled(task, student, FrozenEstimator(fitted), alpha=1.0,
                          random_state=seed)
    if config == MUNGE:
        return _distilled(task, student, FrozenEstimator(fitted), alpha=1.0,
                          random_state=seed, augment="munge", augment_size=augment_size)
    if config in GRIDS:
        classification = task == "classification"
        folds = (StratifiedKFold if classification else KFold)(
            GRID_FOLDS, shuffle=True, random_state=seed)
        teacher_cv = TEACHER_FOLDS if config == ALPHA_GRID_CV else None
        return GridSearchCV(
            _distilled(task, student, tuned, teacher_cv=teacher_cv, memory=cache,
                       random_state=seed),
            {"alpha": list(alphas)}, cv=folds,
            scoring="neg_log_loss" if classification else "neg_root_mean_squared_error")
    out_of_fold = dict(teacher_cv=TEACHER_FOLDS, memory=cache, random_state=seed, alpha=1.0)
    if config == CV:
        return _distilled(task, student, tuned, **out_of_fold)
    if config == AUTO:
        return _distilled(task, student, tuned, temperature="auto", **out_of_fold)
    if config == CV_MUNGE:
        return _distilled(task, student, tuned, augment="munge", augment_size=augment_size,
                          **out_of_fold)
    raise ValueError(f"unknown configuration {config!r}; choose among {', '.join(CONFIGS)}.")


def _distilled(task, student, teacher, **params):
    estimator = skdistill.DistilledClassifier if task == "classification" else \
        skdistill.DistilledRegressor
    return estimator(student, teacher, keep_teacher=False, **params)


def _is_net(student):
    final = student.steps[-1][1] if hasattr(student, "steps") else student
    return type(final).__module__.startswith("skorch")


def _supported(config, task):
    """Whether ``config`` applies to ``task`` with the estimators of this install."""
    if task == "classification":
        return True
    if config == AUTO:
        return False  # no temperature for a regression teacher
    if config in (MUNGE, CV_MUNGE):
        return "augment" in skdistill.DistilledRegressor().get_params()
    return True


# --------------------------------------------------------------------------- #
# Measures
# --------------------------------------------------------------------------- #


def _fastest(function, X, repeats):
    """The output of ``function(X)`` and the fastest of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        output = function(X)
        times.append(time.perf_counter() - start)
    return output, min(times)


def _measures(model, task, X_test, y_test, *, repeats, teacher=None):
    """Test scores of a fitted model, its size and its prediction time.

    ``teacher``: the ``teacher`` parameter the deployed model would hold, in place of the
    ``FrozenEstimator`` that stood in for it during the fit (the fitted teacher would
    otherwise be counted in the size).
    """
    deployed = model.best_estimator_ if hasattr(model, "best_estimator_") else model
    if teacher is not None:
        deployed.set_params(teacher=teacher)
    size = len(pickle.dumps(deployed)) / 1024
    if task == "classification":
        proba, seconds = _fastest(deployed.predict_proba, X_test, repeats)
        classes = deployed.classes_
        scores = {"accuracy": float(accuracy_score(y_test, classes[proba.argmax(axis=1)])),
                  "log_loss": float(log_loss(y_test, proba, labels=classes))}
    else:
        prediction, seconds = _fastest(deployed.predict, X_test, repeats)
        scores = {"rmse": float(root_mean_squared_error(y_test, prediction))}
    return {**scores, "size_kib": size}, seconds


def _chosen(model, config):
    """What the configuration chose: the temperature, ``alpha``."""
    if config == AUTO:
        return {"temperature": float(model.temperature_)}
    if config in GRIDS:
        return {"alpha": float(model.best_params_["alpha"])}
    if config in (DEFAULT, PREFIT):
        return {"alpha": float(model.alpha_)}
    return {}


# --------------------------------------------------------------------------- #
# One task: a table and a split
# --------------------------------------------------------------------------- #


def _task(dataset, seed, table, *, students, configs, max_rows, test_size, teacher_grid,
          teacher_max_iter, tune_teacher, mlp_epochs, augment_size, alphas, timing_repeats):
    X, y, task = table
    rng = np.random.RandomState(seed)
    X_train, X_test, y_train, y_test = _split(X, y, task, max_rows=max_rows,
                                              test_size=test_size, rng=rng)
    start = time.perf_counter()
    if tune_teacher:
        tuned, setting = _tune_teacher(task, X_train, y_train, grid=teacher_grid,
                                       max_iter=teacher_max_iter, seed=rng.randint(2**31))
    else:
        tuned = _boosting(task, max_iter=teacher_max_iter, **teacher_grid[0])
        setting = f"untuned: {teacher_grid[0]}, max_iter={teacher_max_iter}"
    fitted = clone(tuned).fit(X_train, y_train)
    teacher_fit = time.perf_counter() - start
    scores, teacher_seconds = _measures(fitted, task, X_test, y_test, repeats=timing_repeats)
    rows = [{"student": TEACHER, "config": None, **scores, "predict_ratio": 1.0,
             "fit_seconds": teacher_fit, "teacher_setting": setting,
             "n_train": len(y_train), "n_test": len(y_test)}]
    seed = int(rng.randint(2**31))
    with tempfile.TemporaryDirectory() as cache:
        for name in students:
            student = _student(name, task, mlp_epochs=mlp_epochs)
            for config in configs:
                if not _supported(config, task):
                    continue
                model = _configured(config, student, task, fitted=fitted, tuned=tuned,
                                    cache=cache, seed=seed, augment_size=augment_size,
                                    alphas=alphas)
                start = time.perf_counter()
                model.fit(X_train, y_train)
                fit_seconds = time.perf_counter() - start
                frozen = isinstance(getattr(model, "teacher", None), FrozenEstimator)
                scores, seconds = _measures(model, task, X_test, y_test,
                                            repeats=timing_repeats,
                                            teacher=tuned if frozen else None)
                rows.append({"student": name, "config": config, **scores,
                             "predict_ratio": seconds / teacher_seconds,
                             "fit_seconds": fit_seconds, **_chosen(model, config)})
    return [{"dataset": dataset, "task": task, **row} for row in rows]


def _run_task(dataset, split, seed, table, settings):
    start = time.perf_counter()
    # Parallelism is across tasks; threads inside a task only oversubscribe the cores.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # lbfgs reaching max_iter on a scaled one-hot table is a setting, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = _task(dataset, seed, table, **settings)
    elapsed = time.perf_counter() - start
    return [{"trial": split, "seed": seed, **row, "task_seconds": elapsed} for row in rows]


def _task_seed(split_seed, dataset):
    return int(np.random.SeedSequence([split_seed, zlib.crc32(dataset.encode())])
               .generate_state(1)[0])


def _execute(experiment, settings, *, trials, n_jobs, random_state, verbose, data_home):
    """Every (table, split) task in parallel, the largest tables first; one summary."""
    start = time.perf_counter()
    if random_state is None:
        random_state = int(np.random.SeedSequence().entropy % 2**32)
    split_seeds = _runner.trial_seeds(random_state, trials)
    runnable = settings["datasets"]
    notes = []
    if not hasattr(skdistill, "DistilledRegressor"):
        skipped = [name for name in runnable if TABULAR_DATASETS[name] == "regression"]
        runnable = [name for name in runnable if name not in skipped]
        if skipped:
            notes.append(f"skipped {', '.join(skipped)}: regression needs "
                         "skdistill.DistilledRegressor, which this install lacks")
    tables = {name: _table(name, data_home) for name in runnable}  # files found first
    work = {key: settings[key] for key in settings if key != "datasets"}
    tasks = sorted(((name, split, _task_seed(seed, name)) for name in runnable
                    for split, seed in enumerate(split_seeds)),
                   key=lambda task: -_task_size(tables[task[0]], settings["max_rows"]))
    records = []
    with TrialProgress(experiment.name, len(tasks), verbose=verbose) as progress:
        jobs = (delayed(_run_task)(name, split, seed, tables[name], work)
                for name, split, seed in tasks)
        for rows in _runner.parallel(n_jobs)(jobs):
            records += rows
            progress.update()
    order = {name: i for i, name in enumerate(runnable)}
    records.sort(key=lambda r: (order[r["dataset"]], r["trial"]))
    summary = _runner.summarize(records, experiment.keys, experiment.metrics)
    _add_standard_deviations(summary, records, experiment.keys, experiment.metrics)
    results = {
        "name": experiment.name,
        "title": experiment.title,
        "settings": {**settings, "trials": trials,
                     "random_state": random_state, "n_jobs": n_jobs},
        "keys": list(experiment.keys),
        "metrics": list(experiment.metrics),
        "labels": dict(experiment.labels),
        "records": records,
        "summary": summary,
        "elapsed_seconds": round(time.perf_counter() - start, 3),
    }
    results["notes"] = notes + _notes(results)
    return results


def _task_size(table, max_rows):
    X, y, task = table
    rows = len(y) if max_rows is None else min(len(y), max_rows)
    width = len(np.unique(y)) if task == "classification" else 1
    return rows * max(width, 2)


def _add_standard_deviations(summary, records, keys, metrics):
    for row in summary:
        cell = [r for r in records if all(r.get(k) == row[k] for k in keys)]
        for metric in metrics:
            values = [r[metric] for r in cell if r.get(metric) is not None
                      and math.isfinite(r[metric])]
            row[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


# --------------------------------------------------------------------------- #
# Reading the results
# --------------------------------------------------------------------------- #


def _loss_name(dataset):
    return "log_loss" if TABULAR_DATASETS[dataset] == "classification" else "rmse"


def _paired_gains(results, dataset, student, config):
    """Per split: the test loss of ``student`` on labels minus its loss with ``config``
    (the teacher's loss with ``config=TEACHER``)."""
    loss = _loss_name(dataset)
    other = (TEACHER, None) if config == TEACHER else (student, config)
    by_split = {}
    for record in results["records"]:
        cell = (record["student"], record["config"])
        if record["dataset"] == dataset and cell in ((student, LABELS), other):
            side = "labels" if cell == (student, LABELS) else "other"
            by_split.setdefault(record["trial"], {})[side] = record[loss]
    return np.array([pair["labels"] - pair["other"] for pair in by_split.values()
                     if len(pair) == 2])


def pairs(results, config, task=None):
    """Per (table, student) pair: the mean test loss of the student on labels, with
    ``config`` and of the teacher (log-loss for classification, RMSE for regression).

    Parameters
    ----------
    results : dict
        Output of :func:`run`.
    config : str
        One of :data:`CONFIGS` but ``labels``.
    task : {"classification", "regression"} or None, default=None
        Only the tables of this task; None: all.

    Returns
    -------
    pairs : list of dict
        ``dataset``, ``student``, ``labels``, ``config``, ``teacher`` (mean losses over
        the splits), ``gain`` (``labels - config``), ``gap`` (``labels - teacher``).
    """
    out = []
    for teacher in _runner.select(results, student=TEACHER):
        if task is not None and TABULAR_DATASETS[teacher["dataset"]] != task:
            continue
        loss = _loss_name(teacher["dataset"])
        for student in results["settings"]["students"]:
            alone = _runner.select(results, dataset=teacher["dataset"], student=student,
                                   config=LABELS)
            distilled = _runner.select(results, dataset=teacher["dataset"], student=student,
                                       config=config)
            if not alone or not distilled:
                continue
            a, d, t = alone[0][loss], distilled[0][loss], teacher[loss]
            out.append({"dataset": teacher["dataset"], "student": student, "labels": a,
                        "config": d, "teacher": t, "gain": a - d, "gap": a - t})
    return out


def target(results, config, task=None):
    """The target read off the results for one configuration (and ``task``, as
    :func:`pairs`: log-loss and RMSE are not added together).

    Returns
    -------
    reading : dict
        ``pairs`` (number of (table, student) pairs), ``wins`` (pairs whose mean test loss
        is below the student's on labels), ``closed`` (median over the pairs whose
        teacher beats the student on labels of ``gain / gap``, the share of the gap
        closed: a median, since a pair whose teacher is barely better has a tiny gap and
        a share of any size), ``pooled`` (over the same pairs, the sum of the gains over
        the sum of the gaps), ``n_closed`` (those pairs), ``worse_teacher_gain`` (mean
        gain over the other pairs, NaN if none) and ``met`` (wins on at least 80% of the
        pairs and a median share of at least a third).
    """
    rows = pairs(results, config, task)
    closing = [r for r in rows if r["gap"] > 0]
    worse = [r["gain"] for r in rows if r["gap"] <= 0]
    wins = sum(r["gain"] > 0 for r in rows)
    closed = float(np.median([r["gain"] / r["gap"] for r in closing])) if closing else math.nan
    pooled = (sum(r["gain"] for r in closing) / sum(r["gap"] for r in closing)
              if closing else math.nan)
    return {"pairs": len(rows), "wins": wins, "closed": closed, "pooled": pooled,
            "n_closed": len(closing),
            "worse_teacher_gain": float(np.mean(worse)) if worse else math.nan,
            "met": bool(rows) and wins >= 0.8 * len(rows) and closed >= 1 / 3}


def _notes(results):
    lines = []
    for teacher in _runner.select(results, student=TEACHER):
        settings = [r["teacher_setting"] for r in results["records"]
                    if r["dataset"] == teacher["dataset"] and r["student"] == TEACHER]
        lines.append(f"{teacher['dataset']} teacher: " + "; ".join(settings))
    lines.append("target: lower test loss than the student on labels on >= 80% of the "
                 "(table, student) pairs, and >= 1/3 of the gap to the teacher closed")
    tasks = dict.fromkeys(TABULAR_DATASETS[row["dataset"]]
                          for row in _runner.select(results, student=TEACHER))
    for task in tasks:
        lines.append(f"{task} ({'log-loss' if task == 'classification' else 'RMSE'}):")
        for config in results["settings"]["configs"][1:]:
            reading = target(results, config, task)
            if not reading["pairs"]:
                continue
            worse = ("" if math.isnan(reading["worse_teacher_gain"]) else
                     f"; where the teacher is worse than the student on labels "
                     f"({reading['pairs'] - reading['n_closed']} pairs) the loss changes by "
                     f"{-reading['worse_teacher_gain']:+.4f} on average")
            lines.append(f"  {config}: better on {reading['wins']}/{reading['pairs']} pairs, "
                         f"{reading['closed']:.0%} of the gap closed (median; pooled "
                         f"{reading['pooled']:.0%}) over {reading['n_closed']} pairs{worse}: "
                         f"{'met' if reading['met'] else 'not met'}")
    return lines


# --------------------------------------------------------------------------- #
# Public entry points
# --------------------------------------------------------------------------- #


def _check_choice(values, allowed, what):
    values = [values] if isinstance(values, str) else list(values)
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise ValueError(f"{what} must be a non-empty list among {', '.join(allowed)}; "
                         f"got {values!r}.")
    return values


def _settings(*, datasets=None, students=None, configs=None, max_rows=None,
              test_size=0.25, teacher_grid=None, teacher_max_iter=None, tune_teacher=True,
              mlp_epochs=None,
              augment_size=2.0, alphas=(0.0, 0.5, 1.0), timing_repeats=3):
    """The settings of a run, from the experiment's own parameters.

    Parameters
    ----------
    datasets : sequence of str, default=None
        Tables of :func:`skdistill.datasets.load_tabular`.
    students : sequence of str, default=None
        Among ``"tree d4"``, ``"tree d6"``, ``"linear"``, ``"mlp"``, ``"hgb50"``.
    configs : sequence of str, default=None
        Configurations (see :data:`CONFIGS`); ``"labels"``, the reference, is always run.
    max_rows : int or None, default=None
        Stratified subsample of each table before the split; None keeps every row.
    test_size : float, default=0.25
        Share of the test rows.
    teacher_grid : sequence of dict, default=None
        The teacher's settings tried on the validation split.
    teacher_max_iter : int, default=None
        Boosting iterations of each setting; the best number up to it is kept.
    tune_teacher : bool, default=True
        False skips the validation split: the teacher is the first setting of
        ``teacher_grid`` with ``teacher_max_iter`` iterations, fitted on all training
        rows (e.g. scikit-learn's defaults, ``teacher_grid=[{"learning_rate": 0.1,
        "max_leaf_nodes": 31, "l2_regularization": 0.0}], teacher_max_iter=100``): a
        teacher that may be worse than the student on labels.
    mlp_epochs : int, default=None
        Most epochs of the ``mlp`` student (it stops early on its validation loss).
    augment_size : float, default=2.0
        Synthetic rows per labelled row of the ``munge`` configurations.
    alphas : sequence of float, default=(0.0, 0.5, 1.0)
        The grid of the ``alpha grid`` configuration.
    timing_repeats : int, default=3
        Calls of the prediction timed; the fastest counts.
    """
    configs = _check_choice(configs, CONFIGS, "configs")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1); got {test_size!r}.")
    grid = [dict(params) for params in teacher_grid]
    if not grid:
        raise ValueError("teacher_grid must hold at least one setting of the teacher.")
    return {
        "datasets": _check_choice(datasets, DATASETS, "datasets"),
        "students": _check_choice(students, STUDENTS, "students"),
        "configs": [LABELS] + [c for c in configs if c != LABELS],
        "max_rows": None if max_rows is None else int(max_rows),
        "test_size": float(test_size),
        "teacher_grid": grid,
        "teacher_max_iter": int(teacher_max_iter),
        "tune_teacher": bool(tune_teacher),
        "mlp_epochs": int(mlp_epochs),
        "augment_size": float(augment_size),
        "alphas": [float(a) for a in alphas],
        "timing_repeats": int(timing_repeats),
    }


EXPERIMENT = Experiment(
    name="tabular",
    title="Distillation on real tables: students on a tuned boosted teacher vs on labels",
    trial=_task,
    settings=_settings,
    keys=["dataset", "student", "config"],
    metrics=["accuracy", "log_loss", "rmse", "size_kib", "predict_ratio", "temperature",
             "alpha"],
    labels={"accuracy": "test acc.", "log_loss": "test log-loss", "rmse": "test RMSE",
            "size_kib": "KiB", "predict_ratio": "predict / teacher", "temperature": "T",
            "alpha": "alpha"},
    quick=QUICK,
    full=FULL,
    reads_data=True,
    execute=_execute,
    returns="``results[\"notes\"]`` holds the teachers' settings and the target per "
            "configuration; summary rows also hold ``<metric>_sd``, the standard "
            "deviation over the splits.",
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Gain in test loss over the student on labels, per table, student and configuration;
    the teacher's gain (the gap) as a black bar."""
    tables = list(dict.fromkeys(r["dataset"] for r in _runner.select(results,
                                                                     student=TEACHER)))
    configs = [c for c in results["settings"]["configs"] if c != LABELS]
    students = results["settings"]["students"]
    columns = min(3, max(len(tables), 1))
    n_rows = math.ceil(len(tables) / columns) if tables else 1
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting the reproductions needs matplotlib: pip install 'skdistill[plot]'"
        ) from exc
    if fig is None:
        fig = Figure(figsize=(5.0 * columns, 3.4 * n_rows + 0.6), layout="constrained")
    else:
        fig.set_layout_engine("constrained")
    axes = fig.subplots(n_rows, columns, squeeze=False).ravel()
    width = 0.8 / (len(configs) + 1)
    colours = {config: f"C{i}" for i, config in enumerate(configs)}
    for ax, table in zip(axes, tables):
        loss = _loss_name(table)
        x = np.arange(len(students))
        for i, config in enumerate([*configs, TEACHER]):
            gains = [_paired_gains(results, table, student, config) for student in students]
            ax.bar(x + (i - len(configs) / 2) * width, [g.mean() if g.size else np.nan
                                                        for g in gains], width,
                   yerr=[g.std(ddof=1) / np.sqrt(g.size) if g.size > 1 else np.nan
                         for g in gains],
                   color="k" if config == TEACHER else colours[config], label=config,
                   error_kw={"lw": 0.8, "capsize": 1.5})
        ax.axhline(0, color="k", lw=0.8)
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_xticks(x, students, fontsize="small")
        ax.set_ylabel(f"{loss.replace('_', '-')} on labels − distilled")
        ax.set_title(table, fontsize="medium")
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[len(tables):]:
        ax.set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    try:
        fig.legend(handles, names, loc="outside lower center", ncols=len(configs) + 1,
                   fontsize="small")
    except ValueError:  # matplotlib < 3.7 places no legend outside the axes
        axes[0].legend(handles, names, fontsize="x-small", ncol=2)
    note = ("positive: the distilled student has the lower test loss; black: the teacher's; "
            "symmetric log scale; whiskers: s.e. of the paired difference")
    return _runner.finish_figure(fig, results, path, note)
