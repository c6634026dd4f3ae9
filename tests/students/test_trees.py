"""Trees and forests on soft targets: leaf values, whole-row bootstrap, one-hot equivalence."""

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from skdistill import fit_soft_targets
from tests._utils import one_hot


def _expand(X, P, sample_weight=None):
    """Every row once per class, weighted ``w_n * P[n, k]``: the weighted Gini problem."""
    n, L = P.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    return np.repeat(X, L, axis=0), np.tile(np.arange(L), n), (w[:, None] * P).ravel()


def _leaf_means(tree, X, P, w):
    leaves = tree.apply(X)
    out = {}
    for leaf in np.unique(leaves):
        m = leaves == leaf
        out[leaf] = (w[m, None] * P[m]).sum(axis=0) / w[m].sum()
    return out


@pytest.mark.parametrize("weighted", [False, True])
def test_leaf_values_are_weighted_means_of_soft_targets(soft_problem, weighted):
    X, P = soft_problem
    w = np.random.RandomState(2).uniform(0.2, 3, len(X)) if weighted else np.ones(len(X))
    tree = fit_soft_targets(DecisionTreeClassifier(max_depth=4, random_state=0), X, P,
                            sample_weight=w if weighted else None)
    assert isinstance(tree, DecisionTreeClassifier)
    for leaf, mean in _leaf_means(tree, X, P, w).items():
        np.testing.assert_allclose(tree.tree_.value[leaf, 0], mean, atol=1e-12)
        np.testing.assert_allclose(tree.predict_proba(X[tree.apply(X) == leaf][:1])[0], mean)
    # Node impurities are the Gini impurities of the soft class fractions.
    v = tree.tree_.value[:, 0]
    np.testing.assert_allclose(tree.tree_.impurity, 1 - (v**2).sum(axis=1))


def test_same_splits_as_gini_on_expanded_rows(soft_problem):
    """NOTES: Gini on weighted row expansion and squared error on P choose the same splits."""
    X, P = soft_problem
    X_rep, y_rep, w_rep = _expand(X, P)
    expanded = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        X_rep, y_rep, sample_weight=w_rep)
    soft = fit_soft_targets(DecisionTreeClassifier(max_depth=3, random_state=0), X, P)
    np.testing.assert_array_equal(soft.tree_.feature, expanded.tree_.feature)
    np.testing.assert_allclose(soft.tree_.threshold, expanded.tree_.threshold)
    np.testing.assert_allclose(soft.predict_proba(X), expanded.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize(
    "student",
    [
        DecisionTreeClassifier(random_state=0),
        DecisionTreeClassifier(max_depth=3, min_samples_leaf=7, random_state=0),
        ExtraTreeClassifier(random_state=0),
        RandomForestClassifier(n_estimators=10, random_state=0),
        ExtraTreesClassifier(n_estimators=10, max_depth=4, random_state=0),
    ],
    ids=lambda est: type(est).__name__,
)
def test_one_hot_targets_give_the_ordinary_fit(soft_problem, student):
    X, P = soft_problem
    y = P.argmax(axis=1)
    soft = fit_soft_targets(student.__class__(**student.get_params()), X, one_hot(y, 3))
    hard = student.__class__(**student.get_params()).fit(X, y)
    assert type(soft) is type(hard)
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(soft.feature_importances_, hard.feature_importances_, atol=1e-10)


@pytest.mark.parametrize("pruning", [{"min_impurity_decrease": 0.01}, {"ccp_alpha": 0.02}],
                         ids=lambda p: next(iter(p)))
@pytest.mark.parametrize("family", [DecisionTreeClassifier, RandomForestClassifier])
def test_impurity_thresholds_keep_their_gini_meaning(soft_problem, pruning, family):
    """min_impurity_decrease and ccp_alpha are Gini quantities: on one-hot targets the
    soft fit prunes exactly as the ordinary fit does (the regression twin's impurity is
    Gini / n_classes, so the thresholds must be scaled with it)."""
    X, P = soft_problem
    y = P.argmax(axis=1)
    params = dict(random_state=0, **pruning)
    if family is RandomForestClassifier:
        params["n_estimators"] = 5
    hard = family(**params).fit(X, y)
    soft = fit_soft_targets(family(**params), X, one_hot(y, 3))
    unpruned = family(**{**params, **dict.fromkeys(pruning, 0.0)}).fit(X, y)
    trees = getattr(hard, "estimators_", [hard])
    soft_trees = getattr(soft, "estimators_", [soft])
    unpruned_trees = getattr(unpruned, "estimators_", [unpruned])
    # the setting does prune: every tree is smaller than without it
    for tree, full in zip(trees, unpruned_trees):
        assert tree.get_n_leaves() < full.get_n_leaves()
    assert [t.get_n_leaves() for t in soft_trees] == [t.get_n_leaves() for t in trees]
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("pruning", [{"min_impurity_decrease": 0.002},
                                     {"ccp_alpha": 0.002}], ids=lambda p: next(iter(p)))
def test_impurity_thresholds_on_soft_targets_equal_weighted_expansion(soft_problem, pruning):
    """With genuinely soft, weighted targets the pruned tree is the pruned Gini tree on the
    weighted row expansion (one row per class, weight ``w_n P[n, k]``)."""
    X, P = soft_problem
    w = np.random.RandomState(2).uniform(0.2, 3, len(X))
    X_rep, y_rep, w_rep = _expand(X, P, w)
    expanded = DecisionTreeClassifier(random_state=0, **pruning).fit(
        X_rep, y_rep, sample_weight=w_rep)
    soft = fit_soft_targets(DecisionTreeClassifier(random_state=0, **pruning), X, P,
                            sample_weight=w)
    assert 1 < soft.get_n_leaves() < fit_soft_targets(
        DecisionTreeClassifier(random_state=0), X, P, sample_weight=w).get_n_leaves()
    assert soft.get_n_leaves() == expanded.get_n_leaves()
    np.testing.assert_array_equal(soft.tree_.feature, expanded.tree_.feature)
    np.testing.assert_allclose(soft.predict_proba(X), expanded.predict_proba(X), atol=1e-10)


def test_min_samples_leaf_counts_whole_rows(soft_problem):
    X, P = soft_problem
    tree = fit_soft_targets(DecisionTreeClassifier(min_samples_leaf=15, random_state=0), X, P)
    leaves = tree.apply(X)
    assert np.bincount(leaves)[np.unique(leaves)].min() >= 15
    assert tree.get_n_leaves() > 1


def test_forest_bootstrap_resamples_whole_rows(soft_problem):
    """A bootstrap sample is a multiset of whole rows: integer total weight n at each root,
    drawn over n rows (a per-class-piece bootstrap would have fractional weights and
    count up to n * n_classes pieces)."""
    X, P = soft_problem
    n = len(X)
    forest = fit_soft_targets(RandomForestClassifier(n_estimators=5, random_state=0), X, P)
    for tree in forest.estimators_:
        assert tree.tree_.weighted_n_node_samples[0] == pytest.approx(n)
        assert tree.tree_.n_node_samples[0] < n  # some rows out of bag, none split in pieces
        leaf_w = tree.tree_.weighted_n_node_samples[tree.tree_.children_left == -1]
        np.testing.assert_allclose(leaf_w, np.round(leaf_w))
    proba = forest.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        proba, np.mean([t.predict_proba(X) for t in forest.estimators_], axis=0))


def test_class_only_in_soft_targets_and_class_without_mass(soft_problem):
    X, P = soft_problem
    P4 = np.column_stack([P, np.zeros(len(X))])  # class "d" has no mass at all
    P4[:, 2] *= 0.1  # class "c" is never the argmax
    P4[:, 0] += 1 - P4.sum(axis=1)
    assert not np.any(P4.argmax(axis=1) == 2)
    for student in [DecisionTreeClassifier(max_depth=3), RandomForestClassifier(n_estimators=3)]:
        clf = fit_soft_targets(student, X, P4, classes=np.array(["a", "b", "c", "d"]))
        assert clf.classes_.tolist() == ["a", "b", "c", "d"]
        assert clf.predict_proba(X).shape == (len(X), 4)
        assert np.all(clf.predict_proba(X)[:, 3] == 0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"criterion": "entropy"}, "criterion='gini'"),
        ({"oob_score": True}, "oob_score"),
        ({"class_weight": "balanced_subsample"}, "balanced_subsample"),
    ],
)
def test_unsupported_tree_settings_are_refused(soft_problem, params, match):
    X, P = soft_problem
    with pytest.raises(ValueError, match=match):
        fit_soft_targets(RandomForestClassifier(n_estimators=2, **params), X, P)


def test_class_weight_equals_folded_weights(soft_problem):
    X, P = soft_problem
    cw = np.array([3.0, 1.0, 0.5])
    a = fit_soft_targets(DecisionTreeClassifier(max_depth=3, random_state=0,
                                                class_weight=dict(enumerate(cw))), X, P)
    Pw = P * cw
    b = fit_soft_targets(DecisionTreeClassifier(max_depth=3, random_state=0), X,
                         Pw / Pw.sum(1, keepdims=True), sample_weight=Pw.sum(1))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("family", [DecisionTreeClassifier, RandomForestClassifier])
def test_balanced_class_weight_with_integer_weights_equals_repeated_rows(soft_problem, family):
    """'balanced' counts the weighted soft class mass: weight 3 on a row is that row
    three times, for the class weights as for the fit."""
    X, P = soft_problem
    y = P.argmax(axis=1)
    # weights that shift the class mass, so ignoring them changes the class weights
    w = np.random.RandomState(3).randint(1, 3, len(X)) + 2 * (y == 0)
    rows = np.repeat(np.arange(len(X)), w)
    params = dict(class_weight="balanced", max_depth=4, random_state=0)
    if family is RandomForestClassifier:
        params.update(n_estimators=5, bootstrap=False, max_features=None)
    weighted = fit_soft_targets(family(**params), X, P, sample_weight=w)
    repeated = fit_soft_targets(family(**params), X[rows], P[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               atol=1e-12)


@pytest.mark.parametrize(
    "family", [DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier]
)
def test_class_weight_parameter_survives_the_fit(soft_problem, family):
    """fit_soft_targets fits in place: the parameters must still be the user's, so that
    fitting the same object again (or cloning it) gives the same model."""
    X, P = soft_problem
    student = family(class_weight={0: 5.0, 1: 1.0, 2: 1.0}, max_depth=3, random_state=0,
                     **({} if family is DecisionTreeClassifier else {"n_estimators": 3}))
    first = fit_soft_targets(student, X, P).predict_proba(X)
    assert student.get_params()["class_weight"] == {0: 5.0, 1: 1.0, 2: 1.0}
    np.testing.assert_allclose(fit_soft_targets(student, X, P).predict_proba(X), first)
