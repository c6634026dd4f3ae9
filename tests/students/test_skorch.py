"""skorch nets as students (and teachers): the soft-target adapter and skorch's traps."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from skorch import NeuralNet, NeuralNetBinaryClassifier, NeuralNetClassifier  # noqa: E402
from skorch.callbacks import EarlyStopping  # noqa: E402
from skorch.dataset import ValidSplit  # noqa: E402

from skdistill import DistilledClassifier, fit_soft_targets, make_soft_targets  # noqa: E402
from skdistill._net_fitting import fit_net_on_labels  # noqa: E402
from skdistill._nets import (  # noqa: E402
    ends_in_skorch_net,
    is_skorch_net,
    iter_net_proba,
    net_proba,
)
from skdistill.losses import (  # noqa: E402
    HintonDistillationLoss,
    SoftTargetCrossEntropy,
    SoftTargetNLLLoss,
)
from skdistill.nets import LinearModule, MLPModule  # noqa: E402
from skdistill.students._skorch import fit_hinton  # noqa: E402


class Logits(torch.nn.Module):
    """A user's module: plain float32 Linear layer, no input casting, outputs logits."""

    def __init__(self, n_features=4, n_outputs=3):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_outputs)

    def forward(self, X):
        return self.linear(X)


class Probabilities(Logits):
    """The skorch convention for NeuralNetClassifier's default NLLLoss: softmax outputs."""

    def forward(self, X):
        return torch.softmax(self.linear(X), dim=-1)


def _net(module=Logits, **kwargs):
    params = dict(
        criterion=torch.nn.CrossEntropyLoss, max_epochs=3, lr=0.1, train_split=None, verbose=0
    )
    params.update(kwargs)
    return NeuralNetClassifier(module, **params)


@pytest.fixture
def problem(soft_problem):
    X, P = soft_problem  # X float64 (120, 4), P (120, 3)
    return X, P, np.array(["ant", "bee", "cow"])


def _f32(X):
    """A fitted skorch net is called directly with float32 input, as skorch expects."""
    return np.asarray(X, dtype=np.float32)


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# -- the traps ------------------------------------------------------------------------


def test_classes_are_the_real_classes_not_probability_values(problem):
    X, P, classes = problem
    net = fit_soft_targets(_net(), X, P, classes=classes)
    np.testing.assert_array_equal(net.classes_, classes)
    # a class without any probability mass is still a class
    P0 = np.column_stack([P[:, :2] / P[:, :2].sum(axis=1, keepdims=True), np.zeros(len(P))])
    net0 = fit_soft_targets(_net(), X, P0, classes=classes)
    np.testing.assert_array_equal(net0.classes_, classes)
    # the user's ``classes`` parameter is left as it was
    assert net.get_params()["classes"] is None


def test_conflicting_classes_parameter_is_refused(problem):
    X, P, classes = problem
    with pytest.raises(ValueError, match="does not match the classes"):
        fit_soft_targets(_net(classes=["x", "y", "z"]), X, P, classes=classes)


def test_default_stratified_split_works_and_is_stratified_on_argmax(problem):
    X, P, classes = problem
    net = NeuralNetClassifier(
        Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, lr=0.1, verbose=0
    )
    assert net.train_split.stratified  # skorch's default: ValidSplit(5, stratified=True)
    fit_soft_targets(net, X, P, classes=classes)
    assert len(net.history) == 2 and np.isfinite(net.history[-1, "valid_loss"])
    assert net.train_split.stratified  # the user's parameter is restored


def test_tiny_classes_fall_back_to_an_unstratified_split():
    X = np.random.RandomState(0).normal(size=(20, 4))
    P = np.full((20, 3), 0.1)
    P[:, 0] = 0.8
    P[0] = [0.1, 0.8, 0.1]  # one row whose argmax class occurs once: cannot stratify
    net = _net(train_split=ValidSplit(0.25, stratified=True, random_state=0))
    fit_soft_targets(net, X, P)
    assert np.isfinite(net.history[-1, "valid_loss"])


def test_validation_accuracy_is_agreement_with_the_target_argmax(problem):
    X, P, classes = problem
    w = np.random.RandomState(1).uniform(0.2, 2.0, size=len(X))
    net = _net(train_split=ValidSplit(0.25, stratified=True, random_state=0), max_epochs=4)
    fit_soft_targets(net, X, P, classes=classes, sample_weight=w)
    target_class = P.argmax(axis=1)
    _, valid = next(StratifiedShuffleSplit(test_size=0.25, random_state=0)
                    .split(X, target_class))
    agree = net.predict_proba(_f32(X[valid])).argmax(axis=1) == target_class[valid]
    expected = np.average(agree, weights=w[valid])
    assert net.history[-1, "valid_acc"] == pytest.approx(expected, rel=1e-6)


def test_float64_inputs_reach_a_float32_module(problem):
    X, P, classes = problem
    assert X.dtype == np.float64
    net = fit_soft_targets(_net(), X, P, classes=classes)  # Logits does not cast
    assert net.module_.linear.weight.dtype == torch.float32
    assert net.dataset is skorch.dataset.Dataset  # the user's dataset, unchanged
    assert net.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert fit_soft_targets(_net(), X.tolist(), P).predict_proba(
        X[:2].astype(np.float32)).shape == (2, 3)
    # through DistilledClassifier, float64 input reaches the float32 module at predict time
    clf = DistilledClassifier(_net(), LogisticRegression()).fit(X, P.argmax(axis=1))
    assert clf.predict_proba(X).shape == (len(X), 3)
    assert clf.predict(X).shape == (len(X),)


def test_predict_proba_is_the_softmax_of_the_logits(problem):
    X, P, classes = problem
    net = fit_soft_targets(_net(), X, P, classes=classes)
    proba = net.predict_proba(X.astype(np.float32))
    with torch.no_grad():
        logits = net.module_(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(proba, _softmax(logits), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_training_loss_is_the_soft_cross_entropy(problem):
    """With lr=0 the module stays at its initialisation; the recorded loss is the
    weighted soft cross-entropy of that module against P, computed by hand."""
    X, P, classes = problem
    w = np.linspace(0.5, 1.5, len(X))
    net = _net(lr=0.0, max_epochs=1, batch_size=len(X))
    fit_soft_targets(net, X, P, classes=classes, sample_weight=w)
    W = net.module_.linear.weight.detach().double().numpy()
    b = net.module_.linear.bias.detach().double().numpy()
    log_q = np.log(_softmax(X @ W.T + b))
    w_normalised = w / w.mean()
    expected = np.mean(w_normalised * -(P * log_q).sum(axis=1))
    assert net.history[-1, "train_loss"] == pytest.approx(expected, rel=1e-5)


def test_net_learns_the_soft_targets(problem):
    """P is a softmax of a linear map: a linear net trained on P recovers it."""
    X, P, classes = problem
    net = _net(
        LinearModule, max_epochs=300, lr=0.05, batch_size=len(X),
        optimizer=torch.optim.Adam,
    )
    fit_soft_targets(net, X, P, classes=classes)
    assert np.abs(net.predict_proba(_f32(X)) - P).max() < 0.05


def test_zero_sample_weight_equals_dropping_rows(problem):
    X, P, classes = problem
    keep = np.arange(len(X)) % 2 == 0

    def fit(X_, P_, w):
        torch.manual_seed(0)
        net = _net(max_epochs=5, batch_size=1000, iterator_train__shuffle=False)
        return fit_soft_targets(net, X_, P_, classes=classes, sample_weight=w)

    weighted = fit(X, P, keep.astype(float))
    dropped = fit(X[keep], P[keep], None)
    np.testing.assert_allclose(weighted.predict_proba(_f32(X)), dropped.predict_proba(_f32(X)),
                               atol=1e-5)


# -- criteria ------------------------------------------------------------------------


def test_cross_entropy_options_are_kept(problem):
    X, P, classes = problem
    class_weight = torch.tensor([1.0, 2.0, 0.5])
    net = _net(criterion__weight=class_weight, criterion__label_smoothing=0.1)
    fit_soft_targets(net, X, P, classes=classes)
    assert isinstance(net.criterion_, SoftTargetCrossEntropy)
    torch.testing.assert_close(net.criterion_.weight, class_weight)
    assert net.criterion_.label_smoothing == 0.1
    assert net.get_params()["criterion"] is torch.nn.CrossEntropyLoss  # restored
    # an instance criterion keeps its options too
    net2 = _net(criterion=torch.nn.CrossEntropyLoss(weight=class_weight))
    fit_soft_targets(net2, X, P, classes=classes)
    torch.testing.assert_close(net2.criterion_.weight, class_weight)


def test_default_nll_loss_with_a_probability_module(problem):
    X, P, classes = problem
    net = _net(Probabilities, criterion=torch.nn.NLLLoss)
    fit_soft_targets(net, X, P, classes=classes)
    assert isinstance(net.criterion_, SoftTargetNLLLoss)
    proba = net.predict_proba(_f32(X))
    with torch.no_grad():
        out = net.module_(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(proba, out)  # the module's probabilities, not re-softmaxed


def test_default_nll_loss_with_skdistill_modules_uses_logits(problem):
    X, P, classes = problem
    net = NeuralNetClassifier(MLPModule, max_epochs=2, train_split=None, verbose=0)
    fit_soft_targets(net, X, P, classes=classes)
    assert isinstance(net.criterion_, SoftTargetCrossEntropy)
    assert net.module_.layers[-1].out_features == 3  # n_classes filled in
    assert "module__n_classes" not in net.get_params()
    np.testing.assert_allclose(net.predict_proba(_f32(X)).sum(axis=1), 1.0, rtol=1e-5)


def test_nll_loss_with_a_logit_module_is_a_clear_error(problem):
    X, P, classes = problem
    with pytest.raises(ValueError, match="NLLLoss.*not.*probably outputs logits"):
        fit_soft_targets(_net(criterion=torch.nn.NLLLoss), X, P, classes=classes)


@pytest.mark.parametrize("criterion", [torch.nn.MSELoss, torch.nn.BCEWithLogitsLoss])
def test_criteria_that_cannot_take_soft_targets_are_refused(problem, criterion):
    X, P, classes = problem
    with pytest.raises(TypeError, match=f"{criterion.__name__} cannot be trained on soft"):
        fit_soft_targets(_net(criterion=criterion), X, P, classes=classes)


def test_plain_neural_net(problem):
    X, P, classes = problem
    net = NeuralNet(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0)
    fit_soft_targets(net, X, P, classes=classes)
    np.testing.assert_array_equal(net.classes_, classes)
    np.testing.assert_allclose(net.predict_proba(_f32(X)).sum(axis=1), 1.0, rtol=1e-5)
    assert ends_in_skorch_net(net)
    with pytest.raises(ValueError, match="plain NeuralNet"):
        fit_soft_targets(
            NeuralNet(Probabilities, criterion=torch.nn.NLLLoss, verbose=0), X, P
        )


def test_binary_net_is_refused(problem):
    X, P, _ = problem
    net = NeuralNetBinaryClassifier(Logits, module__n_outputs=1, verbose=0)
    with pytest.raises(TypeError, match="NeuralNetClassifier with a module that outputs 2"):
        fit_soft_targets(net, X, P[:, :2] / P[:, :2].sum(axis=1, keepdims=True))


def test_module_output_width_mismatch_is_a_clear_error(problem):
    X, P, classes = problem
    for width in (2, 4):  # 4 would otherwise be confused with the weight column
        with pytest.raises(ValueError, match=f"outputs shape \\(2, {width}\\).*3 classes"):
            fit_soft_targets(_net(module__n_outputs=width), X, P, classes=classes)


# -- skorch conveniences ---------------------------------------------------------------


def test_verbose_prints_the_epoch_table(problem, capsys):
    X, P, classes = problem
    net = NeuralNetClassifier(
        Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=1
    )
    fit_soft_targets(net, X, P, classes=classes)
    out = capsys.readouterr().out
    assert "epoch" in out and "train_loss" in out and "valid_acc" in out and "valid_loss" in out


def test_early_stopping_on_valid_loss(problem):
    X, P, classes = problem
    net = NeuralNetClassifier(
        Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=200, lr=0.0, verbose=0,
        callbacks=[EarlyStopping(patience=3)],
    )
    fit_soft_targets(net, X, P, classes=classes)
    # lr=0: valid_loss never improves on the first epoch's, so three more epochs and stop
    assert len(net.history) == 4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_device_passes_through(problem):
    X, P, classes = problem
    net = fit_soft_targets(_net(device="cuda"), X, P, classes=classes)
    assert net.module_.linear.weight.device.type == "cuda"
    assert net.predict_proba(_f32(X)).shape == (len(X), 3)


def test_fitted_net_pickles_clones_and_refits(problem):
    X, P, classes = problem
    net = fit_soft_targets(_net(module__n_outputs=3), X, P, classes=classes)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(_f32(X)), net.predict_proba(_f32(X)))
    np.testing.assert_array_equal(restored.classes_, classes)
    again = fit_soft_targets(clone(net), X, P, classes=classes)
    np.testing.assert_array_equal(again.classes_, classes)
    # warm start continues from the fitted module
    warm = fit_soft_targets(net.set_params(warm_start=True, max_epochs=1), X, P, classes=classes)
    assert len(warm.history) == 4


def test_pipeline_student(problem):
    X, P, classes = problem
    pipe = make_pipeline(StandardScaler(), _net())
    fit_soft_targets(pipe, X * 100 + 5, P, classes=classes)
    assert pipe[-1].predict_proba(X[:2].astype(np.float32)).shape == (2, 3)
    np.testing.assert_allclose(pipe[0].mean_, (X * 100 + 5).mean(axis=0))
    np.testing.assert_array_equal(pipe[-1].classes_, classes)
    assert ends_in_skorch_net(pipe) and not ends_in_skorch_net(LogisticRegression())


def test_predicate_does_not_import_skorch():
    code = (
        "import sys; import skdistill; from sklearn.linear_model import LogisticRegression; "
        "from skdistill._nets import is_skorch_net; "
        "assert not is_skorch_net(LogisticRegression()); "
        "skdistill.fit_soft_targets(LogisticRegression(), [[0.], [1.]], [[.9, .1], [.2, .8]]); "
        "assert 'skorch' not in sys.modules and 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert is_skorch_net(_net()) and is_skorch_net(NeuralNet(Logits, torch.nn.MSELoss))


# -- Hinton ----------------------------------------------------------------------------


def test_fit_hinton_first_loss_matches_the_hinton_loss(problem):
    X, P, classes = problem
    y_index = np.where(np.arange(len(X)) % 3 == 0, -1, P.argmax(axis=1))
    net = _net(lr=0.0, max_epochs=1, batch_size=len(X))
    fit_hinton(net, X, P, y_index, classes=classes, temperature=2.0, alpha=0.7,
               sample_weight=None)
    assert isinstance(net.criterion_, HintonDistillationLoss)
    assert net.get_params()["criterion"] is torch.nn.CrossEntropyLoss
    assert "criterion__temperature" not in net.get_params()
    W = net.module_.linear.weight.detach().double().numpy()
    b = net.module_.linear.bias.detach().double().numpy()
    z = X @ W.T + b
    q = _softmax(np.log(P) / 2.0)
    log_s = np.log(_softmax(z / 2.0))
    kl = (q * (np.log(q) - log_s)).sum(axis=1)
    ce = -np.log(_softmax(z))[np.arange(len(X)), np.maximum(y_index, 0)]
    a = np.where(y_index >= 0, 0.7, 1.0)
    expected = np.mean(a * 4.0 * kl + (1 - a) * ce)
    assert net.history[-1, "train_loss"] == pytest.approx(expected, rel=1e-5)
    np.testing.assert_array_equal(net.classes_, classes)


def test_fit_hinton_refusals(problem):
    X, P, classes = problem
    y_index = P.argmax(axis=1)
    kwargs = dict(classes=classes, temperature=2.0, alpha=0.5, sample_weight=None)
    with pytest.raises(TypeError, match="loss='hinton' needs a module that outputs logits"):
        fit_hinton(_net(Probabilities, criterion=torch.nn.NLLLoss), X, P, y_index, **kwargs)
    with pytest.raises(ValueError, match="does not support.*label_smoothing"):
        fit_hinton(_net(criterion__label_smoothing=0.1), X, P, y_index, **kwargs)


# -- teacher side ------------------------------------------------------------------------


def test_fit_net_teacher_and_batched_probabilities():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 4))
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    teacher = fit_net_on_labels(
        NeuralNetClassifier(MLPModule, module__hidden_units=(8,), max_epochs=3, verbose=0), X, y
    )
    np.testing.assert_array_equal(teacher.classes_, ["a", "b", "c"])
    batches = list(iter_net_proba(teacher, X, batch_size=25))
    assert [(start, stop) for start, stop, _ in batches] == [(0, 25), (25, 50), (50, 75),
                                                               (75, 90)]
    np.testing.assert_allclose(net_proba(teacher, X, batch_size=25),
                               teacher.predict_proba(_f32(X)), rtol=1e-5)


def test_teacher_net_with_logit_outputs_is_a_clear_error():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    # a user's mistake: logits module with a criterion that skorch treats as probabilities
    prefit = NeuralNetClassifier(
        Logits, module__n_outputs=2, criterion=torch.nn.MultiMarginLoss, max_epochs=2,
        train_split=None, verbose=0,
    ).fit(X, y)
    with pytest.raises(ValueError, match="not probabilities.*outputs logits"):
        net_proba(prefit, X)
    with pytest.raises(ValueError, match="probabilities"):
        DistilledClassifier(student=LogisticRegression(), teacher=FrozenEstimator(prefit)).fit(
            X, y
        )


# -- through DistilledClassifier --------------------------------------------------------


def test_distilled_classifier_with_net_student(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    student = NeuralNetClassifier(MLPModule, module__hidden_units=(16,), max_epochs=20, lr=0.3,
                                  train_split=None, verbose=0)
    clf = DistilledClassifier(student=student, teacher=RandomForestClassifier(random_state=0))
    torch.manual_seed(0)
    clf.fit(X, y)
    assert isinstance(clf.student_, NeuralNetClassifier)
    np.testing.assert_array_equal(clf.student_.classes_, [0, 1, 2])
    assert clf.score(X, y) > 0.75  # chance is about 0.4
    torch.manual_seed(0)
    hinton = clone(clf).set_params(loss="hinton", temperature=2.0, alpha=0.5).fit(X, y)
    assert isinstance(hinton.student_.criterion_, HintonDistillationLoss)
    assert hinton.score(X, y) > 0.75
    restored = pickle.loads(pickle.dumps(hinton))
    np.testing.assert_array_equal(restored.predict_proba(X), hinton.predict_proba(X))


def test_unsupported_student_is_a_clear_error(problem):
    X, P, _ = problem
    with pytest.raises(TypeError, match="cannot be fitted on soft targets.*skorch net"):
        DistilledClassifier(student=KNeighborsClassifier()).fit(X, P.argmax(axis=1))


def test_grid_search_over_net_and_distillation_parameters(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    # seeded initialisation and a fixed data order: each fit is reproducible
    student = NeuralNetClassifier(MLPModule, module__random_state=0, max_epochs=2,
                                  iterator_train__shuffle=False, train_split=None, verbose=0)
    base = DistilledClassifier(student=student, teacher=LogisticRegression())
    cv = StratifiedKFold(2)
    search = GridSearchCV(
        base,
        {"student__lr": [0.01, 0.1], "student__module__hidden_units": [(4,), (8,)],
         "temperature": [1.0, 2.0]},
        cv=cv,
    ).fit(X, y)
    # every candidate's score is that of a model fitted with exactly its parameters
    train, test = next(cv.split(X, y))
    for params, score in zip(search.cv_results_["params"],
                             search.cv_results_["split0_test_score"]):
        model = clone(base).set_params(**params).fit(X[train], y[train])
        assert score == model.score(X[test], y[test])
    assert len(np.unique(search.cv_results_["mean_test_score"])) > 1  # the grid matters
    best, params = search.best_estimator_, search.best_params_
    assert best.student_.module_.layers[0].out_features == params[
        "student__module__hidden_units"][0]


def test_user_probability_module_with_default_nll_loss(problem):
    """A user module in skorch's convention (softmax outputs, default NLLLoss criterion)
    distilled from a random forest."""
    X, P, _ = problem
    y = P.argmax(axis=1)
    student = NeuralNetClassifier(Probabilities, max_epochs=20, lr=0.5, verbose=0)
    torch.manual_seed(0)
    clf = DistilledClassifier(student=student, teacher=RandomForestClassifier(random_state=0))
    clf.fit(X, y)
    assert isinstance(clf.student_.criterion_, SoftTargetNLLLoss)
    assert clf.score(X, y) > 0.75


def test_pipelines_as_student_and_teacher(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    X = X * 50 + 10  # badly scaled: the scaler matters
    teacher = make_pipeline(StandardScaler(), NeuralNetClassifier(
        MLPModule, module__n_classes=3, criterion=torch.nn.CrossEntropyLoss, max_epochs=20,
        lr=0.3, train_split=None, verbose=0))
    student = make_pipeline(StandardScaler(), _net(LinearModule, max_epochs=20, lr=0.3))
    torch.manual_seed(0)
    clf = DistilledClassifier(student=student, teacher=teacher).fit(X, y)
    assert clf.score(X, y) > 0.75
    assert isinstance(clf.student_[-1].criterion_, SoftTargetCrossEntropy)
    # fit_net_teacher also takes a pipeline (a user module that does not cast float64)
    fitted = fit_net_on_labels(make_pipeline(StandardScaler(), _net(max_epochs=2)), X, y)
    assert net_proba(fitted, X).shape == (len(X), 3)


# -- integration with DistilledClassifier --------------------------------------------------


def test_string_labels_with_a_net_student(problem):
    X, P, _ = problem
    y = np.array(["ant", "bee", "cow"])[P.argmax(axis=1)]
    clf = DistilledClassifier(student=_net(max_epochs=2), teacher=LogisticRegression())
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["ant", "bee", "cow"])
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[clf.predict_proba(X).argmax(1)])


def test_net_teacher_in_its_default_configuration(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    teacher = NeuralNetClassifier(MLPModule, max_epochs=5, lr=0.3, verbose=0)
    clf = DistilledClassifier(student=LogisticRegression(), teacher=teacher).fit(X, y)
    np.testing.assert_array_equal(clf.teacher_.classes_, [0, 1, 2])


def test_fit_hinton_keeps_class_weights(problem):
    X, P, classes = problem
    w = torch.tensor([1.0, 3.0, 1.0])
    kwargs = dict(classes=classes, temperature=2.0, alpha=0.5, sample_weight=None)
    for net in (_net(criterion__weight=w),
                _net(criterion=torch.nn.CrossEntropyLoss(weight=w, reduction="sum"))):
        fit_hinton(net, X, P, P.argmax(axis=1), **kwargs)
        torch.testing.assert_close(net.criterion_.weight, w)
    assert net.criterion_.reduction == "sum"
    with pytest.raises(TypeError, match="loss='hinton'"):
        fit_soft_targets(_net(criterion=HintonDistillationLoss), X, P)


def test_hinton_refuses_label_smoothing(problem):
    X, P, _ = problem
    clf = DistilledClassifier(student=_net(), teacher=LogisticRegression(), loss="hinton",
                              label_smoothing=0.1)
    with pytest.raises(ValueError, match="label_smoothing=0"):
        clf.fit(X, P.argmax(axis=1))


def test_students_that_are_neither_nets_nor_classifiers(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    # a bare torch module: it must be wrapped in a skorch net
    with pytest.raises(ValueError, match="student"):
        DistilledClassifier(student=Logits()).fit(X, y)

    class FitOnly:
        def fit(self, X, y):
            return self

    with pytest.raises(TypeError, match="FitOnly.*cannot be fitted on soft targets"):
        DistilledClassifier(student=FitOnly()).fit(X, y)


def test_plain_neural_net_student_predicts_labels(problem):
    X, P, _ = problem
    student = NeuralNet(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0)
    clf = DistilledClassifier(student=student, teacher=LogisticRegression())
    y = np.array([10, 20, 30])[P.argmax(axis=1)]
    # NeuralNet.predict returns probabilities; the distiller turns them into labels
    np.testing.assert_array_equal(clf.fit(X, y).predict(X),
                                  clf.classes_[clf.student_.predict_proba(_f32(X)).argmax(axis=1)])
    assert set(np.unique(clf.predict(X))) <= {10, 20, 30}


def test_hinton_with_a_pipeline_student(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    student = make_pipeline(StandardScaler(), _net(max_epochs=2))
    clf = DistilledClassifier(student=student, teacher=LogisticRegression(), loss="hinton",
                              temperature=2.0, alpha=0.5).fit(X * 5 + 1, y)
    assert isinstance(clf.student_[-1].criterion_, HintonDistillationLoss)
    # the scaler was fitted on X before the net
    np.testing.assert_allclose(clf.student_[0].mean_, (X * 5 + 1).mean(axis=0))


def test_prefit_net_teacher_in_frozen_estimator(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    teacher = fit_net_on_labels(_net(max_epochs=3), X, y)
    clf = DistilledClassifier(student=LogisticRegression(), teacher=FrozenEstimator(teacher),
                              alpha=1.0)
    clf.fit(X.astype(np.float64), y)
    # the student learns the prefit net's probabilities (computed on float32 input)
    P_teacher = teacher.predict_proba(X.astype(np.float32))
    ref = fit_soft_targets(LogisticRegression(), X, P_teacher)
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


# -- a net teacher labels the student's batches ------------------------------------------


class _SpyNet(NeuralNetClassifier):
    """A teacher net that records how many rows each predict_proba call sees."""

    def predict_proba(self, X):
        vars(self).setdefault("seen_rows_", []).append(len(X))
        return super().predict_proba(X)


def _teacher_net(X, y, **kwargs):
    torch.manual_seed(0)
    return fit_net_on_labels(_SpyNet(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=5,
                                   lr=0.2, train_split=None, verbose=0, **kwargs), X, y)


@pytest.mark.parametrize("split", [None, "default"])
def test_net_teacher_labels_batches_and_equals_precomputed_targets(problem, split):
    """With a net teacher and a net student, the teacher runs on each batch (the pool's
    probability matrix is never built) and the fit equals fitting the precomputed targets."""
    X, P, _ = problem
    y = P.argmax(axis=1)
    teacher = _teacher_net(X, y)
    params = {} if split is None else {"train_split": ValidSplit(5, stratified=True)}
    kwargs = dict(temperature=2.0, alpha=0.5, label_smoothing=0.1)
    student = _net(batch_size=16, max_epochs=4, **params)

    vars(teacher)["seen_rows_"] = []
    torch.manual_seed(1)
    clf = DistilledClassifier(student, FrozenEstimator(teacher), **kwargs).fit(X, y)
    seen = vars(teacher)["seen_rows_"]
    assert max(seen) <= 16 and sum(seen) >= 4 * len(X) * (0.8 if split else 1.0)

    targets = make_soft_targets(teacher.predict_proba(X.astype(np.float32)), y, **kwargs)
    torch.manual_seed(1)
    ref = fit_soft_targets(clone(student), X, targets, classes=np.arange(3))
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(_f32(X)), atol=1e-5)
    assert "valid_acc" not in clf.student_.history[-1]  # no stored targets to score against
    # the fitted student keeps no reference to the teacher or the data
    assert "collate_fn" not in str(clf.student_.get_params())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X),
                                  clf.predict_proba(X))


def test_net_teacher_per_batch_with_unlabelled_pool(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    y_semi = np.where(np.arange(len(y)) < 40, y, -1)
    teacher = NeuralNetClassifier(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=5,
                                  lr=0.2, train_split=None, verbose=0)
    clf = DistilledClassifier(_net(max_epochs=3, train_split=ValidSplit(4, stratified=True)),
                              teacher, unlabeled_label=-1).fit(X, y_semi)
    assert clf.teacher_.classes_.tolist() == [0, 1, 2]

    def rows_trained_on(net):
        return sum(batch.get("train_batch_size", 0) for batch in net.history[-1, "batches"])

    # the teacher learns from the 40 labelled rows, the student from all 120 (less its
    # validation quarter), the pool labelled by the teacher
    assert rows_trained_on(clf.teacher_) == 40
    assert rows_trained_on(clf.student_) == 90
    assert "valid_loss" in clf.student_.history[-1]


# -- the user's net is left as the user set it ---------------------------------------------


def _user_params(net):
    return dict(net.get_params(deep=False)) | {
        k: v for k, v in vars(net).items() if "__" in k
    }


def _assert_params_unchanged(net, before):
    after = _user_params(net)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] is value, key


@pytest.mark.parametrize("criterion", [torch.nn.CrossEntropyLoss,
                                       torch.nn.CrossEntropyLoss(weight=torch.ones(3))])
def test_soft_target_fit_leaves_the_users_net_parameters(problem, criterion):
    X, P, classes = problem
    callbacks = [EarlyStopping(patience=50)]
    net = NeuralNetClassifier(Logits, criterion=criterion, max_epochs=2, verbose=0,
                              callbacks=callbacks)
    before = _user_params(net)
    fit_soft_targets(net, X, P, classes=classes)
    _assert_params_unchanged(net, before)
    assert net.dataset is skorch.dataset.Dataset
    assert isinstance(net.train_split, ValidSplit) and net.train_split.stratified
    assert net.callbacks is callbacks and "callbacks__valid_acc" not in vars(net)
    assert net.classes is None
    # the trained parts are the soft-target ones
    assert isinstance(net.criterion_, SoftTargetCrossEntropy)
    np.testing.assert_array_equal(net.classes_, classes)


def test_module_parameters_filled_in_for_the_fit_are_removed_after(problem):
    X, P, classes = problem
    net = NeuralNetClassifier(MLPModule, module__hidden_units=(4,), max_epochs=1, verbose=0,
                              train_split=None)
    before = _user_params(net)
    fit_soft_targets(net, X, P, classes=classes)
    _assert_params_unchanged(net, before)
    assert net.module_.layers[-1].out_features == 3


def test_hinton_and_batch_teacher_fits_leave_the_users_net_parameters(problem):
    X, P, _ = problem
    y = P.argmax(axis=1)
    student = _net(criterion__weight=torch.ones(3), max_epochs=2,
                   train_split=ValidSplit(4, stratified=True))
    before = _user_params(student)
    fit_hinton(student, X, P, y, classes=np.arange(3), temperature=2.0, alpha=0.5,
               sample_weight=None)
    _assert_params_unchanged(student, before)
    assert isinstance(student.criterion_, HintonDistillationLoss)

    teacher = fit_net_on_labels(_net(max_epochs=2), X, y)
    teacher_before = _user_params(teacher)
    student = _net(max_epochs=2, train_split=ValidSplit(4, stratified=True))
    clf = DistilledClassifier(student, FrozenEstimator(teacher)).fit(X, y)
    _assert_params_unchanged(teacher, teacher_before)
    fitted_student = clf.student_
    assert "iterator_train__collate_fn" not in vars(fitted_student)
    assert "iterator_valid__collate_fn" not in vars(fitted_student)
    assert fitted_student.get_params(deep=False).keys() == student.get_params(deep=False).keys()


def test_a_failed_fit_leaves_the_users_net_parameters(problem):
    X, P, classes = problem
    instance = torch.nn.CrossEntropyLoss(weight=torch.ones(4))
    for net in (_net(module__n_outputs=4), _net(module__n_outputs=4, criterion=instance)):
        before = _user_params(net)
        with pytest.raises(ValueError, match="outputs shape"):
            fit_soft_targets(net, X, P, classes=classes)
        _assert_params_unchanged(net, before)


def test_a_users_collate_fn_gets_precomputed_targets(problem):
    """A net that collates its own batches cannot take the teacher batch by batch; it is
    fitted on the precomputed targets instead, with its collate_fn kept."""
    from torch.utils.data import default_collate

    X, P, _ = problem
    y = P.argmax(axis=1)
    calls = []

    def collate(items):
        calls.append(len(items))
        return default_collate(items)

    teacher = _teacher_net(X, y)
    vars(teacher)["seen_rows_"] = []
    student = _net(max_epochs=1, batch_size=30, iterator_train__collate_fn=collate)
    DistilledClassifier(student, FrozenEstimator(teacher)).fit(X, y)
    assert calls and max(calls) <= 30
    assert vars(teacher)["seen_rows_"] == [len(X)]  # the teacher ran once, on the whole pool


def test_sparse_input_is_densified_batch_by_batch(problem):
    """A net reads sparse X a batch of rows at a time; the fit equals the dense one."""
    from scipy import sparse

    X, P, classes = problem
    X_sparse = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    fits = []
    for data in (X_sparse, X_sparse.toarray()):
        torch.manual_seed(0)
        fits.append(fit_soft_targets(_net(max_epochs=3, batch_size=16), data, P,
                                     classes=classes))
    sparse_net, dense_net = fits
    np.testing.assert_allclose(sparse_net.predict_proba(_f32(X_sparse.toarray())),
                               dense_net.predict_proba(_f32(X_sparse.toarray())), atol=1e-6)
    y = P.argmax(axis=1)
    clf = DistilledClassifier(_net(max_epochs=2), LogisticRegression()).fit(X_sparse, y)
    np.testing.assert_allclose(clf.predict_proba(X_sparse),
                               clf.predict_proba(X_sparse.toarray()), atol=1e-6)
    with pytest.raises(TypeError, match="collate_fn"):
        fit_soft_targets(_net(iterator_train__collate_fn=lambda items: items), X_sparse, P)


# -- prediction through the fitted net and through the adapter -----------------------------


def _skorch_predict(net, X):
    """What skorch's own ``predict`` gives: the index of the most probable output."""
    return net.predict_proba(_f32(X)).argmax(axis=1)


@pytest.mark.parametrize("labels", [["a", "b", "c"], [10, 20, 30]])
def test_a_fitted_net_predicts_labels_not_indices(problem, labels):
    X, P, _ = problem
    net = fit_soft_targets(_net(), X, P, classes=labels)
    np.testing.assert_array_equal(net.predict(X), np.array(labels)[_skorch_predict(net, X)])
    assert set(net.predict(X).tolist()) <= set(labels)
    assert net.score(X, np.array(labels)[P.argmax(axis=1)]) > 0  # scikit-learn's accuracy
    # still the user's class, with the user's parameters
    assert isinstance(net, NeuralNetClassifier) and type(net).__name__ == "NeuralNetClassifier"
    assert "predict" not in net.get_params()
    # pickled, copied and cloned it stays so
    for copy in (pickle.loads(pickle.dumps(net)), clone(net)):
        assert isinstance(copy, NeuralNetClassifier)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    refitted = fit_soft_targets(clone(net), X, P, classes=labels)
    np.testing.assert_array_equal(refitted.predict(X),
                                  np.array(labels)[_skorch_predict(refitted, X)])


def test_plain_net_pipeline_and_hinton_fits_predict_labels(problem):
    X, P, _ = problem
    labels = np.array([10, 20, 30])
    plain = fit_soft_targets(
        NeuralNet(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0),
        X, P, classes=labels)
    np.testing.assert_array_equal(plain.predict(X), labels[_skorch_predict(plain, X)])
    pipe = fit_soft_targets(make_pipeline(StandardScaler(), _net()), X, P, classes=labels)
    np.testing.assert_array_equal(
        pipe.predict(X), labels[_skorch_predict(pipe[-1], pipe[0].transform(X))])
    hinton = fit_hinton(_net(), X, P, P.argmax(axis=1), classes=labels, temperature=2.0,
                        alpha=0.5, sample_weight=None)
    np.testing.assert_array_equal(hinton.predict(X), labels[_skorch_predict(hinton, X)])


def test_a_users_own_predict_is_kept(problem):
    X, P, _ = problem

    class Own(NeuralNetClassifier):
        def predict(self, X):
            return np.full(len(X), "own")

    net = fit_soft_targets(Own(Logits, criterion=torch.nn.CrossEntropyLoss, max_epochs=1,
                               train_split=None, verbose=0), X, P, classes=["a", "b", "c"])
    assert type(net) is Own
    assert set(net.predict(X)) == {"own"}


def test_refitted_by_skorch_on_fewer_classes_it_predicts_as_skorch(problem):
    X, P, _ = problem
    net = fit_soft_targets(_net(), X, P, classes=["a", "b", "c"])
    y = np.where(P.argmax(axis=1) == 1, 0, 2)  # skorch's own fit: no row of class 1
    net.fit(_f32(X), y)
    np.testing.assert_array_equal(net.classes_, [0, 2])
    np.testing.assert_array_equal(net.predict(X), _skorch_predict(net, X))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_adapter_log_proba_and_decision_function_of_a_logit_net(problem, n_classes):
    from skdistill.students._registry import find_adapter

    X, P, _ = problem
    P = P[:, :n_classes] / P[:, :n_classes].sum(axis=1, keepdims=True)
    net = fit_soft_targets(_net(module__n_outputs=n_classes), X, P)
    adapter = find_adapter(net)
    with torch.no_grad():
        logits = net.module_(torch.as_tensor(X, dtype=torch.float32)).numpy()
    proba = adapter.predict_proba(net, X)
    np.testing.assert_allclose(np.exp(adapter.predict_log_proba(net, X)), proba, rtol=1e-5)
    scores = adapter.decision_function(net, X)
    if n_classes == 2:  # one column, as scikit-learn's binary classifiers: log-odds of class 1
        np.testing.assert_allclose(scores, logits[:, 1] - logits[:, 0], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(net.classes_[(scores > 0).astype(int)], net.predict(X))
    else:
        np.testing.assert_allclose(scores, logits, rtol=1e-6)
        np.testing.assert_array_equal(net.classes_[scores.argmax(axis=1)], net.predict(X))
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        assert adapter.provides(net, method)
    pipe = fit_soft_targets(make_pipeline(StandardScaler(), _net(module__n_outputs=n_classes)),
                            X, P)
    pipe_adapter = find_adapter(pipe)
    np.testing.assert_allclose(pipe_adapter.decision_function(pipe, X),
                               adapter.decision_function(pipe[-1], pipe[0].transform(X)))
    assert pipe_adapter.provides(pipe, "decision_function")


def test_adapter_log_proba_and_decision_function_of_a_probability_net(problem):
    from skdistill.students._registry import find_adapter

    X, P, _ = problem
    net = fit_soft_targets(NeuralNetClassifier(Probabilities, max_epochs=2, verbose=0), X, P)
    adapter = find_adapter(net)
    proba = net.predict_proba(_f32(X))
    np.testing.assert_allclose(adapter.predict_log_proba(net, X), np.log(proba), rtol=1e-5,
                               atol=1e-6)
    # no logits: the log-probabilities, whose softmax is the probabilities
    np.testing.assert_allclose(_softmax(adapter.decision_function(net, X)), proba, rtol=1e-5)


def test_regressor_net_is_refused(problem):
    from skorch import NeuralNetRegressor

    X, P, _ = problem
    net = NeuralNetRegressor(Logits, verbose=0)
    with pytest.raises(TypeError, match="regressor.*DistilledRegressor"):
        fit_soft_targets(net, X, P)
