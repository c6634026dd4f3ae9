"""scikit-learn's estimator checks on DistilledClassifier with a skorch student."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)
from skorch import NeuralNetClassifier  # noqa: E402

from skdistill import DistilledClassifier  # noqa: E402
from skdistill.nets import MLPModule  # noqa: E402


class _MLPModule64(MLPModule):
    """The same network with float64 weights (its forward casts the input to them)."""

    def __init__(self, n_features=None, n_classes=None, hidden_units=(128,), random_state=None):
        super().__init__(n_features, n_classes, hidden_units=hidden_units,
                         random_state=random_state)
        self.double()


def _configuration(module=MLPModule):
    # seeded initialisation and a fixed data order make refits identical, as the
    # checks (idempotence, list vs array input...) expect of a deterministic fit
    student = NeuralNetClassifier(
        module, module__hidden_units=(16,), module__random_state=0, max_epochs=8, lr=0.5,
        batch_size=64, iterator_train__shuffle=False, train_split=None, verbose=0,
    )
    # alpha=1: weighted and repeated rows fit alike (alpha="auto" would split them into
    # different folds)
    return DistilledClassifier(student=student, teacher=LogisticRegression(), alpha=1.0)


_FLOAT32 = (
    "float32 round-off against the check's rtol=1e-7: its 15 weighted rows and 27 "
    "repeated rows are each one full batch (batch_size=64), so both fits take the same "
    "8 gradient steps on the same objective, but in float32 (row weights rescaled to "
    "mean one, rows summed in another order) the outputs differ by up to 3e-7 relative; "
    "a float64 module passes the check (test_sample_weight_equivalence_in_float64)"
)
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
    # a net reads sparse rows a batch at a time, so the sparse variant runs too
    "check_sample_weight_equivalence_on_sparse_data": _FLOAT32,
}


@parametrize_with_checks(
    [_configuration()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_compatible_with_skorch_student(estimator, check):
    check(estimator)


def test_sample_weight_equivalence_in_float64():
    """scikit-learn's own check, passed once the net computes in float64."""
    check_sample_weight_equivalence_on_dense_data("DistilledClassifier",
                                                  _configuration(_MLPModule64))


def test_sample_weights_equal_repeated_rows_to_float32_precision():
    """With the float32 module, integer weights and repeated rows agree to float32
    round-off (far below any difference between distinct fits)."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    w = rng.randint(0, 5, size=15)
    weighted = _configuration().fit(X, y, sample_weight=w)
    repeated = _configuration().fit(X.repeat(w, axis=0), y.repeat(w))
    unweighted = _configuration().fit(X, y)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-5, atol=1e-7)
    # the weights do change the fit, by far more than that tolerance
    assert np.abs(unweighted.predict_proba(X) - repeated.predict_proba(X)).max() > 1e-3
