"""What a reproduction is: one :class:`Experiment` description and the one :func:`run`.

A reproduction module declares one description — its trial function, a settings
function whose keyword-only parameters are the reproduction's own parameters, the
quick- and full-mode defaults, how records are keyed and labelled — and makes its public
``run`` from it with :func:`public_run`. That ``run`` takes the common parameters of
:func:`run` (documented here, once) followed by the reproduction's own, and shows both
in its signature and docstring, so ``help(figure2a.run)`` reads as a written-out
function would.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ._runner import check_params, check_trials, run_experiment


def run_trials(experiment, settings, *, trials, n_jobs, random_state, verbose, data_home):
    """The usual way to run a reproduction: independent trials of its trial function.

    The experiment's ``prepare`` (if any) builds what every trial shares and lines of
    notes about it; the experiment's ``notes`` (if any) adds lines read from the results.
    """
    shared, notes = {}, []
    if experiment.prepare is not None:
        shared, notes = experiment.prepare(settings, random_state=random_state,
                                           data_home=data_home)
    results = run_experiment(
        experiment.name, experiment.title, experiment.trial, settings,
        keys=experiment.keys, metrics=experiment.metrics, labels=experiment.labels,
        trials=trials, n_jobs=n_jobs, random_state=random_state, verbose=verbose,
        shared=shared,
    )
    if experiment.notes is not None:
        notes = [*notes, *experiment.notes(results)]
    if notes:
        results["notes"] = notes
    return results


@dataclass(frozen=True)
class Experiment:
    """The description of one reproduction, from which its ``run`` is made.

    Parameters
    ----------
    name : str
        Short name: the module's, the command line's and the files'.
    title : str
        One-line description, the title of the table and of the figure.
    trial : callable
        Module-level ``trial(seed, **settings, **shared) -> list of dict``: one trial
        drawn from ``seed``, one record per cell of the experiment.
    settings : callable
        ``settings(**params) -> dict``: checks and converts the reproduction's own
        parameters into the settings stored in the results and passed to ``trial``.
        Its keyword-only parameters, their defaults and the entries of the
        ``Parameters`` section of its docstring are those of the reproduction's ``run``.
    keys, metrics : sequence of str
        Record fields that identify a cell, and the measured fields averaged over trials.
    labels : mapping
        Display names of keys and metrics.
    quick, full : mapping
        The defaults of each mode: ``trials``, and the value of each parameter whose
        default is None because it depends on the mode (e.g. the test-set size).
    reads_data : bool, default=False
        Whether the reproduction reads real data: its ``run`` then takes ``data_home``.
    prepare : callable, default=None
        ``prepare(settings, *, random_state, data_home) -> (shared, notes)``: what every
        trial shares (data, a fitted teacher; passed to ``trial``, not stored) and lines
        describing it, printed under the table.
    notes : callable, default=None
        ``notes(results) -> list of str``: lines read from the results, printed under
        the table.
    execute : callable, default=run_trials
        ``execute(experiment, settings, *, trials, n_jobs, random_state, verbose,
        data_home) -> results``; a reproduction that is not independent trials of one
        function (``table1``: a validation search, then seeds) brings its own.
    returns : str, default=""
        What its results hold beyond the common keys, for the docstring of its ``run``.
    """

    name: str
    title: str
    trial: Callable
    settings: Callable
    keys: tuple
    metrics: tuple
    labels: Mapping
    quick: Mapping
    full: Mapping
    reads_data: bool = False
    prepare: Callable | None = None
    notes: Callable | None = None
    execute: Callable = run_trials
    returns: str = ""

    def __post_init__(self):
        for field in ("keys", "metrics"):
            object.__setattr__(self, field, tuple(getattr(self, field)))
        for field in ("labels", "quick", "full"):
            object.__setattr__(self, field, MappingProxyType(dict(getattr(self, field))))
        # A description that does not hold together fails at import, naming what to fix.
        own = inspect.signature(self.settings).parameters
        loose = [p for p in own.values()
                 if p.kind is not p.KEYWORD_ONLY or p.default is p.empty]
        if loose:
            raise TypeError(f"{self.name}: the parameters of settings must be keyword-only "
                            f"with a default; not {', '.join(p.name for p in loose)}.")
        clash = sorted(set(own) & set(_COMMON))
        if clash:
            raise TypeError(f"{self.name}: settings takes {', '.join(clash)}, which are "
                            "common parameters of every run; rename them.")
        documented = [name for names, _ in _entries(self.settings) for name in names]
        if sorted(documented) != sorted(own):
            raise TypeError(f"{self.name}: the settings docstring documents "
                            f"{sorted(documented)} but settings takes {sorted(own)}.")
        if set(self.quick) != set(self.full) or "trials" not in self.quick:
            raise TypeError(f"{self.name}: quick and full must give the same names, trials "
                            f"among them; got {sorted(self.quick)} and {sorted(self.full)}.")
        not_none = sorted(set(self.quick) - {"trials"}
                          - {name for name, p in own.items() if p.default is None})
        if not_none:
            raise TypeError(f"{self.name}: {', '.join(not_none)} have mode defaults, so "
                            "their default in settings must be None.")


def run(experiment, *, trials=None, full=False, n_jobs=None, random_state=0, verbose=True,
        data_home=None, **params):
    """Run a reproduction: what every reproduction's ``run`` does.

    Parameters
    ----------
    experiment : Experiment
        The reproduction.
    trials : int, default=None
        Number of independent trials, each run from its own seed (the module docstring
        says what varies between trials).
    full : bool, default=False
        Full-size run, the paper's sizes where it gives them; the quick mode is a
        reduced run of seconds to minutes. Every parameter left at None (``trials``
        too) takes the value of the mode.
    n_jobs : int, default=None
        Trials, and other independent fits where a reproduction has them, run in
        parallel through :class:`joblib.Parallel`.
    random_state : int, RandomState, Generator or None, default=0
        Root seed; each trial gets an independent child seed of it, so trial ``i`` is
        the same whatever ``n_jobs`` and ``trials`` are. None: fresh entropy.
    verbose : bool, default=True
        Progress on stderr: on a terminal one line (a tqdm bar if tqdm is installed)
        that updates as trials finish; elsewhere one summary line at the end.
    data_home : str or path-like, default=None
        Folder holding the real data sets the reproduction reads (command line:
        ``--data-home``); None uses :func:`skdistill.datasets.get_data_home`
        (``$SKDISTILL_DATA``, else ``~/skdistill_data``).
    **params
        The reproduction's own parameters, all of them (its ``run`` fills in the
        defaults).

    Returns
    -------
    results : dict
        ``name``, ``title``, ``settings`` (every parameter but ``verbose`` and
        ``data_home``), ``keys``, ``metrics``, ``labels``, ``records`` (one per trial
        and cell), ``summary`` (mean and standard error over trials per cell) and
        ``elapsed_seconds``; :func:`skdistill.experiments.format_table` prints them.
    """
    mode = experiment.full if full else experiment.quick
    trials = check_trials(mode["trials"] if trials is None else trials)
    params = {name: mode[name] if value is None and name in mode else value
              for name, value in params.items()}
    settings = experiment.settings(**params)
    return experiment.execute(experiment, settings, trials=trials, n_jobs=n_jobs,
                              random_state=random_state, verbose=verbose,
                              data_home=data_home)


#: The parameters every reproduction's ``run`` takes, from :func:`run` itself.
_COMMON = [name for name in inspect.signature(run).parameters
           if name not in ("experiment", "params")]


def public_run(experiment):
    """The ``run`` of a reproduction module: :func:`run` of ``experiment``, with the
    common parameters and the reproduction's own in its signature and docstring.

    Parameters
    ----------
    experiment : Experiment

    Returns
    -------
    run : callable
        Keyword-only arguments, as listed by ``inspect.signature(run)``.
    """
    common = [p for name, p in inspect.signature(run).parameters.items()
              if name in _COMMON and (name != "data_home" or experiment.reads_data)]
    own = list(inspect.signature(experiment.settings).parameters.values())
    signature = inspect.Signature(common + own)

    def run_reproduction(**params):
        check_params(run_reproduction, params)
        bound = signature.bind(**params)
        bound.apply_defaults()
        return run(experiment, **bound.arguments)

    run_reproduction.__signature__ = signature
    run_reproduction.__doc__ = _docstring(experiment, [p.name for p in common])
    run_reproduction.__name__ = run_reproduction.__qualname__ = "run"
    run_reproduction.__module__ = experiment.settings.__module__
    return run_reproduction


def _entries(function, section="Parameters"):
    """``(names, text)`` of each entry of a section of a numpydoc docstring; an entry may
    name several parameters (``n_train, epochs : int``)."""
    lines = inspect.cleandoc(function.__doc__ or "").splitlines()

    def title(i):  # a section title is underlined with dashes
        return i + 1 < len(lines) and lines[i].strip() and set(lines[i + 1].strip()) == {"-"}

    starts = [i + 2 for i in range(len(lines)) if title(i) and lines[i].strip() == section]
    entries = []
    for i in range(starts[0] if starts else len(lines), len(lines)):
        if title(i):
            break
        if lines[i][:1].strip():
            names = tuple(name.strip() for name in lines[i].split(" : ")[0].split(","))
            entries.append((names, [lines[i]]))
        elif entries:
            entries[-1][1].append(lines[i])
    return [(names, "\n".join(body).rstrip()) for names, body in entries]


def _indented(text):
    return "\n" + textwrap.fill(text, 88, initial_indent="    ", subsequent_indent="    ",
                                break_long_words=False, break_on_hyphens=False)


def _mode_defaults(experiment, names):
    """The line under a parameter entry giving its quick and full defaults, if it has some."""
    names = [name for name in names if name in experiment.quick]
    values = [f"``{experiment.quick[name]!r}`` quick, ``{experiment.full[name]!r}`` full"
              for name in names]
    if len(names) == 1:
        return _indented(f"Default (None): {values[0]}.")
    if names:
        return _indented("Defaults (None): " + "; ".join(
            f"``{name}`` {value}" for name, value in zip(names, values)) + ".")
    return ""


def _docstring(experiment, common):
    entries = [(names, text) for names, text in _entries(run) if names[0] in common]
    entries += _entries(experiment.settings)
    parameters = "\n".join(text + _mode_defaults(experiment, names) for names, text in entries)
    ((_, returns),) = _entries(run, "Returns")
    keys = ", ".join(f"``{key}``" for key in experiment.keys)
    returns += _indented(f"Cells are keyed by {keys}. {experiment.returns}".strip())
    summary = textwrap.fill(f"{experiment.title}. The module docstring states the setup.", 88)
    return (f"Run the ``{experiment.name}`` reproduction.\n\n{summary}\n\n"
            f"Parameters\n----------\n{parameters}\n\nReturns\n-------\n{returns}\n")
