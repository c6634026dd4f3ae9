import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import multivariate_normal

from skdistill.datasets import (
    MULTILABEL_DATASETS,
    SoftmaxClassProbability,
    gaussian_class_probability,
    load_fashion_mnist,
    load_multilabel,
    make_gaussian_classification,
    make_retrieval_classification,
    make_slab_classification,
    multilabel_to_multiclass,
    slab_class_probability,
)


def _binned_frequency_check(p1, y, n_bins=10, z=4.5):
    """Empirical P(y=1) within bins of p*(x) must match the mean p* of the bin.

    Each bin's frequency has standard error sqrt(p(1-p)/n); z=4.5 over 10 bins makes a
    false failure (for a correct p*) practically impossible.
    """
    edges = np.quantile(p1, np.linspace(0, 1, n_bins + 1))
    bins = np.clip(np.searchsorted(edges[1:-1], p1, side="right"), 0, n_bins - 1)
    for b in range(n_bins):
        mask = bins == b
        n, freq, mean_p = mask.sum(), y[mask].mean(), p1[mask].mean()
        se = np.sqrt(max(mean_p * (1 - mean_p), 1e-3) / n)
        assert abs(freq - mean_p) < z * se, (b, n, freq, mean_p)


# -- Gaussian problem (section 5.1) ---------------------------------------------------------


def test_gaussian_posterior_is_bayes_rule_of_the_two_densities():
    # p* derived independently: equal priors, ratio of the two Gaussian densities.
    separation, d = 0.7, 4
    X, _, proba = make_gaussian_classification(50, n_features=d, separation=separation,
                                               random_state=0)
    mu = separation * np.ones(d)
    f1 = multivariate_normal(mean=mu).pdf(X)
    f0 = multivariate_normal(mean=-mu).pdf(X)
    np.testing.assert_allclose(proba[:, 1], f1 / (f0 + f1), rtol=1e-10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_gaussian_theta_star_matches_paper_at_separation_one():
    # The paper prints theta* = (2, ..., 2) for means ±(1, ..., 1).
    X, _, proba = make_gaussian_classification(20, random_state=1)
    logit = np.log(proba[:, 1] / proba[:, 0])
    np.testing.assert_allclose(logit, X @ np.full(10, 2.0), rtol=1e-8, atol=1e-8)


def test_gaussian_posterior_matches_monte_carlo_frequencies():
    X, y, proba = make_gaussian_classification(100_000, n_features=3, separation=0.3,
                                               random_state=2)
    _binned_frequency_check(proba[:, 1], y)


def test_gaussian_separation_scales_the_means():
    X, y, _ = make_gaussian_classification(20_000, n_features=5, separation=0.5, random_state=3)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), 0.5, atol=0.05)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), -0.5, atol=0.05)
    assert abs(y.mean() - 0.5) < 0.02  # equal priors


def test_gaussian_class_probability_new_points_and_extremes():
    X, _, proba = make_gaussian_classification(30, separation=0.25, random_state=4)
    np.testing.assert_array_equal(gaussian_class_probability(X, separation=0.25), proba)
    # Far in the tails both columns stay accurate (no 1 - p cancellation).
    extreme = gaussian_class_probability(np.full((1, 10), 5.0))  # log-odds 100
    np.testing.assert_allclose(extreme[0, 0], np.exp(-100.0), rtol=1e-12)
    assert extreme[0, 1] == 1.0


def test_generators_are_reproducible_and_validate_parameters():
    a = make_gaussian_classification(10, random_state=5)
    b = make_gaussian_classification(10, random_state=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="n_samples"):
        make_gaussian_classification(0)
    with pytest.raises(ValueError, match="separation"):
        make_gaussian_classification(10, separation=-1.0)
    with pytest.raises(ValueError, match="2-D"):
        gaussian_class_probability(np.zeros(10))


# -- Slab problem (section 5.2) -------------------------------------------------------------


def test_slab_probability_formula():
    X = np.array([[0.0, 0.0], [0.5, -0.1], [-2.0, 0.3]])
    expected = 1 / (1 + np.exp(-2 * (np.array([0.0, 0.5, 2.0]) - 0.5)))
    np.testing.assert_allclose(slab_class_probability(X)[:, 1], expected)
    np.testing.assert_allclose(slab_class_probability(X).sum(axis=1), 1.0)


def test_slab_labels_follow_eta():
    X, y, proba = make_slab_classification(100_000, random_state=6)
    assert X.shape == (100_000, 2)
    assert abs(X.mean()) < 0.02 and abs(X.std() - 1) < 0.02
    np.testing.assert_array_equal(proba, slab_class_probability(X))
    _binned_frequency_check(proba[:, 1], y)


# -- Retrieval problem ----------------------------------------------------------------------


def test_retrieval_problem_labels_follow_p_star():
    X, y, proba, model = make_retrieval_classification(
        40_000, n_classes=12, n_features=4, temperature=1.0, return_model=True, random_state=7)
    assert isinstance(model, SoftmaxClassProbability)
    np.testing.assert_allclose(model(X), proba)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Marginal label frequencies match the mean of p* (binomial standard errors).
    freq = np.bincount(y, minlength=12) / len(y)
    mean_p = proba.mean(axis=0)
    assert np.all(np.abs(freq - mean_p) < 4.5 * np.sqrt(mean_p * (1 - mean_p) / len(y)))
    # The label of a row is drawn from that row's p*: one-vs-rest check on class 0.
    _binned_frequency_check(proba[:, 0], (y == 0).astype(float))
    # The power-law intercepts make the head labels more frequent than the tail.
    assert freq[0] > freq[-1]


def test_retrieval_temperature_controls_label_noise():
    def bayes_accuracy(temperature):
        _, y, proba = make_retrieval_classification(5000, n_classes=50, temperature=temperature,
                                                    random_state=8)
        return np.mean(proba.argmax(axis=1) == y)

    assert bayes_accuracy(0.05) > 0.9 > bayes_accuracy(0.5) > bayes_accuracy(5.0)


def test_retrieval_model_is_picklable_and_validates():
    import pickle

    _, _, _, model = make_retrieval_classification(10, n_classes=5, n_features=3,
                                                   return_model=True, random_state=0)
    X = np.random.RandomState(0).normal(size=(4, 3))
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model))(X), model(X))
    with pytest.raises(ValueError, match="features"):
        model(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="temperature"):
        make_retrieval_classification(10, temperature=0.0)


# -- multilabel -> multiclass ---------------------------------------------------------------


@pytest.mark.parametrize("sparse_X", [False, True])
def test_multilabel_to_multiclass_one_example_per_label(sparse_X):
    X = np.arange(8.0).reshape(4, 2)
    Y = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0], [1, 1, 1]])
    X_in = sp.csr_matrix(X) if sparse_X else X
    X_rep, y, index = multilabel_to_multiclass(X_in, sp.csr_matrix(Y), return_index=True)
    np.testing.assert_array_equal(index, [0, 0, 2, 3, 3, 3])
    np.testing.assert_array_equal(y, [0, 2, 1, 0, 1, 2])
    X_rep = X_rep.toarray() if sparse_X else X_rep
    np.testing.assert_array_equal(X_rep, X[index])
    assert Y[index, y].all()


def test_multilabel_to_multiclass_does_not_modify_Y():
    Y = sp.csr_matrix(np.array([[1, 0], [0, 1]]))
    Y.data[0] = 0  # explicit zero: not a label, and must stay stored in the caller's matrix
    _, y = multilabel_to_multiclass(np.zeros((2, 1)), Y)
    np.testing.assert_array_equal(y, [1])
    assert Y.nnz == 2


# -- Loaders --------------------------------------------------------------------------------


def _require(loader, *args, **kwargs):
    try:
        return loader(*args, **kwargs)
    except FileNotFoundError as exc:
        pytest.skip(f"shared data not available: {exc}")


def test_load_fashion_mnist_subset():
    X, y = _require(load_fashion_mnist, subset="test", n_samples=500, random_state=0)
    assert X.shape == (500, 784) and X.dtype == np.float64
    assert X.min() >= 0.0 and X.max() <= 1.0 and X.max() > 0.99
    assert y.dtype.kind == "i" and set(np.unique(y)) <= set(range(10))
    X2, y2 = load_fashion_mnist(subset="test", n_samples=500, random_state=0)
    np.testing.assert_array_equal(y, y2)


def test_load_fashion_mnist_full_test_set_order():
    bunch = _require(load_fashion_mnist, subset="test", return_X_y=False)
    assert bunch.data.shape == (10_000, 784)
    # First test labels as documented in the data's SOURCE.md.
    np.testing.assert_array_equal(bunch.target[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 1000))
    assert bunch.target_names[9] == "Ankle boot"
    with pytest.raises(ValueError, match="subset"):
        load_fashion_mnist(subset="validation")


@pytest.mark.parametrize("name", MULTILABEL_DATASETS)
def test_load_multilabel_shapes(name):
    expected = {  # (n_train, n_test, n_features, n_labels) from each SOURCE.md
        "bibtex": (4880, 2515, 1836, 159),
        "corel5k": (4500, 500, 499, 374),
        "delicious": (12920, 3185, 500, 983),
        "enron": (1123, 579, 1001, 53),
        "rcv1subset1": (3000, 3000, 944, 101),
    }[name]
    X, Y = _require(load_multilabel, name)
    X_test, Y_test = load_multilabel(name, subset="test")
    assert sp.isspmatrix_csr(X) and sp.isspmatrix_csr(Y)
    assert X.dtype == np.float32 and Y.dtype == np.uint8
    assert (X.shape[0], X_test.shape[0], X.shape[1], Y.shape[1]) == expected
    assert Y.shape[0] == X.shape[0] and Y_test.shape[0] == X_test.shape[0]
    assert set(np.unique(Y.data)) == {1}
    X_rep, y = multilabel_to_multiclass(X, Y)
    assert X_rep.shape[0] == y.shape[0] == Y.nnz


def test_load_multilabel_rcv1_split_is_a_partition():
    X_all, Y_all = _require(load_multilabel, "rcv1subset1", subset="all")
    X_tr, _ = load_multilabel("rcv1subset1", subset="train")
    X_te, _ = load_multilabel("rcv1subset1", subset="test")
    assert X_all.shape[0] == 6000
    assert (sp.vstack([X_tr, X_te]) != X_all).nnz == 0  # "all" is train then test
    with pytest.raises(ValueError, match="name must be one of"):
        load_multilabel("amazoncat13k")


def test_missing_data_error_names_directory_and_fix(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_multilabel("enron", data_home=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "enron") in message
    assert "SKDISTILL_DATA" in message and "data_home" in message
    with pytest.raises(FileNotFoundError, match="fashion_mnist"):
        load_fashion_mnist(data_home=tmp_path)


def test_data_home_resolution_env_and_cwd(tmp_path, monkeypatch):
    real = None
    from skdistill.datasets import _candidate_data_homes

    for home in _candidate_data_homes(None):
        if (home / "enron" / "X_test.npz").is_file():
            real = home
    if real is None and os.environ.get("SKDISTILL_DATA") is None:
        pytest.skip("shared data not available")
    real = real or Path(os.environ["SKDISTILL_DATA"])

    # The environment variable is used when no data_home is given, and only it.
    monkeypatch.setenv("SKDISTILL_DATA", str(real))
    assert load_multilabel("enron", subset="test")[0].shape[0] == 579
    monkeypatch.setenv("SKDISTILL_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_multilabel("enron", subset="test")

    # Without the variable, ../shared/data relative to the current directory is searched.
    monkeypatch.delenv("SKDISTILL_DATA")
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "enron").symlink_to(real / "enron")
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    from skdistill.datasets import _find_dataset_dir

    found = _find_dataset_dir("enron", ["X_test.npz"])
    assert found == Path.cwd().parent / "shared" / "data" / "enron"
