"""Choosing and tempering teachers by their held-out Brier score, on real data.

For any probability vector ``q(x)``, ``E_y ||q(x) - e_y||² = ||q(x) - p*(x)||² +
E_y ||p*(x) - e_y||²``: on rows a teacher did not see, its Brier score is its mean
squared error to ``p*`` up to a constant shared by all teachers, the quantity
Proposition 3 of the paper charges to the student. This experiment measures whether
choosing by that score works: whether it ranks teachers as the students they distil
rank, and whether ``DistilledClassifier(temperature="auto")`` tempers a teacher as well
as a cross-validated grid over the whole distillation. It is not a figure of the paper.

Setup (every choice stated):

- Data: scikit-learn's bundled ``load_digits`` (1797 × 64, 10 classes), ``load_wine``
  (178 × 13, 3 classes) and ``load_breast_cancer`` (569 × 30, 2 classes), each split
  in halves per trial (stratified, seeded); and a Fashion-MNIST subset
  (``skdistill.datasets.load_fashion_mnist``, from the data home): per trial a random
  ``n_fashion_train`` training images (full 1000, quick 300) and ``n_fashion_test``
  test images (full 2000, quick 500), average-pooled 2 × 2 to 14 × 14 = 196 pixels
  so that the gradient-boosting candidates stay affordable. ``max_rows`` (quick: 600)
  subsamples digits before the split.
- Candidate teachers (eight, five families, each seeded per trial):
  ``DecisionTreeClassifier(max_depth=3)`` and ``(max_depth=10)``;
  ``RandomForestClassifier(n_estimators=100, min_samples_leaf=1)`` and
  ``(min_samples_leaf=10)``; ``HistGradientBoostingClassifier(max_iter=50,
  early_stopping=False)`` with ``learning_rate`` 0.03 and 0.3; a standardised
  ``MLPClassifier(hidden_layer_sizes=(64,), max_iter=200)``; a standardised
  ``LogisticRegression(C=1)``.
- Student (fixed): standardised ``LogisticRegression(C=1.0, max_iter=1000)``, the
  paper's student (sections 5.1 and 5.2), fitted exactly on the soft targets. It is
  convex, so differences between students come from their teachers and not from an
  optimiser's luck, and probabilistic, so its test log-loss — the risk whose
  distilled estimate Proposition 3 bounds — is defined. Students are distilled with
  out-of-fold targets: ``DistilledClassifier(student, teacher, teacher_cv=cv)`` with
  ``cv = StratifiedKFold(n_folds=5, shuffle=True)`` seeded per trial, the same folds as
  the teacher comparison, so the held-out probabilities that are scored are exactly
  the targets the student sees.
- (i) Ranking. ``compare_teachers(candidates, X_train, y_train, cv=cv)`` scores every
  candidate out of fold (held-out Brier and, from the same probabilities, held-out
  log-loss). Each candidate is distilled into a student, scored on the test half
  (log-loss and accuracy). Per trial: Spearman correlation between the held-out
  score and the student's test log-loss (and test error), over the candidates; the
  test log-loss of the student of the chosen (lowest-score) teacher; the cost.
  Rows: ``held-out Brier``, ``held-out log-loss``, ``student test score`` (the
  reference: ranking by the students themselves, one whole distillation per teacher
  and a test set; estimating it without a test set would need cross-validation, ``K``
  times more) and ``random choice`` (the mean over candidates).
- (ii) Temperature, for the Brier-chosen teacher and (full mode) the MLP teacher:
  ``temperature=1``; ``temperature="auto"`` (Brier, on the out-of-fold
  probabilities); ``auto (log-loss)``, the same search with the held-out log-loss;
  and ``grid CV``, ``GridSearchCV(DistilledClassifier(..., teacher_cv=cv,
  memory=...), {"temperature": grid}, cv=StratifiedKFold(grid_folds),
  scoring="neg_log_loss")`` with the teacher step cached across temperatures (full:
  nine temperatures 0.25 … 4 spaced by √2, five folds; quick: 0.5, 1, 2 and three
  folds). Reported: the student's test log-loss (``LL`` in the table) and accuracy,
  the temperature, the fits and the CPU seconds; the notes under the table give the
  differences of test log-loss between rules paired over trials.
- Costs: model fits counted (teacher fits and student fits); CPU seconds of the
  process (``time.process_time``, BLAS limited to one thread per trial), which are
  less sensitive than wall-clock time to other work on a shared machine. The log-loss
  ranking reuses the Brier ranking's fits; ``auto (log-loss)`` is reported at the cost
  of the distillation it fits (its search is as cheap as the Brier one).
- Trials: quick 2, full 6 (independent splits, subsets and seeds). A full trial takes
  about five CPU minutes, most of it on Fashion-MNIST (the grid search above all).
"""

from __future__ import annotations

import tempfile
import time
import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from .. import DistilledClassifier
from .._seeding import seed_random_states
from .._selection import per_row_scores, search_temperature
from ..datasets import load_fashion_mnist
from ..metrics import compare_teachers
from . import _runner
from ._experiment import Experiment, public_run

DATASETS = ("digits", "wine", "breast_cancer", "fashion_mnist")
CANDIDATES = ("tree d3", "tree d10", "forest leaf1", "forest leaf10", "hgb lr0.03",
              "hgb lr0.3", "mlp", "logistic")
BRIER, LOG_LOSS, STUDENT, RANDOM = ("held-out Brier", "held-out log-loss", "student test score",
                                    "random choice")
T_ONE, AUTO, AUTO_LOG_LOSS, GRID = "T = 1", "auto (Brier)", "auto (log-loss)", "grid CV"
ONE_HOT = "one-hot labels"
BEST = "chosen"
QUICK = {"trials": 2, "max_rows": 600, "n_fashion_train": 300, "n_fashion_test": 500,
         "temperatures": (0.5, 1.0, 2.0), "grid_folds": 3, "temperature_teachers": ("best",)}
FULL = {"trials": 6, "max_rows": None, "n_fashion_train": 1000, "n_fashion_test": 2000,
        "temperatures": tuple(float(t) for t in np.round(2.0 ** np.arange(-2, 2.5, 0.5), 4)),
        "grid_folds": 5, "temperature_teachers": ("best", "mlp")}


# --------------------------------------------------------------------------- #
# Data, candidates, student
# --------------------------------------------------------------------------- #

_LOADERS = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}


def _pool(X):
    """2 x 2 average pooling of 28 x 28 images."""
    return X.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(len(X), -1)


def _fashion(subset, n_samples, data_home, seed):
    try:
        X, y = load_fashion_mnist(data_home, subset=subset, n_samples=n_samples,
                                  random_state=seed, dtype=np.float32)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"teacher_selection needs the Fashion-MNIST IDX files (fashion_mnist/ in the data "
            f"home) for the data set 'fashion_mnist'; pass data_home=... (command line: "
            f"--data-home PATH), set SKDISTILL_DATA, or leave it out with "
            f"--set \"datasets=['digits', 'wine', 'breast_cancer']\". {exc}") from exc
    return _pool(X).astype(np.float64), y


def _split(dataset, *, max_rows, n_fashion_train, n_fashion_test, data_home, rng):
    """Training and test halves of ``dataset`` for one trial."""
    if dataset == "fashion_mnist":
        X_train, y_train = _fashion("train", n_fashion_train, data_home, rng.randint(2**31))
        X_test, y_test = _fashion("test", n_fashion_test, data_home, rng.randint(2**31))
        return X_train, X_test, y_train, y_test
    X, y = _LOADERS[dataset](return_X_y=True)
    if max_rows is not None and max_rows < len(y):
        X, _, y, _ = train_test_split(X, y, train_size=max_rows, stratify=y,
                                      random_state=rng.randint(2**31))
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=rng.randint(2**31))


def _candidate(name):
    family, _, setting = name.partition(" ")
    if family == "tree":
        return DecisionTreeClassifier(max_depth=int(setting[1:]))
    if family == "forest":
        return RandomForestClassifier(n_estimators=100, min_samples_leaf=int(setting[4:]))
    if family == "hgb":
        return HistGradientBoostingClassifier(learning_rate=float(setting[2:]), max_iter=50,
                                              early_stopping=False)
    if family == "mlp":
        return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,),
                                                             max_iter=200))
    if family == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    raise ValueError(f"unknown candidate {name!r}; choose among {', '.join(CANDIDATES)}.")


def _student(C, max_iter):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))


def _test_scores(model, X_test, y_test):
    proba = model.predict_proba(X_test)
    return {
        "student_log_loss": float(log_loss(y_test, proba, labels=model.classes_)),
        "student_accuracy": float(accuracy_score(y_test, model.classes_[proba.argmax(1)])),
    }


def _spearman(a, b):
    rho, _ = spearmanr(a, b)  # a pair on every SciPy; .statistic needs SciPy >= 1.11
    return float(rho) if np.isfinite(rho) else None


def _cpu(function, *args, **kwargs):
    """``function(*args, **kwargs)`` and the CPU seconds it took."""
    start = time.process_time()
    value = function(*args, **kwargs)
    return value, time.process_time() - start


# --------------------------------------------------------------------------- #
# One trial
# --------------------------------------------------------------------------- #


def _rankings(names, comparison, log_losses, students, n_folds, cpu_compare, cpu_students):
    """The rows of analysis (i): each ranking, what its choice gives, what it costs."""
    student_ll = np.array([students[n]["student_log_loss"] for n in names])
    student_error = np.array([1 - students[n]["student_accuracy"] for n in names])
    m = len(names)
    rows = []
    for method, scores in ((BRIER, comparison.scores), (LOG_LOSS, log_losses)):
        chosen = names[int(np.argmin(scores))]
        rows.append({"analysis": "ranking", "method": method, "teacher": chosen,
                     "spearman": _spearman(scores, student_ll),
                     "spearman_error": _spearman(scores, student_error),
                     **students[chosen], "teacher_fits": m * n_folds, "student_fits": 0,
                     "cpu_seconds": cpu_compare})
    oracle = names[int(np.argmin(student_ll))]
    rows.append({"analysis": "ranking", "method": STUDENT, "teacher": oracle,
                 **students[oracle], "teacher_fits": m * (n_folds + 1), "student_fits": m,
                 "cpu_seconds": cpu_students})
    rows.append({"analysis": "ranking", "method": RANDOM, "teacher": None,
                 "student_log_loss": float(student_ll.mean()),
                 "student_accuracy": float(1 - student_error.mean()),
                 "teacher_fits": 0, "student_fits": 0, "cpu_seconds": 0.0})
    return rows


def _temperatures(role, name, teacher, student, P_oof, data, cv, students, costs, *,
                  temperatures, grid_folds, n_folds, seed):
    """The rows of analyses (ii) and (iii) for one teacher."""
    X_train, X_test, y_train, y_test = data
    analysis = f"temperature/{role}"
    base = {"analysis": analysis, "teacher": name}
    rows = [{**base, "method": T_ONE, "temperature": 1.0, **students[name],
             "teacher_fits": n_folds + 1, "student_fits": 1, "cpu_seconds": costs[name]}]

    auto, cpu = _cpu(DistilledClassifier(student, teacher, teacher_cv=cv, alpha=1.0,
                                         temperature="auto").fit, X_train, y_train)
    rows.append({**base, "method": AUTO, "temperature": auto.temperature_,
                 **_test_scores(auto, X_test, y_test), "teacher_fits": n_folds + 1,
                 "student_fits": 1, "cpu_seconds": cpu})

    y_index = np.searchsorted(np.unique(y_train), y_train)
    t_log_loss, cpu_search = _cpu(search_temperature, P_oof, y_index, scoring="log_loss")
    by_log_loss, cpu = _cpu(DistilledClassifier(student, teacher, teacher_cv=cv, alpha=1.0,
                                                temperature=t_log_loss).fit, X_train, y_train)
    rows.append({**base, "method": AUTO_LOG_LOSS, "temperature": t_log_loss,
                 **_test_scores(by_log_loss, X_test, y_test), "teacher_fits": n_folds + 1,
                 "student_fits": 1, "cpu_seconds": cpu + cpu_search})

    with tempfile.TemporaryDirectory() as cache:
        search = GridSearchCV(
            DistilledClassifier(student, teacher, teacher_cv=cv, memory=cache, alpha=1.0),
            {"temperature": list(temperatures)},
            cv=StratifiedKFold(grid_folds, shuffle=True, random_state=seed),
            scoring="neg_log_loss",
        )
        search, cpu = _cpu(search.fit, X_train, y_train)
    rows.append({**base, "method": GRID, "temperature": search.best_params_["temperature"],
                 **_test_scores(search.best_estimator_, X_test, y_test),
                 # with the teacher step cached: once per grid fold, once for the refit
                 "teacher_fits": (grid_folds + 1) * (n_folds + 1),
                 "student_fits": grid_folds * len(temperatures) + 1, "cpu_seconds": cpu})
    return rows


def _dataset_rows(dataset, rng, *, candidates, n_folds, temperatures, grid_folds,
                  temperature_teachers, C, max_iter, max_rows, n_fashion_train,
                  n_fashion_test, data_home):
    data = _split(dataset, max_rows=max_rows, n_fashion_train=n_fashion_train,
                  n_fashion_test=n_fashion_test, data_home=data_home, rng=rng)
    X_train, X_test, y_train, y_test = data
    seed = int(rng.randint(2**31))
    cv = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    teachers = {name: seed_random_states(_candidate(name), rng) for name in candidates}
    student = _student(C, max_iter)

    comparison, cpu_compare = _cpu(compare_teachers, teachers, X_train, y_train, cv=cv,
                                   return_proba=True)
    y_index = np.searchsorted(comparison.classes, y_train)
    log_losses = np.array([per_row_scores(P, y_index, "log_loss").mean()
                           for P in comparison.proba])
    students, costs, rows = {}, {}, []
    for i, name in enumerate(candidates):
        model, costs[name] = _cpu(DistilledClassifier(student, teachers[name], teacher_cv=cv,
                                                      alpha=1.0).fit, X_train, y_train)
        students[name] = _test_scores(model, X_test, y_test)
        rows.append({"analysis": "teacher", "method": name,
                     "teacher_brier": float(comparison.scores[i]),
                     "teacher_log_loss": float(log_losses[i]), **students[name]})
    one_hot = clone(student).fit(X_train, y_train)
    rows.append({"analysis": "baseline", "method": ONE_HOT, **_test_scores(one_hot, X_test,
                                                                            y_test),
                 "teacher_fits": 0, "student_fits": 1})
    rows += _rankings(list(candidates), comparison, log_losses, students, n_folds, cpu_compare,
                      sum(costs.values()))

    best = candidates[comparison.best_index]
    roles = {}
    for which in temperature_teachers:
        name = best if which == "best" else which
        if name in candidates and name not in roles.values():
            roles[BEST if which == "best" else name] = name
    for role, name in roles.items():
        rows += _temperatures(
            role, name, teachers[name], student, comparison.proba[candidates.index(name)],
            data, cv, students, costs, temperatures=temperatures, grid_folds=grid_folds,
            n_folds=n_folds, seed=seed)
    return [{"dataset": dataset, **row} for row in rows]


def _trial(seed, *, datasets, candidates, data_home=None, **settings):
    rng = np.random.RandomState(seed)
    rows = []
    with warnings.catch_warnings():
        # The MLP teacher's fixed epoch budget is a setting, not a failure to converge.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for dataset in datasets:
            rows += _dataset_rows(dataset, rng, candidates=list(candidates), data_home=data_home,
                                  **settings)
    return rows


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


def _settings(*, datasets=DATASETS, candidates=CANDIDATES, n_folds=5, temperatures=None,
              grid_folds=None, temperature_teachers=None, max_rows=None, n_fashion_train=None,
              n_fashion_test=None, C=1.0, max_iter=1000):
    """The settings of a run, from the experiment's own parameters.

    Parameters
    ----------
    datasets : sequence of str, default=("digits", "wine", "breast_cancer", "fashion_mnist")
    candidates : sequence of str, default=CANDIDATES
        Names of the candidate teachers (``teacher_selection.CANDIDATES``).
    n_folds : int, default=5
        Folds of the held-out scores and of the students' out-of-fold targets.
    temperatures : sequence of float, default=None
        The grid of ``grid CV``.
    grid_folds : int, default=None
        Folds of ``grid CV``.
    temperature_teachers : sequence of str, default=None
        Teachers of analysis (ii): ``"best"`` (the Brier-chosen one) and candidate
        names.
    max_rows : int or None, default=None
        Subsample of the bundled data sets before the split.
    n_fashion_train, n_fashion_test : int, default=None
        Fashion-MNIST training and test images per trial.
    C : float, default=1.0
        Inverse regularisation of the logistic-regression student.
    max_iter : int, default=1000
        lbfgs iterations of the student.
    """
    candidates = _check_choice(candidates, CANDIDATES, "candidates")
    if len(candidates) < 3:
        raise ValueError(f"a ranking needs at least 3 candidates; got {candidates}.")
    return {
        "datasets": _check_choice(datasets, DATASETS, "datasets"),
        "candidates": candidates,
        "n_folds": int(n_folds),
        "temperatures": [float(t) for t in temperatures],
        "grid_folds": int(grid_folds),
        "temperature_teachers": _check_choice(temperature_teachers, ("best", *CANDIDATES),
                                              "temperature_teachers"),
        "max_rows": None if max_rows is None else int(max_rows),
        "n_fashion_train": int(n_fashion_train),
        "n_fashion_test": int(n_fashion_test),
        "C": float(C),
        "max_iter": int(max_iter),
    }


def _prepare(settings, *, random_state, data_home):
    """Every trial reads Fashion-MNIST, if it is among the data sets, from ``data_home``."""
    return {"data_home": data_home}, []


def paired_difference(results, dataset, analysis, first, second, metric="student_log_loss"):
    """Mean and standard error over trials of ``metric(first) - metric(second)``, two
    methods of one ``analysis`` of ``dataset`` (the trials pair them: same data)."""
    def by_trial(method):
        return {r["trial"]: r[metric] for r in results["records"]
                if (r["dataset"], r["analysis"], r["method"]) == (dataset, analysis, method)}

    a, b = by_trial(first), by_trial(second)
    diff = np.array([a[t] - b[t] for t in sorted(a) if t in b], dtype=float)
    se = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else np.nan
    return float(diff.mean()), float(se)


def _notes(results):
    lines = []
    for dataset in results["settings"]["datasets"]:
        counts = {}
        for record in results["records"]:
            if (record["dataset"], record["analysis"], record["method"]) == (dataset, "ranking",
                                                                               BRIER):
                counts[record["teacher"]] = counts.get(record["teacher"], 0) + 1
        chosen = ", ".join(f"{name} ×{n}" for name, n in sorted(counts.items(),
                                                                key=lambda kv: -kv[1]))
        lines.append(f"{dataset}: the held-out Brier score chose {chosen}")
        groups = dict.fromkeys(r["analysis"] for r in results["records"]
                               if r["dataset"] == dataset
                               and r["analysis"].startswith("temperature"))
        for group in groups:
            pairs = [(AUTO, T_ONE), (AUTO, GRID), (AUTO_LOG_LOSS, GRID), (AUTO_LOG_LOSS, AUTO)]
            text = "; ".join(
                "{} − {} = {:+.4f} ± {:.4f}".format(a, b, *paired_difference(
                    results, dataset, group, a, b)) for a, b in pairs)
            lines.append(f"  {group}, student test LL, paired over trials: {text}")
    return lines


EXPERIMENT = Experiment(
    name="teacher_selection",
    title="Choosing and tempering teachers by held-out Brier score (real data)",
    trial=_trial,
    settings=_settings,
    keys=["dataset", "analysis", "method"],
    metrics=["spearman", "spearman_error", "teacher_brier", "student_log_loss",
             "student_accuracy", "temperature", "teacher_fits", "student_fits", "cpu_seconds"],
    labels={"spearman": "ρ vs student LL", "spearman_error": "ρ vs student err",
            "teacher_brier": "held-out Brier", "student_log_loss": "student test LL",
            "student_accuracy": "student acc", "temperature": "T",
            "teacher_fits": "teacher fits", "student_fits": "student fits",
            "cpu_seconds": "CPU s"},
    quick=QUICK,
    full=FULL,
    reads_data=True,
    prepare=_prepare,
    notes=_notes,
    returns="``results[\"notes\"]`` says which teachers the Brier score chose.",
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Top: each teacher's held-out Brier against its student's test log-loss, per data
    set. Bottom: the student's test log-loss for each temperature rule."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting the reproductions needs matplotlib: pip install 'skdistill[plot]'"
        ) from exc
    datasets = results["settings"]["datasets"]
    if fig is None:
        fig = Figure(figsize=(4.2 * len(datasets), 7.6), layout="constrained")
    else:
        fig.set_layout_engine("constrained")
    axes = fig.subplots(2, len(datasets), squeeze=False)
    for top, bottom, dataset in zip(axes[0], axes[1], datasets):
        teachers = _runner.select(results, dataset=dataset, analysis="teacher")
        top.errorbar(_runner.column(teachers, "teacher_brier"),
                     _runner.column(teachers, "student_log_loss"),
                     xerr=_runner.column(teachers, "teacher_brier_se"),
                     yerr=_runner.column(teachers, "student_log_loss_se"),
                     fmt="o", capsize=3, markersize=4)
        for row in teachers:
            top.annotate(row["method"], (row["teacher_brier"], row["student_log_loss"]),
                         fontsize="x-small", xytext=(3, 3), textcoords="offset points")
        for row in _runner.select(results, dataset=dataset, analysis="baseline"):
            top.axhline(row["student_log_loss"], color="k", ls=":", lw=1, label=ONE_HOT)
        ranking = _runner.select(results, dataset=dataset, analysis="ranking", method=BRIER)
        rho = f", ρ = {ranking[0]['spearman']:.2f}" if ranking else ""
        top.set_title(f"{dataset}{rho}", fontsize="medium")
        top.set_xlabel("teacher held-out Brier (out of fold)")
        top.set_ylabel("student test log-loss")
        top.legend(fontsize="x-small")
        top.grid(alpha=0.3)

        cells = [row for row in results["summary"] if row["dataset"] == dataset
                 and row["analysis"].startswith("temperature")]
        groups = list(dict.fromkeys(row["analysis"] for row in cells))
        methods = [T_ONE, AUTO, AUTO_LOG_LOSS, GRID]
        width = 0.8 / max(len(groups), 1)
        for g, group in enumerate(groups):
            rows = [next((r for r in cells if r["analysis"] == group and r["method"] == m),
                         None) for m in methods]
            x = np.arange(len(methods)) + (g - (len(groups) - 1) / 2) * width
            y = [np.nan if r is None else r["student_log_loss"] for r in rows]
            err = [np.nan if r is None else r["student_log_loss_se"] for r in rows]
            bottom.errorbar(x, y, yerr=err, fmt="s", capsize=3, markersize=4,
                            label=group.removeprefix("temperature/") + " teacher")
        bottom.set_xticks(range(len(methods)), methods, fontsize="x-small")
        bottom.set_ylabel("student test log-loss")
        bottom.set_title(f"{dataset}: temperature rules", fontsize="medium")
        bottom.legend(fontsize="x-small")
        bottom.grid(alpha=0.3)
    s = results["settings"]
    note = (f"{len(s['candidates'])} candidate teachers, logistic student (C = {s['C']}), "
            f"{s['n_folds']}-fold out-of-fold targets")
    return _runner.finish_figure(fig, results, path, note)
