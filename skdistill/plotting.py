"""Visual diagnostics: teacher reliability, and teacher quality against student score.

Display objects follow scikit-learn's conventions (see
:class:`sklearn.calibration.CalibrationDisplay`): a ``from_*`` class method computes
and plots, ``plot`` draws the stored values, and the matplotlib artists are kept in
attributes ending in ``_``. matplotlib is imported only when plotting.
"""

import numpy as np

from .metrics import expected_calibration_error, top_label_calibration_curve

__all__ = ["ReliabilityDisplay", "TeacherStudentDisplay"]


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
