"""alpha="auto": the mixing weight chosen by the student's held-out log-loss."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier
from skdistill._alpha_search import ALPHA_GRID


def test_a_useless_teacher_gets_alpha_zero_and_the_student_of_the_labels():
    X, y = make_classification(400, n_features=8, n_informative=5, random_state=0)
    clf = DistilledClassifier(LogisticRegression(), DummyClassifier(strategy="prior"),
                              alpha="auto", teacher_cv=5, random_state=0).fit(X, y)
    assert clf.alpha_ == 0.0
    assert clf.alpha_scores_.shape == (len(ALPHA_GRID),)
    assert clf.alpha_scores_[0] == clf.alpha_scores_.min() < clf.alpha_scores_[-1]
    on_labels = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), on_labels.predict_proba(X), atol=1e-4)


def test_a_good_teacher_is_followed_by_a_small_student():
    X, y = make_classification(2000, n_features=10, n_informative=6, flip_y=0.2,
                               random_state=1)
    X_test, y_test = X[1000:], y[1000:]
    X, y = X[:1000], y[:1000]
    student = DecisionTreeClassifier(max_depth=6, random_state=0)
    teacher = RandomForestClassifier(n_estimators=200, min_samples_leaf=5, random_state=0)
    clf = DistilledClassifier(student, teacher, alpha="auto", teacher_cv=5,
                              random_state=0).fit(X, y)
    assert clf.alpha_ > 0.0
    alone = student.fit(X, y)
    assert (log_loss(y_test, clf.predict_proba(X_test))
            < log_loss(y_test, alone.predict_proba(X_test)))


def test_the_scores_are_the_students_held_out_log_loss(monkeypatch):
    X, y = make_classification(200, n_features=6, random_state=0)
    clf = DistilledClassifier(LogisticRegression(), LogisticRegression(), alpha="auto",
                              teacher_cv=4, random_state=0).fit(X, y)
    fixed = [DistilledClassifier(LogisticRegression(), LogisticRegression(), alpha=a,
                                 teacher_cv=4, random_state=0).fit(X, y) for a in ALPHA_GRID]
    assert clf.alpha_ in ALPHA_GRID
    best = fixed[ALPHA_GRID.index(clf.alpha_)]
    np.testing.assert_allclose(clf.predict_proba(X), best.predict_proba(X))


def test_alpha_auto_needs_held_out_probabilities_and_soft_targets():
    X, y = make_classification(100, random_state=0)
    with pytest.raises(ValueError, match="alpha='auto'.*teacher_cv"):
        DistilledClassifier(alpha="auto").fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        DistilledClassifier(alpha="best").fit(X, y)
