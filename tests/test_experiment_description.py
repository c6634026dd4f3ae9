"""A reproduction's ``run`` made from its description: signature, docstring, mode defaults,
the hooks, and the errors of a description that does not hold together."""

import inspect
import re

import numpy as np
import pytest

from skdistill.experiments import EXPERIMENTS, get_experiment
from skdistill.experiments._experiment import Experiment, public_run

COMMON = ["trials", "full", "n_jobs", "random_state", "verbose"]


def _documented(doc):
    """Parameter names of the entries (``name : type`` lines) of a numpydoc docstring."""
    return [name.strip() for line in doc.splitlines()
            if re.match(r"^\w[\w, ]* : ", line) for name in line.split(" : ")[0].split(",")]


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_run_shows_the_common_and_its_own_parameters(name):
    module = get_experiment(name)
    experiment = module.EXPERIMENT
    own = list(inspect.signature(experiment.settings).parameters)
    common = COMMON + (["data_home"] if experiment.reads_data else [])
    signature = inspect.signature(module.run)
    assert list(signature.parameters) == common + own
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    assert (module.run.__name__, module.run.__module__) == ("run", module.__name__)
    doc = inspect.getdoc(module.run)
    assert _documented(doc) == common + own + ["results"]
    # Each mode-dependent default is stated under its parameter, from the description.
    text = " ".join(doc.split())
    for key in experiment.quick:
        assert f"``{experiment.quick[key]!r}`` quick, ``{experiment.full[key]!r}`` full" in text


def _toy_trial(seed, *, scale, size, offset=0.0):
    rng = np.random.RandomState(seed)
    return [{"cell": c, "value": scale * c + offset + rng.normal()} for c in range(size)]


def _toy_settings(*, scale=1.0, size=None):
    """Settings.

    Parameters
    ----------
    scale : float, default=1.0
        Slope.
    size : int, default=None
        Cells.
    """
    if scale <= 0:
        raise ValueError("scale must be positive.")
    return {"scale": float(scale), "size": int(size)}


def _toy(**changes):
    fields = dict(name="toy", title="Toy", trial=_toy_trial, settings=_toy_settings,
                  keys=["cell"], metrics=["value"], labels={"value": "v"},
                  quick={"trials": 3, "size": 2}, full={"trials": 5, "size": 4})
    return Experiment(**{**fields, **changes})


def test_modes_fill_what_is_left_at_none():
    run = public_run(_toy())
    quick = run(verbose=False)
    assert quick["settings"]["size"] == 2 and quick["settings"]["trials"] == 3
    assert [row["cell"] for row in quick["summary"]] == [0, 1]
    full = run(full=True, verbose=False)
    assert full["settings"]["size"] == 4 and full["settings"]["trials"] == 5
    given = run(full=True, trials=2, size=1, scale=3.0, verbose=False)
    assert (given["settings"]["trials"], given["settings"]["size"]) == (2, 1)
    assert given["settings"]["scale"] == 3.0
    assert "notes" not in quick  # no hook, no notes


def test_prepare_and_notes_hooks():
    seen = {}

    def prepare(settings, *, random_state, data_home):
        seen.update(settings=settings, random_state=random_state, data_home=data_home)
        return {"offset": 100.0}, ["prepared"]

    def notes(results):
        return [f"{len(results['records'])} records"]

    run = public_run(_toy(reads_data=True, prepare=prepare, notes=notes))
    assert "data_home" in inspect.signature(run).parameters
    results = run(random_state=7, data_home="somewhere", verbose=False)
    assert seen == {"settings": {"scale": 1.0, "size": 2}, "random_state": 7,
                    "data_home": "somewhere"}
    # The shared offset reached every trial, and is not a setting.
    assert all(record["value"] > 50 for record in results["records"])
    assert "offset" not in results["settings"]
    assert results["notes"] == ["prepared", "6 records"]


def test_execute_replaces_the_trials():
    def execute(experiment, settings, *, trials, n_jobs, random_state, verbose, data_home):
        return {"name": experiment.name, "settings": settings, "trials": trials}

    results = public_run(_toy(execute=execute))(full=True)
    assert results == {"name": "toy", "settings": {"scale": 1.0, "size": 4}, "trials": 5}


def test_bad_arguments_of_run():
    run = public_run(_toy())
    with pytest.raises(TypeError, match="unknown parameter.*sizes.*accepts: trials"):
        run(sizes=3)
    with pytest.raises(TypeError):
        run(3)
    with pytest.raises(ValueError, match="trials"):
        run(trials=0)
    with pytest.raises(ValueError, match="scale"):
        run(scale=-1.0)


def _undocumented(*, scale=1.0, size=None, extra=2):
    """Settings.

    Parameters
    ----------
    scale : float, default=1.0
    size : int, default=None
    """


def _positional(scale=1.0, *, size=None):
    """Settings.

    Parameters
    ----------
    scale : float, default=1.0
    size : int, default=None
    """


def _clashing(*, size=None, verbose=True):
    """Settings.

    Parameters
    ----------
    size : int, default=None
    verbose : bool, default=True
    """


@pytest.mark.parametrize("changes, match", [
    ({"settings": _undocumented}, "documents"),
    ({"settings": _positional}, "keyword-only"),
    ({"settings": _clashing}, "common parameters"),
    ({"full": {"trials": 5}}, "same names"),
    ({"quick": {"size": 2}, "full": {"size": 4}}, "trials"),
    ({"quick": {"trials": 3, "size": 2, "scale": 1.0},
      "full": {"trials": 5, "size": 4, "scale": 2.0}}, "must be None"),
])
def test_a_description_that_does_not_hold_together_fails_early(changes, match):
    with pytest.raises(TypeError, match=match):
        _toy(**changes)
