"""XGBoost's XGBClassifier grown natively on soft targets.

The reference is XGBoost's own label fit: with one-hot targets the soft fit must grow
the same trees, its probabilities equal up to the float32 rounding of the gradients
(XGBoost computes its own in float32, the adapter in float64).
"""

import pickle
import warnings

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skdistill import DistilledClassifier, fit_soft_targets, supports_soft_targets
from skdistill.students._expand import expand_rows
from tests._utils import one_hot

xgb = pytest.importorskip("xgboost")

PARAMS = dict(n_estimators=20, max_depth=3, n_jobs=1)


def _problem(n=400, d=4, L=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 20, size=(n, d)).astype(np.float64)
    P = softmax((X - 10) / 5 @ rng.normal(size=(d, L)), axis=1)
    return X, P


def _native(student, X, P, **kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*row expansion")  # the native fit here
        return fit_soft_targets(student, X, P, **kwargs)


def _soft_log_loss(P, Q):
    return float(-(P * np.log(Q)).sum(axis=1).mean())


def _leaves(student, X):
    return student.get_booster().predict(xgb.DMatrix(X), pred_leaf=True)


ONE_HOT_CASES = {
    "multiclass": dict(L=4, params={}),
    "binary": dict(L=2, params={}),
    "sample_weight": dict(L=3, weighted=True, params={}),
    "binary_sample_weight": dict(L=2, weighted=True, params={}),
    "scale_pos_weight": dict(L=2, params=dict(scale_pos_weight=3.0)),
    "softmax": dict(L=3, params=dict(objective="multi:softmax")),
    "regularised": dict(L=3, params=dict(reg_lambda=0.0, min_child_weight=0.0, gamma=0.1)),
    "base_score_set": dict(L=2, params=dict(base_score=0.3)),
}


@pytest.mark.parametrize("case", list(ONE_HOT_CASES))
def test_one_hot_targets_grow_the_label_fit(case):
    spec = ONE_HOT_CASES[case]
    X, P = _problem(L=spec["L"], seed=1)
    y = P.argmax(axis=1)
    w = np.random.RandomState(2).uniform(0.2, 3.0, size=y.size) if spec.get("weighted") else None
    student = xgb.XGBClassifier(**PARAMS, **spec["params"])
    hard = clone(student).fit(X, y, sample_weight=w)
    soft = _native(clone(student), X, one_hot(y, spec["L"]), sample_weight=w)
    np.testing.assert_array_equal(_leaves(soft, X), _leaves(hard, X))
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(soft.predict(X), hard.predict(X))
    assert soft.get_params() == hard.get_params()  # the objective XGBoost's fit leaves


def test_classes_are_positions_and_a_class_no_row_prefers():
    X, P = _problem(L=3, seed=3)
    # The first class is never the most probable: the labels that declare the classes
    # to XGBoost must still name it.
    P[:, 0] = 0.05
    P /= P.sum(axis=1, keepdims=True)
    student = _native(xgb.XGBClassifier(**PARAMS), X, P, classes=["c", "a", "b"])
    # XGBoost's classifier knows only the labels 0 .. K-1: the positions in the sorted
    # classes ["a", "b", "c"], the first column being "a"'s (the third column of P).
    np.testing.assert_array_equal(student.classes_, [0, 1, 2])
    proba = student.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.corrcoef(proba[:, 2], P[:, 0])[0, 1] > 0.9  # "b" is P's third column
    assert np.corrcoef(proba[:, 0], P[:, 1])[0, 1] > 0.9


@pytest.mark.parametrize("L", [2, 5])
def test_soft_targets_minimise_the_soft_cross_entropy(L):
    # The soft fit minimises sum_n P_n . -log q_n: far better at it than the label fit on
    # the argmax, and as good as the exact row expansion (whose hessians add up to the
    # soft fit's), at the same number of trees.
    X, P = _problem(n=600, L=L, seed=4)
    params = dict(PARAMS, n_estimators=100, learning_rate=0.3)
    soft = _native(xgb.XGBClassifier(**params), X, P)
    hard = xgb.XGBClassifier(**params).fit(X, P.argmax(axis=1))
    X_rep, y_rep, w_rep, _ = expand_rows(X, P, np.arange(L), keep_zeros=True)
    expanded = xgb.XGBClassifier(**params).fit(X_rep, y_rep, sample_weight=w_rep)
    soft_loss, hard_loss, expanded_loss = (_soft_log_loss(P, m.predict_proba(X))
                                           for m in (soft, hard, expanded))
    entropy = _soft_log_loss(P, P)
    assert soft_loss - entropy < 0.5 * (hard_loss - entropy)
    assert soft_loss < expanded_loss * 1.01


def test_sample_weight_counts_like_repeated_rows():
    X, P = _problem(n=200, L=3, seed=5)
    w = np.random.RandomState(6).randint(1, 4, size=200)
    weighted = _native(xgb.XGBClassifier(**PARAMS), X, P, sample_weight=w)
    rows = np.repeat(np.arange(200), w)
    repeated = _native(xgb.XGBClassifier(**PARAMS), X[rows], P[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5)
    unweighted = _native(xgb.XGBClassifier(**PARAMS), X, P)
    assert np.abs(weighted.predict_proba(X) - unweighted.predict_proba(X)).max() > 1e-3


def test_dataframe_with_a_categorical_column():
    pd = pytest.importorskip("pandas")
    X, P = _problem(n=400, L=3, seed=7)
    rng = np.random.RandomState(8)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], size=400))
    P = softmax(np.log(P) + 2.0 * one_hot(frame["colour"].cat.codes.to_numpy(), 3), axis=1)
    y = P.argmax(axis=1)
    params = dict(PARAMS, enable_categorical=True, tree_method="hist")
    soft = _native(xgb.XGBClassifier(**params), frame, P)
    assert soft.get_booster().feature_types[-1] == "c"
    hard = xgb.XGBClassifier(**params).fit(frame, y)
    one_hot_fit = _native(xgb.XGBClassifier(**params), frame, one_hot(y, 3))
    np.testing.assert_allclose(one_hot_fit.predict_proba(frame), hard.predict_proba(frame),
                               atol=1e-5)
    assert _soft_log_loss(P, soft.predict_proba(frame)) < _soft_log_loss(
        P, hard.predict_proba(frame))


def test_fitted_student_pickles_clones_and_keeps_the_users_parameters():
    X, P = _problem(L=2, seed=9)
    student = xgb.XGBClassifier(**PARAMS)
    before = student.get_params()
    _native(student, X, P)
    assert student.get_params() == before  # base_score None again
    restored = pickle.loads(pickle.dumps(student))
    np.testing.assert_array_equal(restored.predict_proba(X), student.predict_proba(X))
    assert clone(student).get_params() == before
    assert supports_soft_targets(student)


def test_eval_set_with_labels_of_the_classes_and_early_stopping():
    X, P = _problem(n=600, L=3, seed=10)
    classes = np.array(["x", "y", "z"])
    y = classes[P.argmax(axis=1)]
    student = xgb.XGBClassifier(**dict(PARAMS, n_estimators=300, early_stopping_rounds=5))
    _native(student, X[:400], P[:400], classes=classes, eval_set=[(X[400:], y[400:])],
            verbose=False)
    scores = student.evals_result()["validation_0"]["mlogloss"]
    assert 0 < student.best_iteration < 299
    assert len(scores) == student.best_iteration + 6
    proba = student.predict_proba(X[400:])  # the best iteration's
    assert scores[student.best_iteration] == pytest.approx(
        log_loss(y[400:], proba, labels=classes), rel=1e-5)
    with pytest.raises(ValueError, match=r"eval_set\[0\] must be among the classes"):
        fit_soft_targets(xgb.XGBClassifier(**PARAMS), X[:400], P[:400], classes=classes,
                         eval_set=[(X[400:], np.where(y[400:] == "x", "w", y[400:]))])


def test_unknown_fit_parameters_are_refused_by_name():
    X, P = _problem(L=3)
    with pytest.raises(ValueError, match=r"takes sample_weight and .*\['base_margin'\]"):
        fit_soft_targets(xgb.XGBClassifier(**PARAMS), X, P, base_margin=np.zeros((400, 3)))


def test_other_objectives_fall_back_to_row_expansion_with_a_warning():
    X, P = _problem(L=2, seed=13)
    with pytest.warns(UserWarning, match="row expansion .* objective is 'binary:logitraw'"):
        fit_soft_targets(xgb.XGBClassifier(**PARAMS, objective="binary:logitraw"), X, P)


def test_regressor_is_refused():
    X, P = _problem(L=3)
    with pytest.raises(TypeError, match="regressor"):
        fit_soft_targets(xgb.XGBRegressor(), X, P)


def test_distilled_classifier_on_letter_recognition():
    from skdistill.datasets import load_tabular

    try:
        data = load_tabular("letter")
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    X, X_test, y, y_test = train_test_split(data.data, data.target.to_numpy(),
                                            train_size=2000, test_size=2000,
                                            random_state=0, stratify=data.target)
    teacher = HistGradientBoostingClassifier(max_iter=30, early_stopping=False,
                                             random_state=0)
    student = xgb.XGBClassifier(n_estimators=40, max_depth=4, n_jobs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*row expansion")  # the native fit
        model = DistilledClassifier(student=student, teacher=teacher,
                                    random_state=0).fit(X, y)
    # Labels through the adapter: the letters, not XGBoost's positions.
    assert set(model.predict(X_test)) <= set(model.classes_) and model.classes_.size == 26
    targets = model.teacher_.predict_proba(X_test)
    hard = clone(student).fit(X, np.searchsorted(model.classes_, y))
    assert (_soft_log_loss(targets, model.predict_proba(X_test))
            < _soft_log_loss(targets, hard.predict_proba(X_test)))
    assert model.score(X_test, y_test) > model.teacher_.score(X_test, y_test) - 0.03
