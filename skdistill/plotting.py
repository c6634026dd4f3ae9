"""Visual diagnostics: teacher reliability, teacher comparison, and teacher quality
against student score.

Display objects follow scikit-learn's conventions (see
:class:`sklearn.calibration.CalibrationDisplay`): a ``from_*`` class method computes
and plots, ``plot`` draws the stored values, and the matplotlib artists are kept in
attributes ending in ``_``. matplotlib is imported only when plotting.
"""

import numpy as np

from ._diagnostics import evaluate_p_star
from .metrics import (
    compare_teachers,
    expected_calibration_error,
    multiclass_brier_score,
    probability_mse,
    top_label_calibration_curve,
)

__all__ = ["ReliabilityDisplay", "TeacherComparisonDisplay", "TeacherStudentDisplay"]


def _get_axes(ax):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Plotting requires matplotlib: pip install matplotlib "
                          "(or pip install skdistill[plot]).") from exc
    if ax is None:
        _, ax = plt.subplots()
    return ax


class ReliabilityDisplay:
    """Top-label reliability diagram of a classifier's probabilities.

    The accuracy of the predicted class against the mean top-label confidence, per
    confidence bin (:func:`skdistill.metrics.top_label_calibration_curve`); a calibrated
    model lies on the diagonal. Works for binary and multiclass problems alike. Create it
    with :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    prob_true : ndarray of shape (n_bins,)
        Accuracy per non-empty bin.
    prob_pred : ndarray of shape (n_bins,)
        Mean top-label confidence per non-empty bin.
    bin_counts : ndarray of shape (n_bins,), default=None
        Rows per bin.
    ece : float, default=None
        Expected calibration error, shown in the legend.
    estimator_name : str, default=None
        Name in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The reliability curve.
    ref_line_ : matplotlib Line2D or None
        The diagonal of perfect calibration.
    ax_ : matplotlib Axes
        Axes with the curve.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill.datasets import make_gaussian_classification
    >>> from skdistill.plotting import ReliabilityDisplay
    >>> X, y, _ = make_gaussian_classification(300, separation=0.25, random_state=0)
    >>> clf = LogisticRegression().fit(X, y)
    >>> disp = ReliabilityDisplay.from_estimator(clf, X, y, n_bins=5)
    >>> disp.line_.get_xdata().shape == disp.prob_pred.shape
    True
    """

    def __init__(self, prob_true, prob_pred, *, bin_counts=None, ece=None, estimator_name=None):
        self.prob_true = prob_true
        self.prob_pred = prob_pred
        self.bin_counts = bin_counts
        self.ece = ece
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, ref_line=True, **kwargs):
        """Plot the reliability curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created if None.
        name : str, default=None
            Legend name; defaults to ``estimator_name``.
        ref_line : bool, default=True
            Draw the diagonal of perfect calibration.
        **kwargs : dict
            Passed to ``ax.plot`` for the curve.

        Returns
        -------
        display : ReliabilityDisplay
            This object, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        ax = _get_axes(ax)
        name = self.estimator_name if name is None else name
        label = name
        if self.ece is not None:
            label = f"{name} (ECE = {self.ece:.3f})" if name else f"ECE = {self.ece:.3f}"
        self.ref_line_ = None
        if ref_line:
            (self.ref_line_,) = ax.plot([0, 1], [0, 1], "k:", label="Perfectly calibrated")
        (self.line_,) = ax.plot(self.prob_pred, self.prob_true,
                                **{"marker": "s", "label": label, **kwargs})
        ax.set(xlabel="Mean top-label confidence", ylabel="Top-label accuracy",
               xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        if label or ref_line:
            ax.legend(loc="upper left")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(cls, y_true, proba, *, labels=None, n_bins=15, strategy="uniform",
                         name=None, ref_line=True, ax=None, **kwargs):
        """Reliability diagram from labels and predicted probabilities.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        proba : array-like of shape (n_samples, n_classes) or (n_samples,)
            Class-probabilities (1-D: positive-class probability of a binary problem).
        labels : array-like of shape (n_classes,), default=None
            Class of every column of ``proba``; default the sorted unique labels of ``y_true``.
        n_bins : int, default=15
            Number of confidence bins.
        strategy : {"uniform", "quantile"}, default="uniform"
            Equal-width bins or bins with equally many rows.
        name : str, default=None
            Legend name.
        ref_line : bool, default=True
            Draw the diagonal.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : ReliabilityDisplay
        """
        prob_true, prob_pred, counts = top_label_calibration_curve(
            y_true, proba, n_bins=n_bins, strategy=strategy, labels=labels)
        ece = expected_calibration_error(y_true, proba, n_bins=n_bins, strategy=strategy,
                                         labels=labels)
        display = cls(prob_true, prob_pred, bin_counts=counts, ece=ece, estimator_name=name)
        return display.plot(ax=ax, ref_line=ref_line, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_bins=15, strategy="uniform", name=None,
                       ref_line=True, ax=None, **kwargs):
        """Reliability diagram of a fitted classifier's ``predict_proba`` on ``(X, y)``.

        Parameters
        ----------
        estimator : fitted classifier with predict_proba
            Model to assess, e.g. a teacher.
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,)
            True labels.
        n_bins : int, default=15
            Number of confidence bins.
        strategy : {"uniform", "quantile"}, default="uniform"
            Equal-width bins or bins with equally many rows.
        name : str, default=None
            Legend name; defaults to the estimator's class name.
        ref_line : bool, default=True
            Draw the diagonal.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : ReliabilityDisplay
        """
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(f"{type(estimator).__name__} has no predict_proba; a reliability "
                            "diagram needs class-probabilities.")
        name = type(estimator).__name__ if name is None else name
        return cls.from_predictions(y, estimator.predict_proba(X), labels=estimator.classes_,
                                    n_bins=n_bins, strategy=strategy, name=name,
                                    ref_line=ref_line, ax=ax, **kwargs)


class TeacherStudentDisplay:
    """Teacher quality (MSE to ``p*``) against the score of the student distilled from it.

    The picture of Figures 4 and 5 of the paper: across a family of teachers (depths,
    bias/noise levels, calibration distortions...), teachers whose probabilities are
    closer to the Bayes class-probabilities should give better students. Create it with
    :meth:`from_results`.

    Parameters
    ----------
    teacher_mse : array-like of shape (n_teachers,)
        Teacher MSE to ``p*`` (or to a reference), e.g. from
        :func:`skdistill.metrics.probability_mse` or
        :func:`skdistill.metrics.teacher_bias_variance`.
    student_score : array-like of shape (n_teachers,)
        Score of the student distilled from each teacher (e.g. mean test AUC).
    labels : sequence of str, default=None
        Annotation of each point (e.g. ``"depth=8"``).
    yerr : array-like of shape (n_teachers,), default=None
        Error bars of the student score (e.g. standard errors over trials).
    xerr : array-like of shape (n_teachers,), default=None
        Error bars of the teacher MSE.
    score_name : str, default="Student score"
        y-axis label.

    Attributes
    ----------
    line_ : matplotlib Line2D
        Points, joined in order of increasing teacher MSE.
    errorbar_ : matplotlib ErrorbarContainer or None
        Error bars, when ``yerr`` or ``xerr`` is given.
    annotations_ : list of matplotlib Annotation
        One per label.
    ax_ : matplotlib Axes
        Axes with the plot.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdistill.plotting import TeacherStudentDisplay
    >>> disp = TeacherStudentDisplay.from_results(
    ...     [0.05, 0.02, 0.08], [0.80, 0.85, 0.78], labels=["d=2", "d=4", "d=8"])
    >>> disp.line_.get_xdata().tolist()
    [0.02, 0.05, 0.08]
    """

    def __init__(self, teacher_mse, student_score, *, labels=None, yerr=None, xerr=None,
                 score_name="Student score"):
        self.teacher_mse = teacher_mse
        self.student_score = student_score
        self.labels = labels
        self.yerr = yerr
        self.xerr = xerr
        self.score_name = score_name

    def _validated(self):
        x = np.asarray(self.teacher_mse, dtype=np.float64).ravel()
        y = np.asarray(self.student_score, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError(f"teacher_mse and student_score must have the same length; got "
                             f"{x.size} and {y.size}.")
        extras = {}
        for name in ("yerr", "xerr", "labels"):
            value = getattr(self, name)
            if value is not None and len(value) != x.size:
                raise ValueError(f"{name} must have one entry per teacher ({x.size}); got "
                                 f"{len(value)}.")
            extras[name] = value
        return x, y, extras

    def plot(self, ax=None, *, name=None, **kwargs):
        """Plot the student score against the teacher MSE.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created if None.
        name : str, default=None
            Legend label of the curve.
        **kwargs : dict
            Passed to ``ax.plot`` (or ``ax.errorbar`` when error bars are given).

        Returns
        -------
        display : TeacherStudentDisplay
            This object, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        x, y, extras = self._validated()
        ax = _get_axes(ax)
        # Join the points in order of teacher quality so the trend reads left to right.
        order = np.argsort(x, kind="stable")
        style = {"marker": "o", "label": name, **kwargs}
        self.errorbar_ = None
        if extras["yerr"] is not None or extras["xerr"] is not None:
            yerr = None if extras["yerr"] is None else np.asarray(extras["yerr"])[order]
            xerr = None if extras["xerr"] is None else np.asarray(extras["xerr"])[order]
            self.errorbar_ = ax.errorbar(x[order], y[order], yerr=yerr, xerr=xerr,
                                         capsize=3, **style)
            self.line_ = self.errorbar_.lines[0]
        else:
            (self.line_,) = ax.plot(x[order], y[order], **style)
        self.annotations_ = []
        if extras["labels"] is not None:
            for xi, yi, text in zip(x, y, extras["labels"]):
                self.annotations_.append(ax.annotate(str(text), (xi, yi), xytext=(4, 4),
                                                     textcoords="offset points", fontsize=8))
        ax.set(xlabel="Teacher MSE to p*", ylabel=self.score_name)
        if name is not None:
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_results(cls, teacher_mse, student_score, *, labels=None, yerr=None, xerr=None,
                     score_name="Student score", name=None, ax=None, **kwargs):
        """Plot student scores against teacher MSEs from precomputed results.

        Parameters
        ----------
        teacher_mse : array-like of shape (n_teachers,)
            Teacher MSE to ``p*`` (or to a reference).
        student_score : array-like of shape (n_teachers,)
            Score of each distilled student.
        labels : sequence of str, default=None
            Annotation of each point.
        yerr : array-like of shape (n_teachers,), default=None
            Error bars of the student score.
        xerr : array-like of shape (n_teachers,), default=None
            Error bars of the teacher MSE.
        score_name : str, default="Student score"
            y-axis label (e.g. ``"Student test AUC"``).
        name : str, default=None
            Legend label.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.plot`` / ``ax.errorbar``.

        Returns
        -------
        display : TeacherStudentDisplay
        """
        display = cls(teacher_mse, student_score, labels=labels, yerr=yerr, xerr=xerr,
                      score_name=score_name)
        return display.plot(ax=ax, name=name, **kwargs)


class TeacherComparisonDisplay:
    """Held-out scores of candidate teachers with error bars, and their MSE to ``p*``.

    Each candidate is a point at its held-out score
    (:func:`skdistill.metrics.compare_teachers`) with error bars of ``n_se`` standard
    errors. Because ``Brier(teacher) - Brier(p*)`` estimates the teacher's MSE to
    ``p*``, a Brier plot can carry that MSE: when the true MSEs are known (synthetic
    problems) they are drawn as markers on the same scale, shifted by ``bayes_score``
    (the Brier score of ``p*`` on the same rows), and a secondary y-axis reads
    ``score - bayes_score`` as the MSE to ``p*``. With ``kind="difference"`` the points
    are the paired differences to the best candidate, with their paired standard
    errors, which is the comparison that matters: error bars of single scores overlap
    even when a paired difference is many standard errors away from zero.

    Create it with :meth:`from_estimator`, :meth:`from_predictions` or
    :meth:`from_comparison`.

    Parameters
    ----------
    names : sequence of str
        Candidate names.
    scores : array-like of shape (n_candidates,)
        Held-out scores (lower is better).
    standard_errors : array-like of shape (n_candidates,)
        Their standard errors.
    differences : array-like of shape (n_candidates, n_candidates), default=None
        ``differences[i, j] = scores[i] - scores[j]``; needed for ``kind="difference"``.
    difference_standard_errors : array-like of shape (n_candidates, n_candidates), \
default=None
        Paired standard errors of ``differences``.
    scoring : {"brier", "log_loss"}, default="brier"
        The score; the true MSE to ``p*`` can only be drawn with ``"brier"``.
    true_mse : array-like of shape (n_candidates,), default=None
        Each candidate's MSE to ``p*`` on the scored rows, when ``p*`` is known.
    bayes_score : float, default=None
        Brier score of ``p*`` itself on the scored rows; places ``true_mse`` on the
        score axis.

    Attributes
    ----------
    errorbar_ : matplotlib ErrorbarContainer
        The points with their error bars.
    line_ : matplotlib Line2D
        The points.
    true_mse_line_ : matplotlib Line2D or None
        Markers at the true MSE to ``p*``.
    secondary_ax_ : matplotlib SecondaryAxis or None
        The MSE-to-``p*`` axis (``kind="score"`` with ``bayes_score``).
    ax_ : matplotlib Axes
        Axes with the plot.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill.datasets import gaussian_class_probability, make_gaussian_classification
    >>> from skdistill.plotting import TeacherComparisonDisplay
    >>> X, y, p_star = make_gaussian_classification(400, separation=0.25, random_state=0)
    >>> disp = TeacherComparisonDisplay.from_estimator(
    ...     [LogisticRegression(), DecisionTreeClassifier(max_depth=4, random_state=0)],
    ...     X, y, p_star=p_star, cv=4)
    >>> [t.get_text() for t in disp.ax_.get_xticklabels()]
    ['logisticregression', 'decisiontreeclassifier']
    >>> disp.true_mse_line_ is not None
    True
    """

    def __init__(self, names, scores, standard_errors, *, differences=None,
                 difference_standard_errors=None, scoring="brier", true_mse=None,
                 bayes_score=None):
        self.names = names
        self.scores = scores
        self.standard_errors = standard_errors
        self.differences = differences
        self.difference_standard_errors = difference_standard_errors
        self.scoring = scoring
        self.true_mse = true_mse
        self.bayes_score = bayes_score

    def _values(self, kind, n_se):
        if kind not in ("score", "difference"):
            raise ValueError(f"kind must be 'score' or 'difference'; got {kind!r}.")
        if not n_se >= 0:
            raise ValueError(f"n_se must be a non-negative number of standard errors; got "
                             f"{n_se!r}.")
        scores = np.asarray(self.scores, dtype=np.float64).ravel()
        ses = np.asarray(self.standard_errors, dtype=np.float64).ravel()
        n = scores.size
        if ses.shape != (n,) or len(self.names) != n:
            raise ValueError(f"names, scores and standard_errors must have one entry per "
                             f"candidate; got {len(self.names)}, {n} and {ses.size}.")
        true_mse = None
        if self.true_mse is not None:
            if self.scoring != "brier":
                raise ValueError(f"true_mse can only be drawn on the Brier score: only Brier "
                                 f"differences estimate differences of MSE to p*, and scoring "
                                 f"is {self.scoring!r}.")
            true_mse = np.asarray(self.true_mse, dtype=np.float64).ravel()
            if true_mse.shape != (n,):
                raise ValueError(f"true_mse must have one entry per candidate ({n}); got "
                                 f"{true_mse.size}.")
        best = int(np.argmin(scores))
        if kind == "score":
            if true_mse is not None:
                if self.bayes_score is None:
                    raise ValueError("bayes_score (the Brier score of p* on the same rows) is "
                                     "needed to place true_mse on the score axis; give it, or "
                                     "use kind='difference'.")
                true_mse = true_mse + self.bayes_score
            return scores, n_se * ses, true_mse, best
        if self.differences is None or self.difference_standard_errors is None:
            raise ValueError("kind='difference' needs differences and "
                             "difference_standard_errors (as from_comparison gives).")
        D = np.asarray(self.differences, dtype=np.float64)
        D_se = np.asarray(self.difference_standard_errors, dtype=np.float64)
        if D.shape != (n, n) or D_se.shape != (n, n):
            raise ValueError(f"differences and difference_standard_errors must have shape "
                             f"({n}, {n}); got {D.shape} and {D_se.shape}.")
        if true_mse is not None:
            true_mse = true_mse - true_mse[best]
        return D[:, best], n_se * D_se[:, best], true_mse, best

    def plot(self, ax=None, *, kind="score", n_se=2.0, **kwargs):
        """Plot the candidates' scores (or differences to the best) with error bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created if None.
        kind : {"score", "difference"}, default="score"
            ``"score"``: each candidate's score, error bars from its own standard
            error. ``"difference"``: score minus the best candidate's score, error bars
            from the paired standard errors.
        n_se : float, default=2.0
            Half-length of the error bars in standard errors (2: about a 95% interval
            under a normal approximation).
        **kwargs : dict
            Passed to ``ax.errorbar``.

        Returns
        -------
        display : TeacherComparisonDisplay
            This object, with ``errorbar_``, ``line_``, ``ax_`` and ``figure_`` set.
        """
        values, errors, true_mse, best = self._values(kind, n_se)
        ax = _get_axes(ax)
        positions = np.arange(values.size)
        score_name = "Brier score" if self.scoring == "brier" else "log-loss"
        label = f"held-out {score_name} ± {n_se:g} SE"
        style = {"fmt": "o", "capsize": 4, "label": label, **kwargs}
        self.errorbar_ = ax.errorbar(positions, values, yerr=errors, **style)
        self.line_ = self.errorbar_.lines[0]
        self.true_mse_line_ = None
        self.secondary_ax_ = None
        if true_mse is not None:
            (self.true_mse_line_,) = ax.plot(positions, true_mse, "x", color="k", markersize=8,
                                             label="true MSE to p*")
        if kind == "score":
            ax.set_ylabel(f"Held-out {score_name}")
            if self.scoring == "brier" and self.bayes_score is not None:
                shift = float(self.bayes_score)
                self.secondary_ax_ = ax.secondary_yaxis(
                    "right", functions=(lambda b: b - shift, lambda m: m + shift))
                self.secondary_ax_.set_ylabel("MSE to p* (= score - Brier score of p*)")
        else:
            ax.axhline(0.0, color="0.6", linestyle=":", linewidth=1)
            ax.set_ylabel(f"{score_name.capitalize()} - best ({self.names[best]})")
        ax.set_xticks(positions, [str(name) for name in self.names])
        ax.set_xlim(-0.5, values.size - 0.5)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_comparison(cls, comparison, *, true_mse=None, bayes_score=None, kind="score",
                        n_se=2.0, ax=None, **kwargs):
        """Plot the result of :func:`skdistill.metrics.compare_teachers`.

        Parameters
        ----------
        comparison : Bunch
            The result of :func:`~skdistill.metrics.compare_teachers`.
        true_mse : array-like of shape (n_candidates,), default=None
            Each candidate's MSE to ``p*`` on the scored rows.
        bayes_score : float, default=None
            Brier score of ``p*`` on the scored rows.
        kind : {"score", "difference"}, default="score"
            What to plot (see :meth:`plot`).
        n_se : float, default=2.0
            Half-length of the error bars in standard errors.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.errorbar``.

        Returns
        -------
        display : TeacherComparisonDisplay
        """
        display = cls(comparison.names, comparison.scores, comparison.standard_errors,
                      differences=comparison.differences,
                      difference_standard_errors=comparison.difference_standard_errors,
                      scoring=comparison.scoring, true_mse=true_mse, bayes_score=bayes_score)
        return display.plot(ax=ax, kind=kind, n_se=n_se, **kwargs)

    @classmethod
    def _from_probabilities(cls, comparison, y, p_star, **plot_params):
        true_mse = bayes_score = None
        if p_star is not None:
            true_mse = [probability_mse(P, p_star) for P in comparison.proba]
            bayes_score = multiclass_brier_score(y, p_star, labels=comparison.classes)
        return cls.from_comparison(comparison, true_mse=true_mse, bayes_score=bayes_score,
                                   **plot_params)

    @classmethod
    def from_estimator(cls, candidates, X, y, *, p_star=None, scoring="brier", cv=5,
                       classes=None, n_jobs=None, random_state=None, kind="score", n_se=2.0,
                       ax=None, **kwargs):
        """Compare candidate teachers on ``(X, y)`` and plot the result.

        Parameters
        ----------
        candidates : dict, list or single candidate
            As in :func:`~skdistill.metrics.compare_teachers`: unfitted classifiers
            (scored out of fold), ``FrozenEstimator`` s or callables (scored on ``(X, y)``
            as is), or probability matrices.
        X : array-like of shape (n_samples, n_features)
            Inputs of the scored rows.
        y : array-like of shape (n_samples,)
            Labels of the scored rows.
        p_star : array-like of shape (n_samples, n_classes), callable or fitted \
estimator, default=None
            The Bayes class-probabilities on ``X`` (or a function or model giving them),
            columns in the order of the classes; when given, every candidate's true MSE
            to ``p*`` on the same rows is drawn.
        scoring : {"brier", "log_loss"}, default="brier"
            Per-row score.
        cv : int, cross-validation generator or iterable, default=5
            Folds for the unfitted candidates.
        classes : array-like of shape (n_classes,), default=None
            Every class label; default the sorted labels of ``y``.
        n_jobs : int, default=None
            Parallel fits (joblib).
        random_state : int, RandomState instance or None, default=None
            Seeds a shuffling splitter that has no seed of its own.
        kind : {"score", "difference"}, default="score"
            What to plot (see :meth:`plot`).
        n_se : float, default=2.0
            Half-length of the error bars in standard errors.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.errorbar``.

        Returns
        -------
        display : TeacherComparisonDisplay
        """
        comparison = compare_teachers(candidates, X, y, scoring=scoring, cv=cv, classes=classes,
                                      n_jobs=n_jobs, random_state=random_state,
                                      return_proba=p_star is not None)
        if p_star is not None:
            p_star = evaluate_p_star(p_star, X, len(comparison.proba[0]))
        return cls._from_probabilities(comparison, y, p_star, kind=kind, n_se=n_se, ax=ax,
                                       **kwargs)

    @classmethod
    def from_predictions(cls, y_true, probas, *, labels=None, p_star=None, scoring="brier",
                         kind="score", n_se=2.0, ax=None, **kwargs):
        """Plot the held-out scores of probability matrices already computed.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Labels of the scored rows.
        probas : dict or list of array-like of shape (n_samples, n_classes)
            Held-out probabilities of each candidate (``{name: proba}`` or a list).
        labels : array-like of shape (n_classes,), default=None
            Class of every column; default the sorted labels of ``y_true``.
        p_star : array-like of shape (n_samples, n_classes), default=None
            The Bayes class-probabilities on the same rows, when known.
        scoring : {"brier", "log_loss"}, default="brier"
            Per-row score.
        kind : {"score", "difference"}, default="score"
            What to plot (see :meth:`plot`).
        n_se : float, default=2.0
            Half-length of the error bars in standard errors.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs : dict
            Passed to ``ax.errorbar``.

        Returns
        -------
        display : TeacherComparisonDisplay
        """
        if not isinstance(probas, dict | list | tuple):
            probas = [probas]
        comparison = compare_teachers(probas, None, y_true, scoring=scoring, classes=labels,
                                      return_proba=True)
        if p_star is not None:
            if callable(p_star) or hasattr(p_star, "predict_proba"):
                raise TypeError("from_predictions takes p_star as the matrix p*(X) on the "
                                "scored rows; to evaluate a function or model on X, use "
                                "from_estimator.")
            p_star = evaluate_p_star(p_star, None, comparison.n_samples)
        return cls._from_probabilities(comparison, y_true, p_star, kind=kind, n_se=n_se, ax=ax,
                                       **kwargs)
