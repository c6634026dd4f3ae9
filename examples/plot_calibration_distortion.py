"""
=====================================================
Accurate but uncalibrated teachers distil worse
=====================================================

A teacher helps through its probabilities, not through its accuracy. Appendix B.2 of
Menon et al. makes the point by distorting the Bayes probabilities with a monotone map
``Ψ_α`` that keeps ``1/2`` fixed: every decision, hence the accuracy, is unchanged, but
the probabilities are pushed towards 0 and 1 as ``α`` grows.
:class:`~skdistill.CalibrationDistortedTeacher` wraps any teacher this way.

We distort the Bayes teacher of the Gaussian problem (``r = 0.25``, ``d = 10``), look at
the teachers' reliability diagrams with
:class:`~skdistill.plotting.ReliabilityDisplay`, and distil each one into logistic
regression on 50 points. The full reproduction is
``python -m skdistill.experiments appendix_b2``.
"""

# %%
# Same decisions, different calibration
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from skdistill import BayesTeacher, CalibrationDistortedTeacher, DistilledClassifier
from skdistill.datasets import gaussian_class_probability, make_gaussian_classification
from skdistill.metrics import expected_calibration_error
from skdistill.plotting import ReliabilityDisplay

separation = 0.25
powers = [1, 2, 4, 16]
bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": separation},
                     classes=[0, 1])
X_test, y_test, _ = make_gaussian_classification(10_000, separation=separation,
                                                 random_state=0)

fig, (ax_rel, ax_auc) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for i, alpha in enumerate(powers):
    teacher = CalibrationDistortedTeacher(bayes, power=alpha).fit(X_test, y_test)
    proba = teacher.predict_proba(X_test)
    print(f"α = {alpha:2d}: accuracy {teacher.score(X_test, y_test):.4f}, "
          f"ECE {expected_calibration_error(y_test, proba):.3f}")
    ReliabilityDisplay.from_predictions(y_test, proba, n_bins=10, name=f"α = {alpha}",
                                        ref_line=i == 0, ax=ax_rel)
ax_rel.set_title("Teacher reliability: Ψ_α(p*)")
# sphinx_gallery_defer_figures

# %%
# The students
# ------------
# Each teacher labels the same 50-point training samples; the student is logistic
# regression. We compare each student with the one distilled from ``α = 1`` (the Bayes
# teacher) on the same sample, over 30 samples.
rng = np.random.RandomState(0)
auc = {alpha: [] for alpha in powers}
for _ in range(30):
    X, y, _ = make_gaussian_classification(50, separation=separation, random_state=rng)
    for alpha in powers:
        model = DistilledClassifier(
            student=LogisticRegression(),
            teacher=CalibrationDistortedTeacher(bayes, power=alpha), alpha=1.0,
        ).fit(X, y)
        auc[alpha].append(roc_auc_score(y_test, model.decision_function(X_test)))

change = np.array([np.subtract(auc[alpha], auc[1]) for alpha in powers])
ax_auc.errorbar(powers, change.mean(axis=1), marker="o", capsize=3,
                yerr=change.std(axis=1, ddof=1) / np.sqrt(change.shape[1]))
ax_auc.axhline(0, color="grey", lw=0.8)
ax_auc.set(xscale="log", xticks=powers, xticklabels=powers, xlabel="α",
           ylabel="student AUC − student AUC at α = 1",
           title="Student AUC falls as the teacher's calibration degrades")
plt.show()

# %%
# The teachers are equally accurate, but the student learns less from the distorted
# probabilities: accuracy is not what makes a good teacher.
