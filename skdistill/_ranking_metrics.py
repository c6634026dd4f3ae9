"""Ranking metrics at a cut-off ``k``, and their scorers.

Precision, recall, nDCG and propensity-scored precision at ``k``, the label
propensities of Jain et al. (2016), and one scorer factory for all the metrics. Nothing
here fits a model. Public through :mod:`skdistill.metrics`, whose docstring states how
scores and labels are read and how ties are broken.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils import Bunch, check_array, check_scalar
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from ._metric_inputs import label_indices
from ._top_k import top_k_indices

__all__ = [
    "label_propensities",
    "make_ndcg_at_k_scorer",
    "make_precision_at_k_scorer",
    "make_psp_at_k_scorer",
    "make_recall_at_k_scorer",
    "ndcg_at_k",
    "precision_at_k",
    "psp_at_k",
    "recall_at_k",
]

_RANKED = {
    "y_true": ["array-like", "sparse matrix"],
    # Let sparse scores through to _check_scores, which says how to convert them.
    "scores": ["array-like", "sparse matrix"],
    # Only k's type: its bounds are checked in _check_k, where the upper one is known.
    "k": [Integral],
    "sample_weight": ["array-like", None],
}
_PROPENSITY_SCORED = {**_RANKED, "propensities": ["array-like"], "normalize": ["boolean"]}


# Every ranking metric goes through _rank: the top k columns from top_k_indices (one
# tie rule for all), and the relevant labels as the row-sorted (indptr, indices) of a
# CSR matrix, whether y_true is a vector of column indices or an indicator matrix.


def _check_scores(scores):
    if sp.issparse(scores):
        raise TypeError("scores must be a dense (n_samples, n_labels) array; got a sparse "
                        "matrix. Convert it with scores.toarray().")
    S = np.asarray(scores)
    if S.dtype.kind not in "biuf":
        raise ValueError(f"scores must be a numeric array; got dtype {S.dtype}.")
    S = check_array(S, input_name="scores", dtype=(np.float64, np.float32),
                    ensure_2d=False, allow_nd=True, ensure_all_finite=False)
    if S.ndim != 2:
        raise ValueError("scores must be of shape (n_samples, n_labels), one score per label "
                         f"and row; got shape {S.shape}.")
    # min propagates NaN, without allocating a mask as large as the scores.
    if np.isnan(S.min()):
        raise ValueError("scores contains NaN; rank-based metrics need every score to be "
                         "comparable (infinite scores are allowed).")
    return S


def _check_k(k, n_labels=None):
    """``1 <= k``, and ``k <= n_labels`` once the scores' columns are known."""
    check_scalar(k, "k", Integral, min_val=1)
    if n_labels is not None and k > n_labels:
        raise ValueError(f"k={k} is larger than the number of labels: scores has {n_labels} "
                         f"columns. Use k <= {n_labels}.")


def _check_row_weights(sample_weight, S):
    w = _check_sample_weight(sample_weight, S, dtype=np.float64, ensure_non_negative=True)
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero; give at least one row a positive weight.")
    return w


def _check_propensities(propensities, n_labels=None):
    p = check_array(propensities, input_name="propensities", dtype=np.float64, ensure_2d=False)
    if p.ndim != 1:
        raise ValueError("propensities must be a 1-D array with one propensity per label "
                         f"(column of scores); got shape {p.shape}.")
    if n_labels is not None and p.shape[0] != n_labels:
        raise ValueError(f"propensities has {p.shape[0]} entries but scores has {n_labels} "
                         "columns; give one propensity per column of scores, in column order "
                         "(for an estimator, the order of its classes_).")
    if np.any(p <= 0) or np.any(p > 1):
        raise ValueError("propensities must be in (0, 1]: the probability that a relevant "
                         f"label is observed; got values in [{p.min():g}, {p.max():g}]. "
                         "label_propensities computes them from training labels; pass the "
                         "propensities, not their inverses.")
    return p


def _indicator_rows(Y, name):
    """Row-sorted ``(indptr, indices)`` of the nonzero entries of a 0/1 indicator matrix."""
    if not sp.issparse(Y):
        Y = np.asarray(Y)
    if Y.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a binary indicator matrix (0/1 entries); got dtype "
                         f"{Y.dtype}.")
    Y = sp.csr_matrix(Y, copy=True)  # our own copy: canonicalised in place below
    Y.sum_duplicates()
    bad = (Y.data != 0) & (Y.data != 1)
    if np.any(bad):
        raise ValueError(f"{name} must be a binary indicator matrix (0/1 entries); it holds "
                         f"{Y.data[bad][0].item()!r}. Graded relevance is not supported: "
                         "binarise it (e.g. Y > 0) if that is what you mean.")
    Y.eliminate_zeros()
    return Y.indptr.astype(np.intp), Y.indices.astype(np.intp)


def _relevant_labels(y_true, n_samples, n_labels):
    """Relevant columns of every row as ``(indptr, indices)``, columns ascending per row."""
    if sp.issparse(y_true) or np.ndim(y_true) == 2:
        shape = y_true.shape if sp.issparse(y_true) else np.shape(y_true)
        if tuple(shape) != (n_samples, n_labels):
            raise ValueError(f"y_true has shape {tuple(shape)} but scores has shape "
                             f"{(n_samples, n_labels)}; an indicator y_true needs one column "
                             "per column of scores.")
        return _indicator_rows(y_true, "y_true")
    y = column_or_1d(y_true)
    if y.shape[0] != n_samples:
        raise ValueError(f"y_true has {y.shape[0]} samples but scores has {n_samples}.")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_labels:
        raise ValueError("A 1-D y_true must hold column indices of scores (integers in "
                         f"[0, {n_labels})); map class labels to columns first, e.g. "
                         "np.searchsorted(estimator.classes_, y), or pass an indicator matrix.")
    return np.arange(n_samples + 1), y.astype(np.intp)


def _rank(y_true, scores, k, sample_weight, propensities=None):
    """Top-k columns, which of them are relevant, and the relevant labels of every row."""
    S = _check_scores(scores)
    n_samples, n_labels = S.shape
    _check_k(k, n_labels)
    weights = _check_row_weights(sample_weight, S)
    inverse_propensity = (None if propensities is None
                          else 1.0 / _check_propensities(propensities, n_labels))
    indptr, indices = _relevant_labels(y_true, n_samples, n_labels)
    top = top_k_indices(S, k)
    # Membership of (row, column) pairs by binary search on row * n_labels + column: the
    # keys of the relevant labels are sorted because rows and, within rows, columns ascend.
    n_relevant = np.diff(indptr)
    keys = np.repeat(np.arange(n_samples), n_relevant) * n_labels + indices
    queries = (np.arange(n_samples)[:, np.newaxis] * n_labels + top).ravel()
    pos = np.minimum(np.searchsorted(keys, queries), max(keys.size - 1, 0))
    hits = keys[pos] == queries if keys.size else np.zeros(queries.shape, dtype=bool)
    return Bunch(top=top, hits=hits.reshape(n_samples, k), n_relevant=n_relevant,
                 indptr=indptr, indices=indices, weights=weights,
                 inverse_propensity=inverse_propensity)


def _weighted_mean(per_row, weights):
    return float(np.dot(weights, per_row) / weights.sum())


@validate_params(_RANKED, prefer_skip_nested_validation=True)
def precision_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Precision@k: fraction of the ``k`` highest-scored labels that are relevant.

    ``P@k = mean_i |top_k(scores_i) ∩ relevant_i| / k``, the usual extreme-classification
    definition. ``y_true`` can be

    - a 1-D vector of column indices (multiclass: one relevant label per row, so
      ``P@k`` is the top-k accuracy divided by ``k``; use
      :func:`sklearn.metrics.top_k_accuracy_score` for the top-k accuracy itself), or
    - an ``(n_samples, n_labels)`` binary indicator matrix, dense or sparse
      (multilabel). Rows without any relevant label count as 0.

    Ties between scores are broken in favour of the lower column index.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels.
    scores : array-like of shape (n_samples, n_labels)
        Label scores (logits, probabilities...), higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    precision : float

    See Also
    --------
    recall_at_k, ndcg_at_k, psp_at_k, make_precision_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import precision_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> precision_at_k([1, 2], scores, k=1)
    0.5
    >>> precision_at_k([[0, 1, 1], [1, 0, 0]], scores, k=2)
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    return _weighted_mean(r.hits.sum(axis=1) / k, r.weights)


@validate_params(_RANKED, prefer_skip_nested_validation=True)
def recall_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Recall@k: fraction of a row's relevant labels found among its ``k`` best-scored.

    ``R@k = mean_i |top_k(scores_i) ∩ relevant_i| / |relevant_i|``. With one relevant
    label per row (multiclass) it is the top-k accuracy. Rows without any relevant label
    count as 0 (as in :func:`precision_at_k`); to leave them out, pass
    ``sample_weight=(Y.sum(axis=1) > 0)``. ``y_true`` and the tie rule are as in
    :func:`precision_at_k`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    recall : float
        In ``[0, 1]``.

    See Also
    --------
    precision_at_k, ndcg_at_k, make_recall_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import recall_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> recall_at_k([[0, 1, 1], [1, 0, 0]], scores, k=1)  # row 0: 1 of 2, row 1: 1 of 1
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    return _weighted_mean(r.hits.sum(axis=1) / np.maximum(r.n_relevant, 1), r.weights)


@validate_params(_RANKED, prefer_skip_nested_validation=True)
def ndcg_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Normalised discounted cumulative gain at ``k``, with binary relevance.

    For row ``i`` with relevant labels ``R_i`` and ranked labels ``l_1, l_2, ...``
    (decreasing score),

    ``DCG@k = sum_{r=1}^{k} [l_r in R_i] / log2(r + 1)`` and
    ``nDCG@k = DCG@k / sum_{r=1}^{min(k, |R_i|)} 1 / log2(r + 1)``,

    the DCG of the best ranking of the row (Järvelin & Kekäläinen, 2002; the
    extreme-classification definition). The result is the (weighted) mean over rows.
    Rows without any relevant label count as 0 (as in
    :func:`sklearn.metrics.ndcg_score`); to leave them out, pass
    ``sample_weight=(Y.sum(axis=1) > 0)``. With one relevant label per row, ``nDCG@k``
    is ``1 / log2(1 + rank)`` if the label is ranked within the top ``k``, else 0.
    ``y_true`` and the tie rule are as in :func:`precision_at_k`; unlike
    :func:`sklearn.metrics.ndcg_score`, tied scores are not averaged but ordered by
    column.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    ndcg : float
        In ``[0, 1]``.

    See Also
    --------
    precision_at_k, recall_at_k, make_ndcg_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import ndcg_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> # Row 0 ranks its relevant label first: 1. Row 1 ranks it third: 1 / log2(4).
    >>> ndcg_at_k([1, 2], scores, k=3)
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = r.hits @ discounts
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(r.n_relevant, k)]
    per_row = np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)
    return _weighted_mean(per_row, r.weights)


def _best_propensity_gain(indptr, indices, inverse_propensity, k):
    """Per row, the sum of the ``k`` largest inverse propensities of its relevant labels."""
    n_samples = len(indptr) - 1
    row = np.repeat(np.arange(n_samples), np.diff(indptr))
    gain = inverse_propensity[indices]
    order = np.lexsort((-gain, row))  # by row, then by decreasing gain
    # Entries of row i fill positions indptr[i]:indptr[i + 1] after sorting by row.
    rank = np.arange(order.size) - indptr[row[order]]
    keep = order[rank < k]
    return np.bincount(row[keep], weights=gain[keep], minlength=n_samples)


@validate_params(_PROPENSITY_SCORED, prefer_skip_nested_validation=True)
def psp_at_k(y_true, scores, k=1, *, propensities, sample_weight=None, normalize=True):
    """Propensity-scored precision@k (Jain, Prabhu & Varma, 2016).

    In extreme multi-label data most relevant labels are missing from the annotations,
    and rare ("tail") labels more often than frequent ones. Weighting every hit by the
    inverse of its label's propensity ``p_l`` (the probability that a relevant label is
    annotated) makes the unnormalised mean below an unbiased estimate of the precision
    that the complete labels would give, and rewards models that retrieve tail labels.
    For row ``i``,

    ``PSP@k_i = (1 / k) sum_{l in top_k(scores_i)} [l in relevant_i] / p_l``.

    With ``normalize=False`` the result is the (weighted) mean of ``PSP@k_i``, the
    paper's definition, which can exceed 1. With ``normalize=True`` (the default) it is
    divided by the same mean for the best achievable ranking (each row's relevant labels
    ordered by decreasing ``1 / p_l``):

    ``sum_i w_i PSP@k_i / sum_i w_i max PSP@k_i``,

    a number in ``[0, 1]``; this normalised value is what the Extreme Classification
    Repository's tables and the pyxclib evaluation tools report as PSP@k. Rows without
    any relevant label add 0 to both sums there, so they do not change the normalised
    value, while they count as 0 in the unnormalised mean. If no row has a relevant
    label, the normalised value is 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better. Ties are broken as in :func:`precision_at_k`.
    k : int, default=1
        Number of top labels.
    propensities : array-like of shape (n_labels,)
        Propensity of every label (column of ``scores``), in ``(0, 1]``, e.g. from
        :func:`label_propensities` on the training labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.
    normalize : bool, default=True
        Divide by the best achievable value (see above).

    Returns
    -------
    psp : float

    See Also
    --------
    label_propensities, precision_at_k, make_psp_at_k_scorer

    References
    ----------
    H. Jain, Y. Prabhu and M. Varma, "Extreme multi-label loss functions for
    recommendation, tagging, ranking and other missing label applications", KDD 2016.

    Examples
    --------
    >>> from skdistill.metrics import psp_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> Y = [[0, 1, 1], [1, 0, 1]]
    >>> propensities = [0.8, 0.5, 0.25]  # label 2 is rarely annotated
    >>> # Row 0 finds label 1 (gain 2) but could have found label 2 (gain 4);
    >>> # row 1 finds label 0 (gain 1.25) instead of label 2.
    >>> psp_at_k(Y, scores, k=1, propensities=propensities, normalize=False)
    1.625
    >>> psp_at_k(Y, scores, k=1, propensities=propensities)  # (2 + 1.25) / (4 + 4)
    0.40625
    """
    r = _rank(y_true, scores, k, sample_weight, propensities)
    inverse = r.inverse_propensity
    psp = (r.hits * inverse[r.top]).sum(axis=1) / k
    if not normalize:
        return _weighted_mean(psp, r.weights)
    best = _best_propensity_gain(r.indptr, r.indices, inverse, k) / k
    total_best = np.dot(r.weights, best)
    return float(np.dot(r.weights, psp) / total_best) if total_best > 0 else 0.0


@validate_params(
    {
        "Y_train": ["array-like", "sparse matrix"],
        "A": [Interval(Real, 0, None, closed="neither")],
        "B": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def label_propensities(Y_train, A=0.55, B=1.5):
    """Propensities of labels from their frequencies in training data (Jain et al., 2016).

    The propensity ``p_l`` of label ``l`` is the probability that it is annotated when
    it is relevant. Jain, Prabhu & Varma model it as a sigmoid of the log frequency,

    ``p_l = 1 / (1 + C (N_l + B)^(-A))`` with ``C = (log N - 1) (B + 1)^A``,

    where ``N`` is the number of training rows, ``N_l`` the number of them in which
    ``l`` is relevant and ``log`` the natural logarithm. Frequent labels get
    propensities close to 1, rare ones smaller values. The paper fitted ``A = 0.55``,
    ``B = 1.5`` on most data sets (the defaults), ``A = 0.5, B = 0.4`` for Wikipedia
    and ``A = 0.6, B = 2.6`` for Amazon. Use the result as ``propensities`` in
    :func:`psp_at_k`.

    Parameters
    ----------
    Y_train : {array-like, sparse matrix} of shape (N, n_labels)
        Binary indicator matrix of the training labels. For multiclass labels, pass
        ``sklearn.preprocessing.label_binarize(y, classes=estimator.classes_)``.
    A : float, default=0.55
        Exponent, > 0.
    B : float, default=1.5
        Offset of the counts, > 0.

    Returns
    -------
    propensities : ndarray of shape (n_labels,)
        In ``(0, 1)``.

    See Also
    --------
    psp_at_k

    References
    ----------
    H. Jain, Y. Prabhu and M. Varma, "Extreme multi-label loss functions for
    recommendation, tagging, ranking and other missing label applications", KDD 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.metrics import label_propensities
    >>> Y_train = np.zeros((1000, 3), dtype=int)
    >>> Y_train[:500, 0] = 1  # frequent
    >>> Y_train[:5, 1] = 1    # rare
    >>> label_propensities(Y_train).round(3)  # label 2 is never seen
    array([0.758, 0.223, 0.113])
    """
    if not (sp.issparse(Y_train) or np.ndim(Y_train) == 2):
        raise ValueError("Y_train must be an (N, n_labels) binary indicator matrix of the "
                         f"training labels; got shape {np.shape(Y_train)}. For multiclass "
                         "labels pass sklearn.preprocessing.label_binarize(y, "
                         "classes=estimator.classes_).")
    n_rows, n_labels = Y_train.shape if sp.issparse(Y_train) else np.shape(Y_train)
    if n_rows < 3:
        raise ValueError(f"Y_train has {n_rows} rows; label_propensities needs at least 3 "
                         "(C = (log N - 1)(B + 1)^A must be positive).")
    _, indices = _indicator_rows(Y_train, "Y_train")
    counts = np.bincount(indices, minlength=n_labels)
    C = (np.log(n_rows) - 1.0) * (B + 1.0) ** A
    return 1.0 / (1.0 + C * (counts + B) ** -A)


def _estimator_scores(estimator, X):
    """Label scores of a fitted estimator: decision_function, else predict_proba."""
    if hasattr(estimator, "decision_function"):
        scores = estimator.decision_function(X)
    else:
        scores = estimator.predict_proba(X)
    if isinstance(scores, list):
        raise ValueError(
            f"{type(estimator).__name__}.predict_proba returned a list of arrays (one per "
            "output, as multi-output classifiers do); ranking scorers need an (n_samples, "
            "n_labels) score matrix, e.g. from OneVsRestClassifier(...).")
    if not sp.issparse(scores):
        scores = np.asarray(scores)
        if scores.ndim == 1:  # binary decision_function: score of the second class
            scores = np.column_stack([-scores, scores])
    return scores


class _RankingScorer:
    """Scorer ``(estimator, X, y) -> metric(y, scores, k, **kwargs)`` of a ranking metric.

    Multiclass labels are mapped to score columns through the estimator's ``classes_``;
    indicator matrices are passed through. Under metadata routing the scorer consumes
    ``sample_weight`` once requested with :meth:`set_score_request`.
    """

    def __init__(self, metric, k, **kwargs):
        self._metric = metric
        self._k = k
        self._kwargs = kwargs
        self._sample_weight_request = None

    def __call__(self, estimator, X, y_true, sample_weight=None):
        scores = _estimator_scores(estimator, X)
        if not (sp.issparse(y_true) or np.ndim(y_true) == 2):
            scores = _check_scores(scores)
            y_true = label_indices(y_true, scores, getattr(estimator, "classes_", None))
        return self._metric(y_true, scores, self._k, sample_weight=sample_weight,
                            **self._kwargs)

    def set_score_request(self, *, sample_weight=None):
        """Request ``sample_weight`` when the scorer is used with metadata routing.

        Parameters
        ----------
        sample_weight : bool, str or None, default=None
            ``True``: pass the routed ``sample_weight`` to the metric; ``False``: do
            not; ``None``: raise if one is routed; a string: an alias.

        Returns
        -------
        self
        """
        if not get_config()["enable_metadata_routing"]:
            raise RuntimeError("set_score_request is only available when metadata routing is "
                               "enabled: sklearn.set_config(enable_metadata_routing=True).")
        self._sample_weight_request = sample_weight
        return self

    def get_metadata_routing(self):
        """The metadata this scorer consumes: ``sample_weight`` once requested."""
        request = MetadataRequest(owner=self)
        request.score.add_request(param="sample_weight", alias=self._sample_weight_request)
        return request

    def __repr__(self):
        args = [f"k={self._k}"]
        for name, value in self._kwargs.items():
            shown = f"<array of shape {value.shape}>" if isinstance(value, np.ndarray) else value
            args.append(f"{name}={shown}")
        return f"make_{self._metric.__name__}_scorer({', '.join(args)})"



_SCORER_DOC = """A scorer computing :func:`{metric}` of a fitted estimator.

The scores are the estimator's ``decision_function`` if it has one, else its
``predict_proba``; multiclass labels are mapped to score columns through the
estimator's ``classes_`` and a multi-label indicator ``y`` is passed through.
Usable as ``scoring=`` in :func:`~sklearn.model_selection.cross_val_score` or
:class:`~sklearn.model_selection.GridSearchCV`. With metadata routing enabled,
``scorer.set_score_request(sample_weight=True)`` routes row weights to it.

Parameters
----------
k : int, default=1
    Number of top labels.
{parameters}
Returns
-------
scorer : callable
    ``scorer(estimator, X, y, sample_weight=None) -> float`` (greater is better).

Examples
--------
{example}"""


def _scorer_factory(metric, constraints, *, example, parameters="", checks=None):
    """The public ``make_<metric>_scorer`` of a ranking metric.

    The factory it returns takes ``k`` and the metric's keyword-only parameters but
    ``sample_weight`` (which the scorer takes at every call), checks them with the
    metric's ``constraints``, ``_check_k`` and ``checks`` (a function per parameter,
    returning the checked value), and fixes them in a :class:`_RankingScorer`.
    ``parameters`` (numpydoc entries for the keyword-only parameters, ending in a new
    line) and ``example`` complete its docstring.
    """
    per_call = {"y_true", "scores", "sample_weight"}
    metric_params = inspect.signature(metric).parameters
    signature = inspect.Signature(
        [param for name, param in metric_params.items() if name not in per_call])
    checks = checks or {}

    def make_scorer(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        k = params.pop("k")
        _check_k(k)
        for name, check in checks.items():
            params[name] = check(params[name])
        return _RankingScorer(metric, k, **params)

    make_scorer.__name__ = make_scorer.__qualname__ = f"make_{metric.__name__}_scorer"
    make_scorer.__module__ = __name__
    make_scorer.__signature__ = signature
    make_scorer.__doc__ = _SCORER_DOC.format(metric=metric.__name__, parameters=parameters,
                                             example=example)
    return validate_params({name: constraints[name] for name in signature.parameters},
                           prefer_skip_nested_validation=True)(make_scorer)


make_precision_at_k_scorer = _scorer_factory(precision_at_k, _RANKED, example="""\
>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> from skdistill.metrics import make_precision_at_k_scorer
>>> X, y = load_iris(return_X_y=True)
>>> clf = LogisticRegression(max_iter=1000).fit(X, y)
>>> round(make_precision_at_k_scorer(3)(clf, X, y), 4)  # the true label is always in the top 3
0.3333""")

make_recall_at_k_scorer = _scorer_factory(recall_at_k, _RANKED, example="""\
>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.model_selection import cross_val_score
>>> from skdistill.metrics import make_recall_at_k_scorer
>>> X, y = load_iris(return_X_y=True)
>>> scores = cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3,
...                          scoring=make_recall_at_k_scorer(2))
>>> bool(scores.min() > 0.9)  # the true class is almost always among the best two
True""")

make_ndcg_at_k_scorer = _scorer_factory(ndcg_at_k, _RANKED, example="""\
>>> from sklearn.datasets import make_multilabel_classification
>>> from sklearn.linear_model import RidgeClassifier
>>> from sklearn.model_selection import GridSearchCV
>>> from skdistill.metrics import make_ndcg_at_k_scorer
>>> X, Y = make_multilabel_classification(200, n_classes=5, random_state=0)
>>> search = GridSearchCV(RidgeClassifier(), {"alpha": [0.1, 10.0]},
...                       scoring=make_ndcg_at_k_scorer(3)).fit(X, Y)
>>> search.best_params_
{'alpha': 10.0}
>>> round(float(search.best_score_), 3)
0.753""")

make_psp_at_k_scorer = _scorer_factory(
    psp_at_k, _PROPENSITY_SCORED, checks={"propensities": _check_propensities},
    parameters="""\
propensities : array-like of shape (n_labels,)
    Propensity of every score column (for an estimator with ``classes_``, in the
    order of ``classes_``), e.g. from :func:`label_propensities`.
normalize : bool, default=True
    Divide by the best achievable value, see :func:`psp_at_k`.
""",
    example="""\
>>> from sklearn.datasets import make_multilabel_classification
>>> from sklearn.linear_model import RidgeClassifier
>>> from skdistill.metrics import label_propensities, make_psp_at_k_scorer
>>> X, Y = make_multilabel_classification(300, n_classes=5, random_state=0)
>>> model = RidgeClassifier().fit(X[:200], Y[:200])
>>> scorer = make_psp_at_k_scorer(3, propensities=label_propensities(Y[:200]))
>>> scorer
make_psp_at_k_scorer(k=3, propensities=<array of shape (5,)>, normalize=True)
>>> round(scorer(model, X[200:], Y[200:]), 3)
0.891""")
