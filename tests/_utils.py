import numpy as np
from sklearn.tree import DecisionTreeClassifier


def one_hot(y, n_classes=None):
    y = np.asarray(y)
    n_classes = n_classes or y.max() + 1
    Y = np.zeros((y.shape[0], n_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y



class CountingTreeClassifier(DecisionTreeClassifier):
    """A decision tree that appends a line to the file ``log`` at every fit, so that fits
    can be counted across processes."""

    def __init__(self, max_depth=None, log=None, random_state=None):
        super().__init__(max_depth=max_depth, random_state=random_state)
        self.log = log

    def fit(self, X, y, sample_weight=None):
        with open(self.log, "a") as f:
            f.write("fit\n")
        return super().fit(X, y, sample_weight=sample_weight)


def count_fits(log):
    try:
        with open(log) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
