"""The shared checks: row weights and classes (one wording of each error)."""

import numpy as np
import pytest

from skdistill._validation import check_classes, check_sample_weight, resolve_classes

# -- row weights ------------------------------------------------------------------------


def test_sample_weight_as_given_or_none():
    assert check_sample_weight(None, 3) is None
    w = check_sample_weight([1, 0, 2], 3)
    assert w.dtype == np.float64 and w.tolist() == [1.0, 0.0, 2.0]
    assert check_sample_weight(2.5, 3).tolist() == [2.5, 2.5, 2.5]  # a number, as scikit-learn


@pytest.mark.parametrize("sample_weight, match", [
    ([1.0, np.inf, 1.0], "w contains NaN or infinity"),
    ([1.0, np.nan, 1.0], "w contains NaN or infinity"),
    ([1.0, -0.5, 1.0], r"Negative values in w \(the smallest is -0.5\)"),
    ([1.0, 1.0], "w has 2 entries but X has 3 rows"),
    ([[1.0, 1.0, 1.0]], r"w must be 1-D.*shape \(1, 3\)"),
    (["a", "b", "c"], "w must be numeric"),
    ([0.0, 0.0, 0.0], "w gives every row weight zero"),
    ([1e308, 1e308, 1.0], "w sums to more than float64 can hold.*multiply C"),
])
def test_bad_sample_weight(sample_weight, match):
    with pytest.raises(ValueError, match=match):
        check_sample_weight(sample_weight, 3, name="w")


def test_tiny_but_positive_total_weight_is_accepted():
    w = check_sample_weight([5e-324, 0.0], 2)
    assert w.sum() > 0


# -- classes ----------------------------------------------------------------------------


def test_check_classes_keeps_order_and_type():
    assert check_classes(["b", "a"]).tolist() == ["b", "a"]
    assert check_classes(np.array([3, 1])).dtype.kind == "i"
    assert check_classes([1.0, 2.0]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("classes, match", [
    (["a", 1, 2], "mixes label types"),
    ([[0, 1]], "must be 1-D"),
    ([0, 1, 1], "duplicate"),
    ([0.5, 1.0], "non-integer"),
])
def test_check_classes_refusals(classes, match):
    with pytest.raises(ValueError, match=match):
        check_classes(classes)


def test_resolve_classes_from_y_or_given():
    assert resolve_classes(np.array(["b", "a", "b"])).tolist() == ["a", "b"]
    resolved = resolve_classes(np.array([0, 1]), [2, 1, 0])
    assert resolved.tolist() == [0, 1, 2]
    # a prefit teacher can name its classes before any row is labelled
    assert resolve_classes(np.array([], dtype=int), ["x", "y"]).tolist() == ["x", "y"]
    # classes given as numbers of another dtype than y's are the same kind of label
    assert resolve_classes(np.array([0, 1]), [0.0, 1.0, 2.0]).tolist() == [0, 1, 2]


@pytest.mark.parametrize("y, classes, match", [
    (np.array([0, 1, 2]), [0, 1], r"y contains labels \[2\] that are not in classes=\[0, 1\]"),
    (np.array([0, 1]), [0, 1, 1], "duplicate"),
    (np.array([0, 0]), None, "y must contain at least 2 classes among its labelled rows"),
    (np.array([0, 0]), [0], "classes must hold at least 2 classes"),
    (np.array(["a", 1], dtype=object), None, "y mixes label types"),
    (np.array(["a", "b"]), [0, 1], "y holds string labels but classes holds number labels"),
    (np.array([[0, 1]]), None, "y must be 1-D"),
    (np.array([0.5, 1.5]), None, "y holds non-integer numbers"),
    (np.array([0, 1]), [["a", "b"]], "classes must be 1-D"),
])
def test_resolve_classes_refusals(y, classes, match):
    with pytest.raises(ValueError, match=match):
        resolve_classes(y, classes)
