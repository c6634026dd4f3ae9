"""The reproductions' command line flags (--data-home, --quiet) and their progress output."""

import io
import json
import sys

import numpy as np
import pytest

from skdistill.experiments import _runner
from skdistill.experiments.__main__ import main

FIGURE2A_TINY = ["figure2a", "--trials", "2", "--set", "sizes=[20]", "--set", "n_test=200"]


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, to see what a user at a terminal sees."""

    def isatty(self):
        return True


def _toy_trial(seed, *, scale):
    rng = np.random.RandomState(seed)
    return [{"cell": 1, "value": scale + rng.normal()}]


def _run_toy(trials=5, verbose=True):
    return _runner.run_experiment("toy", "toy", _toy_trial, {"scale": 1.0}, keys=["cell"],
                                  metrics=["value"], trials=trials, verbose=verbose)


def test_progress_off_a_terminal_is_one_summary_line(capsys):
    _run_toy(trials=5)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\r" not in captured.err
    (line,) = captured.err.splitlines()
    assert line.startswith("[toy] 5/5 trials done in ") and line.endswith(" s")


def test_progress_on_a_terminal_without_tqdm_rewrites_one_line(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes "import tqdm" fail
    _run_toy(trials=5)
    text = terminal.getvalue()
    # One carriage-return update per trial, and a single line feed that ends the line.
    assert text.count("\r") == 5 and text.count("\n") == 1 and text.endswith("\n")
    updates = text.rstrip("\n").split("\r")[1:]
    assert [u.split()[1] for u in updates] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    # Each update is padded to hide what a longer earlier one left on the line.
    assert len({len(u) for u in updates}) == 1


def test_progress_on_a_terminal_is_a_tqdm_bar(monkeypatch):
    pytest.importorskip("tqdm")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _run_toy(trials=4)
    text = terminal.getvalue()
    final = text.rstrip("\n").split("\r")[-1]
    assert final.startswith("toy: 100%") and "4/4" in final
    assert text.count("\n") == 1  # one bar, left in place when done


def test_progress_silent_when_not_verbose(monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _run_toy(verbose=False)
    assert terminal.getvalue() == ""


def test_cli_quiet_silences_progress_and_keeps_the_table(tmp_path, capsys):
    assert main([*FIGURE2A_TINY, "--output", str(tmp_path / "a")]) == 0
    loud = capsys.readouterr()
    assert main([*FIGURE2A_TINY, "--output", str(tmp_path / "b"), "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert loud.err.splitlines()[0].startswith("[figure2a] 2/2 trials done in ")
    # stdout is the table, then where the files went: the same with or without progress.
    table = loud.out.splitlines()[:-1]
    assert table == quiet.out.splitlines()[:-1]
    assert any("Bayes-distilled AUC" in line for line in table)


def test_cli_data_home_reaches_the_reproduction(fake_data_home, tmp_path, capsys,
                                                 monkeypatch):
    # The variable points elsewhere: only the flag can lead figure4b to the data.
    monkeypatch.setenv("SKDISTILL_DATA", str(tmp_path / "elsewhere"))
    code = main([
        "figure4b", "--data-home", str(fake_data_home), "--trials", "1", "--quiet",
        "--output", str(tmp_path / "out"), "--set", "n_train=300", "--set", "epochs=2",
        "--set", "n_student=60", "--set", "n_test=100", "--set", "biases=[0.0]",
        "--set", "noises=[0.0]",
    ])
    assert code == 0
    assert "noisy MLP" in capsys.readouterr().out
    saved = json.loads((tmp_path / "out" / "figure4b.json").read_text())
    assert saved["settings"]["n_train"] == 300
    assert "data_home" not in saved["settings"]  # where the data lives is not a setting


def test_cli_data_home_errors(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit) as info:
        main(["figure4b", "--data-home", str(tmp_path / "absent")])
    assert info.value.code == 2
    assert f"--data-home {tmp_path / 'absent'}: no such folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["figure4b", "--set", f"data_home={tmp_path}"])
    assert "use the command-line flag --data-home" in capsys.readouterr().err
    # An existing folder without the data set: the loader's error names the flag too.
    with pytest.raises(FileNotFoundError, match="--data-home") as error:
        main(["figure4b", "--data-home", str(tmp_path), "--quiet", "--trials", "1"])
    assert str(tmp_path / "fashion_mnist") in str(error.value)


def test_cli_data_home_is_ignored_by_synthetic_reproductions(tmp_path, capsys):
    code = main([*FIGURE2A_TINY, "--data-home", str(tmp_path), "--quiet",
                 "--output", str(tmp_path / "out")])
    assert code == 0
    assert "Bayes-distilled AUC" in capsys.readouterr().out
