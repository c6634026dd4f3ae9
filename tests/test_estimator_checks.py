"""scikit-learn's own estimator checks on several DistilledClassifier configurations."""

import sklearn
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from skdistill import DistilledClassifier

CONFIGURATIONS = [
    DistilledClassifier(),
    DistilledClassifier(
        student=LogisticRegression(), teacher=DecisionTreeClassifier(max_depth=4, random_state=0)
    ),
    DistilledClassifier(
        student=DecisionTreeClassifier(max_depth=4, random_state=0),
        teacher=RandomForestClassifier(n_estimators=10, random_state=0),
        temperature=2.0,
    ),
    DistilledClassifier(
        student=HistGradientBoostingClassifier(max_iter=10, random_state=0),
        teacher=LogisticRegression(),
        alpha=0.5,
        label_smoothing=0.1,
    ),
    DistilledClassifier(
        student=make_pipeline(StandardScaler(), LogisticRegression()),
        teacher=RandomForestClassifier(n_estimators=10, random_state=0),
        teacher_cv=3,
    ),
    # weights reach every step of a pipeline student: the scaler's weighted mean and
    # variance make weighting equal to repeating rows (with a fixed alpha: see below)
    DistilledClassifier(
        student=make_pipeline(StandardScaler(), LogisticRegression()),
        teacher=LogisticRegression(),
        alpha=1.0,
    ),
    # Unseeded teachers and students: DistilledClassifier's own random_state (which the
    # checks set) seeds them, so refits, list input and 2-D y give the same fit.
    DistilledClassifier(
        student=DecisionTreeClassifier(max_depth=4, max_features=3),
        teacher=RandomForestClassifier(n_estimators=10),
    ),
    DistilledClassifier(
        student=RandomForestClassifier(n_estimators=5, max_depth=5),
        teacher=GradientBoostingClassifier(n_estimators=10, subsample=0.7),
    ),
    DistilledClassifier(
        student=HistGradientBoostingClassifier(max_iter=10),
        teacher=ExtraTreesClassifier(n_estimators=10),
    ),
    # temperature="auto": T chosen by the Brier score of the out-of-fold probabilities
    DistilledClassifier(
        student=LogisticRegression(),
        teacher=DecisionTreeClassifier(max_depth=4, random_state=0),
        teacher_cv=3,
        temperature="auto",
    ),
]

# What scikit-learn expects these estimators to fail on their own (its own list, with
# its reason): a DistilledClassifier may fail these checks when one of them is its
# teacher or student, and no other.
_WEIGHTS_VS_REPEATS = "sample_weight is not equivalent to removing/repeating samples"
FAILING_ALONE = {
    RandomForestClassifier: {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_VS_REPEATS,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_VS_REPEATS,
    },
    GradientBoostingClassifier: {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_VS_REPEATS,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_VS_REPEATS,
    },
}


# Out-of-fold targets: weighted rows and their repeats fall into different folds.
_FOLDS_DIFFER = ("teacher_cv: weighted rows and repeated rows are split into different "
                 "folds, so their out-of-fold targets differ")

# scikit-learn < 1.7 runs its sparse sample-weight check on every estimator and forgives
# only a TypeError, so a part that rejects sparse X otherwise (a scaler that centres
# raises ValueError) fails it alone there; from 1.7 on the check follows the sparse tag.
_SPARSE_CHECK_UNFILTERED = tuple(map(int, sklearn.__version__.split(".")[:2])) < (1, 7)


def _fails_sparse_check_alone(part):
    try:
        check_sample_weight_equivalence_on_sparse_data(type(part).__name__, clone(part))
    except (ValueError, AssertionError):
        return True
    return False


def _failing_alone(part):
    failures = dict(FAILING_ALONE.get(type(part), {}))
    if _SPARSE_CHECK_UNFILTERED and part is not None and _fails_sparse_check_alone(part):
        failures["check_sample_weight_equivalence_on_sparse_data"] = (
            "scikit-learn < 1.7 runs the sparse check on it although it rejects sparse X"
        )
    return failures


# alpha="auto" (the default) chooses alpha on folds of the rows, as TunedThresholdClassifierCV
# chooses its threshold, which scikit-learn's own list lets fail this check for that reason.
_ALPHA_FOLDS_DIFFER = ("alpha='auto': weighted rows and repeated rows are split into "
                       "different folds, so the held-out scores that choose alpha differ")


def _expected_failures(estimator):
    """The checks the teacher or the student alone fails, with scikit-learn's reason, and
    those that folds fail (out-of-fold targets, alpha chosen on folds)."""
    failures = {}
    for reason, applies in ((_FOLDS_DIFFER, estimator.teacher_cv is not None),
                            (_ALPHA_FOLDS_DIFFER, estimator.alpha == "auto")):
        if applies:
            failures.update({f"check_sample_weight_equivalence_on_{kind}_data": reason
                             for kind in ("dense", "sparse")})
    for role, part in (("teacher", estimator.teacher), ("student", estimator.student)):
        for check, reason in _failing_alone(part).items():
            failures[check] = f"the {role} {type(part).__name__} fails it alone: {reason}"
    student = estimator._get_student()
    if get_tags(student).input_tags.allow_nan and not get_tags(estimator).input_tags.allow_nan:
        failures["check_estimators_nan_inf"] = (
            "X reaches each part as given: predict hands it to the student, which takes NaN; "
            "only the teacher's fit refuses it"
        )
    return failures


@parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
