"""DoubleDistilledRanker: a retrieval student trained by double distillation (section 4)."""

from __future__ import annotations

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import UNUSED, _raise_for_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._net_fitting import (
    _LABELS_AND_WEIGHTS,
    _labels_if_all_known,
    fit_net,
    fit_net_on_batch_targets,
    row_weights,
    soft_criterion,
    without_criterion_params,
)
from ._nets import is_classifier_net, is_skorch_net, net_logits, reads_sparse, torch_seeded
from ._ranking_batches import LabelSampler, RankingBatches, RowLabels
from ._routing import route_fit, teacher_student_router
from ._seeding import draw_seeds, seed_random_states
from ._target_layout import TargetLayout
from ._teacher import as_teacher, cached, fit_on_examples
from ._teacher_targets import cached_teacher_targets, check_teacher_scores
from ._top_k import top_k_indices
from ._validation import check_sample_weight
from .metrics import precision_at_k

# the elements of a (rows, labels) block of scores computed at once when predicting
_BLOCK_ELEMENTS = 2**24

#: Above this many labels, ``"auto"`` computes the teacher's targets once (its top
#: labels) and samples the negatives; at or below it the fit is exact, as with
#: ``teacher_top_m=None, negatives_sample=None``.
EXACT_MAX_LABELS = 4096
#: ``teacher_top_m="auto"`` above :data:`EXACT_MAX_LABELS`: labels kept per row.
AUTO_TOP_M = 16
#: ``negatives_sample="auto"`` above :data:`EXACT_MAX_LABELS`: labels sampled per batch.
AUTO_NEGATIVES_SAMPLE = 1024


def _default_net(width, max_epochs, n_features=None):
    """The paper's network; with ``n_features`` (many labels), its sparse twin: sparse
    input rows through an embedding bag, sparse gradients, :class:`~skdistill.nets.LazyAdam`."""
    import torch
    from skorch import NeuralNetClassifier

    from .nets import BottleneckModule, LazyAdam

    if n_features is None:
        return NeuralNetClassifier(
            BottleneckModule, module__width=width, criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam, lr=2e-3, batch_size=256, max_epochs=max_epochs,
            train_split=None, verbose=0,
        )
    return NeuralNetClassifier(
        BottleneckModule, module__width=width, module__n_features=n_features,
        module__sparse=True, criterion=torch.nn.CrossEntropyLoss, optimizer=LazyAdam,
        lr=2e-3, batch_size=256, max_epochs=max_epochs, train_split=None, verbose=0,
    )


def scores_label_subsets(net):
    """Whether a skorch net's module scores a subset of labels (its ``forward`` takes
    ``label_subset``), as a sampled softmax needs."""
    import inspect

    module = net.module if isinstance(net.module, type) else type(net.module)
    try:
        return "label_subset" in inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return False


class DoubleDistilledRanker(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Rank many labels per row with a student trained by double distillation.

    For a row ``x`` with teacher probabilities ``p``, teacher scores ``s`` and student
    scores ``f`` over ``L`` labels, the student minimises (Menon et al., equation 13)

    ``loss(x) = sum_y pi_y log sum_y' w_y' exp(f_y' - f_y)
    = logsumexp(f + log w) - pi . f``

    (the two forms agree because ``sum_y pi_y = 1`` and ``w`` does not depend on
    ``y``), computed in ``O(L)`` per row. The teacher is used twice, and each use is a
    parameter:

    - ``positives`` — the distribution ``pi`` of "positive" labels: ``"teacher"``, the
      teacher's probabilities after ``temperature`` (``softmax(log p / T)``), or
      ``"onehot"``, the row's label;
    - ``negatives`` — the weights ``w`` of the "negative" labels in the softmax:
      ``"sigmoid"``, ``w = 1 - sigmoid(a s)`` (the paper's choice: a label the teacher
      scores highly is ignored as a negative, several labels can be ignored at once);
      ``"one_minus"``, ``w = 1 - p`` (the teacher's raw probabilities); ``"uniform"``,
      ``w = 1`` (plain softmax cross-entropy).

    So one-hot + uniform is the ordinary student, teacher + uniform is standard
    distillation and teacher + sigmoid (the default) is double distillation.

    Multi-label rows are made multiclass as in the paper: a row with ``m`` labels is
    ``m`` examples ``(x, y)`` (with ``positives="teacher"`` they share the teacher's
    targets, so the row weighs ``m``). The student is a skorch net trained on the
    examples by mini-batches (at scale, each row's examples together: the same
    objective); neither ``X`` (sparse rows are read a batch at a time) nor the
    teacher's outputs ever exist as a dense ``(n_samples, n_labels)`` matrix.

    Two ways to fit, chosen by ``teacher_top_m`` and ``negatives_sample`` (``"auto"``
    picks by the number of labels ``L``):

    - exact (``L <= 4096`` with ``"auto"``): the teacher runs on every batch of every
      epoch and the loss sums over every label; the memory of the targets is
      ``O(batch_size * L)``;
    - at scale (``L > 4096``): the teacher runs once over the training rows and each
      row keeps its top ``teacher_top_m`` labels (their probabilities the positives, the
      rest of the teacher's mass spread evenly over the other labels, each of those a
      negative of weight one, within a bound reported after the fit; a net teacher
      ending in a linear layer finds them in bfloat16 where the CPU has it, the kept
      labels rescored in float32 and checked to be its float32 top labels), and each
      batch's loss is a sampled softmax over the labels it must score and
      ``negatives_sample`` sampled others, with the logQ correction
      (:class:`~skdistill.losses.SampledDoubleDistillationLoss`). The default student
      and teacher are then the same networks reading sparse rows as embedding bags and
      trained with :class:`~skdistill.nets.LazyAdam`.

    Parameters
    ----------
    student : skorch net, default=None
        A ``NeuralNetClassifier`` whose module outputs logits (criterion
        ``CrossEntropyLoss``, or skorch's default ``NLLLoss`` with a module of
        :mod:`skdistill.nets`). It is trained with
        :class:`~skdistill.losses.DoubleDistillationLoss` (a net with ``compile=True``
        also compiles the loss: one fused loop per row). None: the paper's student, a
        network with one narrow linear hidden layer
        (:class:`~skdistill.nets.BottleneckModule`, width 32), Adam, 20 epochs.
    teacher : classifier, default=None
        - an unfitted classifier or skorch net: fitted here on the examples ``(x, y)``
          (with their ``sample_weight``);
        - a :class:`~sklearn.frozen.FrozenEstimator` around a fitted one: used as is
          (it must know every label of ``y``).

        Its scores ``s`` (see ``negatives``) are a net's logits, a classifier's
        ``decision_function``, or, for a classifier with only ``predict_proba``, the
        log-odds ``log(p / (1 - p))``: softmax probabilities leave the per-row offset
        of logits undefined, and the log-odds fix it so that ``sigmoid(s) = p``, i.e.
        ``w = 1 - p`` at ``a = 1``. None: the paper's teacher, the same network with a
        wide hidden layer (width 512).
    positives : {"teacher", "onehot"}, default="teacher"
    negatives : {"sigmoid", "one_minus", "uniform"}, default="sigmoid"
    a : float > 0, default=1.0
        Slope of the sigmoid negatives, ``w = 1 - sigmoid(a s)``.
    temperature : float > 0, default=1.0
        Temperature of the teacher's positives.
    k : int >= 1, default=1
        The ``k`` of :meth:`score` (precision@k) and of :meth:`predict_top_k`.
    random_state : int, RandomState instance or None, default=None
        Seeds the teacher's and the student's fits (their unset ``random_state``
        parameters and the torch RNG: initialisation, batch order), as
        :class:`~skdistill.DistilledClassifier` does.
    memory : str, joblib.Memory or None, default=None
        Caches the fitted teacher, keyed by its parameters (seed included), the data and
        the examples, so that a search over the student's or the distillation's
        parameters (``a``, ``temperature``, the student's width) fits each teacher once
        per training fold; and, with ``teacher_top_m``, the teacher's targets, keyed by
        the fitted teacher, the data, the rows, ``teacher_top_m`` and ``temperature``
        (not ``a``: a search over ``a`` or the student runs the teacher once). A str is
        the cache directory.
    teacher_top_m : int, "auto" or None, default="auto"
        Compute the teacher's targets once per fit, keeping of each training row the
        ``teacher_top_m`` labels it finds most probable: their probabilities (after
        ``temperature``) are their positives, and the rest of the teacher's mass
        (``teacher_dropped_mass_``) is spread evenly over the other labels; the kept
        labels' scores give their negative weights (of any ``a``); every other label is
        a negative of weight ``w = 1``, off by at most ``teacher_log_weight_bound_`` in
        ``|log w|``. None: the teacher runs on every batch and every label keeps its
        exact targets. ``"auto"``: None for at most 4096 labels
        (``EXACT_MAX_LABELS``), else ``min(16, n_labels)``; with ``negatives_sample``
        an int it is ``min(16, n_labels)`` whatever the number of labels. At least
        ``k``.
    negatives_sample : int, "auto" or None, default="auto"
        Sample the negatives: each batch's loss scores the labels the batch must score
        (the kept labels of its rows, and with ``positives="onehot"`` its labels) and
        this many labels drawn by ``sampling``, corrected by their expected count, the
        student's module computing the logits of those labels only (its ``forward``
        must take ``label_subset``, as :mod:`skdistill.nets`' modules do). Needs the
        teacher's targets computed once (``teacher_top_m``) when the teacher is used.
        None: the loss sums over every label. ``"auto"``: 1024
        (``AUTO_NEGATIVES_SAMPLE``, at most ``n_labels``) above 4096 labels when the
        student's module takes ``label_subset``, else None. Prediction always scores
        every label.
    sampling : {"uniform", "frequency"}, default="uniform"
        How ``negatives_sample`` labels are drawn: ``"uniform"``, distinct labels
        uniformly; ``"frequency"``, with replacement, in proportion to each label's
        number of training examples plus one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_labels,)
        The label ids, one per score column. With a label indicator ``y`` they are
        ``0 .. n_labels - 1`` (every column keeps its place, also a label without any
        positive training row); with multiclass ``y``, its sorted labels.
    teacher_ : estimator
        The fitted teacher.
    student_ : skorch net
        The fitted student.
    n_features_in_ : int
    n_examples_ : int
        The number of ``(x, y)`` examples the student was trained on.
    teacher_top_m_ : int or None
        The resolved ``teacher_top_m`` (None when the teacher runs per batch, or is
        not used).
    negatives_sample_ : int or None
        The resolved ``negatives_sample``.
    teacher_dropped_mass_ : dict or None
        With ``teacher_top_m_``: ``{"mean": ..., "max": ...}`` over the training rows of
        the teacher's probability (after ``temperature``) on labels that were not kept.
    teacher_log_weight_bound_ : float or None
        With ``teacher_top_m_``: the largest ``|log w|`` that a label not kept would
        have had (``softplus(a s)`` of the row's largest dropped score ``s`` for
        ``"sigmoid"``), over the training rows; their weight ``w = 1`` is within this
        of the exact one in log space (0 for ``"uniform"``).

    See Also
    --------
    skdistill.losses.double_distillation_loss : The loss, in its ``O(L)`` form.
    skdistill.metrics.precision_at_k : The score.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill import DoubleDistilledRanker
    >>> rng = np.random.RandomState(0)
    >>> X = sparse.csr_matrix(rng.binomial(1, 0.2, size=(300, 20)).astype(float))
    >>> Y = X[:, :6].toarray() + rng.binomial(1, 0.05, size=(300, 6))
    >>> Y[np.arange(300), rng.randint(6, size=300)] = 1  # every row has a label
    >>> Y = sparse.csr_matrix(Y > 0)
    >>> ranker = DoubleDistilledRanker(teacher=LogisticRegression(), k=2, random_state=0)
    >>> ranker.fit(X, Y).decision_function(X[:3]).shape
    (3, 6)
    >>> ranker.predict_top_k(X[:2]).shape
    (2, 2)

    The fit at scale (the default above 4096 labels) on these 6 labels: the teacher's top
    3 labels of each row computed once, 2 sampled negatives per batch.

    >>> scaled = ranker.set_params(teacher_top_m=3, negatives_sample=2).fit(X, Y)
    >>> scaled.teacher_top_m_, scaled.negatives_sample_
    (3, 2)
    >>> 0 <= scaled.teacher_dropped_mass_["mean"] <= scaled.teacher_dropped_mass_["max"] <= 1
    True
    """

    # fit's sample_weight goes where the teacher and the student request it; the
    # estimator itself consumes sample_weight only in score (set_score_request).
    __metadata_request__fit = {"sample_weight": UNUSED}

    _parameter_constraints: dict = {
        "student": [HasMethods(["fit"]), None],
        "teacher": [HasMethods(["fit"]), None],
        "positives": [StrOptions({"teacher", "onehot"})],
        "negatives": [StrOptions({"sigmoid", "one_minus", "uniform"})],
        "a": [Interval(Real, 0, None, closed="neither")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "memory": [None, str, HasMethods(["cache"])],
        "teacher_top_m": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}),
                          None],
        "negatives_sample": [Interval(Integral, 1, None, closed="left"),
                             StrOptions({"auto"}), None],
        "sampling": [StrOptions({"uniform", "frequency"})],
    }

    def __init__(self, student=None, teacher=None, *, positives="teacher", negatives="sigmoid",
                 a=1.0, temperature=1.0, k=1, random_state=None, memory=None,
                 teacher_top_m="auto", negatives_sample="auto", sampling="uniform"):
        self.student = student
        self.teacher = teacher
        self.positives = positives
        self.negatives = negatives
        self.a = a
        self.temperature = temperature
        self.k = k
        self.random_state = random_state
        self.memory = memory
        self.teacher_top_m = teacher_top_m
        self.negatives_sample = negatives_sample
        self.sampling = sampling

    def _get_student(self):
        return _default_net(32, 20) if self.student is None else self.student

    def _get_teacher(self):
        return _default_net(512, 20) if self.teacher is None else self.teacher

    def _uses_teacher(self):
        return self.positives == "teacher" or self.negatives != "uniform"

    # -- fit --------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the teacher (unless prefit) and the student on the examples of ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            E.g. a bag-of-words matrix; sparse rows are densified a batch at a time.
        y : array-like of shape (n_samples,), or {array-like, sparse matrix} of shape \
(n_samples, n_labels)
            Multiclass labels, or a 0/1 label indicator matrix: each positive entry
            ``(i, j)`` is one example ``(x_i, j)``. Rows without a positive label are
            left out, with a warning saying how many.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, given to each of the row's examples.
        **fit_params : dict
            Only with metadata routing enabled: further metadata for the teacher's
            ``fit``.

        Returns
        -------
        self : DoubleDistilledRanker
        """
        _raise_for_params(fit_params, self, "fit")
        student = self._get_student()
        _check_student(student)
        teacher = as_teacher(self._get_teacher()).check()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=(np.float64, np.float32),
                             ensure_min_samples=2, multi_output=True)
        self.classes_, rows, labels = _examples(y, X.shape[0])
        n_labels = len(self.classes_)
        if self.k > n_labels:
            raise ValueError(
                f"k={self.k} is larger than the number of labels ({n_labels}); "
                "precision@k needs k <= n_labels."
            )
        top_m, sample = self._scale(n_labels, student)
        if sample is not None:
            # at scale the paper's networks read sparse rows and update sparsely
            if self.student is None:
                student = _default_net(32, 20, X.shape[1])
            if self.teacher is None:
                teacher = as_teacher(_default_net(512, 20, X.shape[1]))
        self.teacher_top_m_, self.negatives_sample_ = top_m, sample
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        self.n_examples_ = len(rows)
        routed = route_fit(self, teacher, sample_weight, fit_params)
        weights = None if routed["student"] is None else routed["student"][rows]
        teacher_seed, student_seed = draw_seeds(self.random_state, 2)
        fitted = self._fit_teacher(teacher.seeded(teacher_seed), X, rows, labels,
                                   routed["teacher"], sample)
        self.teacher_ = None if fitted is None else fitted.teacher
        self.teacher_dropped_mass_ = self.teacher_log_weight_bound_ = None
        self.student_ = seed_random_states(clone(student), student_seed)
        with torch_seeded(student_seed):
            if top_m is None and sample is None:
                self._fit_student(fitted, X, rows, labels, weights)
            else:
                self._fit_student_at_scale(fitted, X, rows, labels, routed["student"], top_m,
                                           sample, student_seed)
        return self

    def _scale(self, n_labels, student):
        """The resolved ``(teacher_top_m, negatives_sample)``, checked."""
        large = n_labels > EXACT_MAX_LABELS
        sample = self.negatives_sample
        if sample == "auto":
            sample = (min(AUTO_NEGATIVES_SAMPLE, n_labels)
                      if large and scores_label_subsets(student) else None)
        elif sample is not None:
            if sample > n_labels:
                raise ValueError(
                    f"negatives_sample={sample} is larger than the number of labels "
                    f"({n_labels}); sample at most n_labels labels, or set "
                    "negatives_sample=None for the loss over every label."
                )
            if not scores_label_subsets(student):
                raise ValueError(
                    f"negatives_sample={sample} needs a student whose module scores a subset "
                    f"of the labels, but {_module_name(student)}.forward takes no "
                    "label_subset. Give its forward a label_subset=None argument (the logits "
                    "of those labels only, as skdistill.nets' modules have), or set "
                    "negatives_sample=None."
                )
        top_m = self.teacher_top_m
        if top_m == "auto":
            top_m = min(AUTO_TOP_M, n_labels) if large or sample is not None else None
            top_m = None if top_m is None else max(top_m, self.k)
        elif top_m is not None:
            if top_m < self.k:
                raise ValueError(
                    f"teacher_top_m={top_m} is smaller than k={self.k}: the teacher's targets "
                    "would not rank the k labels that precision@k counts. Set teacher_top_m "
                    f">= {self.k}."
                )
            if top_m > n_labels:
                raise ValueError(
                    f"teacher_top_m={top_m} is larger than the number of labels ({n_labels}); "
                    "keep at most n_labels labels per row."
                )
        if sample is not None and top_m is None and self._uses_teacher():
            raise ValueError(
                f"negatives_sample={sample} needs the teacher's targets computed once "
                "(teacher_top_m an int, or 'auto'): the batch's label subset is made of the "
                "teacher's top labels of its rows and the sample. Set teacher_top_m, or "
                "negatives_sample=None."
            )
        return top_m, sample

    def _fit_teacher(self, teacher, X, rows, labels, fit_params, sample=None):
        if teacher.prefit:
            teacher.check_knows(self.classes_[np.unique(labels)])
            return teacher
        if not self._uses_teacher():
            return None
        if (sample is not None and is_skorch_net(teacher.teacher)
                and scores_label_subsets(teacher.teacher)):
            return cached(self.memory, fit_sampled_teacher, teacher)(
                teacher, X, rows, labels, self.classes_, fit_params, sample, self.sampling)
        return cached(self.memory, fit_on_examples, teacher)(
            teacher, X, rows, self.classes_[labels], fit_params)

    def _fit_student_at_scale(self, teacher, X, rows, labels, sample_weight, top_m, sample,
                              seed):
        """The student on its rows, its targets from the teacher's top labels computed once,
        its negatives sampled when ``sample`` is an int."""
        n_labels = len(self.classes_)
        targets = None
        if teacher is not None and self._uses_teacher():
            targets = cached_teacher_targets(self.memory)(
                teacher, X, rows, self.classes_, top_m, float(self.temperature))
            self.teacher_dropped_mass_ = {"mean": float(np.mean(targets.dropped_mass)),
                                          "max": float(np.max(targets.dropped_mass))}
            self.teacher_log_weight_bound_ = targets.log_weight_bound(self.negatives,
                                                                      float(self.a))
        sampler = None if sample is None else LabelSampler(
            n_labels, sample, self.sampling, counts=np.bincount(labels, minlength=n_labels),
            seed=seed)
        row_labels = RowLabels.from_examples(rows, labels)
        batches = RankingBatches(
            self.student_, X, n_labels, row_labels=row_labels, targets=targets,
            positives=self.positives, negatives=self.negatives, a=self.a, sampler=sampler)
        _fit_in_batches(self.student_, X, row_labels, sample_weight, self.classes_, batches)

    def _fit_student(self, teacher, X, rows, labels, weights):
        from .losses import DoubleDistillationLoss

        net = self.student_
        targets = partial(
            _ranking_targets, teacher if self._uses_teacher() else None, self.classes_,
            self.positives, self.negatives, float(self.a), float(self.temperature),
        )
        fit_net_on_batch_targets(net, X, labels, classes=self.classes_, sample_weight=weights,
                                 batch_targets=targets, criterion=DoubleDistillationLoss,
                                 kind="logits", rows=rows, valid_acc=False,
                                 settings=without_criterion_params(net))

    # -- prediction -------------------------------------------------------------------

    def _blocks(self, X):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32),
                          reset=False)
        # a module that reads sparse rows never holds a dense block of X
        dense_width = 0 if sparse.issparse(X) and reads_sparse(self.student_) else X.shape[1]
        width = max(len(self.classes_), dense_width, 1)
        step = max(1, _BLOCK_ELEMENTS // width)
        for start in range(0, X.shape[0], step):
            yield net_logits(self.student_, X[start:start + step])

    def decision_function(self, X):
        """Scores of every label: the student's logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_labels), float32
            Columns in the order of ``classes_``; higher ranks first. For two labels,
            scikit-learn's binary convention: the one column ``f_1 - f_0`` of shape
            ``(n_samples,)``, positive where the second label ranks first.
        """
        check_is_fitted(self)
        scores = _concatenate(list(self._blocks(X)), len(self.classes_))
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict_proba(self, X):
        """The student's softmax over the labels.

        A multiclass reading of the scores: each row is a distribution over the labels
        (rows sum to one), the probability that each label is *the* label of the row
        as the student was trained to see it (one example per relevant label). It is
        not a probability that each label is relevant (with several relevant labels
        those would not sum to one), and it is not calibrated to be one: the ranking
        loss fits the order of the scores, and double distillation down-weights
        negatives. Rank with :meth:`decision_function` or :meth:`predict_top_k`; the
        order is the same.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels), float32
        """
        check_is_fitted(self)
        return _concatenate([np.exp(log_softmax(block, axis=1)) for block in self._blocks(X)],
                            len(self.classes_))

    def predict_top_k(self, X, k=None):
        """The ``k`` best labels of each row, best first.

        Ties are broken in favour of the lower column of ``classes_`` (as
        :func:`~skdistill.metrics.precision_at_k` does), so the first column equals
        :meth:`predict`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        k : int, default=None
            None means the ``k`` parameter.

        Returns
        -------
        labels : ndarray of shape (n_samples, k)
        """
        check_is_fitted(self)
        k = self.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, Integral) or not 1 <= k <= len(self.classes_):
            raise ValueError(
                f"k must be an integer in [1, {len(self.classes_)}] (the number of labels); "
                f"got {k!r}."
            )
        tops = [top_k_indices(block, k) for block in self._blocks(X)]
        return self.classes_.take(_concatenate(tops, k).astype(np.intp))

    def predict(self, X, k=None):
        """The best label of each row, or with ``k`` its ``k`` best labels.

        ``k`` is what makes the top ``k`` reachable through a
        :class:`~sklearn.pipeline.Pipeline`, whose ``predict(X, **params)`` hands its
        parameters to the last step: ``pipe.predict(X, k=5)`` (with metadata routing
        enabled, request it with ``set_predict_request(k=True)``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        k : int, default=None
            None: the best label. An int: :meth:`predict_top_k` with this ``k``.

        Returns
        -------
        labels : ndarray of shape (n_samples,), or (n_samples, k) when ``k`` is given
        """
        if k is not None:
            return self.predict_top_k(X, k)
        return self.predict_top_k(X, 1)[:, 0]

    def score(self, X, y, sample_weight=None):
        """Precision@k of the ranking (``k`` from the parameter).

        The mean over the rows of ``X`` of the fraction of each row's ``k`` best labels
        that are relevant (:func:`~skdistill.metrics.precision_at_k`). A row of ``y``
        without any relevant label counts, with precision 0: it is in the mean (unlike
        in :meth:`fit`, which leaves such rows out, with a warning), so the score is
        that of the rows as given; leave them out of ``X`` and ``y`` to score only
        rows that have a label.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), or label indicator matrix of shape \
(n_samples, n_labels)
            Multiclass labels (from ``classes_``) or the relevant labels of each row.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        precision : float
        """
        check_is_fitted(self)
        scores = _concatenate(list(self._blocks(X)), len(self.classes_))
        if not sparse.issparse(y):
            y = np.asarray(y)
        if sparse.issparse(y) or (y.ndim == 2 and y.shape[1] > 1):
            truth = y
        else:
            y = y.reshape(-1)
            truth = np.searchsorted(self.classes_, y)
            truth = np.minimum(truth, len(self.classes_) - 1)
            unknown = self.classes_[truth] != y
            if np.any(unknown):
                raise ValueError(
                    f"y has labels {np.unique(y[unknown])[:10].tolist()} that are not in "
                    "classes_ (the labels seen in fit)."
                )
        return precision_at_k(truth, scores, self.k, sample_weight=sample_weight)

    # -- scikit-learn protocol ------------------------------------------------------

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes to the teacher's and the student's ``fit`` (the student takes
        only ``sample_weight``).

        Returns
        -------
        routing : MetadataRouter
        """
        return teacher_student_router(self, as_teacher(self._get_teacher()), self._get_student())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _module_name(net):
    module = net.module if isinstance(net.module, type) else type(net.module)
    return module.__name__


def _fit_in_batches(net, X, row_labels, sample_weight, classes, batches):
    """Fit ``net`` in place on the training rows of ``row_labels``, each weighted by its
    number of labels (and its ``sample_weight``, one per row of ``X``, or None), with the
    targets and label subsets of ``batches`` (a
    :class:`~skdistill._ranking_batches.RankingBatches`)."""
    from .losses import DoubleDistillationLoss, SampledDoubleDistillationLoss

    criterion = DoubleDistillationLoss if batches.sampler is None else SampledDoubleDistillationLoss
    weights = row_labels.counts.astype(np.float64)
    if sample_weight is not None:
        weights *= np.asarray(sample_weight, dtype=np.float64)[row_labels.rows]
    # a label of each row stratifies a validation split, as the examples' labels would
    meta = _LABELS_AND_WEIGHTS.pack(y_index=row_labels.labels[row_labels.indptr[:-1]],
                                    sample_weight=row_weights(weights, len(weights)))
    # batch_size counts examples, as in the exact fit: a batch holds the rows of about
    # that many labels, so that an epoch takes as many optimizer steps as the exact fit's
    settings = {**without_criterion_params(net), "iterator_train__collate_fn": batches,
                "iterator_valid__collate_fn": batches,
                "batch_size": max(1, round(net.batch_size * len(weights)
                                           / row_labels.counts.sum()))}
    fit_net(net, X, meta, classes=classes, layout=_LABELS_AND_WEIGHTS, criterion=criterion,
            kind="logits", settings=settings, labels_of=_labels_if_all_known,
            rows=row_labels.rows, valid_acc=False)
    return net


def fit_sampled_teacher(teacher, X, rows, labels, classes, fit_params, sample, sampling):
    """The ranker's teacher step at scale: a net teacher fitted on the examples ``(X[rows],
    labels)`` by the ordinary softmax cross-entropy with ``sample`` sampled negatives
    (each row's examples together, see :mod:`skdistill._ranking_batches`).

    ``teacher`` is the adapter of an unfitted, seeded skorch net whose module scores
    label subsets; ``fit_params`` has at most a ``sample_weight`` per row of ``X``.
    Returns the adapter of the fitted net.
    """
    extra = set(fit_params) - {"sample_weight"}
    if extra:
        raise ValueError(
            f"a net teacher fitted with sampled negatives takes only sample_weight; got "
            f"metadata {sorted(extra)} routed to it."
        )
    net = teacher.teacher
    row_labels = RowLabels.from_examples(rows, labels)
    sampler = LabelSampler(len(classes), sample, sampling,
                           counts=np.bincount(labels, minlength=len(classes)), seed=teacher.seed)
    batches = RankingBatches(net, X, len(classes), row_labels=row_labels, targets=None,
                             positives="onehot", negatives="uniform", a=1.0, sampler=sampler)
    with torch_seeded(teacher.seed):
        _fit_in_batches(net, X, row_labels, fit_params.get("sample_weight"), classes,
                        batches)
    return teacher


def _check_student(student):
    if not (is_skorch_net(student) and is_classifier_net(student)):
        raise TypeError(
            "DoubleDistilledRanker's student must be a skorch NeuralNetClassifier whose module "
            f"outputs logits (e.g. with skdistill.nets.BottleneckModule); got "
            f"{type(student).__name__}."
        )
    _, kind = soft_criterion(student)
    if kind != "logits":
        raise ValueError(
            f"DoubleDistilledRanker's student must output logits (its scores), but "
            f"{type(student).__name__} has criterion NLLLoss with a module that outputs "
            "probabilities. Use criterion=torch.nn.CrossEntropyLoss with a logit module."
        )


def _examples(y, n_samples):
    """``classes_``, and the row and label index of each ``(x, y)`` example."""
    if sparse.issparse(y) or (y.ndim == 2 and y.shape[1] > 1):
        Y = sparse.csr_matrix(y, copy=True)
        check_consistent_length(Y, np.empty(n_samples))
        Y.eliminate_zeros()
        if Y.nnz and not np.all(Y.data == 1):
            raise ValueError(
                "y is 2-D, so it is read as a label indicator matrix, but it holds values "
                "other than 0 and 1; give one column per label with 1 where the label is "
                "relevant (multiclass labels go in a 1-D y)."
            )
        if Y.nnz == 0:
            raise ValueError(
                "y is a label indicator matrix without any positive entry: there is no "
                "(x, label) example to learn from."
            )
        Y.sort_indices()
        counts = np.diff(Y.indptr)
        empty = int(np.sum(counts == 0))
        if empty:
            warnings.warn(
                f"{empty} of the {n_samples} rows of y have no positive label; they give no "
                "(x, label) example and are left out of the fit.", UserWarning, stacklevel=4,
            )
        classes = np.arange(Y.shape[1])
        rows = np.repeat(np.arange(n_samples), counts)
        labels = Y.indices.astype(np.int64)
    else:
        y = np.asarray(y)
        if y.ndim == 2:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning, stacklevel=4,
            )
            y = y.ravel()
        check_consistent_length(y, np.empty(n_samples))
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        rows = np.arange(n_samples)
    if len(classes) < 2:
        raise ValueError(
            f"y must have at least 2 classes (labels) to rank; got {classes.tolist()}."
        )
    return classes, rows, labels


def _ranking_targets(teacher, classes, positives, negatives, a, temperature, Xb, labels,
                     weights):
    """A batch's targets for :class:`~skdistill.losses.DoubleDistillationLoss`.

    The loss reads the positives ``pi`` and the log negative weights ``log w``:
    ``log(1 - sigmoid(a s))`` of the teacher's scores for ``"sigmoid"``
    (:func:`~skdistill.losses.sigmoid_log_weights`), ``log(1 - p)`` for ``"one_minus"``
    (the sigmoid weights of the log-odds at ``a = 1``) and ``0`` (``w = 1``) for
    ``"uniform"``. They are computed here, once per batch, so that the loss does not
    recompute them at every step.
    """
    import torch

    from .losses import sigmoid_log_weights, tempered_log_softmax

    if teacher is not None:
        S, P = as_teacher(teacher).scores(Xb, classes)
        check_teacher_scores(S, P, len(labels), len(classes))
    if positives == "teacher":
        # torch's softmax: one fused pass per row, several times faster than SciPy's at
        # 10^5 labels, where this runs once per batch
        with np.errstate(divide="ignore"):
            log_p = np.log(P, dtype=np.float32)
        pi = tempered_log_softmax(torch.from_numpy(log_p), temperature).exp_().numpy()
    else:
        pi = np.zeros((len(labels), len(classes)), dtype=np.float32)
        pi[np.arange(len(labels)), labels] = 1.0
    if negatives == "sigmoid":
        # the batch's own scores are overwritten: the weights cost no (batch, L) array
        log_w = sigmoid_log_weights(np.asarray(S, dtype=np.float32), a, out=True)
    elif negatives == "one_minus":
        with np.errstate(divide="ignore"):
            log_w = np.log1p(-np.asarray(P, dtype=np.float32))
    else:
        log_w = np.zeros(pi.shape, dtype=np.float32)
    layout = TargetLayout(len(classes), log_weights=True, weights=True)
    return layout.pack(pi, log_weights=log_w, sample_weight=weights)


def _concatenate(blocks, width):
    return np.concatenate(blocks, axis=0) if blocks else np.empty((0, width), np.float32)
