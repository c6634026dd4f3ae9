"""The Gaussian problem of section 5.1 shared by figure2a, figure2b, appendix_b1 and _b2.

Every one of these reproductions draws a labelled sample, distils some teacher into a
logistic-regression student and measures the student's test AUC; only the teacher (and
what is varied across cells) differs, so that step lives here once.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from .. import DistilledClassifier
from ..datasets import gaussian_class_probability, make_gaussian_classification
from ..metrics import expected_calibration_error, probability_mse
from ..teachers import BayesTeacher

#: Settings every Gaussian reproduction shares, with the paper's values where it gives them.
N_FEATURES = 10


def draw_sample(n_samples, *, separation, n_features, rng):
    """A labelled Gaussian sample holding both classes.

    With equal priors a sample of ``n`` points has a single class with probability
    ``2 ** (1 - n)``; such a draw cannot train a classifier, so it is redrawn (this only
    matters at ``n`` around 10 and changes nothing else about the distribution).
    """
    while True:
        X, y, proba = make_gaussian_classification(
            n_samples, n_features=n_features, separation=separation, random_state=rng
        )
        if np.unique(y).size == 2:
            return X, y, proba


def bayes_teacher(separation):
    """The Bayes teacher ``p*`` of the Gaussian problem as a scikit-learn classifier."""
    return BayesTeacher(
        gaussian_class_probability, kw_args={"separation": separation}, classes=[0, 1]
    )


def fit_student(teacher, X, y, *, C):
    """Logistic regression on one-hot labels (``teacher=None``) or distilled from ``teacher``."""
    student = LogisticRegression(C=C)
    if teacher is None:
        return student.fit(X, y)
    return DistilledClassifier(student=student, teacher=teacher, alpha=1.0).fit(X, y)


def auc(model, X, y):
    """Test AUC-ROC of a binary classifier's scores."""
    return float(roc_auc_score(y, model.decision_function(X)))


def compare_one_hot_and_bayes(n_samples, *, separation, n_features, n_test, C, rng):
    """One cell of Figure 2: one-hot and Bayes-distilled students on the same sample.

    Returns the two test AUCs, their paired difference and the Bayes AUC of ``p*``
    itself on the same test set (the ceiling both students approach).
    """
    X, y, _ = draw_sample(n_samples, separation=separation, n_features=n_features, rng=rng)
    X_test, y_test, p_test = make_gaussian_classification(
        n_test, n_features=n_features, separation=separation, random_state=rng
    )
    one_hot = auc(fit_student(None, X, y, C=C), X_test, y_test)
    distilled = auc(fit_student(bayes_teacher(separation), X, y, C=C), X_test, y_test)
    return {
        "auc_one_hot": one_hot,
        "auc_distilled": distilled,
        "gain": distilled - one_hot,
        "auc_bayes": float(roc_auc_score(y_test, p_test[:, 1])),
    }


def draw_problem(*, n_samples, separation, n_features, n_test, rng):
    """A training sample (both classes present) and a test sample with its ``p*``."""
    X, y, _ = draw_sample(n_samples, separation=separation, n_features=n_features, rng=rng)
    X_test, y_test, p_test = make_gaussian_classification(
        n_test, n_features=n_features, separation=separation, random_state=rng
    )
    return X, y, X_test, y_test, p_test


ONE_HOT = "none (one-hot)"
TEACHER_METRICS = ["teacher_accuracy", "teacher_ece", "teacher_mse", "student_auc"]
TEACHER_LABELS = {
    "teacher_accuracy": "teacher accuracy",
    "teacher_ece": "teacher ECE",
    "teacher_mse": "teacher MSE to p*",
    "student_auc": "student AUC",
}


def teacher_family_rows(teachers, problem, *, C):
    """Distil each teacher of a family into the same sample; one record per teacher.

    ``teachers`` is a list of ``(fields, teacher)``: ``fields`` (e.g. ``{"power": 4}``)
    identify the teacher in the record. Each record holds the teacher's test accuracy,
    ECE and MSE to ``p*`` (from the teacher fitted inside the distiller, so a noisy
    teacher is measured on its own fresh draws) and the student's test AUC. A last
    record is the student trained on one-hot labels (no teacher).
    """
    X, y, X_test, y_test, p_test = problem
    rows = []
    for fields, teacher in teachers:
        model = fit_student(teacher, X, y, C=C)
        P = model.teacher_.predict_proba(X_test)
        rows.append({
            **fields,
            "teacher_accuracy": float(np.mean(model.teacher_.classes_[P.argmax(1)] == y_test)),
            "teacher_ece": expected_calibration_error(y_test, P),
            "teacher_mse": probability_mse(P, p_test),
            "student_auc": auc(model, X_test, y_test),
        })
    baseline = dict.fromkeys(teachers[0][0]) if teachers else {}
    rows.append({**baseline, "teacher": ONE_HOT,
                 "student_auc": auc(fit_student(None, X, y, C=C), X_test, y_test)})
    return rows


COMPARISON_METRICS = ["auc_one_hot", "auc_distilled", "gain", "auc_bayes"]
COMPARISON_LABELS = {
    "auc_one_hot": "one-hot AUC",
    "auc_distilled": "Bayes-distilled AUC",
    "gain": "gain (paired)",
    "auc_bayes": "Bayes p* AUC",
}


def plot_comparison(results, path, fig, *, x, xlabel, log_base):
    """Two panels: both students' AUC (with the Bayes ceiling) and the paired gain vs ``x``."""
    from ._runner import errorbar, finish_figure, new_figure

    fig, (left, right) = new_figure(2, fig=fig)
    rows = results["summary"]
    xs = [row[x] for row in rows]
    errorbar(left, xs, rows, "auc_one_hot", label="one-hot", color="tab:blue")
    errorbar(left, xs, rows, "auc_distilled", label="Bayes-distillation", color="tab:orange")
    left.plot(xs, [row["auc_bayes"] for row in rows], "k--", lw=1, label="Bayes p* (ceiling)")
    left.set(xlabel=xlabel, ylabel="student test AUC", title="(a) student AUC")
    errorbar(right, xs, rows, "gain", color="tab:green", label="Bayes-distilled − one-hot")
    right.axhline(0.0, color="grey", lw=0.8)
    right.set(xlabel=xlabel, ylabel="AUC gain (paired)", title="(b) gain of distillation")
    for ax in (left, right):
        ax.set_xscale("log", base=log_base)
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    settings = results["settings"]
    note = ", ".join(
        f"{label} = {settings[key]}"
        for key, label in [("separation", "r"), ("reading", "reading of r"), ("n_samples", "N"),
                           ("n_features", "d"),
                           ("C", "C"), ("n_test", "test size")]
        if key in settings
    )
    return finish_figure(fig, results, path, note)
