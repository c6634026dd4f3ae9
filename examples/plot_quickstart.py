"""
=============================================
Quickstart: distilling a forest into a tree
=============================================

:class:`~skdistill.DistilledClassifier` fits a teacher, turns its class-probabilities
into soft targets and fits the student on them exactly. Here a random forest teaches a
depth-4 decision tree on the paper's 2-D "slab" problem, where the true
class-probability ``η(x)`` is known, with:

- a ``temperature`` that flattens (``T > 1``) or sharpens (``T < 1``) the targets,
- an unlabelled pool (rows with ``y = -1`` and ``unlabeled_label=-1``): the teacher only
  sees the labelled rows, the student learns from the teacher's targets on all rows.
"""

# %%
# Data: a small labelled sample and a large unlabelled pool
# ---------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier
from skdistill.datasets import make_slab_classification, slab_class_probability

X_lab, y_lab, _ = make_slab_classification(300, random_state=0)
X_pool, _, _ = make_slab_classification(3000, random_state=1)  # labels thrown away
X_test, y_test, p_test = make_slab_classification(10_000, random_state=2)


def auc(model):
    return roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])


teacher = RandomForestClassifier(n_estimators=200, min_samples_leaf=10, random_state=0)
student = DecisionTreeClassifier(max_depth=4, random_state=0)

print(f"Bayes η (ceiling):          {roc_auc_score(y_test, p_test[:, 1]):.3f}")
print(f"teacher forest:             {auc(teacher.fit(X_lab, y_lab)):.3f}")
print(f"student on labels only:     {auc(student.fit(X_lab, y_lab)):.3f}")

# %%
# Distillation on the labelled sample, then with the unlabelled pool
# ------------------------------------------------------------------
distilled = DistilledClassifier(student=student, teacher=teacher).fit(X_lab, y_lab)
print(f"distilled, labelled rows:   {auc(distilled):.3f}")

X_all = np.vstack([X_lab, X_pool])
y_all = np.concatenate([y_lab, np.full(len(X_pool), -1)])
with_pool = DistilledClassifier(student=student, teacher=teacher, unlabeled_label=-1)
with_pool.fit(X_all, y_all)
print(f"distilled, + unlabelled:    {auc(with_pool):.3f}")

# %%
# Temperature
# -----------
# The paper's analysis is about the teacher's probabilities as they are (``T = 1``);
# other temperatures move the targets away from the teacher's estimate of ``p*``. A tree
# student ranks by its leaves' averages, so here its AUC hardly moves.
for temperature in [0.5, 1.0, 2.0, 4.0]:
    model = with_pool.set_params(temperature=temperature).fit(X_all, y_all)
    print(f"temperature {temperature:3.1f}: student AUC {auc(model):.3f}")

# %%
# What the student learned
# ------------------------
# The true ``η`` has box-shaped level sets; the distilled tree recovers the box from
# the teacher's probabilities on the pool.
grid = np.linspace(-2.5, 2.5, 200)
xx, yy = np.meshgrid(grid, grid)
points = np.column_stack([xx.ravel(), yy.ravel()])
panels = [
    ("true η(x)", slab_class_probability(points)[:, 1]),
    ("tree on 300 labels", student.fit(X_lab, y_lab).predict_proba(points)[:, 1]),
    ("distilled tree, T = 1, with pool",
     with_pool.set_params(temperature=1.0).fit(X_all, y_all).predict_proba(points)[:, 1]),
]
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, (title, values) in zip(axes, panels):
    image = ax.contourf(xx, yy, values.reshape(xx.shape), levels=np.linspace(0, 1, 11),
                        cmap="RdBu_r")
    ax.set(title=title, aspect="equal", xlabel="x₁", ylabel="x₂")
fig.colorbar(image, ax=axes, label="P(y = 1 | x)")
plt.show()
