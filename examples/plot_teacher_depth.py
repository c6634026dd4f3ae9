"""
=========================================================
Teacher bias, variance and the student: forest depth
=========================================================

Proposition 3 of Menon et al. bounds how far a distilled risk is from the true risk by
the teacher's mean squared error to the Bayes probabilities, ``E ||p_t(x) - p*(x)||²``,
which splits into a squared **bias** and a **variance** over fresh training samples.
Deeper trees lower the bias and raise the variance, so a teacher of intermediate depth
should make the best teacher, even if it is not the most accurate.

We reproduce the idea of Figures 3 and 4(a) on the paper's "slab" problem
(``η(x) = sigmoid(2(‖x‖∞ − 0.5))`` on 2-D Gaussian inputs): 3-tree random forests of
depth ``d`` are teachers, a depth-4 tree is the student. The teacher sees 1000 labelled
points, the student a separate sample of 100 points labelled by the teacher. The full
reproduction is ``python -m skdistill.experiments figure3``.
"""

# %%
# Bias and variance of each teacher
# ---------------------------------
# :func:`~skdistill.metrics.teacher_bias_variance` refits a teacher on fresh samples and
# splits its MSE to ``p*`` into squared bias and variance.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier
from skdistill.datasets import make_slab_classification, slab_class_probability
from skdistill.metrics import teacher_bias_variance
from skdistill.plotting import TeacherStudentDisplay

depths = [1, 2, 4, 8, 16]
X_test, y_test, _ = make_slab_classification(5000, random_state=0)


def teacher_sample(seed):
    X, y, _ = make_slab_classification(1000, random_state=seed)
    return X, y


split = {
    d: teacher_bias_variance(
        RandomForestClassifier(n_estimators=3, max_depth=d), X_test[:2000],
        p_star=slab_class_probability, sampler=teacher_sample, n_rounds=10, random_state=0)
    for d in depths
}
for d, s in split.items():
    print(f"depth {d:2d}: bias² {s.bias2:.4f}  variance {s.variance:.4f}  MSE {s.mse:.4f}")

# %%
# The student of each teacher
# ---------------------------
# Each teacher is fitted on its own sample and frozen; the
# :class:`~skdistill.DistilledClassifier` then trains the tree student on the teacher's
# probabilities for a fresh sample of 100 points.
rng = np.random.RandomState(1)
student_auc = {d: [] for d in depths}
for trial in range(20):
    X_t, y_t = teacher_sample(rng.randint(2**31))
    X_s, y_s, _ = make_slab_classification(100, random_state=rng)
    for d in depths:
        teacher = RandomForestClassifier(n_estimators=3, max_depth=d, random_state=trial)
        model = DistilledClassifier(
            student=DecisionTreeClassifier(max_depth=4, random_state=0),
            teacher=FrozenEstimator(teacher.fit(X_t, y_t)), alpha=1.0,
        ).fit(X_s, y_s)
        student_auc[d].append(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))

mean_auc = np.array([np.mean(student_auc[d]) for d in depths])
se_auc = np.array([np.std(student_auc[d], ddof=1) / np.sqrt(20) for d in depths])

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
left.plot(depths, [split[d].bias2 for d in depths], "o-", label="bias²")
left.plot(depths, [split[d].variance for d in depths], "o-", label="variance")
left.plot(depths, [split[d].mse for d in depths], "ko-", label="MSE = bias² + variance")
left.set(xscale="log", xticks=depths, xticklabels=depths, xlabel="teacher depth d",
         ylabel="teacher error to p*", title="Teacher: bias falls, variance rises")
left.legend()
TeacherStudentDisplay.from_results(
    [split[d].mse for d in depths], mean_auc, labels=[f"d={d}" for d in depths],
    yerr=se_auc, score_name="student test AUC", ax=right)
right.set_title("Student AUC vs teacher MSE")
plt.show()

# %%
# The depth with the lowest MSE (not the deepest, most flexible forest) gives the best
# student. Note the shallowest teacher: its error is almost all bias, which hurts the
# student more than the same MSE made of variance would. (With 10 refits the bias²
# estimate also holds a tenth of the variance, which is why it creeps up at depth 16.)
