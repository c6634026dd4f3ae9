import io
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils._param_validation import InvalidParameterError

from skdistill import augment
from skdistill.augment import make_augmented_rows, munge, perturb
from skdistill.datasets import _TABULAR_FILES, load_tabular

from .test_datasets import tabular_params

pd = pytest.importorskip("pandas")

GENERATORS = [munge, perturb]


def _mixed_frame(n=300, seed=0):
    """A table as read_csv returns it: int, float with NaN, strings with NaN, and more."""
    rng = np.random.RandomState(seed)
    town = rng.choice(["north", "south", "east", "NA"], size=n)
    lines = ["rooms,area,price,town,garden"]
    for i in range(n):
        area = "NA" if i % 7 == 0 else f"{rng.uniform(20, 200):.1f}"
        lines.append(f"{rng.randint(1, 8)},{area},{rng.lognormal(12, 0.5):.0f},{town[i]},"
                     f"{'yes' if rng.rand() < 0.3 else 'no'}")
    X = pd.read_csv(io.StringIO("\n".join(lines)))
    X["garden"] = X["garden"].astype("category")
    X["owned"] = rng.rand(n) < 0.5
    floors = rng.randint(1, 4, n)
    X["floors"] = pd.array([None if i % 10 == 3 else f for i, f in enumerate(floors)],
                           dtype="Int64")
    return X


def _seen(column):
    return set(column.dropna().tolist()), bool(column.isna().any())


def _assert_valid_rows(rows, X, n_rows):
    """The invariants of synthetic rows of a DataFrame X."""
    assert isinstance(rows, pd.DataFrame) and rows.shape == (n_rows, X.shape[1])
    assert list(rows.columns) == list(X.columns)
    pd.testing.assert_series_equal(rows.dtypes, X.dtypes)
    assert rows.index.equals(pd.RangeIndex(n_rows))
    for name in X.columns:
        old, new = X[name], rows[name]
        if not pd.api.types.is_numeric_dtype(old) or pd.api.types.is_bool_dtype(old):
            values, has_nan = _seen(old)
            assert set(new.dropna().tolist()) <= values, name
            assert has_nan or not new.isna().any(), name
            if isinstance(old.dtype, pd.CategoricalDtype):
                assert new.cat.categories.equals(old.cat.categories), name
            continue
        values = new.dropna().to_numpy(dtype=float)
        assert values.min() >= old.min() and values.max() <= old.max(), name
        if pd.api.types.is_integer_dtype(old):
            np.testing.assert_array_equal(values, np.round(values))
        assert old.isna().any() or not new.isna().any(), name


# -- Types, dtypes, values ------------------------------------------------------------------


@pytest.mark.parametrize("generate", GENERATORS)
def test_dataframe_types_dtypes_and_values_are_kept(generate):
    X = _mixed_frame()
    assert X["town"].isna().any() and X["area"].isna().any()  # read_csv's NA is NaN
    rows = generate(X, 1000, p=0.5, random_state=0)
    _assert_valid_rows(rows, X, 1000)
    # Cells do change: the rows are not copies of the data.
    assert not rows["area"].dropna().isin(X["area"]).all()
    assert X.index.equals(pd.RangeIndex(len(X)))  # X itself untouched


@pytest.mark.parametrize("generate", GENERATORS)
def test_arrays_keep_their_dtype_and_categorical_columns(generate):
    rng = np.random.RandomState(0)
    X_int = rng.randint(-5, 40, size=(200, 4))
    rows = generate(X_int, 500, p=0.6, random_state=0)
    assert rows.dtype == X_int.dtype and rows.shape == (500, 4)
    assert (rows >= X_int.min(axis=0)).all() and (rows <= X_int.max(axis=0)).all()

    X = rng.normal(size=(200, 3))
    X[:, 2] = rng.choice([0.5, 7.0, 9.0], size=200)
    X[::9, 0] = np.nan
    for categorical in ([False, False, True], [2], np.array([2])):
        rows = generate(X, 500, p=0.6, categorical=categorical, random_state=0)
        assert rows.dtype == np.float64 and rows.shape == (500, 3)
        assert set(np.unique(rows[:, 2])) <= {0.5, 7.0, 9.0}
    # Without the mask the column is continuous, and takes other values.
    rows = generate(X, 500, p=0.6, random_state=0)
    assert not set(np.unique(rows[:, 2])) <= {0.5, 7.0, 9.0}


def test_object_array_needs_its_string_columns_marked_categorical():
    X = np.array([[1.0, "a"], [2.0, "b"], [3.0, "a"], [4.0, None]], dtype=object)
    rows = munge(X, 10, categorical=[1], random_state=0)
    assert rows.dtype == object and set(rows[:, 1]) <= {"a", "b", None}
    with pytest.raises(ValueError, match=r"Column\(s\) '1' \(object\) are not numeric"):
        munge(X, 10, random_state=0)


def test_a_dataframe_string_column_cannot_be_made_continuous():
    X = _mixed_frame(50)
    with pytest.raises(ValueError, match=r"'town' \(\w+\), 'owned' \(bool\) are not.*Mark them"):
        munge(X, 10, categorical=["garden"])
    rows = munge(X, 20, categorical=["town", "garden", "owned", "rooms"], random_state=0)
    assert set(rows["rooms"]) <= set(X["rooms"])  # a numeric column taken as nominal


# -- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("generate", GENERATORS)
def test_sparse_input_is_refused_with_the_reason(generate):
    with pytest.raises(TypeError, match="sparse matrix.*dense.*toarray"):
        generate(sp.random(20, 3, density=0.3, format="csr", random_state=0), 10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"p": 1.5}, "'p' parameter of munge"),
        ({"p": -0.1}, "'p' parameter"),
        ({"s": 0.0}, "'s' parameter"),
        ({"n_rows": 0}, "'n_rows' parameter"),
        ({"n_rows": 2.5}, "'n_rows' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
    ],
)
def test_munge_parameters_are_validated(kwargs, match):
    params = {"n_rows": 10, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        munge(np.zeros((5, 2)), **params)


def test_perturb_and_resolver_parameters_are_validated():
    X = np.zeros((5, 2))
    with pytest.raises(InvalidParameterError, match="'scale' parameter of perturb"):
        perturb(X, 10, scale=-1.0)
    with pytest.raises(InvalidParameterError, match="'p' parameter of perturb"):
        perturb(X, 10, p=2)
    with pytest.raises(InvalidParameterError, match="'method' parameter"):
        make_augmented_rows(X, "smote", 1.0)
    with pytest.raises(InvalidParameterError, match="'size' parameter"):
        make_augmented_rows(X, "munge", 0.0)


def test_categorical_and_shape_errors_name_the_problem():
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match="mask of length 2, but X has 3 columns"):
        munge(X, 10, categorical=[True, False])
    with pytest.raises(ValueError, match=r"indices \[3\] outside 0..2"):
        munge(X, 10, categorical=[0, 3])
    with pytest.raises(ValueError, match="only a DataFrame has"):
        munge(X, 10, categorical=["a"])
    with pytest.raises(ValueError, match=r"names columns \['nope'\]"):
        munge(_mixed_frame(20), 10, categorical=["town", "nope"])
    with pytest.raises(ValueError, match="X must be 2-D"):
        perturb(np.zeros(5), 10)
    with pytest.raises(ValueError, match="at least one row"):
        munge(np.zeros((0, 3)), 10)


# -- Seeding and the resolver ---------------------------------------------------------------


@pytest.mark.parametrize("generate", GENERATORS)
def test_same_seed_same_rows(generate):
    X = _mixed_frame()
    a = generate(X, 400, p=0.5, random_state=3)
    pd.testing.assert_frame_equal(a, generate(X, 400, p=0.5, random_state=3))
    b = generate(X, 400, p=0.5, random_state=4)
    assert not a.equals(b)
    # A RandomState instance is used, not copied: two calls differ.
    rng = np.random.RandomState(0)
    assert not generate(X, 400, random_state=rng).equals(generate(X, 400, random_state=rng))


def test_make_augmented_rows_resolves_method_and_size():
    X = _mixed_frame(40)
    assert make_augmented_rows(X, None, 3.0) is None
    rows = make_augmented_rows(X, "munge", 2.5, 0, p=0.2)
    pd.testing.assert_frame_equal(rows, munge(X, 100, p=0.2, random_state=0))
    rows = make_augmented_rows(X.to_numpy()[:, :3].astype(float), "perturb", 0.01, 0)
    assert rows.shape == (1, 3)  # at least one row
    with pytest.raises(TypeError, match="unexpected keyword argument 's'"):
        make_augmented_rows(X, "perturb", 1.0, s=2.0)


# -- MUNGE's rule ---------------------------------------------------------------------------


def _pairs_problem(n_pairs=150, n_continuous=6, n_nominal=6, seed=0):
    """Pairs of rows far from every other pair: each row's nearest neighbour is its twin.

    Within pair k every attribute differs between the twins: continuous ones by
    ``gap`` (between 1 and 3), nominal ones by their level names.
    """
    rng = np.random.RandomState(seed)
    centre = 1000.0 * np.arange(n_pairs)[:, np.newaxis] + rng.uniform(0, 10, (n_pairs,
                                                                              n_continuous))
    gap = rng.uniform(1, 3, (n_pairs, n_continuous))
    first, second = centre, centre + gap
    data = {}
    for j in range(n_continuous):
        data[f"c{j}"] = np.column_stack([first[:, j], second[:, j]]).ravel()
    for j in range(n_nominal):
        data[f"n{j}"] = [f"pair{k}-{j}-{t}" for k in range(n_pairs) for t in "ab"]
    return pd.DataFrame(data)


def test_munge_pairs_rows_with_their_nearest_neighbour_and_swaps_with_rate_p():
    p, s = 0.3, 2.0
    X = _pairs_problem()
    cont = [c for c in X.columns if c.startswith("c")]
    nom = [c for c in X.columns if c.startswith("n")]
    rows = munge(X, 20_000, p=p, s=s, random_state=0)
    # Each synthetic row comes from one pair: its nominal levels name a single pair.
    pair_of = rows[nom].apply(lambda col: col.str.split("-").str[0])
    assert (pair_of.nunique(axis=1) == 1).all()
    k = pair_of.iloc[:, 0].str.removeprefix("pair").astype(int).to_numpy()
    # Leave out the first and last pairs, where a draw can be clipped to a real value.
    inner = (k > 0) & (k < k.max())
    A = X[cont].to_numpy()[0::2][k]  # the pair's first row
    B = X[cont].to_numpy()[1::2][k]  # and its second
    values = rows[cont].to_numpy()
    kept_a, kept_b = values == A, values == B
    swapped = ~(kept_a | kept_b)  # a draw never hits either value exactly
    # Each continuous attribute is swapped with probability p (about 58,000 Bernoulli
    # cells: standard error 0.002).
    assert abs(swapped[inner].mean() - p) < 0.01
    # The base row of each synthetic row, known from an attribute it kept.
    base_is_a = kept_a.any(axis=1)
    known = inner & (kept_a.any(axis=1) | kept_b.any(axis=1))
    assert not (kept_a.any(axis=1) & kept_b.any(axis=1))[inner].any()
    # Rows come in pairs: the second row of a pair has the other base.
    both = known[0::2] & known[1::2]
    assert both[inner[0::2]].mean() > 0.99  # all 6 attributes swapped: 0.3 ** 6
    assert (base_is_a[0::2] != base_is_a[1::2])[both].all()
    # Nominal attributes are swapped with probability p too.
    partner_level = np.where(base_is_a[:, np.newaxis], "b", "a")
    nominal_swapped = rows[nom].apply(lambda col: col.str[-1]).to_numpy() == partner_level
    assert abs(nominal_swapped[known].mean() - p) < 0.01
    # The spread rule: a swapped value is Normal(other row's value, |a - b| / s).
    cells = swapped & known[:, np.newaxis]
    other = np.where(base_is_a[:, np.newaxis], B, A)
    z = ((values - other) / (np.abs(A - B) / s))[cells]
    assert len(z) > 10_000
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05
    # Centred on the other row, not on its own value (which is |a - b| = s sds away).
    own = np.where(base_is_a[:, np.newaxis], A, B)
    assert np.abs(((values - own) / (np.abs(A - B) / s))[cells]).mean() > 1.5


def test_munge_with_p_zero_copies_rows_and_visits_every_row_equally():
    X = _pairs_problem(n_pairs=20)
    rows = munge(X, 3 * 2 * len(X), p=0.0, random_state=0)
    counts = rows.value_counts()
    assert len(counts) == len(X) and set(counts) == {6}  # each row once as e, once as e'


def _brute_force_neighbours(X_cont, codes):
    """The documented distance, pair by pair."""
    n, d = X_cont.shape
    mean, std = np.nanmean(X_cont, axis=0), np.nanstd(X_cont, axis=0)
    Z = (X_cont - mean) / np.where(std > 0, std, 1)
    best = np.arange(n)
    for i in range(n):
        best_distance = np.inf
        for j in range(n):
            both = ~np.isnan(Z[i]) & ~np.isnan(Z[j])
            same_cont = np.array_equal(np.isnan(Z[i]), np.isnan(Z[j])) and np.array_equal(
                Z[i][~np.isnan(Z[i])], Z[j][~np.isnan(Z[j])])
            if j == i or (same_cont and (codes[i] == codes[j]).all()) or not both.any():
                continue
            distance = ((Z[i, both] - Z[j, both]) ** 2).sum() * d / both.sum()
            distance += (codes[i] != codes[j]).sum()
            if distance < best_distance:
                best[i], best_distance = j, distance
    return best


def test_nearest_neighbour_distance_follows_the_documented_rule():
    rng = np.random.RandomState(1)
    n = 60
    X = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n) * 100,
                      "z": rng.randint(0, 3, n),
                      "u": rng.choice(["a", "b", "c"], n), "v": rng.choice(["p", "q"], n)})
    X.loc[rng.rand(n) < 0.2, "x"] = np.nan
    X.loc[rng.rand(n) < 0.2, "u"] = np.nan
    X.iloc[5] = X.iloc[4]  # a duplicate is never its twin's neighbour
    table = augment._table(X, None, "munge")
    codes = table.codes()
    expected = _brute_force_neighbours(table.values, codes)
    found = augment._nearest_distinct_neighbours(table)
    np.testing.assert_array_equal(found, expected)
    assert found[4] != 5 and found[5] != 4


def test_a_row_without_a_distinct_neighbour_is_copied():
    X = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_array_equal(munge(X, 6, p=1.0, random_state=0), np.tile(X[0], (6, 1)))


# -- Chunks and memory ----------------------------------------------------------------------


def test_neighbour_search_in_chunks_gives_the_same_rows(monkeypatch):
    X = _mixed_frame(500, seed=2)
    whole = munge(X, 1000, random_state=0)
    chunks = []
    real_gen_batches = augment.gen_batches

    def counting_gen_batches(n, batch_size):
        chunks.append(batch_size)
        return real_gen_batches(n, batch_size)

    monkeypatch.setattr(augment, "gen_batches", counting_gen_batches)
    # 0.01 MiB holds 2 rows of 500 distances: 250 chunks.
    monkeypatch.setattr(augment, "_NEIGHBOUR_WORKING_MEMORY", 0.01)
    pd.testing.assert_frame_equal(munge(X, 1000, random_state=0), whole)
    assert chunks == [2]


def test_munge_memory_stays_far_below_an_n_by_n_matrix():
    # 20,000 rows x 16 integer features, n_rows = 10 x 20,000 (the letter data's shape).
    n = 20_000
    X = np.random.RandomState(0).randint(0, 16, size=(n, 16))
    tracemalloc.start()
    try:
        rows = munge(X, 10 * n, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows.shape == (10 * n, 16)
    n_by_n = 8 * n * n  # 3.2 GB
    assert peak < n_by_n / 10, peak


# -- Perturbation ---------------------------------------------------------------------------


def test_perturb_noise_and_rate():
    p, scale = 0.4, 0.001
    X = np.column_stack([1000.0 * np.arange(50), 10.0 * np.arange(50)])
    std = X.std(axis=0)
    rows = perturb(X, 20_000, scale=scale, p=p, random_state=0)
    base = np.rint(rows[:, 0] / 1000).astype(int)  # noise is far smaller than the spacing
    delta = (rows - X[base]) / (scale * std)
    changed = delta != 0
    assert abs(changed.mean() - p) < 0.01  # 40,000 cells: standard error 0.0025
    inner = (base > 0) & (base < 49)  # no clipping at the data's ends
    z = delta[changed & inner[:, np.newaxis]]
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05
    # Every row is a base equally often.
    assert set(np.bincount(base, minlength=50)) == {400}


def test_perturb_resamples_nominal_cells_from_the_column():
    X = pd.DataFrame({"c": ["x"] * 80 + ["y"] * 20, "v": np.arange(100)})
    rows = perturb(X, 20_000, p=1.0, scale=0.0, random_state=0)
    # With p=1 each cell is a draw from the column: 'y' one time in five.
    assert abs((rows["c"] == "y").mean() - 0.2) < 0.015
    # With scale=0 numbers keep their base row's value: each row is a base 200 times.
    assert set(np.bincount(rows["v"], minlength=100)) == {200}


# -- The real tables ------------------------------------------------------------------------


@pytest.mark.parametrize("name", tabular_params())
@pytest.mark.parametrize("generate", GENERATORS)
def test_real_tables_as_read_csv_gives_them(name, generate):
    # load_tabular is pandas.read_csv of the file with the target column dropped.
    X = load_tabular(name).data
    assert _TABULAR_FILES[name][1] not in X.columns
    n_rows = min(2 * len(X), 5000)
    rows = generate(X, n_rows, random_state=0)
    _assert_valid_rows(rows, X, n_rows)
