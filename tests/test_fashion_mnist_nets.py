"""End to end on a Fashion-MNIST subset: a net teacher distilled into a small net student."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skdistill import DistilledClassifier  # noqa: E402
from skdistill.datasets import load_fashion_mnist  # noqa: E402
from skdistill.nets import LinearModule, MLPModule  # noqa: E402

pytestmark = pytest.mark.needs_data("fashion_mnist")

N_TRAIN, N_POOL, N_TEST = 2000, 2000, 1000


@pytest.fixture(scope="module")
def fashion():
    X, y = load_fashion_mnist(n_samples=N_TRAIN + N_POOL, random_state=0)
    X_test, y_test = load_fashion_mnist(subset="test", n_samples=N_TEST, random_state=0)
    return X, y, X_test, y_test


def _teacher():
    return NeuralNetClassifier(
        MLPModule, module__hidden_units=(128, 10), module__n_classes=10,
        module__random_state=0, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=1e-3, max_epochs=8, batch_size=64,
        train_split=None, verbose=0,
    )


def test_net_teacher_into_small_net_student(fashion):
    """The paper's Fashion-MNIST teacher (MLP 128-10) distilled into a linear student,
    which also sees an unlabelled pool labelled only by the teacher."""
    X, y, X_test, y_test = fashion
    y_semi = y.copy()
    y_semi[N_TRAIN:] = -1  # the second half is an unlabelled pool
    student = NeuralNetClassifier(
        LinearModule, module__random_state=0, optimizer=torch.optim.Adam, lr=1e-2,
        max_epochs=6, batch_size=128, iterator_train__shuffle=False,
    )
    clf = DistilledClassifier(
        student=student, teacher=_teacher(), temperature=2.0, unlabeled_label=-1
    )
    torch.manual_seed(0)
    clf.fit(X, y_semi)

    teacher_acc = np.mean(clf.teacher_.predict(X_test) == y_test)
    student_acc = np.mean(clf.predict(X_test) == y_test)
    # measured: teacher 0.77 (0.89 in the paper with 60000 rows), student 0.75; chance 0.10
    assert teacher_acc > 0.72
    assert student_acc > 0.68
    assert len(clf.student_.history) == 6
    np.testing.assert_array_equal(clf.classes_, np.arange(10))

    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))

    # the clone is unfitted with the same parameters; refitted it gives the same model
    # (seeded initialisation, fixed data order, teacher refitted under the same seed)
    twin = clone(clf)
    assert "student_" not in vars(twin)
    torch.manual_seed(0)
    twin.fit(X, y_semi)
    np.testing.assert_allclose(twin.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-5)
