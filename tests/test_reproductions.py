"""The paper's qualitative claims, checked at reduced size with fixed seeds.

Each comparison is asserted with a margin of three standard errors (of the paired
difference over trials where the cells share their data), over enough trials that the
statistic cleared that margin comfortably at every root seed tried (0-8; the smallest
value is quoted at each test); the seed used here is not a lucky one. The Fashion-MNIST
run, too costly for many trials, uses fixed margins that held with room to spare at
those seeds. Full-size runs are marked ``slow``.
"""

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from skdistill.experiments import (
    EXPERIMENTS,
    _runner,
    appendix_b1,
    appendix_b2,
    figure2a,
    figure2b,
    figure3,
    figure4b,
    format_table,
    get_experiment,
)
from skdistill.experiments.__main__ import main


def _row(results, **conditions):
    (row,) = _runner.select(results, **conditions)
    return row


def _clearly_greater(a, a_se, b, b_se, n_se=3.0):
    """a > b by more than n_se combined standard errors (independent estimates)."""
    return a - b > n_se * np.hypot(a_se, b_se)


def _paired_difference(results, metric, first, second):
    """Mean and standard error over trials of ``metric(first) - metric(second)``.

    ``first`` and ``second`` are dicts of key values selecting one cell each; the cells
    of one trial share its data, so the paired difference is the sharp comparison.
    """
    def by_trial(cell):
        return {r["trial"]: r[metric] for r in results["records"]
                if all(r.get(k) == v for k, v in cell.items())}

    a, b = by_trial(first), by_trial(second)
    diff = np.array([a[t] - b[t] for t in sorted(a)])
    return diff.mean(), diff.std(ddof=1) / np.sqrt(diff.size)


def _clearly_better(results, metric, first, second, n_se=3.0):
    mean, se = _paired_difference(results, metric, first, second)
    return mean > n_se * se


def _within_trial_difference(results, metric, other, **cell):
    """Mean and standard error over trials of ``metric - other`` within one cell."""
    rows = [r for r in results["records"] if all(r.get(k) == v for k, v in cell.items())]
    diff = np.array([r[metric] - r[other] for r in rows])
    return diff.mean(), diff.std(ddof=1) / np.sqrt(diff.size)


# -- Figure 2 ----------------------------------------------------------------------------


def test_bayes_distillation_beats_one_hot_at_small_n_and_gap_shrinks():
    # Over seeds 0-8: gain z >= 8.7 at every size, shrinking z >= 6.0.
    results = figure2a.run(trials=40, sizes=[20, 100, 500], n_test=2000, verbose=False)
    small, medium, large = (_row(results, n_samples=n) for n in (20, 100, 500))
    for row in (small, medium, large):
        # The paired gain is positive at every size ...
        assert row["gain"] > 3 * row["gain_se"]
    # ... and shrinks as N grows: the augmentation matters less with more samples.
    assert _clearly_greater(small["gain"], small["gain_se"], medium["gain"], medium["gain_se"])
    assert _clearly_greater(medium["gain"], medium["gain_se"], large["gain"], large["gain_se"])
    # Both students approach the Bayes AUC: the distilled one already at N = 100 (it fits
    # p* itself; measured shortfall <= 1e-4 over seeds 0-8), the one-hot one only at
    # N = 500 (measured shortfall 0.087-0.108 at N = 20, 0.005-0.007 at N = 500; the
    # bounds below are >= 4.5 standard errors away at every seed).
    for n, metric, low, high in [(100, "auc_distilled", None, 0.001),
                                 (20, "auc_one_hot", 0.05, None),
                                 (500, "auc_one_hot", None, 0.01)]:
        shortfall, se = _within_trial_difference(results, "auc_bayes", metric, n_samples=n)
        if low is not None:
            assert shortfall - 3 * se > low
        if high is not None:
            assert shortfall + 3 * se < high


def test_gain_is_larger_for_smaller_separation():
    # Over seeds 0-8: gain z at r = 0.125 >= 11, shrinking z >= 4.8.
    results = figure2b.run(trials=40, separations=[0.125, 0.5, 2.0], n_test=2000, verbose=False)
    gains = [(row["gain"], row["gain_se"]) for row in results["summary"]]
    assert gains[0][0] > 3 * gains[0][1]
    for (g_small, se_small), (g_large, se_large) in zip(gains, gains[1:]):
        assert _clearly_greater(g_small, se_small, g_large, se_large)
    # Both methods do worse on the harder (less separated) problem.
    aucs = [row["auc_one_hot"] for row in results["summary"]]
    assert aucs == sorted(aucs)


def test_figure2b_distance_reading_of_r():
    results = figure2b.run(trials=2, separations=[2.0], reading="distance", n_test=500,
                           verbose=False)
    (row,) = results["summary"]
    assert row["separation"] == pytest.approx(2.0 / (2 * np.sqrt(10)))
    with pytest.raises(ValueError, match="reading"):
        figure2b.run(trials=1, reading="radius")


# -- Figures 3 and 4(a) ---------------------------------------------------------------------


def test_forest_depth_family_student_follows_teacher_mse():
    """Figure 3: teacher MSE to eta is U-shaped in depth and the student's AUC follows it.

    Paired z over seeds 0-8 (100 trials): MSE of every other depth above depth 4's, >= 17;
    student AUC 2 > 1, >= 12; 4 > 2, >= 5.7; 4 > 16, >= 6.1; 8 > 16, >= 4.9; Bayes > depth
    4, >= 11; depth 4 > one-hot, >= 11. Not asserted: depth 4 against depth 8. Depth 8's
    teacher MSE is about twice depth 4's, yet its student is only 1-3 paired standard errors
    worse (at 50 or 100 trials alike), so which of the two gives the best student is not
    resolved at this size; with a larger student sample (n_student=1000) it is depth 8
    (by 1.5-3 paired standard errors over seeds 0-8).
    """
    _check_figure3(figure3.run(trials=100, n_test=2000, verbose=False))


def _check_figure3(results):
    depths = [row["max_depth"] for row in results["summary"] if row["max_depth"] is not None]
    assert depths == [1, 2, 4, 8, 16]
    # The teacher's MSE is lowest at depth 4 (bias falls with depth, variance rises) ...
    for depth in (1, 2, 8, 16):
        assert _clearly_better(results, "teacher_mse", {"max_depth": depth}, {"max_depth": 4})
    # ... and on either side of it the student gets worse as the teacher's MSE rises.
    for better, worse in [(2, 1), (4, 2), (4, 16), (8, 16)]:
        assert _clearly_better(results, "student_auc", {"max_depth": better},
                               {"max_depth": worse})
    # The Bayes teacher bounds the family; the best teacher beats one-hot labels.
    assert _clearly_better(results, "student_auc", {"teacher": figure3.BAYES},
                           {"max_depth": 4})
    assert _clearly_better(results, "student_auc", {"max_depth": 4},
                           {"teacher": figure3.ONE_HOT})


def test_figure3_paper_setup_runs_with_shared_sample():
    # The paper's literal setup: teacher and student share one sample of 100 points.
    results = figure3.run(trials=2, n_teacher=100, n_student=None, depths=(2, 8), n_test=500,
                          verbose=False)
    assert results["settings"]["n_student"] is None
    assert {row["teacher"] for row in results["summary"]} == {
        "forest depth 2", "forest depth 8", figure3.BAYES, figure3.ONE_HOT}


# -- Appendix B ---------------------------------------------------------------------------


def test_noisy_teacher_grid_worse_teacher_mse_worse_student():
    # 30 trials: paired z of each noise step over seeds 0-8 is 6.7-12.1 (10 trials: 3.4-9.3)
    results = appendix_b1.run(trials=30, biases=(0.0, 0.5), noises=(0.0, 1.0, 4.0),
                              n_test=2000, verbose=False)
    rows = _runner.select(results, teacher=appendix_b1.NOISY)
    mse = [row["teacher_mse"] for row in rows]
    auc = [row["student_auc"] for row in rows]
    rho, _ = spearmanr(mse, auc)
    assert rho < -0.5
    for bias in (0.0, 0.5):
        cell = [row for row in rows if row["bias"] == bias]
        for low, high in zip(cell, cell[1:]):  # more noise: higher MSE, worse student
            assert high["teacher_mse"] > low["teacher_mse"]
            assert _clearly_better(results, "student_auc",
                                   {"bias": bias, "noise": low["noise"]},
                                   {"bias": bias, "noise": high["noise"]})
    # bias^2 + variance is the MSE of the bias-variance split (up to sampling noise).
    for row in rows:
        assert row["teacher_bias2"] + row["teacher_variance"] == pytest.approx(
            row["teacher_mse"], rel=0.1, abs=2e-3)


def test_calibration_distortion_keeps_accuracy_and_hurts_student():
    results = appendix_b2.run(trials=30, powers=(1, 4, 16), n_test=2000, verbose=False)
    rows = _runner.select(results, teacher=appendix_b2.DISTORTED)
    # Teacher accuracy is identical for every power, in every trial (same decisions).
    by_trial = {}
    for record in results["records"]:
        if record["teacher"] == appendix_b2.DISTORTED:
            by_trial.setdefault(record["trial"], []).append(record["teacher_accuracy"])
    assert all(len(set(accuracies)) == 1 for accuracies in by_trial.values())
    # Calibration degrades and the student gets worse as the power grows.
    ece = [row["teacher_ece"] for row in rows]
    assert ece == sorted(ece) and ece[-1] > ece[0] + 0.1
    # Each step of power gives a clearly worse student (paired z 6.8-11.3 over seeds 0-8).
    for less, more in zip(rows, rows[1:]):
        assert _clearly_better(results, "student_auc", {"power": less["power"]},
                               {"power": more["power"]})
    for row in rows[1:]:
        assert row["student_auc_change"] < -3 * row["student_auc_change_se"]


@pytest.mark.needs_data("fashion_mnist")
def test_figure4b_small_fashion_mnist_run():
    """One teacher and pool per run, so the seed-to-seed spread is measured instead of a
    standard error: over seeds 0-8 the clean teacher's student beats the one-hot one by
    0.055-0.162 AUC and the noisy teachers' (mean of 3 noise draws) by 0.065-0.108."""
    results = figure4b.run(trials=3, n_train=5000, epochs=20, n_student=300, n_test=1000,
                           biases=(0.0,), noises=(0.0, 4.0), verbose=False)
    clean = _row(results, teacher=figure4b.NOISY, noise=0.0)
    noisy = _row(results, teacher=figure4b.NOISY, noise=4.0)
    one_hot = _row(results, teacher=figure4b.ONE_HOT)
    assert noisy["teacher_mse"] > 0.1
    # On the teacher's most uncertain images the clean teacher beats the labels, and a
    # very noisy teacher (worse MSE to the reference) gives a clearly worse student.
    assert clean["student_auc"] > one_hot["student_auc"] + 0.02
    assert clean["student_auc"] > noisy["student_auc"] + 0.03
    assert any("test accuracy" in note for note in results["notes"])


def test_figure4b_missing_data_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("SKDISTILL_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="data_home"):
        figure4b.run(data_home=tmp_path, trials=1, verbose=False)


# -- Runner and command line ------------------------------------------------------------


def _toy_trial(seed, *, scale):
    rng = np.random.RandomState(seed)
    return [{"cell": c, "value": scale * c + rng.normal()} for c in (1, 2)]


def test_runner_summary_and_seeds_do_not_depend_on_n_jobs():
    kwargs = dict(keys=["cell"], metrics=["value"], trials=6, random_state=3, verbose=False)
    serial = _runner.run_experiment("toy", "toy", _toy_trial, {"scale": 10.0}, n_jobs=1,
                                    **kwargs)
    parallel = _runner.run_experiment("toy", "toy", _toy_trial, {"scale": 10.0}, n_jobs=2,
                                      **kwargs)
    assert serial["records"] == parallel["records"]
    values = np.array([r["value"] for r in serial["records"] if r["cell"] == 2])
    row = _row(serial, cell=2)
    assert row["value"] == pytest.approx(values.mean())
    assert row["value_se"] == pytest.approx(values.std(ddof=1) / np.sqrt(values.size))
    assert row["n_trials"] == 6
    table = format_table(serial)
    assert "cell" in table and "value" in table
    assert f"{row['value']:.4f} ± {row['value_se']:.4f}" in table


def test_runner_rejects_bad_trials():
    with pytest.raises(ValueError, match="trials"):
        _runner.run_experiment("toy", "toy", _toy_trial, {"scale": 1.0}, keys=["cell"],
                               metrics=["value"], trials=0)


def test_registry_lists_every_module():
    for name in EXPERIMENTS:
        module = get_experiment(name)
        assert callable(module.run) and callable(module.plot) and module.__doc__
    with pytest.raises(ValueError, match="available"):
        get_experiment("figure99")


def test_cli_runs_figure2a_prints_table_and_writes_files(tmp_path, capsys):
    code = main(["figure2a", "--trials", "2", "--output", str(tmp_path), "--quiet",
                 "--set", "sizes=[20, 50]", "--set", "n_test=500"])
    assert code == 0
    out = capsys.readouterr().out
    assert "one-hot AUC" in out and "Bayes-distilled AUC" in out and " ± " in out
    png = tmp_path / "figure2a.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "figure2a.json").read_text())
    assert [row["n_samples"] for row in saved["summary"]] == [20, 50]
    assert saved["settings"]["trials"] == 2
    lines = (tmp_path / "figure2a.csv").read_text().splitlines()
    assert len(lines) == 1 + 2 * 2  # header + trials x sizes


def test_cli_list_and_errors(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        assert name in out
    with pytest.raises(SystemExit):
        main(["figure99"])
    assert "figure2a" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["figure2a", "--set", "no_such_parameter=1"])
    assert "separation" in capsys.readouterr().err  # lists what is accepted


# -- Full-size runs -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["figure2a", "figure2b", "figure3", "appendix_b1",
                                  "appendix_b2"])
def test_full_size_reproductions(name, tmp_path):
    module = get_experiment(name)
    results = module.run(full=True, n_jobs=-1, verbose=False)
    assert all(row["n_trials"] == 100 for row in results["summary"])
    _runner.save_results(results, tmp_path, module.plot)
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    if name == "figure2a":
        # seed 0: gain z >= 15 at every size, 17 between N = 20 and N = 1000
        small, large = _row(results, n_samples=20), _row(results, n_samples=1000)
        assert large["gain"] > 3 * large["gain_se"]
        assert _clearly_greater(small["gain"], small["gain_se"], large["gain"], large["gain_se"])
    if name == "figure3":
        # seeds 0-2: every asserted z >= 4.7 (depth 4 against 8: 0.2-2.6, not asserted)
        _check_figure3(results)


@pytest.mark.slow
@pytest.mark.needs_data("fashion_mnist")
def test_full_size_figure4b(tmp_path):
    results = figure4b.run(full=True, n_jobs=-1, verbose=False)
    _runner.save_results(results, tmp_path, figure4b.plot)
    clean = _row(results, teacher=figure4b.NOISY, bias=0.0, noise=0.0)
    worst = _row(results, teacher=figure4b.NOISY, bias=0.5, noise=4.0)
    assert clean["student_auc"] > worst["student_auc"]
