"""DistilledClassifier on tables as pandas reads them: X reaches teacher and student as given."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, export_text

from skdistill import DistilledClassifier
from skdistill.datasets import load_tabular

pd = pytest.importorskip("pandas")

needs_tables = pytest.mark.needs_data("tabular")


def _credit():
    X, y = load_tabular("credit", return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def _categorical(X):
    """String columns as pandas categories, as HistGradientBoosting's from_dtype wants."""
    return X.astype({c: "category" for c in X.columns if X[c].dtype.kind in "OUT"})


def _linear_pipeline():
    numeric = make_pipeline(SimpleImputer(), StandardScaler())
    nominal = make_pipeline(SimpleImputer(strategy="most_frequent"),
                            OneHotEncoder(handle_unknown="ignore"))
    return make_pipeline(
        make_column_transformer(
            (numeric, make_column_selector(dtype_include="number")),
            (nominal, make_column_selector(dtype_exclude="number")),
        ),
        LogisticRegression(max_iter=1000),
    )


@needs_tables
def test_a_pipeline_student_selects_columns_by_name_and_imputes_nan():
    X_train, X_test, y_train, y_test = _credit()
    assert X_train.isna().any().any()  # NaN reaches the pipelines as read
    clf = DistilledClassifier(
        student=_linear_pipeline(),
        teacher=make_pipeline(
            make_column_transformer(
                (OneHotEncoder(handle_unknown="ignore"),
                 make_column_selector(dtype_exclude="number")),
                remainder="passthrough",
            ),
            HistGradientBoostingClassifier(random_state=0),
        ),
        teacher_cv=3, random_state=0,
    ).fit(X_train, y_train)
    assert list(clf.feature_names_in_) == list(X_train.columns)
    assert clf.score(X_test, y_test) > 0.7
    assert set(clf.predict(X_test)) <= {"good", "bad"}


@needs_tables
def test_histogram_boosting_reads_categories_from_the_dtype():
    X_train, X_test, y_train, y_test = _credit()
    X_train, X_test = _categorical(X_train), _categorical(X_test)
    hgb = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=50,
                                         random_state=0)
    clf = DistilledClassifier(student=hgb, teacher=hgb, random_state=0).fit(X_train, y_train)
    # the student saw the categories as categories, not as numbers or strings
    assert clf.student_.is_categorical_.sum() == (X_train.dtypes == "category").sum()
    assert clf.score(X_test, y_test) > 0.7


@needs_tables
def test_a_prefit_production_pipeline_teaches_a_tree_that_keeps_the_column_names():
    X_train, X_test, y_train, y_test = _credit()
    production = _linear_pipeline().fit(X_train, y_train)
    numeric = list(X_train.select_dtypes("number").columns)
    # the student reads the numeric columns only; the teacher reads the whole frame
    clf = DistilledClassifier(
        student=make_pipeline(
            make_column_transformer((SimpleImputer(), numeric),
                                    verbose_feature_names_out=False),
            DecisionTreeClassifier(max_depth=3, random_state=0),
        ),
        teacher=FrozenEstimator(production),
    )
    clf.fit(X_train, y_train)
    tree = clf.student_[-1]
    names = list(clf.student_[:-1].get_feature_names_out())
    text = export_text(tree, feature_names=names)
    assert "feature_" not in text and any(name in text for name in numeric)
    agreement = np.mean(clf.predict(X_test) == production.predict(X_test))
    assert agreement > 0.8


@needs_tables
def test_a_callable_teacher_gets_the_frame_and_its_columns_are_aligned_by_label():
    X_train, X_test, y_train, y_test = _credit()
    production = _linear_pipeline().fit(X_train, y_train)
    seen = []

    def teacher(X):
        seen.append(type(X))
        P = production.predict_proba(X)
        # a frame with class-labelled columns, in the reverse order of classes_
        return pd.DataFrame(P[:, ::-1], columns=production.classes_[::-1])

    clf = DistilledClassifier(student=_linear_pipeline(), teacher=teacher).fit(X_train, y_train)
    assert seen and all(t is pd.DataFrame for t in seen)
    agreement = np.mean(clf.predict(X_test) == production.predict(X_test))
    assert agreement > 0.9


class _FramePredictor:
    """A fitted model of another library: no scikit-learn API but ``predict_proba``,
    which returns a DataFrame with class-labelled columns (as AutoGluon's does)."""

    def __init__(self, model):
        self.model = model

    def fit(self, *args, **kwargs):
        raise AssertionError("a prefit model is not refitted")

    def predict_proba(self, X):
        P = self.model.predict_proba(X)
        return pd.DataFrame(P[:, ::-1], columns=list(self.model.classes_[::-1]))


@needs_tables
def test_a_teacher_of_another_library_in_a_frozen_estimator():
    X_train, X_test, y_train, y_test = _credit()
    production = _linear_pipeline().fit(X_train, y_train)
    clf = DistilledClassifier(student=_linear_pipeline(),
                              teacher=FrozenEstimator(_FramePredictor(production)))
    clf.fit(X_train, y_train)
    assert np.mean(clf.predict(X_test) == production.predict(X_test)) > 0.9


@needs_tables
def test_augmented_rows_keep_the_frame_and_are_labelled_by_the_teacher():
    X_train, X_test, y_train, y_test = _credit()
    clf = DistilledClassifier(
        student=_linear_pipeline(), teacher=RandomForestClassifier(n_estimators=20),
        augment="munge", augment_size=0.5, random_state=0,
    )
    clf.set_params(teacher=make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"),
                                 make_column_selector(dtype_exclude="number")),
                                remainder=SimpleImputer()),
        RandomForestClassifier(n_estimators=20, min_samples_leaf=5)))
    clf.fit(X_train, y_train)
    assert clf.n_synthetic_ == round(0.5 * len(X_train))
    again = DistilledClassifier(**clf.get_params(deep=False)).fit(X_train, y_train)
    np.testing.assert_array_equal(clf.predict_proba(X_test), again.predict_proba(X_test))
    assert clf.score(X_test, y_test) > 0.7


def test_augmented_rows_on_arrays_weigh_the_mean_labelled_weight(monkeypatch):
    from skdistill import _classifier

    X, y = make_classification(200, n_features=6, random_state=0)
    weights = np.r_[np.full(100, 2.0), np.full(100, 4.0)]
    seen = {}
    original = _classifier.fit_soft_targets

    def spy(student, X_all, P, *, classes, sample_weight):
        seen.update(n=len(X_all), weights=sample_weight, P=P)
        return original(student, X_all, P, classes=classes, sample_weight=sample_weight)

    monkeypatch.setattr(_classifier, "fit_soft_targets", spy)
    clf = DistilledClassifier(student=LogisticRegression(), teacher=LogisticRegression(),
                              augment="perturb", augment_size=2.0, random_state=0)
    clf.fit(X, y, sample_weight=weights)
    assert clf.n_synthetic_ == 400 and seen["n"] == 600
    np.testing.assert_array_equal(seen["weights"][:200], weights)
    np.testing.assert_array_equal(seen["weights"][200:], 3.0)
    # the synthetic rows carry the teacher's probabilities, not one-hot labels
    assert np.all(seen["P"][200:].max(axis=1) < 1.0)


def test_keep_teacher_false_saves_only_the_student():
    X, y = make_classification(500, n_features=10, random_state=0)
    kept = DistilledClassifier(DecisionTreeClassifier(max_depth=3, random_state=0),
                               RandomForestClassifier(n_estimators=100, random_state=0)).fit(X, y)
    dropped = DistilledClassifier(DecisionTreeClassifier(max_depth=3, random_state=0),
                                  RandomForestClassifier(n_estimators=100, random_state=0),
                                  keep_teacher=False).fit(X, y)
    assert dropped.teacher_ is None
    np.testing.assert_array_equal(kept.predict_proba(X), dropped.predict_proba(X))
    size, student = len(pickle.dumps(dropped)), len(pickle.dumps(dropped.student_))
    assert size < 2 * student + 5000 < len(pickle.dumps(kept))


def test_verbose_prints_one_line_per_phase(capsys, tmp_path):
    X, y = make_classification(120, n_features=5, random_state=0)
    params = dict(student=LogisticRegression(), teacher=DecisionTreeClassifier(max_depth=3),
                  teacher_cv=3, temperature="auto", augment="perturb", random_state=0,
                  memory=str(tmp_path), verbose=1)
    DistilledClassifier(**params).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert "teacher fit (DecisionTreeClassifier) on 120 labelled rows, out of fold" in lines[0]
    assert "temperature search" in lines[1] and "alpha search" in lines[2]
    assert "augment='perturb'" in lines[3] and "student fit (LogisticRegression" in lines[4]
    DistilledClassifier(**params).fit(X, y)
    assert "read from the cache" in capsys.readouterr().out.splitlines()[0]
    DistilledClassifier(**{**params, "verbose": 0}).fit(X, y)
    assert capsys.readouterr().out == ""


def test_held_out_teacher_probabilities_are_used_and_scored():
    X, y = make_classification(300, n_features=6, random_state=0)
    rng = np.random.RandomState(0)
    P = rng.dirichlet(np.ones(2), size=300)
    teacher = FrozenEstimator(LogisticRegression().fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = DistilledClassifier(LogisticRegression(), teacher, temperature="auto")
        clf.fit(X, y, teacher_proba=P)
    # the given probabilities, not the teacher's, were distilled: noise gives T far from 1
    reference = DistilledClassifier(LogisticRegression(), lambda X_: P,
                                    temperature=clf.temperature_).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X))
    frame = pd.DataFrame(P[:, ::-1], columns=[1, 0])
    same = DistilledClassifier(LogisticRegression(), teacher, temperature=clf.temperature_)
    np.testing.assert_allclose(same.fit(X, y, teacher_proba=frame).predict_proba(X),
                               reference.predict_proba(X))
    with pytest.raises(ValueError, match=r"teacher_proba must have one row per labelled.*300"):
        DistilledClassifier(LogisticRegression(), teacher).fit(X, y, teacher_proba=P[:10])
    with pytest.raises(ValueError, match="teacher_proba.*teacher_cv"):
        DistilledClassifier(LogisticRegression(), LogisticRegression(),
                            teacher_cv=3).fit(X, y, teacher_proba=P)


def test_auto_temperature_warns_when_the_teacher_may_have_seen_the_rows():
    X, y = make_classification(300, n_features=6, random_state=0)
    teacher = FrozenEstimator(LogisticRegression().fit(X, y))
    with pytest.warns(UserWarning, match="assumes it never saw them"):
        DistilledClassifier(LogisticRegression(), teacher, temperature="auto").fit(X, y)


def test_nan_marks_unlabelled_rows_of_a_float_y():
    X, y = make_classification(200, n_features=6, random_state=0)
    y_semi = np.where(np.arange(200) < 100, y, np.nan)
    clf = DistilledClassifier(LogisticRegression(), LogisticRegression(),
                              unlabeled_label=np.nan).fit(X, y_semi)
    assert clf.classes_.tolist() == [0.0, 1.0]
    labelled_only = DistilledClassifier(LogisticRegression(), LogisticRegression()).fit(
        X[:100], y[:100])
    np.testing.assert_allclose(clf.teacher_.coef_, labelled_only.teacher_.coef_)


@needs_tables
def test_a_teacher_search_hands_the_frame_to_its_candidates():
    from skdistill import TeacherSearchCV

    X_train, X_test, y_train, y_test = _credit()
    forest = make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"),
                                 make_column_selector(dtype_exclude="number")),
                                remainder=SimpleImputer()),
        RandomForestClassifier(n_estimators=50, min_samples_leaf=5, random_state=0))
    search = TeacherSearchCV([("linear", _linear_pipeline()), ("forest", forest)], cv=3)
    student = make_pipeline(
        make_column_transformer((SimpleImputer(), make_column_selector(dtype_include="number"))),
        DecisionTreeClassifier(max_depth=4, random_state=0))
    clf = DistilledClassifier(student, search).fit(X_train, y_train)
    assert clf.teacher_.best_name_ in {"linear", "forest"}
    assert list(clf.teacher_.feature_names_in_) == list(X_train.columns)
    assert clf.score(X_test, y_test) > 0.7
