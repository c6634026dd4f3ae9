from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import multivariate_normal

from skdistill.datasets import (
    _TABULAR_FILES,
    MULTILABEL_DATASETS,
    TABULAR_DATASETS,
    SoftmaxClassProbability,
    gaussian_class_probability,
    get_data_home,
    load_fashion_mnist,
    load_multilabel,
    load_tabular,
    make_gaussian_classification,
    make_planted_retrieval,
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


def test_planted_retrieval_has_its_planted_structure():
    X, Y, signatures, prior = make_planted_retrieval(
        4000, n_features=5000, n_labels=300, labels_per_row=3.0, return_structure=True,
        random_state=0)
    assert X.shape == (4000, 5000) and Y.shape == (4000, 300) and X.dtype == np.float32
    np.testing.assert_allclose(sp.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    counts = np.diff(Y.indptr)
    assert counts.min() >= 1 and set(np.unique(Y.data)) == {1}
    # 1 + Poisson(2) draws, fewer labels only where a draw repeats a label
    assert 2.5 < counts.mean() <= 3.0
    # head labels are drawn more often, in proportion to the power-law prior
    frequency = np.asarray(Y.sum(axis=0)).ravel()
    assert frequency[:10].sum() > frequency[-100:].sum()
    assert prior[0] / prior[1] == pytest.approx(2.0)
    # a row keeps each of its labels' signature words with probability 0.6
    rows, labels = Y.nonzero()
    present = np.asarray(X[np.repeat(rows, 8), signatures[labels].ravel()] > 0).ravel()
    assert abs(present.mean() - 0.6) < 0.02
    # seeded: the same call gives the same data
    X2, Y2 = make_planted_retrieval(4000, n_features=5000, n_labels=300, labels_per_row=3.0,
                                    random_state=0)
    assert (X2 != X).nnz == 0 and (Y2 != Y).nnz == 0
    with pytest.raises(ValueError, match="labels_per_row"):
        make_planted_retrieval(10, labels_per_row=0.5)


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


# -- Data home and loaders ------------------------------------------------------------------


def test_get_data_home_resolution_order(tmp_path, monkeypatch):
    home, env, arg = tmp_path / "home", tmp_path / "env", tmp_path / "arg"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SKDISTILL_DATA", raising=False)
    # Neither argument nor variable: the folder in the user's home (not created).
    assert get_data_home() == str(home / "skdistill_data")
    assert not (home / "skdistill_data").exists()
    # An empty variable counts as unset.
    monkeypatch.setenv("SKDISTILL_DATA", "")
    assert get_data_home() == str(home / "skdistill_data")
    # The variable beats the home folder ...
    monkeypatch.setenv("SKDISTILL_DATA", str(env))
    assert get_data_home() == str(env)
    # ... and the argument beats both, as a str or a path.
    assert get_data_home(str(arg)) == str(arg)
    assert get_data_home(arg) == str(arg)
    # A leading ~ is expanded wherever the folder comes from.
    assert get_data_home("~/mine") == str(home / "mine")
    monkeypatch.setenv("SKDISTILL_DATA", "~/from_env")
    assert get_data_home() == str(home / "from_env")


def test_get_data_home_rejects_a_non_path():
    with pytest.raises(TypeError, match="data_home must be a str or path-like"):
        get_data_home(3)
    with pytest.raises(TypeError, match="data_home"):
        load_multilabel("enron", data_home=["/data"])


def test_loaders_resolve_through_get_data_home(fake_data_home, tmp_path, monkeypatch):
    # The same made-up data set is found through each of the three sources.
    monkeypatch.delenv("SKDISTILL_DATA", raising=False)
    X, y = load_fashion_mnist(fake_data_home, subset="test")
    assert X.shape == (100, 784) and y.shape == (100,)
    monkeypatch.setenv("SKDISTILL_DATA", str(fake_data_home))
    np.testing.assert_array_equal(load_fashion_mnist(subset="test")[1], y)
    monkeypatch.delenv("SKDISTILL_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "skdistill_data").symlink_to(fake_data_home)
    np.testing.assert_array_equal(load_fashion_mnist(subset="test")[1], y)
    # The argument wins over a variable that points elsewhere.
    monkeypatch.setenv("SKDISTILL_DATA", str(tmp_path / "nowhere"))
    np.testing.assert_array_equal(load_fashion_mnist(fake_data_home, subset="test")[1], y)


def test_load_fashion_mnist_reads_the_idx_format(fake_data_home):
    X, y = load_fashion_mnist(fake_data_home, subset="train", dtype=np.float32)
    assert X.shape == (300, 784) and X.dtype == np.float32
    assert X.min() >= 0.0 and X.max() <= 1.0
    np.testing.assert_array_equal(y, np.arange(300) % 10)
    X_sub, y_sub = load_fashion_mnist(fake_data_home, n_samples=50, random_state=0,
                                      dtype=np.float32)
    assert X_sub.shape == (50, 784)
    # The subset keeps file order, so the rows are rows of the full set.
    rows = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in X_sub]
    assert rows == sorted(rows)
    np.testing.assert_array_equal(y_sub, y[rows])
    with pytest.raises(ValueError, match="n_samples"):
        load_fashion_mnist(fake_data_home, n_samples=301)


def test_missing_data_set_error_names_folder_files_and_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("SKDISTILL_DATA", raising=False)
    # The data home exists but does not hold the data set.
    with pytest.raises(FileNotFoundError) as info:
        load_multilabel("enron", data_home=tmp_path)
    message = str(info.value)
    assert f"no folder {tmp_path / 'enron'}" in message
    assert "X_train.npz" in message and "Y_train.npz" in message
    assert "data_home argument" in message
    assert "SKDISTILL_DATA" in message and "never downloads" in message
    # The data set folder exists but lacks a file: the missing file is named.
    (tmp_path / "fashion_mnist").mkdir()
    (tmp_path / "fashion_mnist" / "t10k-images-idx3-ubyte.gz").touch()
    with pytest.raises(FileNotFoundError, match="lacks t10k-labels-idx1-ubyte.gz"):
        load_fashion_mnist(tmp_path, subset="test")
    # The data home itself does not exist; the message says where it came from.
    monkeypatch.setenv("SKDISTILL_DATA", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert f"data home {tmp_path / 'absent'}" in message and "does not exist" in message
    assert "SKDISTILL_DATA environment variable" in message
    monkeypatch.delenv("SKDISTILL_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    with pytest.raises(FileNotFoundError, match="the default data home"):
        load_multilabel("rcv1subset1")


@pytest.mark.needs_data("fashion_mnist")
def test_load_fashion_mnist_subset():
    X, y = load_fashion_mnist(subset="test", n_samples=500, random_state=0)
    assert X.shape == (500, 784) and X.dtype == np.float64
    assert X.min() >= 0.0 and X.max() <= 1.0 and X.max() > 0.99
    assert y.dtype.kind == "i" and set(np.unique(y)) <= set(range(10))
    X2, y2 = load_fashion_mnist(subset="test", n_samples=500, random_state=0)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.needs_data("fashion_mnist")
def test_load_fashion_mnist_full_test_set_order():
    bunch = load_fashion_mnist(subset="test", return_X_y=False)
    assert bunch.data.shape == (10_000, 784)
    # First test labels as documented in the data's SOURCE.md.
    np.testing.assert_array_equal(bunch.target[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 1000))
    assert bunch.target_names[9] == "Ankle boot"
    with pytest.raises(ValueError, match="subset"):
        load_fashion_mnist(subset="validation")


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.needs_data(name)) for name in MULTILABEL_DATASETS]
)
def test_load_multilabel_shapes(name):
    expected = {  # (n_train, n_test, n_features, n_labels) from each SOURCE.md
        "bibtex": (4880, 2515, 1836, 159),
        "corel5k": (4500, 500, 499, 374),
        "delicious": (12920, 3185, 500, 983),
        "enron": (1123, 579, 1001, 53),
        "rcv1subset1": (3000, 3000, 944, 101),
    }[name]
    X, Y = load_multilabel(name)
    X_test, Y_test = load_multilabel(name, subset="test")
    assert sp.isspmatrix_csr(X) and sp.isspmatrix_csr(Y)
    assert X.dtype == np.float32 and Y.dtype == np.uint8
    assert (X.shape[0], X_test.shape[0], X.shape[1], Y.shape[1]) == expected
    assert Y.shape[0] == X.shape[0] and Y_test.shape[0] == X_test.shape[0]
    assert set(np.unique(Y.data)) == {1}
    X_rep, y = multilabel_to_multiclass(X, Y)
    assert X_rep.shape[0] == y.shape[0] == Y.nnz


@pytest.mark.needs_data("rcv1subset1")
def test_load_multilabel_rcv1_split_is_a_partition():
    X_all, Y_all = load_multilabel("rcv1subset1", subset="all")
    X_tr, _ = load_multilabel("rcv1subset1", subset="train")
    X_te, _ = load_multilabel("rcv1subset1", subset="test")
    assert X_all.shape[0] == 6000
    assert (sp.vstack([X_tr, X_te]) != X_all).nnz == 0  # "all" is train then test
    with pytest.raises(ValueError, match="name must be one of"):
        load_multilabel("amazoncat13k")


def test_package_never_looks_in_the_repository_layout():
    # The data home comes from the caller, the environment or the user's home only.
    import skdistill

    package = Path(skdistill.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "shared/data" in path.read_text() or "shared\\data" in path.read_text()
    ]
    assert offenders == []


# -- Real tabular data sets -----------------------------------------------------------------


def tabular_params(names=tuple(TABULAR_DATASETS)):
    """One pytest param per tabular data set, skipped (naming the file sought) if absent."""
    params = []
    for name in names:
        path = Path(get_data_home()) / "tabular" / _TABULAR_FILES[name][0]
        reason = (f"data set {name!r} not found: no file {path}; set SKDISTILL_DATA to the "
                  "folder that holds 'tabular/'")
        params.append(pytest.param(name, marks=pytest.mark.skipif(not path.is_file(),
                                                                   reason=reason)))
    return params


# (rows, features, target column, number of classes or None for regression), from
# tabular/SOURCE.md.
TABULAR_SHAPES = {
    "letter": (20000, 16, "lettr", 26),
    "satellite": (6435, 36, "classes", 6),
    "vehicle": (846, 18, "Class", 4),
    "spam": (4601, 57, "type", 2),
    "credit": (4454, 13, "Status", 2),
    "churn": (7043, 19, "churn", 2),
    "ames": (2930, 73, "Sale_Price", None),
    "concrete": (1030, 8, "compressive_strength", None),
}


def test_tabular_listing_names_a_file_and_task_for_each_set():
    assert set(TABULAR_DATASETS) == set(_TABULAR_FILES) == set(TABULAR_SHAPES)
    for name, task in TABULAR_DATASETS.items():
        assert task == ("classification" if TABULAR_SHAPES[name][3] else "regression")
        assert _TABULAR_FILES[name][1] == TABULAR_SHAPES[name][2]


@pytest.mark.parametrize("name", tabular_params())
def test_load_tabular_shapes_and_targets(name):
    pd = pytest.importorskip("pandas")
    n_rows, n_features, target, n_classes = TABULAR_SHAPES[name]
    bunch = load_tabular(name)
    assert bunch.data.shape == (n_rows, n_features)
    assert bunch.target.shape == (n_rows,) and bunch.target.name == target
    assert bunch.target_names == [target] and target not in bunch.data.columns
    assert bunch.feature_names == list(bunch.data.columns)
    assert bunch.task == TABULAR_DATASETS[name]
    assert _TABULAR_FILES[name][0] in bunch.DESCR
    if n_classes is None:
        assert pd.api.types.is_numeric_dtype(bunch.target)
    else:
        assert bunch.target.nunique() == n_classes
    # Exactly what a user's read_csv gives: no dtype changed, no row dropped.
    read = pd.read_csv(Path(get_data_home()) / "tabular" / _TABULAR_FILES[name][0])
    pd.testing.assert_frame_equal(bunch.frame, read)
    pd.testing.assert_frame_equal(bunch.data, read.drop(columns=target))
    assert not any(isinstance(d, pd.CategoricalDtype) for d in bunch.data.dtypes)
    X, y = load_tabular(name, return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    pd.testing.assert_series_equal(y, bunch.target)
    X_array, y_array = load_tabular(name, as_frame=False, return_X_y=True)
    assert isinstance(X_array, np.ndarray) and X_array.shape == (n_rows, n_features)
    assert isinstance(y_array, np.ndarray) and y_array.shape == (n_rows,)
    assert load_tabular(name, as_frame=False).frame is None


@pytest.mark.parametrize("name", tabular_params(["credit", "churn"]))
def test_load_tabular_keeps_missing_values(name):
    # The columns with NA in the files, as SOURCE.md says.
    expected = {"credit": {"Home", "Marital", "Job", "Income", "Assets", "Debt"},
                "churn": {"total_charges"}}[name]
    data = load_tabular(name).data
    assert set(data.columns[data.isna().any()]) == expected


def test_load_tabular_reads_a_csv_in_the_data_home(tmp_path):
    pd = pytest.importorskip("pandas")
    (tmp_path / "tabular").mkdir()
    (tmp_path / "tabular" / "modeldata_credit_data.csv").write_text(
        '"Status","Seniority","Home","Income"\n'
        '"good",9,"rent",NA\n'
        '"bad",17,NA,131\n'
        '"good",10,"owner",200\n'
    )
    bunch = load_tabular("credit", data_home=tmp_path)
    assert list(bunch.data.columns) == ["Seniority", "Home", "Income"]
    assert bunch.target.tolist() == ["good", "bad", "good"]
    assert bunch.data["Seniority"].dtype == np.int64
    assert bunch.data["Income"].isna().tolist() == [True, False, False]
    assert pd.isna(bunch.data["Home"].iloc[1]) and bunch.data["Home"].iloc[2] == "owner"
    assert bunch.DESCR.startswith("credit: modeldata_credit_data.csv")


def test_load_tabular_errors_name_the_folder_and_file(tmp_path, monkeypatch):
    monkeypatch.delenv("SKDISTILL_DATA", raising=False)
    with pytest.raises(ValueError, match="name must be one of"):
        load_tabular("iris", data_home=tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        load_tabular("letter", data_home=tmp_path)
    message = str(info.value)
    assert f"no folder {tmp_path / 'tabular'}" in message
    assert "mlbench_LetterRecognition.csv" in message and "never downloads" in message
    (tmp_path / "tabular").mkdir()
    with pytest.raises(FileNotFoundError, match="lacks modeldata_ames.csv"):
        load_tabular("ames", data_home=tmp_path)
