"""A skorch callback that scores a ranking net on held-out rows after every epoch.

It lets one fit stand for every number of epochs up to ``max_epochs``: with a fixed seed
(initialisation and batch order) and no learning-rate schedule, the first ``e`` epochs
of a longer fit are exactly a fit of ``e`` epochs, so the validation precision@k
recorded after epoch ``e`` is that of an ``e``-epoch model.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback

from ..metrics import precision_at_k


class EpochPrecision(Callback):
    """Record ``valid_p<k>`` in the net's history after every epoch.

    The rows are scored by the module directly, not through ``net.forward``: while
    :class:`~skdistill.DoubleDistilledRanker` fits, the net's data loaders read row
    indices into the training matrix, so they cannot read other rows.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features), float32
        Held-out rows (dense).
    Y : sparse matrix of shape (n_rows, n_labels)
        Their label indicator matrix.
    ks : tuple of int, default=(1, 3, 5)
        The ``k`` of each recorded precision@k.
    """

    def __init__(self, X, Y, ks=(1, 3, 5)):
        self.X = X
        self.Y = Y
        self.ks = ks

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        training = module.training
        module.eval()
        with torch.no_grad():
            scores = module(torch.as_tensor(np.asarray(self.X, dtype=np.float32))).numpy()
        module.train(training)
        for k in self.ks:
            net.history.record(f"valid_p{k}", precision_at_k(self.Y, scores, k))
