"""Decision trees and forests on soft targets, grown as regression trees.

With fractional class weights a node's Gini impurity is ``1 - sum_k pbar_k^2`` where
``pbar`` is the weighted mean of the rows' soft targets; the impurity decrease of a
split is then ``L`` times the decrease of the multi-output squared error of a
regression tree fitted to the probability vectors (the ``sum_k E[P_k^2]`` terms cancel
between a parent and its children). So the Gini tree on soft targets *is* the
squared-error tree on ``P``: same splits (up to ties), leaf values equal to the
weighted mean of the soft targets of the rows in the leaf. Growing it as a regressor
keeps rows whole, so ``min_samples_leaf`` counts rows and a forest's bootstrap
resamples whole rows, not per-class pieces. The fitted trees are then stored in the
user's own classifier with Gini impurities.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)
from sklearn.tree._tree import Tree

from ._expand import class_weight_vector, fold_class_weight
from ._registry import register_student_adapter

# classifier family -> the regressor that grows the same trees
_REGRESSOR_OF = {
    DecisionTreeClassifier: DecisionTreeRegressor,
    ExtraTreeClassifier: ExtraTreeRegressor,
    RandomForestClassifier: RandomForestRegressor,
    ExtraTreesClassifier: ExtraTreesRegressor,
}


def _family(student):
    for cls in type(student).__mro__:
        if cls in _REGRESSOR_OF:
            return cls
    return None


def _regressor_params(student, n_classes):
    params = student.get_params(deep=False)
    name = type(student).__name__
    if params.get("criterion", "gini") != "gini":
        raise ValueError(
            f"{name}(criterion={params['criterion']!r}) cannot be fitted exactly on soft "
            "targets; use criterion='gini' (a Gini tree on soft targets is a squared-error "
            "regression tree on the probabilities)."
        )
    if params.get("monotonic_cst") is not None:
        raise ValueError(f"{name}: monotonic_cst is not supported with soft targets.")
    if params.get("oob_score"):
        raise ValueError(
            f"{name}: oob_score=True has no labels to score against with soft targets; "
            "set oob_score=False and evaluate on held-out data."
        )
    if params.get("warm_start"):
        raise ValueError(f"{name}: warm_start=True is not supported with soft targets.")
    if params.get("class_weight") == "balanced_subsample":
        raise ValueError(
            f"{name}: class_weight='balanced_subsample' is not supported with soft targets; "
            "use 'balanced' or a dict."
        )
    params.pop("class_weight", None)
    params.pop("monotonic_cst", None)
    params["criterion"] = "squared_error"
    # Squared error averaged over L outputs is Gini / L, so thresholds on impurity scale.
    params["min_impurity_decrease"] = params["min_impurity_decrease"] / n_classes
    params["ccp_alpha"] = params["ccp_alpha"] / n_classes
    return params


def _classifier_tree(reg_tree, n_classes):
    """A classification ``Tree`` with the regression tree's nodes and soft-target values."""
    state = reg_tree.__getstate__()
    n_nodes = state["node_count"]
    values = np.ascontiguousarray(state["values"].reshape(n_nodes, 1, n_classes))
    nodes = state["nodes"].copy()
    nodes["impurity"] = 1.0 - np.sum(values[:, 0, :] ** 2, axis=1)
    tree = Tree(reg_tree.n_features, np.array([n_classes], dtype=np.intp), 1)
    tree.__setstate__({**state, "nodes": nodes, "values": values})
    return tree


def _as_classifier(clf, reg, classes):
    """Copy ``reg``'s fitted tree into the unfitted classifier ``clf``."""
    for attr in ("n_features_in_", "feature_names_in_", "max_features_"):
        if hasattr(reg, attr):
            setattr(clf, attr, getattr(reg, attr))
    clf.tree_ = _classifier_tree(reg.tree_, len(classes))
    clf.classes_ = classes
    clf.n_classes_ = len(classes)
    clf.n_outputs_ = 1
    return clf


def fit_trees(student, X, P, *, classes, sample_weight):
    """Fit a tree or forest classifier on soft targets via its regression twin."""
    family = _family(student)
    params = _regressor_params(student, len(classes))
    class_weight = student.get_params(deep=False).get("class_weight")
    cw = class_weight_vector(class_weight, P, classes, sample_weight)
    P, sample_weight = fold_class_weight(P, sample_weight, cw)

    reg = _REGRESSOR_OF[family](**params).fit(X, P, sample_weight=sample_weight)

    if not hasattr(reg, "estimators_"):
        return _as_classifier(student, reg, classes)

    template = DecisionTreeClassifier if family is RandomForestClassifier else ExtraTreeClassifier
    tree_params = {p: getattr(student, p) for p in student.estimator_params}
    estimators = [
        _as_classifier(
            template(**{**tree_params, "random_state": tree.random_state}), tree, classes
        )
        for tree in reg.estimators_
    ]
    # Carry the forest-level fitted state (sample counts, feature names, ...).
    # (not the parameters of either: a forest regressor also holds class_weight=None)
    params = set(reg.get_params(deep=False)) | set(student.get_params(deep=False))
    for attr, value in vars(reg).items():
        if attr not in params:
            setattr(student, attr, value)
    student.estimator_ = clone(template(**tree_params))
    student.estimators_ = estimators
    student.classes_ = classes
    student.n_classes_ = len(classes)
    student.n_outputs_ = 1
    return student


register_student_adapter(
    "DecisionTreeClassifier, ExtraTreeClassifier, RandomForestClassifier, "
    "ExtraTreesClassifier (criterion='gini')",
    lambda est: _family(est) is not None,
    fit_trees,
)
