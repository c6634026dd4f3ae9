"""The ready-made torch modules."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402

from skdistill.nets import BottleneckModule, LinearModule, MLPModule  # noqa: E402


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_linear_module_is_affine():
    m = LinearModule(5, 3)
    assert _n_params(m) == 5 * 3 + 3
    x = torch.randn(4, 5)
    W, b = m.layers[0].weight, m.layers[0].bias
    torch.testing.assert_close(m(x), x @ W.T + b)


def test_mlp_layers_and_dropout():
    m = MLPModule(6, 4, hidden_units=(8, 5), activation="tanh", dropout=0.2)
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert _n_params(m) == (6 * 8 + 8) + (8 * 5 + 5) + (5 * 4 + 4)
    m.eval()
    out = m(torch.randn(3, 6))
    assert out.shape == (3, 4)
    # an integer hidden_units is one layer; activation may be a module class
    m2 = MLPModule(6, 4, hidden_units=7, activation=torch.nn.GELU)
    assert [type(layer).__name__ for layer in m2.layers] == ["Linear", "GELU", "Linear"]


def test_bottleneck_is_a_rank_h_linear_map():
    m = BottleneckModule(20, 50, width=4)
    assert [type(layer).__name__ for layer in m.layers] == ["Linear", "Linear"]
    # no nonlinearity: the scores are an affine map with a rank <= 4 weight matrix
    x = torch.randn(30, 20)
    eye_out = m(torch.eye(20)) - m(torch.zeros(1, 20))
    assert torch.linalg.matrix_rank(eye_out.detach()).item() <= 4
    torch.testing.assert_close(m(x), x @ eye_out + m(torch.zeros(1, 20)))


def test_input_width_is_inferred_and_float64_is_cast():
    m = MLPModule(n_classes=3, hidden_units=(4,))
    out = m(torch.randn(2, 9, dtype=torch.float64))
    assert out.dtype == torch.float32 and out.shape == (2, 3)
    assert m.layers[0].weight.shape == (4, 9)
    # images are flattened
    assert LinearModule(n_classes=2)(torch.zeros(3, 4, 4)).shape == (3, 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_features": 3}, "needs n_classes"),
        ({"n_features": 3, "n_classes": 0}, "n_classes must be a positive integer"),
        ({"n_features": 3, "n_classes": 2, "hidden_units": (4, 0)}, "hidden_units"),
        ({"n_features": 3, "n_classes": 2, "activation": "swishy"}, "activation must be"),
        ({"n_features": 3, "n_classes": 2, "dropout": 1.0}, "dropout"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLPModule(**kwargs)


def test_modules_in_skorch_clone_and_pickle():
    """A lazily sized module trains in skorch, pickles and clones."""
    from skorch import NeuralNetClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    net = NeuralNetClassifier(
        MLPModule, module__n_classes=2, module__hidden_units=(8,),
        criterion=torch.nn.CrossEntropyLoss, max_epochs=5, lr=0.1, train_split=None, verbose=0,
    )
    net.fit(X, y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    refit = clone(net).set_params(module__hidden_units=(3, 3)).fit(X, y)
    assert [layer.out_features for layer in refit.module_.layers
            if isinstance(layer, torch.nn.Linear)] == [3, 3, 2]


@pytest.mark.parametrize("n_features", [6, None])
def test_random_state_fixes_the_initialisation_and_spares_the_global_rng(n_features):
    x = torch.randn(3, 6)
    state = torch.random.get_rng_state()
    a = MLPModule(n_features, 2, hidden_units=(4,), random_state=7)
    b = MLPModule(n_features, 2, hidden_units=(4,), random_state=7)
    torch.testing.assert_close(a(x), b(x))  # also for lazily sized layers
    assert torch.equal(torch.random.get_rng_state(), state)
    c = MLPModule(n_features, 2, hidden_units=(4,), random_state=8)
    assert not torch.allclose(a(x), c(x))
    with pytest.raises(ValueError, match="random_state"):
        MLPModule(3, 2, random_state=1.5)
