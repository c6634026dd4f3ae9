"""The teacher_selection experiment: a reduced run, its bookkeeping, and the full run."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import StratifiedKFold

from skdistill import DistilledClassifier
from skdistill._seeding import seed_random_states
from skdistill._selection import TEMPERATURE_RANGE, search_temperature
from skdistill.experiments import _runner, get_experiment, teacher_selection
from skdistill.experiments.__main__ import main
from skdistill.metrics import compare_teachers

CANDIDATES = ["tree d3", "forest leaf10", "hgb lr0.3", "logistic"]
SMALL = dict(datasets=["wine", "breast_cancer"], candidates=CANDIDATES, n_folds=3,
             temperatures=[0.5, 1.0, 2.0], grid_folds=2, verbose=False)


@pytest.fixture(scope="module")
def reduced():
    return teacher_selection.run(trials=2, **SMALL)


def _records(results, **conditions):
    return [r for r in results["records"] if all(r.get(k) == v for k, v in conditions.items())]


def test_registered():
    assert get_experiment("teacher_selection") is teacher_selection


def test_reduced_run_bookkeeping(reduced):
    m, k = len(CANDIDATES), 3
    for dataset in SMALL["datasets"]:
        for trial in range(2):
            teachers = _records(reduced, dataset=dataset, trial=trial, analysis="teacher")
            assert [r["method"] for r in teachers] == CANDIDATES
            student_ll = {r["method"]: r["student_log_loss"] for r in teachers}
            brier = {r["method"]: r["teacher_brier"] for r in teachers}
            ranking = {r["method"]: r for r in _records(reduced, dataset=dataset, trial=trial,
                                                        analysis="ranking")}
            chosen = ranking[teacher_selection.BRIER]
            # the Brier ranking chooses the lowest held-out Brier, and reports its student
            assert chosen["teacher"] == min(brier, key=brier.get)
            assert chosen["student_log_loss"] == student_ll[chosen["teacher"]]
            assert -1 <= chosen["spearman"] <= 1
            assert (chosen["teacher_fits"], chosen["student_fits"]) == (m * k, 0)
            reference = ranking[teacher_selection.STUDENT]
            assert reference["student_log_loss"] == min(student_ll.values())
            assert (reference["teacher_fits"], reference["student_fits"]) == (m * (k + 1), m)
            assert ranking[teacher_selection.RANDOM]["student_log_loss"] == pytest.approx(
                np.mean(list(student_ll.values())))

            rules = {r["method"]: r for r in _records(reduced, dataset=dataset, trial=trial,
                                                      analysis="temperature/chosen")}
            assert set(rules) == {teacher_selection.T_ONE, teacher_selection.AUTO,
                                  teacher_selection.AUTO_LOG_LOSS, teacher_selection.GRID}
            assert all(r["teacher"] == chosen["teacher"] for r in rules.values())
            assert rules[teacher_selection.T_ONE]["student_log_loss"] == student_ll[
                chosen["teacher"]]
            for rule in (teacher_selection.AUTO, teacher_selection.AUTO_LOG_LOSS):
                assert TEMPERATURE_RANGE[0] <= rules[rule]["temperature"] <= TEMPERATURE_RANGE[1]
                assert rules[rule]["teacher_fits"] == k + 1
            grid = rules[teacher_selection.GRID]
            assert grid["temperature"] in SMALL["temperatures"]
            assert (grid["teacher_fits"], grid["student_fits"]) == (3 * (k + 1), 2 * 3 + 1)
    table = _runner.format_table(reduced)
    assert "held-out Brier" in table and "grid CV" in table
    assert any("held-out Brier score chose" in line for line in reduced["notes"])


def test_the_scored_probabilities_are_the_students_targets():
    # The experiment's claim: with the same splitter, compare_teachers' out-of-fold
    # probabilities are the targets DistilledClassifier(teacher_cv=cv) builds, so
    # temperature="auto" chooses from exactly the scored matrix.
    X, y = load_wine(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    teacher = seed_random_states(teacher_selection._candidate("forest leaf10"), 0)
    comparison = compare_teachers([teacher], X, y, cv=cv, return_proba=True)
    auto = DistilledClassifier(teacher_selection._student(1.0, 1000), teacher, teacher_cv=cv,
                               temperature="auto").fit(X, y)
    assert auto.temperature_ == search_temperature(comparison.proba[0], y)


def test_plot_and_files(reduced, tmp_path):
    paths = _runner.save_results(reduced, tmp_path, teacher_selection.plot)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads(paths["json"].read_text())
    assert saved["settings"]["candidates"] == CANDIDATES


def test_cli_on_fashion_mnist_files(fake_data_home, tmp_path, capsys):
    code = main(["teacher_selection", "--trials", "1", "--output", str(tmp_path), "--quiet",
                 "--data-home", str(fake_data_home),
                 "--set", "datasets=['fashion_mnist']", "--set", f"candidates={CANDIDATES}",
                 "--set", "n_folds=2", "--set", "grid_folds=2",
                 "--set", "n_fashion_train=200", "--set", "n_fashion_test=100"])
    assert code == 0
    out = capsys.readouterr().out
    assert "fashion_mnist" in out and "auto (Brier)" in out
    assert (tmp_path / "teacher_selection.png").stat().st_size > 0


def test_missing_fashion_mnist_says_how_to_point_to_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="--data-home"):
        teacher_selection.run(trials=1, data_home=tmp_path, datasets=["fashion_mnist"],
                              candidates=CANDIDATES, verbose=False)


@pytest.mark.parametrize("params, match", [
    ({"datasets": ["iris"]}, "datasets"),
    ({"candidates": ["tree d3", "svm"]}, "candidates"),
    ({"candidates": ["tree d3", "logistic"]}, "at least 3"),
    ({"temperature_teachers": ["worst"]}, "temperature_teachers"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        teacher_selection.run(trials=1, verbose=False, **params)
