import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skdistill.datasets import (  # noqa: E402
    make_gaussian_classification,
    make_retrieval_classification,
)
from skdistill.metrics import (  # noqa: E402
    expected_calibration_error,
    top_label_calibration_curve,
)
from skdistill.plotting import ReliabilityDisplay, TeacherStudentDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_reliability_display_from_estimator_binary():
    X, y, _ = make_gaussian_classification(500, separation=0.25, random_state=0)
    clf = LogisticRegression().fit(X, y)
    disp = ReliabilityDisplay.from_estimator(clf, X, y, n_bins=8)
    prob_true, prob_pred, counts = top_label_calibration_curve(y, clf.predict_proba(X), n_bins=8)
    np.testing.assert_allclose(disp.line_.get_xdata(), prob_pred)
    np.testing.assert_allclose(disp.line_.get_ydata(), prob_true)
    np.testing.assert_array_equal(disp.bin_counts, counts)
    ece = expected_calibration_error(y, clf.predict_proba(X), n_bins=8)
    assert disp.ece == pytest.approx(ece)
    assert disp.line_.get_label() == f"LogisticRegression (ECE = {ece:.3f})"
    assert disp.ax_.get_xlabel() == "Mean top-label confidence"
    assert disp.figure_ is disp.ax_.figure
    # the reference is the diagonal, drawn on the same axes
    assert disp.ref_line_ in disp.ax_.lines
    np.testing.assert_array_equal(disp.ref_line_.get_xydata(), [[0, 0], [1, 1]])


def test_reliability_display_multiclass_on_given_axes():
    X, y, proba = make_retrieval_classification(400, n_classes=8, n_features=4, random_state=1)
    fig, ax = plt.subplots()
    disp = ReliabilityDisplay.from_predictions(y, proba, labels=np.arange(8), n_bins=5,
                                               strategy="quantile", name="Bayes", ax=ax,
                                               ref_line=False, color="C3")
    assert disp.ax_ is ax and disp.ref_line_ is None
    assert disp.line_.get_color() == "C3"
    assert disp.line_.get_label().startswith("Bayes (ECE = ")
    # Re-plotting the stored values on another axes works without recomputing.
    _, other = plt.subplots()
    assert disp.plot(ax=other, name="again").ax_ is other


def test_reliability_display_requires_probabilities():
    from sklearn.svm import LinearSVC

    X, y, _ = make_gaussian_classification(50, random_state=2)
    with pytest.raises(TypeError, match="predict_proba"):
        ReliabilityDisplay.from_estimator(LinearSVC().fit(X, y), X, y)


def test_teacher_student_display():
    mse = [0.05, 0.01, 0.09, 0.03]
    score = [0.80, 0.86, 0.75, 0.84]
    disp = TeacherStudentDisplay.from_results(mse, score, labels=["d=2", "d=4", "d=16", "d=8"],
                                              score_name="Student AUC")
    np.testing.assert_allclose(disp.line_.get_xdata(), sorted(mse))
    np.testing.assert_allclose(disp.line_.get_ydata(), [0.86, 0.84, 0.80, 0.75])
    assert [a.get_text() for a in disp.annotations_] == ["d=2", "d=4", "d=16", "d=8"]
    assert disp.errorbar_ is None and disp.ax_.get_ylabel() == "Student AUC"


def test_teacher_student_display_error_bars_and_validation():
    disp = TeacherStudentDisplay.from_results([0.2, 0.1], [0.7, 0.8], yerr=[0.01, 0.02],
                                              name="forest")
    np.testing.assert_allclose(disp.line_.get_xdata(), [0.1, 0.2])
    # the error bars follow the points' order by teacher MSE: 0.8 +- 0.02, then 0.7 +- 0.01
    (bars,) = disp.errorbar_.lines[2]
    np.testing.assert_allclose(bars.get_segments(), [[[0.1, 0.78], [0.1, 0.82]],
                                                     [[0.2, 0.69], [0.2, 0.71]]])
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == ["forest"]
    with pytest.raises(ValueError, match="same length"):
        TeacherStudentDisplay.from_results([0.1, 0.2], [0.5])
    with pytest.raises(ValueError, match="yerr"):
        TeacherStudentDisplay.from_results([0.1, 0.2], [0.5, 0.6], yerr=[0.1])


# -- TeacherComparisonDisplay ------------------------------------------------------------------


def test_teacher_comparison_display_from_estimator_with_p_star():
    from sklearn.tree import DecisionTreeClassifier

    from skdistill.datasets import make_slab_classification, slab_class_probability
    from skdistill.metrics import compare_teachers, multiclass_brier_score, probability_mse
    from skdistill.plotting import TeacherComparisonDisplay

    X, y, p_star = make_slab_classification(400, random_state=0)
    candidates = {f"depth={d}": DecisionTreeClassifier(max_depth=d, random_state=0)
                  for d in (2, 4, 8)}
    disp = TeacherComparisonDisplay.from_estimator(candidates, X, y, p_star=slab_class_probability,
                                                   cv=4, n_se=1.5)
    result = compare_teachers(candidates, X, y, cv=4, return_proba=True)
    np.testing.assert_allclose(disp.line_.get_ydata(), result.scores)
    np.testing.assert_allclose(disp.line_.get_xdata(), [0, 1, 2])
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == list(candidates)
    # The error bars span ±n_se standard errors.
    segments = disp.errorbar_.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments],
                               2 * 1.5 * result.standard_errors)
    # True MSEs sit on the score axis, shifted by the Brier score of p* on the same rows,
    # and the secondary axis reads score - Brier(p*) as the MSE to p*.
    bayes = multiclass_brier_score(y, p_star)
    true_mse = [probability_mse(P, p_star) for P in result.proba]
    np.testing.assert_allclose(disp.true_mse_line_.get_ydata(), np.add(true_mse, bayes))
    assert disp.bayes_score == pytest.approx(bayes)
    assert disp.secondary_ax_ is not None
    assert disp.ax_.get_ylabel() == "Held-out Brier score"
    assert disp.figure_ is disp.ax_.figure


def test_teacher_comparison_display_differences_to_the_best():
    from skdistill.metrics import compare_teachers
    from skdistill.plotting import TeacherComparisonDisplay

    rng = np.random.RandomState(0)
    y = rng.randint(2, size=200)
    sharp = np.where(y[:, None] == [0, 1], 0.8, 0.2)
    probas = {"sharp": sharp, "flat": np.full((200, 2), 0.5), "noisy": rng.dirichlet([1, 1], 200)}
    result = compare_teachers(probas, None, y)
    disp = TeacherComparisonDisplay.from_comparison(result, kind="difference", true_mse=[0, 1, 2])
    best = result.best_index
    assert result.best_name == "sharp"
    np.testing.assert_allclose(disp.line_.get_ydata(), result.differences[:, best])
    np.testing.assert_allclose(disp.true_mse_line_.get_ydata(), [0, 1, 2])
    assert disp.secondary_ax_ is None and "best (sharp)" in disp.ax_.get_ylabel()
    # Re-plotting stored values on other axes, as the other displays do.
    _, ax = plt.subplots()
    assert disp.plot(ax=ax, kind="difference").ax_ is ax


def test_teacher_comparison_display_from_predictions_and_errors():
    from skdistill.plotting import TeacherComparisonDisplay

    y = np.array([0, 1, 1, 0, 1])
    P = np.array([[0.7, 0.3], [0.4, 0.6], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    disp = TeacherComparisonDisplay.from_predictions(y, P, p_star=P, scoring="brier")
    np.testing.assert_allclose(disp.true_mse, [0.0])
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["proba"]

    with pytest.raises(ValueError, match="only Brier differences"):
        TeacherComparisonDisplay.from_predictions(y, [P], p_star=P, scoring="log_loss")
    with pytest.raises(TypeError, match="from_estimator"):
        TeacherComparisonDisplay.from_predictions(y, [P], p_star=lambda X: P)
    with pytest.raises(ValueError, match="bayes_score"):
        TeacherComparisonDisplay(["a"], [0.3], [0.01], true_mse=[0.1]).plot()
    with pytest.raises(ValueError, match="kind must be"):
        TeacherComparisonDisplay(["a"], [0.3], [0.01]).plot(kind="bars")
    with pytest.raises(ValueError, match="needs differences"):
        TeacherComparisonDisplay(["a"], [0.3], [0.01]).plot(kind="difference")
    with pytest.raises(ValueError, match="one entry per candidate"):
        TeacherComparisonDisplay(["a", "b"], [0.3], [0.01]).plot()
