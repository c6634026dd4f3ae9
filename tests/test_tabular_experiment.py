"""The tabular experiment: a tiny run on a real table, its bookkeeping and its reading."""

import json
import math

import pytest

import skdistill
from skdistill.experiments import _runner, get_experiment, tabular
from skdistill.experiments.__main__ import main

TINY = dict(datasets=["vehicle"], students=["tree d4"],
            configs=[tabular.LABELS, tabular.DEFAULT, tabular.MUNGE], max_rows=300,
            teacher_grid=[tabular.TEACHER_GRID[1]], teacher_max_iter=40, augment_size=1.0,
            timing_repeats=1, verbose=False)

needs_tables = pytest.mark.needs_data("tabular")


@pytest.fixture(scope="module")
def tiny():
    return tabular.run(trials=2, **TINY)


def test_registered():
    assert get_experiment("tabular") is tabular


@needs_tables
def test_tiny_run_structure(tiny):
    assert tiny["keys"] == ["dataset", "student", "config"]
    cells = [(row["dataset"], row["student"], row["config"]) for row in tiny["summary"]]
    assert cells == [("vehicle", tabular.TEACHER, None)] + [
        ("vehicle", "tree d4", config) for config in TINY["configs"]]
    assert all(row["n_trials"] == 2 for row in tiny["summary"])
    for record in tiny["records"]:
        assert 0 <= record["accuracy"] <= 1 and record["log_loss"] > 0
        assert record["size_kib"] > 0 and record["predict_ratio"] > 0
    teachers = [r for r in tiny["records"] if r["student"] == tabular.TEACHER]
    assert [r["predict_ratio"] for r in teachers] == [1.0, 1.0]
    # 300 rows, a quarter of them for the test
    assert all((r["n_train"], r["n_test"]) == (225, 75) for r in teachers)
    for row in tiny["summary"]:
        assert row["log_loss_sd"] >= 0 and math.isfinite(row["log_loss_sd"])
    # the deployed student is far smaller than the teacher, with or without distillation
    teacher_size = _runner.select(tiny, student=tabular.TEACHER)[0]["size_kib"]
    for config in TINY["configs"]:
        assert _runner.select(tiny, config=config)[0]["size_kib"] < teacher_size / 5


@needs_tables
def test_tuned_teacher_beats_the_shallow_tree_on_labels(tiny):
    # Per split: a depth-4 tree on 225 labelled rows of 4 classes leaves pure leaves
    # (probability 0 for the true class on some test rows); the boosted teacher does not.
    for split in range(2):
        loss = {(r["student"], r["config"]): r["log_loss"] for r in tiny["records"]
                if r["trial"] == split}
        assert loss[(tabular.TEACHER, None)] < loss[("tree d4", tabular.LABELS)]


@needs_tables
def test_notes_read_the_target_off_the_results(tiny):
    notes = "\n".join(tiny["notes"])
    assert "vehicle teacher: learning_rate=0.05" in notes
    for config in (tabular.DEFAULT, tabular.MUNGE):
        reading = tabular.target(tiny, config)
        assert reading["pairs"] == 1 and reading["wins"] in (0, 1)
        pair = tabular.pairs(tiny, config)[0]
        assert pair["gain"] == pytest.approx(pair["labels"] - pair["config"])
        if pair["gap"] > 0:
            assert reading["closed"] == pytest.approx(pair["gain"] / pair["gap"])
        assert f"{config}: better on {reading['wins']}/1 pairs" in notes


def test_target_counts_wins_and_the_gap_closed():
    def cell(dataset, student, config, loss):
        return {"dataset": dataset, "student": student, "config": config, "log_loss": loss}

    losses = {"a": (1.0, 0.8, 0.6), "b": (0.5, 0.45, 0.3), "c": (0.4, 0.5, 0.6)}
    summary = [cell("vehicle", tabular.TEACHER, None, 0.2)]
    for student, (alone, distilled, _) in losses.items():
        summary += [cell("vehicle", student, tabular.LABELS, alone),
                    cell("vehicle", student, tabular.DEFAULT, distilled)]
    results = {"summary": summary, "settings": {"students": list(losses)}}
    reading = tabular.target(results, tabular.DEFAULT)
    gains = {s: alone - distilled for s, (alone, distilled, _) in losses.items()}
    gaps = {s: alone - 0.2 for s, (alone, _, _) in losses.items()}
    assert reading["pairs"] == 3 and reading["wins"] == 2
    shares = sorted(gains[s] / gaps[s] for s in losses)
    assert reading["closed"] == pytest.approx(shares[1])  # the median of three
    assert reading["pooled"] == pytest.approx(sum(gains.values()) / sum(gaps.values()))
    assert reading["met"] is False  # 2 of 3 pairs is below 80%


@needs_tables
def test_regression_tables_skipped_without_the_regressor(monkeypatch, tmp_path):
    monkeypatch.delattr(skdistill, "DistilledRegressor", raising=False)
    results = tabular.run(trials=1, **{**TINY, "datasets": ["vehicle", "concrete"],
                                       "configs": [tabular.LABELS]})
    assert {row["dataset"] for row in results["summary"]} == {"vehicle"}
    assert any(note.startswith("skipped concrete") for note in results["notes"])


@needs_tables
def test_cli_writes_the_table_and_the_figure(tmp_path, capsys):
    code = main(["tabular", "--trials", "1", "--output", str(tmp_path), "--quiet",
                 "--set", "datasets=['vehicle']", "--set", "students=['tree d4']",
                 "--set", "configs=['labels', 'default']", "--set", "max_rows=300",
                 "--set", "teacher_max_iter=40", "--set", "timing_repeats=1"])
    assert code == 0
    out = capsys.readouterr().out
    assert "test log-loss" in out and "default: better on" in out
    assert (tmp_path / "tabular.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "tabular.json").read_text())
    assert [row["config"] for row in saved["summary"]] == [None, "labels", "default"]


def test_bad_settings_name_the_parameter():
    with pytest.raises(ValueError, match="students"):
        tabular.run(trials=1, **{**TINY, "students": ["forest"]})
    with pytest.raises(ValueError, match="teacher_grid"):
        tabular.run(trials=1, **{**TINY, "teacher_grid": []})


@needs_tables
@pytest.mark.skipif(not hasattr(skdistill, "DistilledRegressor"),
                    reason="regression tables need skdistill.DistilledRegressor")
def test_regression_table_reads_rmse():
    results = tabular.run(trials=1, **{**TINY, "datasets": ["concrete"], "max_rows": 200,
                                       "configs": [tabular.LABELS, tabular.DEFAULT]})
    for row in results["summary"]:
        assert row["rmse"] > 0 and math.isnan(row["log_loss"])
    assert "regression (RMSE):" in results["notes"]
    reading = tabular.target(results, tabular.DEFAULT, "regression")
    assert reading["pairs"] == 1
    assert tabular.target(results, tabular.DEFAULT, "classification")["pairs"] == 0
