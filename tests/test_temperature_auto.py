"""DistilledClassifier(temperature="auto"): the Brier-optimal temperature of the teacher."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skdistill import (
    BayesTeacher,
    CalibrationDistortedTeacher,
    DistilledClassifier,
    temperature_scale,
)
from skdistill._selection import TEMPERATURE_RANGE, per_row_scores, search_temperature
from skdistill.datasets import (
    SoftmaxClassProbability,
    gaussian_class_probability,
    make_gaussian_classification,
    make_retrieval_classification,
)
from skdistill.metrics import probability_mse

# A fine log-spaced grid over the searched range: the brute-force reference.
FINE = np.exp(np.linspace(*np.log(TEMPERATURE_RANGE), 8001))


def _brier(P, y_index, temperature, weights=None):
    scores = per_row_scores(temperature_scale(P, temperature), y_index, "brier")
    return np.average(scores, weights=weights)


def _brute_force(P, y_index, weights=None):
    values = np.array([_brier(P, y_index, t, weights) for t in FINE])
    return FINE[values.argmin()], values.min()


def _assert_is_the_minimiser(temperature, P, y_index, weights=None):
    t_brute, best = _brute_force(P, y_index, weights)
    # as good as the best of 8001 grid points, and next to it (one step is 0.12%)
    assert _brier(P, y_index, temperature, weights) <= best + 1e-10
    assert temperature == pytest.approx(t_brute, rel=3e-3)


class TemperedLogistic(ClassifierMixin, BaseEstimator):
    """Logistic regression whose probabilities are tempered by a known ``distortion``."""

    def __init__(self, distortion=1.0):
        self.distortion = distortion

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return temperature_scale(self.model_.predict_proba(X), self.distortion)


def _distorted_bayes(distortion):
    """p*^(1/T0), renormalised, of the Gaussian problem at separation 0.25."""

    def proba(X):
        return temperature_scale(gaussian_class_probability(X, separation=0.25), distortion)

    return proba


# -- the chosen temperature is the minimiser ------------------------------------------------


def test_out_of_fold_choice_equals_brute_force_minimiser():
    X, y = make_classification(600, n_classes=3, n_informative=5, random_state=0)
    teacher = RandomForestClassifier(n_estimators=30, min_samples_leaf=3, random_state=0)
    clf = DistilledClassifier(teacher=teacher, teacher_cv=5, temperature="auto").fit(X, y)
    # teacher_cv=5 is the unshuffled StratifiedKFold that cross_val_predict also uses
    P = cross_val_predict(teacher, X, y, cv=StratifiedKFold(5), method="predict_proba")
    _assert_is_the_minimiser(clf.temperature_, P, y)
    assert clf.temperature_ != 1.0


def test_prefit_teacher_choice_equals_brute_force_minimiser():
    X, y = make_classification(800, n_classes=3, n_informative=5, random_state=1)
    teacher = DecisionTreeClassifier(max_depth=6, min_samples_leaf=5, random_state=0).fit(
        X[:400], y[:400])
    clf = DistilledClassifier(teacher=FrozenEstimator(teacher), temperature="auto").fit(
        X[400:], y[400:])
    _assert_is_the_minimiser(clf.temperature_, teacher.predict_proba(X[400:]), y[400:])


def test_search_finds_the_global_minimum_of_a_non_convex_score():
    # Two groups of rows: an under-confident teacher on one (best T about 0.39) and a
    # far over-confident one on the other (best T about 11): the score has two local
    # minima, and a local search from T = 1 can land in the wrong one.
    y_a = (np.arange(100) >= 90).astype(int)
    y_b = (np.arange(100) >= 60).astype(int)
    for n_a, global_side in ((1, "high"), (2, "low")):
        P = np.vstack([np.tile([0.7, 0.3], (100 * n_a, 1)), np.tile([0.999, 0.001], (100, 1))])
        y = np.r_[np.tile(y_a, n_a), y_b]
        values = np.array([_brier(P, y, t) for t in FINE])
        local = np.flatnonzero((values[1:-1] < values[:-2]) & (values[1:-1] < values[2:])) + 1
        assert len(local) == 2  # the case is really non-convex
        chosen = search_temperature(P, y)
        _assert_is_the_minimiser(chosen, P, y)
        assert (chosen > 1) == (global_side == "high")


def test_flat_score_gives_temperature_one():
    # Uniform and one-hot rows do not change with T: every temperature is as good.
    P = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert search_temperature(P, np.array([0, 0, 1, 1])) == 1.0


# -- it recovers a known distortion -------------------------------------------------------


@pytest.mark.parametrize("distortion", [0.4, 2.5])
def test_recovers_the_temperature_of_a_distorted_bayes_teacher(distortion):
    # temperature_scale(p*^(1/T0) renormalised, 1/T0) = p*: the truth is 1/T0. Over 10
    # fresh samples of 3000 rows the estimates of log T have s.d. about 0.05; all must
    # be within 0.2 of the truth, and their mean within 0.06.
    logs = []
    for seed in range(10):
        X, y, _ = make_gaussian_classification(3000, separation=0.25, random_state=seed)
        clf = DistilledClassifier(teacher=_distorted_bayes(distortion), temperature="auto")
        logs.append(np.log(clf.fit(X, y).temperature_))
    error = np.array(logs) - np.log(1 / distortion)
    assert np.abs(error).max() < 0.2
    assert abs(error.mean()) < 0.06


def test_recovers_the_temperature_of_a_distorted_multiclass_bayes_teacher():
    X, y, _, model = make_retrieval_classification(
        4000, n_classes=5, n_features=5, temperature=1.0, tail_exponent=0.0, return_model=True,
        random_state=0)
    over_confident = SoftmaxClassProbability(model.coef, model.intercept, temperature=0.5)
    bayes = BayesTeacher(over_confident, classes=np.arange(5)).fit(X, y)
    clf = DistilledClassifier(teacher=FrozenEstimator(bayes), temperature="auto").fit(X, y)
    assert np.log(clf.temperature_) == pytest.approx(np.log(2.0), abs=0.15)


def test_out_of_fold_recovers_a_fitted_teachers_distortion():
    X, y, _ = make_gaussian_classification(4000, separation=0.25, random_state=0)
    clf = DistilledClassifier(teacher=TemperedLogistic(distortion=0.25), teacher_cv=5,
                              temperature="auto").fit(X, y)
    assert np.log(clf.temperature_) == pytest.approx(np.log(4.0), abs=0.2)


def test_brings_a_calibration_distorted_teacher_closer_to_p_star():
    # Psi_alpha with alpha = 3 pushes probabilities towards 0 and 1 (same decisions):
    # an over-confident teacher, which the chosen T > 1 partly repairs.
    X, y, p_star = make_gaussian_classification(3000, separation=0.25, random_state=0)
    bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})
    distorted = CalibrationDistortedTeacher(bayes, power=3.0).fit(X, y)
    clf = DistilledClassifier(teacher=FrozenEstimator(distorted), temperature="auto").fit(X, y)
    assert clf.temperature_ > 1.5
    P = distorted.predict_proba(X)
    before = probability_mse(P, p_star)
    after = probability_mse(temperature_scale(P, clf.temperature_), p_star)
    assert after < 0.5 * before


# -- which rows and weights count ---------------------------------------------------------


def test_only_labelled_rows_count():
    X, y, _ = make_gaussian_classification(1200, separation=0.25, random_state=0)
    teacher = _distorted_bayes(0.5)
    alone = DistilledClassifier(teacher=teacher, temperature="auto").fit(X[:600], y[:600])
    y_semi = np.r_[y[:600], np.full(600, -1)]
    semi = DistilledClassifier(teacher=teacher, temperature="auto", unlabeled_label=-1).fit(
        X, y_semi)
    assert semi.temperature_ == alone.temperature_


def test_sample_weight_counts_like_repeated_rows():
    X, y, _ = make_gaussian_classification(400, separation=0.25, random_state=0)
    weights = np.random.RandomState(0).randint(0, 4, size=len(y))
    teacher = _distorted_bayes(0.5)
    weighted = DistilledClassifier(teacher=teacher, temperature="auto").fit(
        X, y, sample_weight=weights)
    repeated = DistilledClassifier(teacher=teacher, temperature="auto").fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights))
    assert weighted.temperature_ == pytest.approx(repeated.temperature_, rel=1e-6)
    unweighted = DistilledClassifier(teacher=teacher, temperature="auto").fit(X, y)
    assert weighted.temperature_ != pytest.approx(unweighted.temperature_, rel=1e-6)


def test_the_student_is_fitted_with_the_chosen_temperature():
    X, y, _ = make_gaussian_classification(500, separation=0.25, random_state=0)
    teacher = _distorted_bayes(0.5)
    auto = DistilledClassifier(teacher=teacher, temperature="auto").fit(X, y)
    fixed = DistilledClassifier(teacher=teacher, temperature=auto.temperature_).fit(X, y)
    np.testing.assert_allclose(auto.predict_proba(X), fixed.predict_proba(X))
    assert DistilledClassifier(teacher=teacher, temperature=2).fit(X, y).temperature_ == 2.0


# -- errors ---------------------------------------------------------------------------------


def test_in_sample_teacher_is_refused_before_fitting():
    X, y = make_classification(100, random_state=0)

    class Untouchable(LogisticRegression):
        def fit(self, X, y):
            raise AssertionError("fitted before the error")

    with pytest.raises(ValueError, match=r"teacher_cv=5.*FrozenEstimator") as info:
        DistilledClassifier(teacher=Untouchable(), temperature="auto").fit(X, y)
    assert "over-confident" in str(info.value) and "biased" in str(info.value)


def test_auto_needs_labelled_rows():
    X, y, _ = make_gaussian_classification(50, separation=0.25, random_state=0)
    clf = DistilledClassifier(teacher=_distorted_bayes(1.0), temperature="auto",
                              unlabeled_label=-1, classes=[0, 1])
    with pytest.raises(ValueError, match="every row of y is unlabelled"):
        clf.fit(X, np.full(len(y), -1))


@pytest.mark.parametrize("temperature", ["hot", "Auto", 0.0, -1.0])
def test_bad_temperature_is_refused(temperature):
    X, y = make_classification(50, random_state=0)
    with pytest.raises(InvalidParameterError, match="temperature"):
        DistilledClassifier(temperature=temperature).fit(X, y)


def test_zero_weight_on_every_labelled_row_is_refused():
    X, y, _ = make_gaussian_classification(50, separation=0.25, random_state=0)
    y_semi = np.where(np.arange(50) < 25, y, -1)
    weights = (y_semi == -1).astype(float)  # weight only on the unlabelled rows
    with pytest.raises(ValueError, match="sums to zero"):
        DistilledClassifier(teacher=_distorted_bayes(1.0), temperature="auto",
                            unlabeled_label=-1).fit(X, y_semi, sample_weight=weights)


# -- scikit-learn protocol ------------------------------------------------------------------


def test_clone_and_get_params_keep_auto():
    X, y = make_classification(200, random_state=0)
    clf = DistilledClassifier(teacher=LogisticRegression(), teacher_cv=3, temperature="auto")
    clf.fit(X, y)
    assert clf.get_params()["temperature"] == "auto"
    assert clone(clf).get_params()["temperature"] == "auto"
    assert isinstance(clf.temperature_, float)


def test_grid_search_can_include_auto():
    X, y = make_classification(300, random_state=0)
    search = GridSearchCV(
        DistilledClassifier(teacher=LogisticRegression(), teacher_cv=3),
        {"temperature": [1.0, "auto"]}, cv=3,
    ).fit(X, y)
    assert search.cv_results_["param_temperature"].tolist() == [1.0, "auto"]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# -- net students and teachers -----------------------------------------------------------------


def _nets():
    torch = pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skorch import NeuralNetClassifier

    from skdistill.nets import LinearModule

    def net(**kwargs):
        params = dict(criterion=torch.nn.CrossEntropyLoss, max_epochs=3, lr=0.1,
                      train_split=None, verbose=0)
        return NeuralNetClassifier(LinearModule, **{**params, **kwargs})

    return torch, net


def test_hinton_loss_takes_the_chosen_temperature():
    _, net = _nets()
    X, y, _ = make_gaussian_classification(300, separation=0.25, random_state=0)
    X = X.astype(np.float32)
    clf = DistilledClassifier(student=net(), teacher=_distorted_bayes(0.5), loss="hinton",
                              temperature="auto", random_state=0).fit(X, y)
    P = _distorted_bayes(0.5)(X)
    assert clf.temperature_ == search_temperature(P, y)
    # the loss's temperature (teacher side and the student's logits) is the chosen one
    assert clf.student_.criterion_.temperature == pytest.approx(clf.temperature_)


def test_net_teacher_batches_score_the_labelled_rows_in_chunks(monkeypatch):
    from skdistill import _classifier
    from skdistill._net_fitting import fit_net_on_labels

    torch, net = _nets()
    X, y, _ = make_gaussian_classification(300, separation=0.25, random_state=0)
    X = X.astype(np.float32)
    torch.manual_seed(0)
    teacher = fit_net_on_labels(net(max_epochs=5), X, y)
    y_semi = np.where(np.arange(len(y)) < 200, y, -1)
    expected = search_temperature(teacher.predict_proba(X[:200]).astype(np.float64), y[:200])

    calls = []
    original = _classifier.teacher_proba

    def spy(teacher_, X_chunk, classes):
        calls.append(X_chunk.shape[0])
        return original(teacher_, X_chunk, classes)

    monkeypatch.setattr(_classifier, "_AUTO_TEMPERATURE_CHUNK", 64)
    monkeypatch.setattr(_classifier, "teacher_proba", spy)
    clf = DistilledClassifier(student=net(batch_size=32), teacher=FrozenEstimator(teacher),
                              temperature="auto", unlabeled_label=-1).fit(X, y_semi)
    # the batch join built no probability matrix; only the labelled rows were scored
    assert calls[:4] == [64, 64, 64, 8]
    assert clf.temperature_ == pytest.approx(expected, rel=1e-6)
