"""Deploying the student: ONNX export through skl2onnx, and the pickled size."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
)
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import skdistill
from skdistill import DistilledClassifier, register_onnx_converters

try:
    import onnxruntime
    import skl2onnx
except ImportError:
    skl2onnx = None
# The pickle test at the end needs neither.
needs_onnx = pytest.mark.skipif(
    skl2onnx is None, reason="ONNX export needs skl2onnx and onnxruntime (skdistill[onnx])")
# skl2onnx writes a bool among the integers of a tree's attributes; protobuf warns (and
# from 7.34 refuses, hence the onnx extra's protobuf<7.34).
pytestmark = pytest.mark.filterwarnings("ignore:Field onnx.AttributeProto.ints:DeprecationWarning")

STUDENTS = {
    "logistic": lambda: LogisticRegression(),
    "tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
    "hgb": lambda: HistGradientBoostingClassifier(max_iter=10, random_state=0),
    "pipeline": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
}


@pytest.fixture(scope="module", autouse=True)
def converters():
    if skl2onnx is not None:
        register_onnx_converters()


def _problem(n_classes, labels=("bird", "cat", "dog")):
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5,
                               n_classes=n_classes, random_state=0)
    # float32 throughout: what the ONNX graph computes in, so that a tree's threshold
    # compares the same numbers on both sides.
    return X.astype(np.float32), np.asarray(labels)[y]


def _fit(student, n_classes, **params):
    X, y = _problem(n_classes)
    teacher = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0)
    return DistilledClassifier(student, teacher, random_state=0, **params).fit(X, y), X


def _run(onx, X):
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@needs_onnx
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("student", STUDENTS)
def test_onnx_predictions_equal_the_estimators(student, n_classes):
    clf, X = _fit(STUDENTS[student](), n_classes)
    onx = skl2onnx.to_onnx(clf, X[:1], options={"zipmap": False})
    labels, proba = _run(onx, X)
    assert labels.tolist() == clf.predict(X).tolist()
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5, rtol=0)


@needs_onnx
def test_onnx_graph_is_the_students():
    clf, X = _fit(STUDENTS["pipeline"](), 3)
    ours = skl2onnx.to_onnx(clf, X[:1])
    students = skl2onnx.to_onnx(clf.student_, X[:1])
    assert [n.op_type for n in ours.graph.node] == [n.op_type for n in students.graph.node]
    assert [o.name for o in ours.graph.output] == [o.name for o in students.graph.output]


@needs_onnx
def test_onnx_default_zipmap_keys_probabilities_by_class_label():
    clf, X = _fit(STUDENTS["logistic"](), 3)
    labels, proba = _run(skl2onnx.to_onnx(clf, X[:1]), X)
    assert labels.tolist() == clf.predict(X).tolist()
    assert all(sorted(row) == sorted(clf.classes_) for row in proba)
    by_label = np.array([[row[c] for c in clf.classes_] for row in proba])
    np.testing.assert_allclose(by_label, clf.predict_proba(X), atol=1e-5, rtol=0)


@needs_onnx
@pytest.mark.parametrize("key", ["class", "instance"])
def test_onnx_options_for_the_estimator_reach_its_student(key):
    clf, X = _fit(STUDENTS["tree"](), 3)
    options = {DistilledClassifier if key == "class" else id(clf): {"nocl": True,
                                                                    "zipmap": False}}
    labels, _ = _run(skl2onnx.to_onnx(clf, X[:1], options=options), X)
    # nocl: class indices instead of labels.
    assert labels.tolist() == np.searchsorted(clf.classes_, clf.predict(X)).tolist()


@needs_onnx
@pytest.mark.parametrize("student", STUDENTS)
def test_onnx_inside_an_ensemble(student):
    # The ensemble's converter declares our operator by its alias, not through parsing.
    X, y = _problem(3)
    vote = VotingClassifier(
        [("distilled", DistilledClassifier(STUDENTS[student](), random_state=0)),
         ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))],
        voting="soft", flatten_transform=False,
    ).fit(X, y)
    labels, proba = _run(skl2onnx.to_onnx(vote, X[:1], options={"zipmap": False}), X)
    assert labels.tolist() == vote.predict(X).tolist()
    np.testing.assert_allclose(proba, vote.predict_proba(X), atol=1e-5, rtol=0)


@needs_onnx
def test_onnx_unfitted_estimator_is_refused():
    X, _ = _problem(2)
    with pytest.raises(NotFittedError, match="DistilledClassifier instance is not fitted"):
        skl2onnx.to_onnx(DistilledClassifier(), X[:1])


class _NoConverterClassifier(LogisticRegression):
    """skl2onnx finds converters by exact class: this subclass has none."""


@needs_onnx
def test_onnx_student_without_converter_is_named():
    clf, X = _fit(_NoConverterClassifier(), 2)
    with pytest.raises(RuntimeError, match="_NoConverterClassifier"):
        skl2onnx.to_onnx(clf, X[:1])


@needs_onnx
def test_register_onnx_converters_twice_changes_nothing():
    clf, X = _fit(STUDENTS["logistic"](), 2)
    before = skl2onnx.to_onnx(clf, X[:1]).graph
    register_onnx_converters()
    after = skl2onnx.to_onnx(clf, X[:1]).graph
    assert before == after


@needs_onnx
def test_onnx_regressor_predictions_equal_the_estimators():
    DistilledRegressor = getattr(skdistill, "DistilledRegressor", None)
    if DistilledRegressor is None:
        pytest.skip("skdistill has no DistilledRegressor")
    register_onnx_converters()  # the class may have come after the module's fixture ran
    X, y = make_regression(n_samples=300, n_features=8, noise=1.0, random_state=0)
    X, y = X.astype(np.float32), (y - y.mean()) / y.std()
    teacher = RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0)
    for student in (LinearRegression(), DecisionTreeRegressor(max_depth=4, random_state=0)):
        reg = DistilledRegressor(student=student, teacher=teacher).fit(X, y)
        (predicted,) = _run(skl2onnx.to_onnx(reg, X[:1]), X)
        np.testing.assert_allclose(predicted.ravel(), reg.predict(X), atol=1e-5, rtol=0)


def test_pickle_without_the_teacher_is_the_students_size():
    if "keep_teacher" not in DistilledClassifier().get_params():
        pytest.skip("DistilledClassifier has no keep_teacher parameter")
    X, y = _problem(3)
    # A large teacher, so that keeping it would show.
    teacher = RandomForestClassifier(n_estimators=50, random_state=0)
    sizes = {}
    for keep in (True, False):
        clf = DistilledClassifier(STUDENTS["logistic"](), teacher, keep_teacher=keep,
                                  random_state=0).fit(X, y)
        sizes[keep] = len(pickle.dumps(clf))
    student = len(pickle.dumps(clf.student_))
    # What is left beside the student: the parameters (unfitted estimators) and a few
    # small fitted attributes.
    assert sizes[False] <= student + 4096
    assert sizes[True] > 10 * sizes[False]


def test_a_prefit_teacher_leaves_with_its_parameter():
    """A FrozenEstimator teacher is the ``teacher`` parameter: ``keep_teacher=False``
    cannot drop it, ``set_params(teacher=None)`` on the fitted estimator does, and the
    predictions stay the student's."""
    X, y = _problem(3)
    teacher = FrozenEstimator(RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y))
    clf = DistilledClassifier(STUDENTS["logistic"](), teacher, keep_teacher=False,
                              alpha=1.0, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    assert len(pickle.dumps(clf)) > 10 * len(pickle.dumps(clf.student_))
    saved = pickle.loads(pickle.dumps(clf.set_params(teacher=None)))
    assert len(pickle.dumps(saved)) <= len(pickle.dumps(clf.student_)) + 4096
    np.testing.assert_array_equal(saved.predict_proba(X), before)
