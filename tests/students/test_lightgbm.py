"""LightGBM's LGBMClassifier grown natively on soft targets.

The reference is LightGBM's own label fit: with one-hot targets the soft fit must grow
the same trees (the same leaf of every row) with the same values, to the last bit.
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

lgb = pytest.importorskip("lightgbm")

PARAMS = dict(n_estimators=20, num_leaves=7, verbose=-1, n_jobs=1)


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


def _assert_same_fit(soft, hard, X):
    np.testing.assert_array_equal(soft.classes_, hard.classes_)
    np.testing.assert_array_equal(soft.predict_proba(X, pred_leaf=True),
                                  hard.predict_proba(X, pred_leaf=True))
    np.testing.assert_allclose(soft.predict_proba(X, raw_score=True),
                               hard.predict_proba(X, raw_score=True), rtol=0, atol=1e-12)
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(soft.predict(X), hard.predict(X))
    assert soft.objective_ == hard.objective_


ONE_HOT_CASES = {
    "multiclass": dict(L=4, params={}),
    "binary": dict(L=2, params={}),
    "sample_weight": dict(L=3, weighted=True, params={}),
    "binary_sample_weight": dict(L=2, weighted=True, params={}),
    "class_weight_dict": dict(L=3, params=dict(class_weight={0: 3.0, 2: 0.5})),
    "class_weight_balanced": dict(L=3, params=dict(class_weight="balanced")),
    "scale_pos_weight": dict(L=2, params=dict(scale_pos_weight=3.0)),
    "is_unbalance": dict(L=2, params=dict(is_unbalance=True)),
    "sigmoid": dict(L=2, params=dict(sigmoid=0.5)),
    "no_boost_from_average": dict(L=3, params=dict(boost_from_average=False)),
    "softmax_alias": dict(L=3, params=dict(objective="softmax")),
    "regularised_goss": dict(L=3, params=dict(data_sample_strategy="goss", reg_lambda=1.0,
                                              min_child_weight=0.1)),
}


@pytest.mark.parametrize("case", list(ONE_HOT_CASES))
def test_one_hot_targets_grow_the_label_fit(case):
    spec = ONE_HOT_CASES[case]
    X, P = _problem(L=spec["L"], seed=1)
    y = P.argmax(axis=1)
    w = np.random.RandomState(2).uniform(0.2, 3.0, size=y.size) if spec.get("weighted") else None
    student = lgb.LGBMClassifier(**PARAMS, **spec["params"])
    hard = clone(student).fit(X, y, sample_weight=w)
    soft = _native(clone(student), X, one_hot(y, spec["L"]), sample_weight=w)
    _assert_same_fit(soft, hard, X)


def test_string_classes_and_a_class_no_row_prefers():
    X, P = _problem(L=3, seed=3)
    # The third class is never the most probable: the labels that declare the
    # classes to LightGBM must still name it.
    P[:, 2] = 0.05
    P /= P.sum(axis=1, keepdims=True)
    assert 2 not in P.argmax(axis=1)
    student = _native(lgb.LGBMClassifier(**PARAMS), X, P, classes=["c", "a", "b"])
    assert student.classes_.tolist() == ["a", "b", "c"]
    assert student.n_classes_ == 3 and student.objective_ == "multiclass"
    proba = student.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(student.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_array_equal(student.predict(X), student.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("L", [2, 5])
def test_soft_targets_minimise_the_soft_cross_entropy(L):
    # The soft fit minimises sum_n P_n . -log q_n: far better at it than the label fit on
    # the argmax, and as good as the exact row expansion (counts scaled by L, so that its
    # leaves hold as many rows), at the same number of trees (enough for both to
    # approach their optimum).
    X, P = _problem(n=600, L=L, seed=4)
    params = dict(PARAMS, n_estimators=100, learning_rate=0.3)
    soft = _native(lgb.LGBMClassifier(**params), X, P)
    hard = lgb.LGBMClassifier(**params).fit(X, P.argmax(axis=1))
    X_rep, y_rep, w_rep, _ = expand_rows(X, P, np.arange(L), keep_zeros=True)
    expanded = lgb.LGBMClassifier(**dict(params, min_child_samples=20 * L,
                                         min_data_in_bin=3 * L)).fit(X_rep, y_rep,
                                                                     sample_weight=w_rep)
    soft_loss, hard_loss, expanded_loss = (_soft_log_loss(P, m.predict_proba(X))
                                           for m in (soft, hard, expanded))
    entropy = _soft_log_loss(P, P)
    assert soft_loss - entropy < 0.5 * (hard_loss - entropy)
    assert soft_loss < expanded_loss * 1.01


def test_dart_is_grown_on_the_soft_targets():
    # DART rescales the trees it drops. LightGBM's own objective holds the start in the
    # first tree, which dropout rescales too; the soft fit holds it outside the trees
    # while growing, so a one-hot fit is not the label fit here: they agree on labels.
    X, P = _problem(n=600, L=3, seed=14)
    params = dict(PARAMS, boosting_type="dart", n_estimators=30, drop_seed=1)
    soft = _native(lgb.LGBMClassifier(**params), X, P)
    np.testing.assert_allclose(soft.predict_proba(X).sum(axis=1), 1.0)
    y = P.argmax(axis=1)
    hard = lgb.LGBMClassifier(**params).fit(X, y)
    one_hot_fit = _native(lgb.LGBMClassifier(**params), X, one_hot(y, 3))
    assert np.mean(one_hot_fit.predict(X) == hard.predict(X)) > 0.95
    # The soft fit learns the targets: its soft cross-entropy falls far below the start's.
    start = np.tile(P.mean(axis=0), (len(P), 1))
    entropy = _soft_log_loss(P, P)
    assert (_soft_log_loss(P, soft.predict_proba(X)) - entropy
            < 0.5 * (_soft_log_loss(P, start) - entropy))


def test_sample_weight_counts_like_repeated_rows():
    # Integer weights and repeated rows give every histogram the same sums; one row per
    # leaf and per bin at least, so that the counts do not differ either.
    X, P = _problem(n=200, L=3, seed=5)
    w = np.random.RandomState(6).randint(1, 4, size=200)
    params = dict(PARAMS, min_child_samples=1, min_data_in_bin=1, min_child_weight=1e-3)
    weighted = _native(lgb.LGBMClassifier(**params), X, P, sample_weight=w)
    rows = np.repeat(np.arange(200), w)
    repeated = _native(lgb.LGBMClassifier(**params), X[rows], P[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-9)
    unweighted = _native(lgb.LGBMClassifier(**params), X, P)
    assert np.abs(weighted.predict_proba(X) - unweighted.predict_proba(X)).max() > 1e-3


def test_dataframe_with_a_categorical_column():
    pd = pytest.importorskip("pandas")
    X, P = _problem(n=400, L=3, seed=7)
    rng = np.random.RandomState(8)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], size=400))
    # The colour moves the targets, so the trees split on it.
    P = softmax(np.log(P) + 2.0 * one_hot(frame["colour"].cat.codes.to_numpy(), 3), axis=1)
    y = P.argmax(axis=1)
    soft = _native(lgb.LGBMClassifier(**PARAMS), frame, P)
    assert soft.booster_.pandas_categorical == [["blue", "green", "red"]]
    assert soft.feature_name_ == ["a", "b", "c", "d", "colour"]
    splits = soft.booster_.trees_to_dataframe()
    assert (splits["decision_type"] == "==").any()  # categorical splits
    hard = lgb.LGBMClassifier(**PARAMS).fit(frame, y)
    _assert_same_fit(_native(lgb.LGBMClassifier(**PARAMS), frame, one_hot(y, 3)), hard, frame)


def test_fitted_student_pickles_clones_and_keeps_the_users_parameters():
    X, P = _problem(L=3, seed=9)
    student = lgb.LGBMClassifier(**PARAMS)
    before = student.get_params()
    _native(student, X, P, eval_set=[(X[:50], P[:50].argmax(axis=1))])
    assert student.get_params() == before  # objective None, no metric left behind
    restored = pickle.loads(pickle.dumps(student))
    np.testing.assert_array_equal(restored.predict_proba(X), student.predict_proba(X))
    assert clone(student).get_params() == before
    assert supports_soft_targets(student)


def test_eval_set_is_scored_by_the_log_loss_and_stops_early():
    X, P = _problem(n=600, L=3, seed=10)
    y = P.argmax(axis=1)
    student = lgb.LGBMClassifier(**dict(PARAMS, n_estimators=300))
    _native(student, X[:400], P[:400], eval_set=[(X[400:], y[400:])],
            callbacks=[lgb.early_stopping(5, verbose=False)])
    scores = student.evals_result_["valid_0"]["multi_logloss"]
    assert 0 < student.best_iteration_ < 300
    assert len(scores) == student.best_iteration_ + 5
    # The metric is the log-loss of the probabilities, the start included.
    for iteration in (1, student.best_iteration_):
        proba = student.predict_proba(X[400:], num_iteration=iteration)
        assert scores[iteration - 1] == pytest.approx(log_loss(y[400:], proba), rel=1e-9)
    # The fitted student predicts with its best iteration, as after a label fit.
    np.testing.assert_array_equal(
        student.predict_proba(X[400:]),
        student.predict_proba(X[400:], num_iteration=student.best_iteration_))


def test_eval_set_with_one_hot_targets_scores_as_the_label_fit():
    X, P = _problem(n=500, L=3, seed=11)
    y = P.argmax(axis=1)
    w = np.random.RandomState(12).uniform(0.5, 2.0, size=100)
    fit_params = dict(eval_set=[(X[400:], y[400:])], eval_sample_weight=[w])
    hard = lgb.LGBMClassifier(**PARAMS).fit(X[:400], y[:400], **fit_params)
    soft = _native(lgb.LGBMClassifier(**PARAMS), X[:400], one_hot(y[:400], 3), **fit_params)
    np.testing.assert_allclose(soft.evals_result_["valid_0"]["multi_logloss"],
                               hard.evals_result_["valid_0"]["multi_logloss"], rtol=1e-9)


def test_unknown_fit_parameters_are_refused_by_name():
    X, P = _problem(L=3)
    with pytest.raises(ValueError, match=r"takes sample_weight and .*'eval_set'.*\['init_score'\]"):
        fit_soft_targets(lgb.LGBMClassifier(**PARAMS), X, P, init_score=np.zeros((400, 3)))


def test_other_objectives_fall_back_to_row_expansion_with_a_warning():
    X, P = _problem(L=3, seed=13)
    with pytest.warns(UserWarning, match="row expansion .* objective is 'multiclassova'"):
        student = fit_soft_targets(lgb.LGBMClassifier(**PARAMS, objective="multiclassova"), X, P)
    assert student.predict_proba(X).shape == (400, 3)


def test_regressor_is_refused():
    X, P = _problem(L=3)
    with pytest.raises(TypeError, match="regressor"):
        fit_soft_targets(lgb.LGBMRegressor(), X, P)


@pytest.mark.parametrize("L", [2, 3])
def test_fewer_rows_than_classes_is_refused(L):
    X, P = _problem(n=L, L=L + 1)
    with pytest.raises(ValueError, match="at least as many rows as classes"):
        fit_soft_targets(lgb.LGBMClassifier(**PARAMS), X, P)


def test_distilled_classifier_on_letter_recognition():
    # 26 classes: the student is grown natively, one tree per class and iteration.
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
    student = lgb.LGBMClassifier(n_estimators=40, verbose=-1, n_jobs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*row expansion")  # the native fit
        model = DistilledClassifier(student=student, teacher=teacher,
                                    random_state=0, alpha=1.0).fit(X, y)
    assert model.classes_.size == 26
    np.testing.assert_array_equal(model.student_.classes_, model.classes_)
    # The student imitates its teacher: closer to the teacher's probabilities than the
    # same student fitted on the labels, on rows neither saw, and as accurate as it.
    targets = model.teacher_.predict_proba(X_test)
    hard = clone(student).fit(X, y)
    assert (_soft_log_loss(targets, model.predict_proba(X_test))
            < _soft_log_loss(targets, hard.predict_proba(X_test)))
    teacher_accuracy = model.teacher_.score(X_test, y_test)
    assert model.score(X_test, y_test) > teacher_accuracy - 0.03


def test_routed_fit_parameters_reach_the_student_through_the_estimator():
    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skdistill import DistilledClassifier

    X, y = make_classification(600, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    X_val, y_val = X[400:], y[400:]
    with sklearn.config_context(enable_metadata_routing=True):
        student = lgb.LGBMClassifier(n_estimators=200, verbose=-1).set_fit_request(
            eval_set=True, callbacks=True)
        teacher = LogisticRegression()
        clf = DistilledClassifier(student, teacher).fit(
            X[:400], y[:400], eval_set=[(X_val, y_val)],
            callbacks=[lgb.early_stopping(5, verbose=False)])
        assert 0 < clf.student_.best_iteration_ < 200
