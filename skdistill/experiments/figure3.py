"""Figures 3 and 4(a): teacher depth, teacher MSE to η and the distilled student's AUC.

Setup (section 5.2 of the paper, with every choice it leaves open stated):

- Data: the slab problem, ``skdistill.datasets.make_slab_classification``:
  ``x ~ N(0, I₂)``, ``η(x) = P(y=1|x) = sigmoid(2(‖x‖∞ − 0.5))``.
- Teachers: ``RandomForestClassifier(n_estimators=3, max_depth=d)`` for
  ``d ∈ {1, 2, 4, 8, 16}`` (bootstrap on, otherwise scikit-learn's defaults), plus two
  reference rows: the Bayes teacher ``η`` itself (``BayesTeacher``, MSE 0) and no
  teacher (the student on one-hot labels).
- Student: ``DecisionTreeClassifier(max_depth=4)`` distilled through
  ``DistilledClassifier(student, teacher)`` (``alpha=1``: pure teacher targets), swept
  over ``teacher__max_depth`` (and ``teacher`` for the Bayes row). In the paper's
  setup (one shared sample) the sweep is a ``GridSearchCV`` whose single split trains
  on the sample and scores the test set with two scorers (student AUC, teacher MSE);
  with a fresh student sample the teacher is fitted on its own sample and frozen, which
  a grid search cannot express, so the same grid is walked with ``ParameterGrid``.
- Teacher sample ``n_teacher = 1000`` and a fresh student sample ``n_student = 100``
  (disjoint from the teacher's, as the paper's analysis assumes: a student trained on
  its teacher's own sample sees near one-hot targets from deep teachers). The paper
  trains both on the same ``N = 100`` sample; what that gives is on the results page
  (:ref:`reproductions`). The paper's literal setup is ``n_teacher=100, n_student=None``
  (``None``: the student trains on the teacher's sample; CLI
  ``--set n_teacher=100 --set n_student=None``). In the fresh-sample setup the teacher
  is fitted first and passed as a ``FrozenEstimator``; the student sample's labels
  are only used by the one-hot baseline.
- Teacher MSE: ``skdistill.metrics.probability_mse(teacher.predict_proba(X_test), p*)``
  = mean ``‖p_t(x) − p*(x)‖²`` over both columns (twice the squared error on ``η``).
- Test set: ``5000`` points (quick) / ``10⁴`` (full) per trial; metric AUC-ROC of the
  student's probability of class 1. Trials: quick 50, full 100.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.tree import DecisionTreeClassifier

from .. import DistilledClassifier
from ..datasets import make_slab_classification, slab_class_probability
from ..metrics import probability_mse
from ..teachers import BayesTeacher
from . import _runner
from ._experiment import Experiment, public_run
from ._runner import FULL_TRIALS

DEPTHS = (1, 2, 4, 8, 16)
BAYES = "Bayes η"
ONE_HOT = "none (one-hot)"


def _teacher_name(params):
    if "teacher__max_depth" in params:
        return f"forest depth {params['teacher__max_depth']}"
    return BAYES


def _row(params, teacher_mse, student_auc):
    return {
        "teacher": _teacher_name(params),
        "max_depth": params.get("teacher__max_depth"),
        "teacher_mse": float(teacher_mse),
        "student_auc": float(student_auc),
    }


def _student_auc(model, X, y):
    return roc_auc_score(y, model.predict_proba(X)[:, 1])


def _neg_teacher_mse(model, X, y):
    return -probability_mse(model.teacher_.predict_proba(X), slab_class_probability(X))


def _search_same_sample(base, grid, X_train, y_train, X_test, y_test):
    """The paper's setup: a ``GridSearchCV`` over ``teacher__max_depth``.

    Teacher and student fit on the same sample; the single "fold" scores each grid
    point on the test set, with the student's AUC and the teacher's MSE to η.
    """
    n = len(X_train)
    search = GridSearchCV(
        base, grid, scoring={"student_auc": _student_auc, "teacher_mse": _neg_teacher_mse},
        cv=[(np.arange(n), np.arange(n, n + len(X_test)))], refit=False,
    ).fit(np.vstack([X_train, X_test]), np.r_[y_train, y_test])
    results = search.cv_results_
    return [
        _row(params, -mse, auc)
        for params, mse, auc in zip(results["params"], results["split0_test_teacher_mse"],
                                    results["split0_test_student_auc"])
    ]


def _fit_fresh(model, X_teacher, y_teacher, X_student, y_student):
    """The teacher is fitted alone on its sample and frozen, so the distiller only labels
    the student's fresh sample with it (``alpha=1``: that sample's labels are unused)."""
    teacher = clone(model.teacher).fit(X_teacher, y_teacher)
    return model.set_params(teacher=FrozenEstimator(teacher)).fit(X_student, y_student)


def _draw(n, rng):
    # A single-class sample cannot train a classifier; only possible for tiny n.
    while True:
        X, y, _ = make_slab_classification(n, random_state=rng)
        if np.unique(y).size == 2:
            return X, y


def _trial(seed, *, depths, n_teacher, n_student, n_estimators, student_depth, n_test):
    rng = np.random.RandomState(seed)
    X_teacher, y_teacher = _draw(n_teacher, rng)
    X_student, y_student = (None, None) if n_student is None else _draw(n_student, rng)
    X_test, y_test, p_test = make_slab_classification(n_test, random_state=rng)
    student_seed, teacher_seed = rng.randint(2**31, size=2)
    student = DecisionTreeClassifier(max_depth=student_depth, random_state=student_seed)
    base = DistilledClassifier(
        student=student,
        teacher=RandomForestClassifier(n_estimators=n_estimators, random_state=teacher_seed),
        alpha=1.0,
    )
    grid = [
        {"teacher__max_depth": list(depths)},
        {"teacher": [BayesTeacher(slab_class_probability, classes=[0, 1])]},
    ]
    if n_student is None:
        rows = _search_same_sample(base, grid, X_teacher, y_teacher, X_test, y_test)
    else:
        rows = []
        for params in ParameterGrid(grid):
            model = _fit_fresh(clone(base).set_params(**params), X_teacher, y_teacher,
                               X_student, y_student)
            rows.append(_row(params, probability_mse(model.teacher_.predict_proba(X_test),
                                                     p_test),
                             roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])))
    X_labels, y_labels = (X_teacher, y_teacher) if n_student is None else (X_student, y_student)
    one_hot = clone(student).fit(X_labels, y_labels)
    rows.append({
        "teacher": ONE_HOT,
        "max_depth": None,
        "teacher_mse": None,
        "student_auc": float(roc_auc_score(y_test, one_hot.predict_proba(X_test)[:, 1])),
    })
    return rows


def _settings(*, depths=DEPTHS, n_teacher=1000, n_student=100, n_estimators=3,
              student_depth=4, n_test=None):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    depths : sequence of int, default=(1, 2, 4, 8, 16)
        Teacher depths ``d``.
    n_teacher : int, default=1000
        Teacher's labelled sample size (the paper: 100).
    n_student : int or None, default=100
        Size of the student's fresh sample; None trains the student on the teacher's
        sample (the paper's setup).
    n_estimators : int, default=3
        Trees per forest teacher.
    student_depth : int, default=4
        Depth of the tree student.
    n_test : int, default=None
        Test-set size per trial.
    """
    return {
        "depths": [int(d) for d in depths],
        "n_teacher": int(n_teacher),
        "n_student": None if n_student is None else int(n_student),
        "n_estimators": int(n_estimators),
        "student_depth": int(student_depth),
        "n_test": int(n_test),
    }


EXPERIMENT = Experiment(
    name="figure3",
    title="Figures 3 and 4(a): forest teacher depth vs teacher MSE and depth-4 tree student AUC",
    trial=_trial,
    settings=_settings,
    keys=["teacher", "max_depth"],
    metrics=["teacher_mse", "student_auc"],
    labels={"max_depth": "d", "teacher_mse": "teacher MSE to η", "student_auc": "student AUC"},
    quick={"trials": 50, "n_test": 5000},
    full={"trials": FULL_TRIALS, "n_test": 10_000},
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Teacher MSE vs depth (Fig. 3a), student AUC vs depth (3b), AUC vs MSE (4a)."""
    from ..plotting import TeacherStudentDisplay

    fig, (ax_mse, ax_auc, ax_both) = _runner.new_figure(3, fig=fig)
    forests = [row for row in results["summary"] if row["max_depth"] is not None]
    depths = _runner.column(forests, "max_depth")
    _runner.errorbar(ax_mse, depths, forests, "teacher_mse", color="tab:red")
    ax_mse.set(xlabel="teacher depth d", ylabel="teacher MSE to η", title="(3a) teacher MSE")
    _runner.errorbar(ax_auc, depths, forests, "student_auc", color="tab:blue",
                     label="distilled from forest")
    for name, style in ((BAYES, "k--"), (ONE_HOT, "k:")):
        for row in _runner.select(results, teacher=name):
            ax_auc.axhline(row["student_auc"], linestyle=style[1:], color="k", lw=1,
                           label=f"teacher: {name}")
    ax_auc.set(xlabel="teacher depth d", ylabel="student test AUC", title="(3b) student AUC")
    ax_auc.legend(fontsize="small")
    TeacherStudentDisplay.from_results(
        _runner.column(forests, "teacher_mse"), _runner.column(forests, "student_auc"),
        labels=[f"d={int(d)}" for d in depths], yerr=_runner.column(forests, "student_auc_se"),
        xerr=_runner.column(forests, "teacher_mse_se"), score_name="student test AUC",
        ax=ax_both, color="tab:purple",
    )
    ax_both.set_title("(4a) student AUC vs teacher MSE")
    for ax in (ax_mse, ax_auc):
        ax.set_xscale("log", base=2)
        ax.set_xticks(depths, [str(int(d)) for d in depths])
    for ax in (ax_mse, ax_auc, ax_both):
        ax.grid(alpha=0.3)
    s = results["settings"]
    student = "teacher's sample" if s["n_student"] is None else f"fresh sample of {s['n_student']}"
    note = (f"teacher: {s['n_estimators']}-tree forest on {s['n_teacher']} points; student: "
            f"depth-{s['student_depth']} tree on {student}")
    return _runner.finish_figure(fig, results, path, note)
