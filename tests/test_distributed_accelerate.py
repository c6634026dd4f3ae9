"""Deep students on several devices the way skorch offers it: ``skorch.hf.AccelerateMixin``
with an ``accelerate.Accelerator``, here on the CPU (``Accelerator(cpu=True)``).

skdistill's net support (which sets the net's criterion, split, classes and collate
function for a fit and gives the user's back) works through the mixin unchanged: on one
CPU process an accelerated student trains exactly as the plain skorch net does.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator

from skdistill import DistilledClassifier, DoubleDistilledRanker

pytest.importorskip("skorch", reason="skorch is not installed (pip install 'skdistill[torch]')")
pytest.importorskip("accelerate",
                    reason="accelerate is not installed (pip install 'skdistill[accelerate]')")

import torch  # noqa: E402
from accelerate import Accelerator  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402
from skorch.hf import AccelerateMixin  # noqa: E402

from skdistill.nets import BottleneckModule, MLPModule  # noqa: E402


class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
    """A skorch classifier trained through an ``accelerate.Accelerator``."""


def _net(accelerated, module=MLPModule, **params):
    params = {"criterion": torch.nn.CrossEntropyLoss, "max_epochs": 4, "lr": 0.1,
              "train_split": None, "verbose": 0, "iterator_train__shuffle": True, **params}
    if not accelerated:
        return NeuralNetClassifier(module, **params)
    # the mixin prints through the accelerator, which ignores verbose=0 unless the sink is
    # print itself
    return AcceleratedNet(module, accelerator=Accelerator(cpu=True),
                          callbacks__print_log__sink=print, **params)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    teacher = RandomForestClassifier(n_estimators=30, min_samples_leaf=3, random_state=0)
    return X, y, FrozenEstimator(teacher.fit(X, y))


@pytest.mark.parametrize("loss", ["soft_targets", "hinton"])
def test_an_accelerated_student_trains_as_the_plain_net(data, loss):
    X, y, teacher = data
    fits = [DistilledClassifier(_net(accelerated, module__hidden_units=(16,)), teacher,
                                temperature=2.0, loss=loss, random_state=0).fit(X, y)
            for accelerated in (False, True)]
    plain, accelerated = fits
    assert type(accelerated.student_) is AcceleratedNet
    np.testing.assert_array_equal(accelerated.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(accelerated.student_.history[:, "train_loss"],
                                  plain.student_.history[:, "train_loss"])
    # the net's parameters are the user's again after the fit
    student = accelerated.student_
    assert student.criterion is torch.nn.CrossEntropyLoss
    assert student.train_split is None and student.classes is None
    assert student.get_params().get("iterator_train__collate_fn") is None
    assert list(student.classes_) == [0, 1, 2]


def test_an_accelerated_student_with_out_of_fold_targets(data):
    X, y, _ = data
    teacher = RandomForestClassifier(n_estimators=30, min_samples_leaf=3)
    plain, accelerated = (
        DistilledClassifier(_net(a, module__hidden_units=(16,)), teacher, teacher_cv=3,
                            random_state=0).fit(X, y) for a in (False, True))
    np.testing.assert_array_equal(accelerated.predict_proba(X), plain.predict_proba(X))
    # and clone() copies the accelerator with the net, so a search can refit it
    again = clone(accelerated).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), accelerated.predict_proba(X))


def test_an_accelerated_student_of_a_net_teacher(data):
    # A net teacher labels the student's batches as they are drawn (no target matrix).
    # Its predictions draw from torch's RNG in the data loaders, and the accelerated
    # loader runs one batch ahead, so the two students differ in their random draws: here
    # the check is that the accelerated one is reproducible and learns.
    X, y, _ = data
    torch.manual_seed(0)
    net_teacher = _net(False, module__hidden_units=(32,), module__n_classes=3, max_epochs=10)
    net_teacher.fit(X.astype(np.float32), y)
    teacher = FrozenEstimator(net_teacher)
    fits = [DistilledClassifier(_net(True, module__hidden_units=(16,), max_epochs=6), teacher,
                                random_state=0).fit(X, y) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))
    teacher_labels = net_teacher.predict(X.astype(np.float32))
    assert np.mean(fits[0].predict(X) == teacher_labels) > 0.8


def test_an_accelerated_ranker_student(data):
    X, y, teacher = data
    plain, accelerated = (
        DoubleDistilledRanker(_net(a, BottleneckModule, module__width=4, lr=0.05), teacher,
                              random_state=0).fit(X, y) for a in (False, True))
    assert type(accelerated.student_) is AcceleratedNet
    np.testing.assert_array_equal(accelerated.decision_function(X), plain.decision_function(X))


_DATA_PARALLEL_SCRIPT = '''
import numpy as np, torch
from accelerate import Accelerator
from skorch import NeuralNetClassifier
from skorch.hf import AccelerateMixin
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from skdistill import DistilledClassifier, DoubleDistilledRanker
from skdistill.nets import BottleneckModule, MLPModule


class CPUProcessesAccelerator(Accelerator):
    # on several CPU processes accelerate wraps every prepared module in
    # DistributedDataParallel, which refuses a loss without parameters
    def prepare_model(self, model, device_placement=None, evaluation_mode=False):
        if not any(p.requires_grad for p in model.parameters()):
            return model
        return super().prepare_model(model, device_placement=device_placement,
                                     evaluation_mode=evaluation_mode)


class AcceleratedNet(AccelerateMixin, NeuralNetClassifier):
    pass


accelerator = CPUProcessesAccelerator(cpu=True)
X, y = make_classification(n_samples=400, n_features=8, n_informative=5, n_classes=3,
                           random_state=0)
teacher = FrozenEstimator(RandomForestClassifier(30, min_samples_leaf=3, random_state=0).fit(X, y))
common = dict(criterion=torch.nn.CrossEntropyLoss, accelerator=accelerator, max_epochs=3,
              train_split=None, verbose=0, callbacks__print_log__sink=print)
student = AcceleratedNet(MLPModule, module__hidden_units=(16,), module__n_features=8, lr=0.1,
                         **common)
clf = DistilledClassifier(student, teacher, random_state=0).fit(X, y)
ranker = DoubleDistilledRanker(AcceleratedNet(BottleneckModule, module__width=4,
                                              module__n_features=8, **common),
                               teacher, random_state=0).fit(X, y)
weights = [float(sum(p.detach().double().sum() for p in est.student_.module_.parameters()))
           for est in (clf, ranker)]
print("RESULT", accelerator.process_index, accelerator.num_processes,
      accelerator.distributed_type, len(clf.student_.history[-1]["batches"]),
      *weights, flush=True)
'''


@pytest.mark.slow
def test_data_parallel_students_on_two_cpu_processes(tmp_path):
    # Two processes (torchrun), each training on half of every epoch's batches, gradients
    # averaged between them: both end with the same weights.
    import os
    import subprocess
    import sys
    from pathlib import Path

    import skdistill

    script = tmp_path / "data_parallel.py"
    script.write_text(_DATA_PARALLEL_SCRIPT)
    root = str(Path(skdistill.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = sorted(line.split()[1:] for line in done.stdout.splitlines()
                  if line.startswith("RESULT"))
    assert [row[:4] for row in rows] == [["0", "2", "DistributedType.MULTI_CPU", "2"],
                                         ["1", "2", "DistributedType.MULTI_CPU", "2"]]
    assert rows[0][4:] == rows[1][4:]  # the same student and ranker weights in both
