"""scikit-learn's own estimator checks on several DistilledClassifier configurations."""

from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

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
]


def _expected_failures(estimator):
    """Checks a configuration cannot pass, with the reason; every other check must pass."""
    failures = {}
    if isinstance(estimator.teacher, RandomForestClassifier):
        reason = (
            "the teacher is a bootstrapped RandomForestClassifier, for which scikit-learn itself "
            "expects this check to fail: weights and repeated rows draw different bootstrap "
            "samples"
        )
        if estimator.teacher_cv is not None:
            reason += "; teacher_cv folds also differ when rows are repeated"
        failures["check_sample_weight_equivalence_on_dense_data"] = reason
        failures["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failures


@parametrize_with_checks(CONFIGURATIONS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
