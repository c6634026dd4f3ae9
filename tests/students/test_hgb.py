"""HistGradientBoostingClassifier grown natively on soft targets.

The reference is the exact row expansion (kept as the fallback): with the same bin
thresholds both must grow the same trees. Features are integer-valued (fewer than
``max_bins`` distinct values), so the thresholds are the midpoints between values
whatever the weights, and agreement is limited only by the float32 rounding of the
per-piece gradients in the expansion.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from skdistill import fit_soft_targets
from skdistill.students import _hgb
from tests._utils import one_hot

HAS_X_VAL = "X_val" in inspect.signature(HistGradientBoostingClassifier.fit).parameters
needs_x_val = pytest.mark.skipif(
    not HAS_X_VAL, reason="the expansion reference needs fit(X_val=...) (scikit-learn >= 1.7)")


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # Many tiny fits: OpenMP threads cost more than they save here, and on a loaded
    # machine their spinning makes each fit seconds long. The fits do not depend on
    # the number of threads (each feature's histogram is summed by one thread).
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _problem(n=300, d=4, L=3, seed=0, n_values=20):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, n_values, size=(n, d)).astype(np.float64)
    logits = (X - 10) / 5 @ rng.normal(size=(d, L))
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, P


def _native(student, X, P, sample_weight=None, classes=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the native path must not fall back here
        return fit_soft_targets(student, X, P, sample_weight=sample_weight, classes=classes)


def _expanded(student, X, P, sample_weight=None):
    return _hgb.fit_hist_gradient_boosting_by_expansion(
        student, X, P, classes=np.arange(P.shape[1]), sample_weight=sample_weight)


def _assert_same_fit(a, b, X):
    assert a.n_iter_ == b.n_iter_
    assert a.n_trees_per_iteration_ == b.n_trees_per_iteration_
    np.testing.assert_array_equal(a.classes_, b.classes_)
    np.testing.assert_allclose(a.train_score_, b.train_score_, rtol=1e-8)
    np.testing.assert_allclose(a.validation_score_, b.validation_score_, rtol=1e-8)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), rtol=0, atol=1e-7)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=1e-8)


CASES = {
    "multiclass": dict(params=dict(max_iter=60)),
    "binary": dict(L=2, params=dict(max_iter=60)),
    "sample_weight": dict(weighted=True, params=dict(max_iter=40)),
    "class_weight_dict": dict(params=dict(max_iter=40, class_weight={0: 3.0, 2: 0.5})),
    "class_weight_balanced": dict(weighted=True, params=dict(max_iter=40,
                                                             class_weight="balanced")),
    # Later rounds meet a split whose gain is zero up to rounding (children clipped to
    # the same bound): a tie that the float32 rounding of the gradients decides.
    "monotonic_binary": dict(L=2, params=dict(max_iter=15, monotonic_cst=[1, -1, 0, 0])),
    "interaction_cst": dict(params=dict(max_iter=40, interaction_cst=[{0, 1}, {2, 3}])),
    # Populous categories (see test_categorical_support_counts_rows for sparse ones).
    "categorical": dict(n_values=4, params=dict(max_iter=40, categorical_features=[0, 2],
                                                min_samples_leaf=40)),
    "l2_depth_leaves": dict(params=dict(max_iter=40, l2_regularization=1.0, max_depth=3,
                                        min_samples_leaf=5, learning_rate=0.3)),
    "early_stopping_on_training_loss": dict(
        params=dict(max_iter=200, early_stopping=True, validation_fraction=None,
                    n_iter_no_change=3, tol=1e-3)),
    "early_stopping_loss": dict(
        x_val=True, weighted=True,
        params=dict(max_iter=200, early_stopping=True, validation_fraction=0.25,
                    n_iter_no_change=4)),
    "early_stopping_accuracy": dict(
        x_val=True, params=dict(max_iter=200, early_stopping=True, scoring="accuracy",
                                validation_fraction=0.25, n_iter_no_change=4)),
    "early_stopping_binary_neg_log_loss": dict(
        x_val=True, L=2, weighted=True,
        params=dict(max_iter=200, early_stopping=True, scoring="neg_log_loss",
                    validation_fraction=0.25, n_iter_no_change=4, tol=1e-3,
                    learning_rate=0.3)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_native_fit_equals_row_expansion(case):
    spec = CASES[case]
    if spec.get("x_val") and not HAS_X_VAL:
        pytest.skip("the expansion reference needs fit(X_val=...) (scikit-learn >= 1.7)")
    X, P = _problem(L=spec.get("L", 3), n_values=spec.get("n_values", 20))
    w = np.random.RandomState(1).uniform(0.2, 3.0, len(X)) if spec.get("weighted") else None
    student = HistGradientBoostingClassifier(random_state=0, **spec["params"])
    native = _native(clone(student), X, P, sample_weight=w)
    expanded = _expanded(clone(student), X, P, sample_weight=w)
    _assert_same_fit(native, expanded, X)
    if student.early_stopping is True:
        assert native.do_early_stopping_ and len(native.train_score_) == native.n_iter_ + 1
        assert native.n_iter_ < student.max_iter  # it did stop early


@pytest.mark.parametrize("L", [2, 3])
def test_one_round_grows_the_same_trees_as_the_expansion(L):
    X, P = _problem(L=L)
    student = HistGradientBoostingClassifier(max_iter=1, random_state=0)
    native = _native(clone(student), X, P)
    expanded = _expanded(clone(student), X, P)
    assert len(native._predictors[0]) == (1 if L == 2 else L)
    for a, b in zip(native._predictors[0], expanded._predictors[0]):
        for field in ["feature_idx", "bin_threshold", "is_leaf", "left", "right"]:
            np.testing.assert_array_equal(a.nodes[field], b.nodes[field])
        np.testing.assert_allclose(a.nodes["value"], b.nodes["value"], rtol=1e-6, atol=1e-9)
        # the expansion counts L pieces per row, the native fit rows
        np.testing.assert_array_equal(a.nodes["count"] * L, b.nodes["count"])
    np.testing.assert_allclose(native._baseline_prediction, expanded._baseline_prediction,
                               rtol=1e-12)


@pytest.mark.parametrize("L", [2, 3])
@pytest.mark.parametrize(
    "params, weighted",
    [
        (dict(max_iter=30), False),
        (dict(max_iter=30), True),
        (dict(max_iter=30, class_weight="balanced"), False),
        (dict(max_iter=30, class_weight={0: 2.0}), True),
        (dict(max_iter=100, early_stopping=True, validation_fraction=0.2,
              n_iter_no_change=3), True),
        (dict(max_iter=100, early_stopping=True, scoring="accuracy", n_iter_no_change=3),
         False),
        (dict(max_iter=30, categorical_features=[0, 2]), True),
    ],
)
def test_one_hot_targets_give_the_ordinary_fit(L, params, weighted):
    """Also the validation split: it is the one the hard fit draws, stratified on y."""
    X, _ = _problem(L=L)
    y = np.random.RandomState(2).randint(0, L, len(X))
    w = np.random.RandomState(3).uniform(0.2, 3.0, len(X)) if weighted else None
    soft = _native(HistGradientBoostingClassifier(random_state=0, **params), X,
                   one_hot(y, L), sample_weight=w)
    hard = HistGradientBoostingClassifier(random_state=0, **params).fit(X, y, sample_weight=w)
    assert isinstance(soft, HistGradientBoostingClassifier)
    assert soft.n_iter_ == hard.n_iter_
    np.testing.assert_allclose(soft.train_score_, hard.train_score_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(soft.validation_score_, hard.validation_score_,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(soft.decision_function(X), hard.decision_function(X),
                               rtol=0, atol=1e-10)


def test_categorical_support_counts_rows():
    """A category joins a categorical split only with the support of 10 rows (scaled by
    its share of the node's hessian). The native fit counts rows, as a hard-label fit
    does; the expansion counts L pieces per row, so it lets sparser categories in."""
    X, _ = _problem(n_values=40)
    y = np.random.RandomState(2).randint(0, 3, len(X))
    params = dict(max_iter=20, categorical_features=[0, 2], random_state=0)
    hard = HistGradientBoostingClassifier(**params).fit(X, y)
    soft = _native(HistGradientBoostingClassifier(**params), X, one_hot(y, 3))
    expanded = _expanded(HistGradientBoostingClassifier(**params), X, one_hot(y, 3))
    np.testing.assert_allclose(soft.decision_function(X), hard.decision_function(X),
                               rtol=0, atol=1e-10)
    assert np.abs(expanded.decision_function(X) - hard.decision_function(X)).max() > 1e-3


def test_first_round_is_a_newton_step_on_the_soft_cross_entropy(soft_problem):
    """One round of stumps from the prior: within a leaf the raw score moves by
    -lr * G / H with the soft cross-entropy's g = p0 - P and h = p0 (1 - p0) per row,
    so between two leaves it differs by -lr * (G1/H1 - G2/H2)."""
    X, P = soft_problem
    lr = 0.5
    clf = _native(
        HistGradientBoostingClassifier(max_iter=1, max_depth=1, learning_rate=lr,
                                       l2_regularization=0.0, min_samples_leaf=5,
                                       random_state=0), X, P)
    p0 = P.mean(axis=0)  # the prior the boosting starts from
    raw = clf.decision_function(X)
    for k in range(3):
        groups = np.unique(raw[:, k])
        assert len(groups) == 2  # a stump: two leaves
        steps = []
        for value in groups:
            rows = raw[:, k] == value
            G = np.sum(p0[k] - P[rows, k])
            H = np.sum(np.full(rows.sum(), p0[k] * (1 - p0[k])))
            steps.append(-lr * G / H)
        np.testing.assert_allclose(groups[1] - groups[0], steps[1] - steps[0], rtol=1e-6)


def test_binary_soft_target_is_the_probability_of_the_second_class():
    """Two classes: one logistic tree per iteration, starting from logit(mean P[:, 1])."""
    X, P = _problem(L=2)
    w = np.random.RandomState(4).uniform(0.2, 3.0, len(X))
    clf = _native(HistGradientBoostingClassifier(max_iter=5, random_state=0), X, P,
                  sample_weight=w)
    assert clf.n_trees_per_iteration_ == 1 and type(clf._loss) is HalfBinomialLoss
    q = np.average(P[:, 1], weights=w)
    np.testing.assert_allclose(clf._baseline_prediction.ravel(), np.log(q / (1 - q)))


def test_min_samples_leaf_counts_rows(soft_problem):
    X, P = soft_problem
    clf = _native(HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=30,
                                                 random_state=0), X, P)
    for predictors in clf._predictors:
        for predictor in predictors:
            leaves = predictor.nodes[predictor.nodes["is_leaf"] == 1]
            assert np.all(leaves["count"] >= 30)
            assert leaves["count"].sum() == len(X)
    assert clf.min_samples_leaf == 30


def test_early_stopping_auto_decided_on_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 3))
    P = np.column_stack([1 / (1 + np.exp(X[:, 0])), 1 / (1 + np.exp(-X[:, 0]))])
    P3 = np.column_stack([P * 0.9, np.full(len(X), 0.1)])
    clf = _native(HistGradientBoostingClassifier(max_iter=5), X, P3)
    assert clf.do_early_stopping_ is False
    clf = _native(HistGradientBoostingClassifier(max_iter=5, early_stopping=True,
                                                 random_state=0), X, P3)
    assert clf.do_early_stopping_ is True
    assert clf.early_stopping is True and clf.validation_fraction == 0.1


def _validation_rows(student, P, sample_weight=None):
    """The rows the adapter holds out for ``student`` (the split is over whole rows)."""
    *_, ((train, val), _) = _hgb._prepare(student, P, np.arange(P.shape[1]), sample_weight)
    return train, val


@pytest.mark.parametrize("scoring", ["loss", "accuracy"])
def test_validation_scores_are_soft_target_scores_of_whole_rows(scoring):
    """'loss': minus the soft cross-entropy of the held-out rows; a scorer: its expected
    value when each row's label is drawn from its soft target (for accuracy, the mean
    soft-target probability of the predicted class)."""
    X, P = _problem(n=400)
    w = np.random.RandomState(5).uniform(0.2, 3.0, len(X))
    student = HistGradientBoostingClassifier(max_iter=15, early_stopping=True, scoring=scoring,
                                             validation_fraction=0.3, n_iter_no_change=50,
                                             random_state=0)
    train, val = _validation_rows(student, P, w)
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == len(X)
    # stratified on the most probable class
    labels = P.argmax(axis=1)
    np.testing.assert_allclose(np.bincount(labels[val], minlength=3) / len(val),
                               np.bincount(labels, minlength=3) / len(X), atol=0.02)
    clf = _native(clone(student), X, P, sample_weight=w)
    staged = list(clf.staged_predict_proba(X[val]))
    assert len(clf.validation_score_) == len(staged) + 1
    for score, proba in zip(clf.validation_score_[1:], staged):
        if scoring == "loss":
            expected = -np.average(-(P[val] * np.log(proba)).sum(axis=1), weights=w[val])
        else:
            expected = np.average(P[val, proba.argmax(axis=1)], weights=w[val])
        np.testing.assert_allclose(score, expected, rtol=1e-10)


def test_training_score_subsample_is_whole_rows():
    """Above 10 000 training rows a scorer sees a subsample of 10 000 rows."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 30, size=(11_000, 2)).astype(float)
    P = np.column_stack([X[:, 0] / 29, 1 - X[:, 0] / 29]) * 0.8 + 0.1
    clf = _native(HistGradientBoostingClassifier(max_iter=3, early_stopping=True,
                                                 scoring="accuracy", validation_fraction=None,
                                                 random_state=0), X, P)
    assert clf.n_iter_ == 3 and len(clf.train_score_) == 4
    # expected accuracies against targets in [0.1, 0.9]: strictly between the extremes
    assert np.all((clf.train_score_ > 0.45) & (clf.train_score_ < 0.9))


def test_fitted_student_is_an_ordinary_estimator():
    X, P = _problem()
    student = HistGradientBoostingClassifier(max_iter=20, early_stopping=True,
                                             validation_fraction=0.2, random_state=0)
    params = student.get_params()
    clf = _native(student, X, P, classes=["a", "b", "c"])
    assert clf is student and clf.get_params() == params
    assert not set(_hgb._HOOKS) & set(vars(clf))  # no hook left on the instance
    assert type(clf._loss) is HalfMultinomialLoss
    assert clf.classes_.tolist() == ["a", "b", "c"]
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).get_params() == params
    # and it refits on hard labels as a plain HistGradientBoostingClassifier
    clf.fit(X, P.argmax(axis=1))
    assert clf.classes_.tolist() == [0, 1, 2]


def test_a_class_without_mass_is_still_a_class():
    X, P = _problem()
    P4 = np.column_stack([P, np.zeros(len(X))])
    clf = _native(HistGradientBoostingClassifier(max_iter=10, random_state=0), X, P4)
    assert clf.classes_.tolist() == [0, 1, 2, 3] and clf.n_trees_per_iteration_ == 4
    assert np.all(clf.predict_proba(X)[:, 3] < 1e-3)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_start_continues_the_same_fit(early_stopping):
    X, P = _problem()
    params = dict(early_stopping=early_stopping, validation_fraction=0.2,
                  n_iter_no_change=1000, random_state=0)
    warm = HistGradientBoostingClassifier(max_iter=10, warm_start=True, **params)
    _native(warm, X, P)
    warm.set_params(max_iter=25)
    _native(warm, X, P)
    cold = _native(HistGradientBoostingClassifier(max_iter=25, **params), X, P)
    assert warm.n_iter_ == 25
    np.testing.assert_allclose(warm.decision_function(X), cold.decision_function(X),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(warm.validation_score_, cold.validation_score_, rtol=1e-12)


def test_warm_start_without_random_state_keeps_its_validation_rows():
    """The split seed is the one the estimator stores and reuses when warm-starting."""
    X, P = _problem()
    clf = HistGradientBoostingClassifier(max_iter=5, warm_start=True, early_stopping=True,
                                         validation_fraction=0.2, n_iter_no_change=1000)
    _native(clf, X, P)
    assert clf.random_state is None
    _, val = _validation_rows(clf, P)  # what a warm start holds out
    clf.set_params(max_iter=8)
    _native(clf, X, P)
    proba = clf.predict_proba(X[val])
    expected = -np.mean(-(P[val] * np.log(proba)).sum(axis=1))
    np.testing.assert_allclose(clf.validation_score_[-1], expected, rtol=1e-10)


def test_pandas_categorical_columns():
    pd = pytest.importorskip("pandas")
    X, P = _problem(n_values=4)
    frame = pd.DataFrame({"a": pd.Categorical(X[:, 0].astype(int)), "b": X[:, 1],
                          "c": X[:, 2], "d": X[:, 3]})
    student = HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype",
                                             min_samples_leaf=40, random_state=0)
    native = _native(clone(student), frame, P)
    assert native.is_categorical_.tolist() == [True, False, False, False]
    assert native.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    _assert_same_fit(native, _expanded(clone(student), frame, P), frame)


def test_monotonic_constraint_with_many_classes_is_refused_as_usual():
    X, P = _problem()
    with pytest.raises(ValueError, match="monotonic constraints are not supported"):
        fit_soft_targets(HistGradientBoostingClassifier(monotonic_cst=[1, 0, 0, 0]), X, P)


# --- the fallback ---------------------------------------------------------------------


def _fallback_matches_expansion(student, X, P, match):
    with pytest.warns(UserWarning, match=match):
        fallback = fit_soft_targets(clone(student), X, P)
    _assert_same_fit(fallback, _expanded(clone(student), X, P), X)
    assert not set(_hgb._HOOKS) & set(vars(fallback))
    return fallback


def test_unknown_internal_layout_falls_back_to_the_expansion(monkeypatch):
    """A scikit-learn whose early-stopping check takes other arguments."""

    def reshaped(self, X_binned_small_train, y_small_train, X_binned_val, y_val):
        raise AssertionError("never called: the native fit is not attempted")

    monkeypatch.setattr(HistGradientBoostingClassifier, "_check_early_stopping_scorer",
                        reshaped)
    X, P = _problem()
    _fallback_matches_expansion(HistGradientBoostingClassifier(max_iter=20, random_state=0),
                                X, P, match="row expansion.*_check_early_stopping_scorer")


def test_a_fit_that_bypasses_the_hooks_falls_back_to_the_expansion():
    """Checked after the fit: a fit that did not use the soft-target loss is redone."""

    class OwnLoss(HistGradientBoostingClassifier):
        def fit(self, X, y, sample_weight=None):
            vars(self).pop("_get_loss", None)  # as if fit no longer asked _get_loss
            return super().fit(X, y, sample_weight=sample_weight)

    X, P = _problem()
    student = OwnLoss(max_iter=20, random_state=0, warm_start=True)
    _fallback_matches_expansion(student, X, P, match="did not go through the soft-target loss"
                                ".*refitted from scratch")


def test_a_subclass_overriding_a_hook_falls_back():
    class Custom(HistGradientBoostingClassifier):
        def _get_loss(self, sample_weight):
            return super()._get_loss(sample_weight)

    X, P = _problem()
    _fallback_matches_expansion(Custom(max_iter=10, random_state=0), X, P,
                                match="Custom.*overrides _get_loss")


def test_a_loss_object_falls_back():
    X, P = _problem()
    student = HistGradientBoostingClassifier(loss=HalfMultinomialLoss(n_classes=3),
                                             max_iter=10, random_state=0)
    _fallback_matches_expansion(student, X, P, match="loss is <")


def test_fallback_without_x_val_refuses_a_validation_split():
    """Without fit(X_val=...) the expansion cannot hold out whole rows: refused, not
    approximated."""

    class Old(HistGradientBoostingClassifier):
        def fit(self, X, y, sample_weight=None):
            return super().fit(X, y, sample_weight=sample_weight)

    X, P = _problem()
    student = Old(loss=HalfMultinomialLoss(n_classes=3), early_stopping=True)
    with pytest.warns(UserWarning, match="row expansion"):
        with pytest.raises(ValueError, match="validation_fraction=None.*early_stopping=False"):
            fit_soft_targets(student, X, P)
    with pytest.warns(UserWarning, match="row expansion"):
        fit_soft_targets(student.set_params(validation_fraction=None, max_iter=5), X, P)
    assert student.do_early_stopping_ and student.n_iter_ <= 5


@needs_x_val
def test_fallback_keeps_the_validation_split_of_whole_rows(monkeypatch):
    monkeypatch.setattr(HistGradientBoostingClassifier, "_get_small_trainset", None)
    X, P = _problem()
    student = HistGradientBoostingClassifier(max_iter=200, early_stopping=True,
                                             validation_fraction=0.25, n_iter_no_change=4,
                                             random_state=0)
    with pytest.warns(UserWarning, match="no method _get_small_trainset"):
        fallback = fit_soft_targets(clone(student), X, P)
    monkeypatch.undo()
    _assert_same_fit(fallback, _native(clone(student), X, P), X)


def test_many_classes_fit_without_scikit_learns_label_warning():
    # 26 classes, as in letter recognition: the class list must not be checked as if it
    # were the rows' labels (26 distinct "labels" out of 26 "rows" made scikit-learn warn
    # that most labels are unique, on every fit with more than 20 classes).
    X, P = _problem(n=260, L=26)
    letters = np.array([chr(ord("A") + k) for k in range(26)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = fit_soft_targets(HistGradientBoostingClassifier(max_iter=3), X, P,
                               classes=letters)
    np.testing.assert_array_equal(clf.classes_, letters)
    assert clf.n_trees_per_iteration_ == 26
    np.testing.assert_array_equal(clf._label_encoder.classes_, letters)
    expanded = _expanded(HistGradientBoostingClassifier(max_iter=3), X, P)
    np.testing.assert_allclose(clf.predict_proba(X), expanded.predict_proba(X), atol=1e-5)


def test_label_state_is_the_hard_label_fits():
    X, P = _problem()
    classes = np.array([10, 20, 30])
    soft = _native(HistGradientBoostingClassifier(max_iter=2), X, P, classes=classes)
    hard = HistGradientBoostingClassifier(max_iter=2).fit(X, classes[P.argmax(axis=1)])
    np.testing.assert_array_equal(soft.classes_, hard.classes_)
    assert soft.classes_.dtype == hard.classes_.dtype
    assert soft.n_trees_per_iteration_ == hard.n_trees_per_iteration_
    if hasattr(hard, "_label_encoder"):  # scikit-learn >= 1.7 keeps one
        np.testing.assert_array_equal(soft._label_encoder.transform(classes),
                                      hard._label_encoder.transform(classes))
