"""DistilledClassifier(random_state=...): one seed makes a fit reproducible."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier, NoisyTeacher


@pytest.fixture
def data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)


def _unseeded():
    return DistilledClassifier(
        student=make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=5)),
        teacher=NoisyTeacher(RandomForestClassifier(n_estimators=5), noise=0.5),
    )


def test_an_int_seed_gives_the_same_fit_every_time(data):
    X, y = data
    first = _unseeded().set_params(random_state=0).fit(X, y)
    second = _unseeded().set_params(random_state=0).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    np.testing.assert_array_equal(first.fit(X, y).predict_proba(X), second.predict_proba(X))
    np.testing.assert_array_equal(clone(first).fit(X, y).predict_proba(X),
                                  second.predict_proba(X))
    other = _unseeded().set_params(random_state=1).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), first.predict_proba(X))


def test_unset_random_states_are_seeded_at_every_depth_and_params_unchanged(data):
    X, y = data
    clf = _unseeded().set_params(random_state=0)
    asked = clf.get_params()
    clf.fit(X, y)
    # the fitted clones carry integer seeds, the teacher's nested forest too ...
    student_seed = clf.student_[-1].random_state
    teacher_seeds = clf.teacher_.random_state, clf.teacher_.teacher_.random_state
    assert isinstance(student_seed, int)
    assert all(isinstance(seed, int) for seed in teacher_seeds)
    assert len({student_seed, *teacher_seeds}) == 3  # each its own draw
    # ... while the parameters still show what the user asked for
    after = clf.get_params()
    assert after["student__randomforestclassifier__random_state"] is None
    assert after["teacher__teacher__random_state"] is None
    assert after.keys() == asked.keys()
    assert all(after[k] is asked[k] for k in asked)


def test_random_states_the_user_set_stay_as_set(data):
    X, y = data
    clf = DistilledClassifier(student=RandomForestClassifier(n_estimators=5, random_state=7),
                              teacher=RandomForestClassifier(n_estimators=5), random_state=0)
    clf.fit(X, y)
    assert clf.student_.random_state == 7
    assert isinstance(clf.teacher_.random_state, int) and clf.teacher_.random_state != 7


def test_none_leaves_the_sub_estimators_unseeded(data):
    X, y = data
    clf = _unseeded().fit(X, y)
    assert clf.student_[-1].random_state is None
    assert clf.teacher_.teacher_.random_state is None


def test_a_random_state_instance_differs_from_fit_to_fit(data):
    X, y = data
    clf = _unseeded().set_params(random_state=np.random.RandomState(0))
    first = clf.fit(X, y).predict_proba(X)
    second = clf.fit(X, y).predict_proba(X)
    assert not np.array_equal(first, second)


def test_a_shuffling_teacher_cv_is_seeded_and_left_unseeded(data):
    X, y = data
    cv = KFold(3, shuffle=True)
    clf = DistilledClassifier(
        student=RandomForestClassifier(n_estimators=5),
        teacher=GradientBoostingClassifier(n_estimators=5, subsample=0.7),
        teacher_cv=cv, random_state=0,
    )
    first = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(clone(clf).fit(X, y).predict_proba(X), first)
    assert cv.random_state is None  # the user's splitter is not modified
    # the folds do depend on the seed: a different seed gives different teacher targets
    other = clone(clf).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(other, first)


def test_a_net_student_is_reproducible_and_the_global_torch_rng_untouched(data):
    torch = pytest.importorskip("torch")
    from skorch import NeuralNetClassifier

    from skdistill.nets import MLPModule

    X, y = data
    student = NeuralNetClassifier(MLPModule, module__hidden_units=(8,), module__dropout=0.2,
                                  max_epochs=3, batch_size=16, train_split=None, verbose=0)
    clf = DistilledClassifier(student, RandomForestClassifier(n_estimators=5), random_state=0,
                              alpha=1.0)
    state = torch.get_rng_state()
    clf.fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    first = clf.predict_proba(X)
    np.testing.assert_array_equal(clone(clf).fit(X, y).predict_proba(X), first)
    other = clone(clf).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.allclose(other, first)


def test_bad_random_state(data):
    X, y = data
    with pytest.raises(ValueError, match="random_state"):
        DistilledClassifier(random_state="seed").fit(X, y)


def test_the_ranker_seeds_an_unseeded_teacher(data):
    pytest.importorskip("skorch")
    import torch
    from skorch import NeuralNetClassifier

    from skdistill import DoubleDistilledRanker
    from skdistill.nets import BottleneckModule

    X, y = data
    student = NeuralNetClassifier(BottleneckModule, module__width=4, max_epochs=2,
                                  criterion=torch.nn.CrossEntropyLoss, train_split=None,
                                  verbose=0)

    def fit(seed):
        return DoubleDistilledRanker(student, RandomForestClassifier(n_estimators=5),
                                     random_state=seed).fit(X, y)

    first, second, other = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(first.teacher_.predict_proba(X),
                                  second.teacher_.predict_proba(X))
    np.testing.assert_array_equal(first.decision_function(X), second.decision_function(X))
    assert not np.array_equal(first.teacher_.predict_proba(X), other.teacher_.predict_proba(X))
    assert first.teacher.random_state is None  # the user's teacher is left as given
