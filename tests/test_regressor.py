"""DistilledRegressor: a student regressor fitted on a teacher's predictions mixed with y."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.cluster import KMeans
from sklearn.datasets import make_friedman1, make_regression
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill import DistilledClassifier, DistilledRegressor, TeacherSearchRegressorCV

from ._utils import count_fits

# -- scikit-learn's estimator checks -------------------------------------------------------

CONFIGURATIONS = [
    DistilledRegressor(),
    # both take a 2-D y: the multi-output checks run too
    DistilledRegressor(Ridge(), DecisionTreeRegressor(max_depth=4, random_state=0)),
    DistilledRegressor(make_pipeline(StandardScaler(), Ridge()),
                       RandomForestRegressor(n_estimators=10, random_state=0), teacher_cv=3),
    # weights reach every step of a pipeline student: the scaler's weighted mean and
    # variance make weighting equal to repeating rows
    DistilledRegressor(make_pipeline(StandardScaler(), Ridge()), Ridge()),
    DistilledRegressor(HistGradientBoostingRegressor(max_iter=10),
                       DecisionTreeRegressor(max_depth=4), alpha=0.5),
    # Unseeded teachers and students: the estimator's own random_state (which the checks
    # set) seeds them, so refits, list input and 2-D y give the same fit.
    DistilledRegressor(DecisionTreeRegressor(max_depth=4, max_features=3),
                       ExtraTreesRegressor(n_estimators=10, max_features=3)),
    DistilledRegressor(RandomForestRegressor(n_estimators=5, max_depth=5),
                       GradientBoostingRegressor(n_estimators=10, subsample=0.7)),
    DistilledRegressor(Ridge(), ExtraTreesRegressor(n_estimators=10), teacher_cv=3, alpha=0.5),
    DistilledRegressor(teacher=TeacherSearchRegressorCV(
        [Ridge(), DecisionTreeRegressor(max_depth=3)], cv=2)),
    TeacherSearchRegressorCV([Ridge(), DecisionTreeRegressor(max_depth=3)], cv=2),
]

_WEIGHTS_VS_REPEATS = "sample_weight is not equivalent to removing/repeating samples"
# scikit-learn's own list, with its reason, for the parts used above
FAILING_ALONE = {
    RandomForestRegressor: ("check_sample_weight_equivalence_on_dense_data",
                            "check_sample_weight_equivalence_on_sparse_data"),
    GradientBoostingRegressor: ("check_sample_weight_equivalence_on_dense_data",
                                "check_sample_weight_equivalence_on_sparse_data"),
}
_FOLDS_DIFFER = ("teacher_cv: weighted rows and repeated rows are split into different "
                 "folds, so their out-of-fold targets differ")
_SEARCH_FOLDS_DIFFER = ("the teacher search scores its candidates out of fold: weighted rows "
                        "and repeated rows are split into different folds, so it can choose "
                        "another candidate")
_NAN_AT_PREDICT = ("the student alone takes NaN, so predict does; the teacher, which refuses "
                   "NaN in fit (hence the tag), is not used to predict, and X reaches the "
                   "student as given")


# scikit-learn 1.7 skips the sparse sample-weight check for estimators that refuse sparse X
_SPARSE_CHECK_UNFILTERED = tuple(map(int, sklearn.__version__.split(".")[:2])) < (1, 7)


def _expected_failures(estimator):
    if not isinstance(estimator, DistilledRegressor):
        return {}
    failures = {}
    folds = (_FOLDS_DIFFER if estimator.teacher_cv is not None else _SEARCH_FOLDS_DIFFER
             if isinstance(estimator.teacher, TeacherSearchRegressorCV) else None)
    if folds:
        failures = {f"check_sample_weight_equivalence_on_{kind}_data": folds
                    for kind in ("dense", "sparse")}
    for role, part in (("teacher", estimator.teacher), ("student", estimator.student)):
        for check in FAILING_ALONE.get(type(part), ()):
            failures[check] = (f"the {role} {type(part).__name__} fails it alone: "
                               f"{_WEIGHTS_VS_REPEATS}")
    student = Ridge() if estimator.student is None else estimator.student
    if _SPARSE_CHECK_UNFILTERED and not get_tags(estimator).input_tags.sparse:
        failures["check_sample_weight_equivalence_on_sparse_data"] = (
            "scikit-learn < 1.7 runs the sparse check on it although it rejects sparse X"
        )
    if get_tags(student).input_tags.allow_nan and not get_tags(estimator).input_tags.allow_nan:
        failures["check_estimators_nan_inf"] = _NAN_AT_PREDICT
    return failures


@parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- data ----------------------------------------------------------------------------------


@pytest.fixture
def data():
    X, y = make_friedman1(n_samples=200, noise=1.0, random_state=0)
    return X, y


def _tree(depth=4):
    return DecisionTreeRegressor(max_depth=depth, random_state=0)


# -- the targets ---------------------------------------------------------------------------


def test_student_is_fitted_on_the_teachers_predictions_exactly(data):
    X, y = data
    reg = DistilledRegressor(Ridge(alpha=0.1), _tree(), alpha=1.0).fit(X, y)
    teacher = _tree().fit(X, y)
    direct = Ridge(alpha=0.1).fit(X, teacher.predict(X))
    np.testing.assert_array_equal(reg.student_.coef_, direct.coef_)
    np.testing.assert_array_equal(reg.predict(X), direct.predict(X))
    np.testing.assert_array_equal(reg.teacher_.predict(X), teacher.predict(X))


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_alpha_mixes_the_predictions_with_y(data, alpha):
    X, y = data
    reg = DistilledRegressor(Ridge(), _tree(), alpha=alpha).fit(X, y)
    T = _tree().fit(X, y).predict(X)
    direct = Ridge().fit(X, alpha * T + (1 - alpha) * y)
    np.testing.assert_allclose(reg.student_.coef_, direct.coef_, rtol=1e-12)
    if alpha == 0.0:  # ordinary training on y
        np.testing.assert_allclose(reg.predict(X), Ridge().fit(X, y).predict(X), rtol=1e-12)


class _RowRecorder(RegressorMixin, BaseEstimator):
    """A regressor keyed by row: column 0 of X is the row's id. It refuses to predict a row
    it was fitted on, and otherwise predicts the mean of its training targets."""

    def fit(self, X, y):
        self.rows_ = set(np.asarray(X)[:, 0].tolist())
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        seen = self.rows_ & set(np.asarray(X)[:, 0].tolist())
        assert not seen, f"the teacher predicts rows it was fitted on: {sorted(seen)[:5]}"
        return np.full(len(X), self.mean_)


def test_teacher_cv_predicts_every_labelled_row_out_of_fold(data):
    X, y = data
    X = np.column_stack([np.arange(len(y)), X])
    DistilledRegressor(Ridge(), _RowRecorder(), teacher_cv=4).fit(X, y)
    with pytest.raises(AssertionError, match="rows it was fitted on"):
        DistilledRegressor(Ridge(), _RowRecorder()).fit(X, y)


def test_teacher_cv_targets_are_cross_val_predict_with_plain_folds(data):
    # integer targets with a rare value: stratified folds would be wrong (and warn)
    X, y = data
    y = np.round(y).astype(int)
    y[0] = 100
    reg = DistilledRegressor(Ridge(), _tree(), teacher_cv=5, alpha=1.0).fit(X, y)
    oof = cross_val_predict(_tree(), X, y, cv=KFold(5))
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, oof).coef_, rtol=1e-12)
    # and teacher_ is refitted on every labelled row
    np.testing.assert_array_equal(reg.teacher_.predict(X), _tree().fit(X, y).predict(X))


def test_teacher_predicts_large_inputs_in_row_chunks(data):
    # a tiny working memory makes every row its own chunk: the same predictions
    X, y = data
    Y = np.column_stack([y, -y])
    for target in (y, Y):
        whole = DistilledRegressor(Ridge(), _tree()).fit(X, target)
        with config_context(working_memory=1e-3):
            chunked = DistilledRegressor(Ridge(), _tree()).fit(X, target)
        np.testing.assert_array_equal(chunked.student_.coef_, whole.student_.coef_)


@pytest.mark.parametrize("marker", [np.nan, -1.0])
def test_unlabelled_rows_take_the_teachers_predictions(data, marker):
    X, y = data
    unlabelled = np.arange(len(y)) % 3 == 0
    y_marked = np.where(unlabelled, marker, y)
    reg = DistilledRegressor(Ridge(), _tree(), alpha=0.4, unlabeled_label=marker).fit(
        X, y_marked)
    teacher = _tree().fit(X[~unlabelled], y[~unlabelled])
    T = teacher.predict(X)
    targets = np.where(unlabelled, T, 0.4 * T + 0.6 * y)
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, targets).coef_, rtol=1e-12)
    np.testing.assert_array_equal(reg.teacher_.predict(X), T)


def test_unlabelled_rows_with_teacher_cv_get_the_refitted_teacher(data):
    X, y = data
    X = np.column_stack([np.arange(len(y)), X])
    unlabelled = np.arange(len(y)) >= 150
    y_marked = np.where(unlabelled, np.nan, y)
    # out of fold on the labelled rows; the refit, which saw no unlabelled row, labels them
    DistilledRegressor(Ridge(), _RowRecorder(), teacher_cv=3, unlabeled_label=np.nan).fit(
        X, y_marked)


def test_a_two_dimensional_y_with_unlabelled_rows(data):
    X, y = data
    Y = np.column_stack([y, -y])
    Y[:20] = np.nan
    reg = DistilledRegressor(Ridge(), _tree(), unlabeled_label=np.nan, alpha=1.0).fit(X, Y)
    assert reg.predict(X).shape == (len(y), 2)
    T = _tree().fit(X[20:], Y[20:]).predict(X)
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, T).coef_, rtol=1e-12)
    Y[20, 0] = np.nan
    Y[20, 1] = 1.0
    with pytest.raises(ValueError, match="row 20 of y .* some outputs only"):
        DistilledRegressor(Ridge(), _tree(), unlabeled_label=np.nan, alpha=1.0).fit(X, Y)


# -- teachers ------------------------------------------------------------------------------


def test_a_frozen_teacher_is_used_as_is(data):
    X, y = data
    prefit = _tree(2).fit(X[:50], y[:50])
    frozen = FrozenEstimator(prefit)
    reg = DistilledRegressor(Ridge(), frozen, alpha=1.0).fit(X, y)
    assert reg.teacher_ is frozen
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, prefit.predict(X)).coef_,
                               rtol=1e-12)
    with pytest.raises(ValueError, match="teacher_cv has no effect"):
        DistilledRegressor(Ridge(), frozen, teacher_cv=3, alpha=1.0).fit(X, y)


def test_a_callable_teacher_and_a_pool_without_labels(data):
    X, _ = data
    w = np.arange(1.0, 11.0)

    def regression_function(X):
        return X @ w

    pool = np.full(len(X), np.nan)
    reg = DistilledRegressor(LinearRegression(), regression_function,
                             unlabeled_label=np.nan).fit(X, pool)
    assert reg.teacher_ is regression_function
    np.testing.assert_allclose(reg.student_.coef_, w, rtol=1e-10)
    with pytest.raises(ValueError, match="every row of y is unlabelled"):
        DistilledRegressor(Ridge(), _tree(), unlabeled_label=np.nan).fit(X, pool)
    with pytest.raises(ValueError, match=r"teacher's predictions must have shape .*\(200,\)"):
        DistilledRegressor(Ridge(), lambda X: np.zeros((len(X), 3))).fit(X, np.zeros(len(X)))


def test_a_teacher_search_chooses_the_regression_teacher(data):
    X, y = data
    search = TeacherSearchRegressorCV([("ridge", Ridge()), ("tree", _tree(6))], cv=3)
    reg = DistilledRegressor(Ridge(), search, alpha=1.0).fit(X, y)
    assert reg.teacher_.best_name_ in ("ridge", "tree")
    best = reg.teacher_.best_estimator_
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, best.predict(X)).coef_,
                               rtol=1e-12)


# -- the cache -----------------------------------------------------------------------------


class CountingTreeRegressor(DecisionTreeRegressor):
    """A regression tree that appends a line to the file ``log`` at every fit."""

    def __init__(self, max_depth=None, log=None, random_state=None):
        super().__init__(max_depth=max_depth, random_state=random_state)
        self.log = log

    def fit(self, X, y, sample_weight=None):
        with open(self.log, "a") as f:
            f.write("fit\n")
        return super().fit(X, y, sample_weight=sample_weight)


def test_a_search_fits_each_teacher_once_per_fold(data, tmp_path):
    X, y = data

    def search(log, memory, teacher_cv=None):
        reg = DistilledRegressor(Ridge(), CountingTreeRegressor(log=str(log)),
                                 teacher_cv=teacher_cv, memory=memory, random_state=0)
        grid = {"teacher__max_depth": [2, 4], "alpha": [0.25, 0.5, 1.0],
                "student__alpha": [0.1, 10.0]}
        return GridSearchCV(reg, grid, cv=3, refit=False).fit(X, y).cv_results_

    cached = search(tmp_path / "cached.log", str(tmp_path / "cache"))
    plain = search(tmp_path / "plain.log", None)
    assert count_fits(tmp_path / "cached.log") == 2 * 3  # depths x folds
    assert count_fits(tmp_path / "plain.log") == 2 * 3 * 3 * 2
    np.testing.assert_array_equal(cached["mean_test_score"], plain["mean_test_score"])
    search(tmp_path / "cached.log", str(tmp_path / "cache"))  # all from the cache
    assert count_fits(tmp_path / "cached.log") == 6
    search(tmp_path / "oof.log", str(tmp_path / "cache"), teacher_cv=2)
    assert count_fits(tmp_path / "oof.log") == 6 * (2 + 1)  # two folds and the refit


def test_cache_keys_include_the_data_and_the_routed_fit_parameters(data, tmp_path):
    X, y = data
    log, cache = tmp_path / "fits.log", str(tmp_path / "cache")

    def fit(X, y, sample_weight=None, seed=0):
        return DistilledRegressor(Ridge(), CountingTreeRegressor(max_depth=3, log=str(log)),
                                  memory=cache, random_state=seed, alpha=1.0).fit(
            X, y, sample_weight=sample_weight)

    fit(X, y)
    fit(X, y)
    assert count_fits(log) == 1
    fit(X[:-1], y[:-1])  # other rows
    fit(X + 1e-3, y)  # other values of X
    fit(X, y, seed=1)  # another seed is another teacher
    assert count_fits(log) == 4
    weights = np.random.RandomState(0).uniform(0.1, 1.0, size=len(y)) ** 4
    weighted = fit(X, y, sample_weight=weights)
    assert count_fits(log) == 5
    fresh = DistilledRegressor(
        Ridge(), CountingTreeRegressor(max_depth=3, log=str(tmp_path / "fresh.log")),
        random_state=0, alpha=1.0).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weighted.teacher_.predict(X), fresh.teacher_.predict(X))


# -- seeds and weights ---------------------------------------------------------------------


def test_random_state_seeds_the_unseeded_parts(data):
    X, y = data

    def fit(seed, teacher_cv=None):
        return DistilledRegressor(
            DecisionTreeRegressor(max_depth=4, max_features=3),
            RandomForestRegressor(n_estimators=5, max_features=3),
            teacher_cv=KFold(3, shuffle=True) if teacher_cv else None, random_state=seed,
        ).fit(X, y).predict(X)

    np.testing.assert_array_equal(fit(0), fit(0))
    np.testing.assert_array_equal(fit(0, teacher_cv=True), fit(0, teacher_cv=True))
    assert not np.array_equal(fit(0), fit(1))
    reg = DistilledRegressor(Ridge(), RandomForestRegressor(n_estimators=5, random_state=3),
                             random_state=0).fit(X, y)
    assert reg.teacher_.random_state == 3  # what the user set stays as set


def test_sample_weight_reaches_teacher_and_student(data):
    X, y = data
    w = np.random.RandomState(0).randint(0, 4, size=len(y))
    weighted = DistilledRegressor(make_pipeline(StandardScaler(), Ridge()), Ridge(), alpha=1.0).fit(
        X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w)
    repeated = DistilledRegressor(make_pipeline(StandardScaler(), Ridge()), Ridge(), alpha=1.0).fit(
        X[rows], y[rows])
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)
    with pytest.raises(ValueError, match="teacher KNeighborsRegressor does not accept"):
        DistilledRegressor(Ridge(), KNeighborsRegressor(), alpha=1.0).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="student KNeighborsRegressor does not accept"):
        DistilledRegressor(KNeighborsRegressor(), Ridge(), alpha=1.0).fit(X, y, sample_weight=w)


def test_sample_weight_through_metadata_routing(data):
    X, y = data
    w = np.random.RandomState(0).uniform(0.1, 2.0, size=len(y))
    with config_context(enable_metadata_routing=True):
        teacher = Ridge().set_fit_request(sample_weight=True)
        student = Ridge().set_fit_request(sample_weight=False)
        reg = DistilledRegressor(student, teacher, alpha=1.0).fit(X, y, sample_weight=w)
        # a teacher that cannot take them, asked for nothing, gets nothing
        DistilledRegressor(Ridge().set_fit_request(sample_weight=True),
                           KNeighborsRegressor(), alpha=1.0).fit(X, y, sample_weight=w)
    T = Ridge().fit(X, y, sample_weight=w).predict(X)
    np.testing.assert_allclose(reg.student_.coef_, Ridge().fit(X, T).coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        DistilledRegressor(alpha=1.0).fit(X, y, groups=np.zeros(len(y)))


# -- nets ----------------------------------------------------------------------------------


def _net(**params):
    torch = pytest.importorskip("torch")
    skorch = pytest.importorskip("skorch")

    class Linear(torch.nn.Module):
        def __init__(self, n_features=10, n_outputs=1):
            super().__init__()
            self.linear = torch.nn.Linear(n_features, n_outputs)

        def forward(self, X):
            return self.linear(X)

    settings = dict(max_epochs=20, lr=0.05, batch_size=50, train_split=None, verbose=0)
    return skorch.NeuralNetRegressor(Linear, **{**settings, **params})


def test_skorch_nets_as_student_and_teacher(data):
    X, y = data
    reg = DistilledRegressor(_net(), _net(), random_state=0).fit(X, y)
    predictions = reg.predict(X)
    assert predictions.shape == (len(y),) and predictions.dtype == np.float64
    # the net was trained on float32 targets of one column (not broadcast against 1-D y)
    assert reg.student_.module_.linear.weight.dtype.is_floating_point
    again = DistilledRegressor(_net(), _net(), random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), predictions)
    # a net student learns a linear teacher's predictions closely
    linear = DistilledRegressor(_net(max_epochs=200), LinearRegression(),
                                random_state=0).fit(X, y)
    T = LinearRegression().fit(X, y).predict(X)
    assert np.sqrt(np.mean((linear.predict(X) - T) ** 2)) < 0.1 * np.std(T)
    # two outputs: the module is as wide as y
    Y = np.column_stack([y, 2 * y])
    wide = DistilledRegressor(_net(module__n_outputs=2), _net(module__n_outputs=2),
                              random_state=0).fit(X, Y)
    assert wide.predict(X).shape == (len(y), 2)
    with pytest.raises(ValueError, match="student NeuralNetRegressor does not accept"):
        DistilledRegressor(_net(), Ridge()).fit(X, y, sample_weight=np.ones(len(y)))


# -- what is kept, what is said ------------------------------------------------------------


def test_keep_teacher_false_saves_only_the_student(data):
    X, y = data
    kept = DistilledRegressor(Ridge(), RandomForestRegressor(n_estimators=30, random_state=0),
                              random_state=0).fit(X, y)
    light = DistilledRegressor(Ridge(), RandomForestRegressor(n_estimators=30, random_state=0),
                               random_state=0, keep_teacher=False).fit(X, y)
    assert light.teacher_ is None
    np.testing.assert_array_equal(light.predict(X), kept.predict(X))
    assert len(pickle.dumps(light)) * 50 < len(pickle.dumps(kept))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(light)).predict(X), kept.predict(X))


def test_verbose_prints_one_line_per_phase(data, capsys, tmp_path):
    X, y = data
    unlabelled = np.arange(len(y)) < 20
    y = np.where(unlabelled, np.nan, y)

    def fit(verbose, memory=None):
        DistilledRegressor(Ridge(), _tree(), teacher_cv=3, unlabeled_label=np.nan,
                           memory=memory, verbose=verbose, alpha=1.0).fit(X, y)
        return capsys.readouterr().out.splitlines()

    assert fit(0) == []
    lines = fit(1)
    assert len(lines) == 4, lines
    assert all(line.startswith("[DistilledRegressor] ") for line in lines)
    for line, phase in zip(lines, ["teacher fit (DecisionTreeRegressor)",
                                   "out-of-fold teacher outputs (3 folds)",
                                   "teacher outputs on 20 unlabelled rows",
                                   "student fit (Ridge)"]):
        assert phase in line and line.endswith("s"), (phase, line)
    cache = str(tmp_path / "cache")
    fit(1, cache)
    lines = fit(1, cache)
    assert len(lines) == 2 and "read from the cache" in lines[0] and "student fit" in lines[1]


# -- bad input -----------------------------------------------------------------------------


def test_a_classifier_is_refused_naming_distilled_classifier(data):
    X, y = data
    with pytest.raises(TypeError, match="teacher LogisticRegression is a classifier.*"
                                        "DistilledClassifier"):
        DistilledRegressor(Ridge(), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="teacher HistGradientBoostingClassifier is a "
                                        "classifier"):
        DistilledRegressor(Ridge(), FrozenEstimator(HistGradientBoostingClassifier())).fit(X, y)
    with pytest.raises(TypeError, match="student LogisticRegression is a classifier.*"
                                        "DistilledClassifier"):
        DistilledRegressor(LogisticRegression(), Ridge()).fit(X, y)


def test_distilled_classifier_refuses_a_regression_teacher_naming_distilled_regressor():
    X, y = make_regression(n_samples=40, random_state=0)
    with pytest.raises(TypeError, match="teacher Ridge is a regressor.*DistilledRegressor"):
        DistilledClassifier(teacher=Ridge()).fit(X, y > 0)
    with pytest.raises(TypeError, match="teacher Ridge is a regressor"):
        DistilledClassifier(teacher=FrozenEstimator(Ridge().fit(X, y))).fit(X, y > 0)


def test_bad_input_is_refused_by_name(data):
    X, y = data
    with pytest.raises(TypeError, match="not the class Ridge"):
        DistilledRegressor(Ridge).fit(X, y)
    with pytest.raises(TypeError, match="KMeans is not a regressor"):
        DistilledRegressor(KMeans(n_clusters=2)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="unlabeled_label"):
        DistilledRegressor(unlabeled_label="?").fit(X, y)
    with pytest.raises(ValueError, match="Input y contains NaN.*unlabeled_label=np.nan"):
        DistilledRegressor().fit(X, np.where(y > 20, np.nan, y))
    with pytest.raises(ValueError, match="got 1 sample"):
        DistilledRegressor().fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DistilledRegressor().fit(X, y[:-1])
    with pytest.raises(ValueError, match="teacher HistGradientBoostingRegressor predicts a "
                                         "single output.*MultiOutputRegressor"):
        DistilledRegressor().fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="student HistGradientBoostingRegressor predicts"):
        DistilledRegressor(HistGradientBoostingRegressor(), Ridge()).fit(
            X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="Reshape your data"):
        DistilledRegressor(Ridge(), Ridge()).fit(X, y).predict(X[0])


# -- real data as a user reads it ----------------------------------------------------------


def _tabular(name):
    pd = pytest.importorskip("pandas")
    from skdistill.datasets import load_tabular

    try:
        X, y = load_tabular(name, return_X_y=True)
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    # the teacher reads categories from the dtype; strings and NaN stay in the frame
    strings = X.select_dtypes(exclude="number").columns
    return X.astype({column: "category" for column in strings}), y, pd


def _linear_student():
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    return make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"),
             make_column_selector(dtype_include="category")),
            (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
             make_column_selector(dtype_include="number")),
        ),
        Ridge(),
    )


@pytest.mark.parametrize("name", ["concrete", "ames"])
def test_a_raw_frame_reaches_teacher_and_student(name):
    from sklearn.model_selection import train_test_split

    X, y, pd = _tabular(name)
    y = np.log(y) if name == "ames" else y
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    teacher = HistGradientBoostingRegressor(categorical_features="from_dtype", max_iter=50)
    reg = DistilledRegressor(_linear_student(), teacher, teacher_cv=3, random_state=0).fit(
        X_train, y_train)
    assert list(reg.feature_names_in_) == list(X.columns)
    if name == "ames":  # the teacher saw the categories as given
        assert reg.teacher_.is_categorical_.sum() == (X.dtypes == "category").sum() > 0
    predictions = reg.predict(X_test)
    assert predictions.shape == (len(y_test),) and np.all(np.isfinite(predictions))
    assert reg.score(X_test, y_test) > 0.5
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(X_test.iloc[:, ::-1])


def test_synthetic_rows_take_the_teachers_predictions():
    X, y = make_regression(200, n_features=5, noise=5.0, random_state=0)
    weights = np.r_[np.full(100, 1.0), np.full(100, 3.0)]
    seen = {}

    class Spy(Ridge):
        def fit(self, X, y, sample_weight=None):
            seen.update(n=len(X), y=np.asarray(y), w=sample_weight)
            return super().fit(X, y, sample_weight=sample_weight)

    teacher = Ridge(alpha=10.0)
    reg = DistilledRegressor(Spy(), teacher, augment="perturb", augment_size=1.5,
                             random_state=0, alpha=1.0).fit(X, y, sample_weight=weights)
    assert reg.n_synthetic_ == 300 and seen["n"] == 500
    fitted = Ridge(alpha=10.0).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(seen["y"][:200], fitted.predict(X))
    np.testing.assert_array_equal(seen["w"][200:], 2.0)
    again = DistilledRegressor(Spy(), teacher, augment="perturb", augment_size=1.5,
                               random_state=0, alpha=1.0).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(reg.predict(X), again.predict(X))
