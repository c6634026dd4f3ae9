"""A skorch callback that scores a ranking net on held-out rows after every epoch.

It lets one fit stand for every number of epochs up to ``max_epochs``: with a fixed seed
(initialisation and batch order) and no learning-rate schedule, the first ``e`` epochs
of a longer fit are exactly a fit of ``e`` epochs, so the validation precision@k
recorded after epoch ``e`` is that of an ``e``-epoch model.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse
from skorch.callbacks import Callback

from ..metrics import precision_at_k


class EpochPrecision(Callback):
    """Record ``valid_p<k>`` in the net's history after every epoch.

    The rows are scored by the module directly, not through ``net.forward``: while
    :class:`~skdistill.DoubleDistilledRanker` fits, the net's data loaders read row
    indices into the training matrix, so they cannot read other rows.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Held-out rows; sparse rows are densified ``block_size`` at a time.
    Y : sparse matrix of shape (n_rows, n_labels)
        Their label indicator matrix.
    ks : tuple of int, default=(1, 3, 5)
        The ``k`` of each recorded precision@k.
    block_size : int, default=4096
        Rows scored at once: the memory is ``block_size * (n_features + n_labels)``
        floats whatever the number of held-out rows.
    """

    def __init__(self, X, Y, ks=(1, 3, 5), block_size=4096):
        self.X = X
        self.Y = Y
        self.ks = ks
        self.block_size = block_size

    def _scores(self, module):
        blocks = []
        for start in range(0, self.X.shape[0], self.block_size):
            block = self.X[start:start + self.block_size]
            block = block.toarray() if sparse.issparse(block) else block
            blocks.append(module(torch.as_tensor(np.asarray(block, dtype=np.float32))).numpy())
        return np.concatenate(blocks)

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        training = module.training
        module.eval()
        with torch.no_grad():
            scores = self._scores(module)
        module.train(training)
        for k in self.ks:
            net.history.record(f"valid_p{k}", precision_at_k(self.Y, scores, k))
