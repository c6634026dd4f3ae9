import numpy as np


def one_hot(y, n_classes=None):
    y = np.asarray(y)
    n_classes = n_classes or y.max() + 1
    Y = np.zeros((y.shape[0], n_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y
