"""The floors pyproject.toml declares are the versions constraints-min.txt pins (and CI tests)."""

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
# Extras whose floors are not run against: the docs build uses current versions, and the
# ray and accelerate engines are not installed by CI (their tests skip without them).
UNTESTED_EXTRAS = {"docs", "ray", "accelerate"}


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{path.name}: {line!r} is not an exact pin"
            pins[req.name.lower()] = Version(spec.version)
    return pins


def _requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra, names in project["optional-dependencies"].items():
        if extra not in UNTESTED_EXTRAS:
            reqs += [Requirement(r) for r in names]
    return reqs


def _floor(req):
    floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
    assert len(floors) == 1, f"pyproject.toml: {req} needs exactly one '>=' floor"
    return floors[0]


@pytest.fixture(scope="module")
def min_pins():
    path = ROOT / "constraints-min.txt"
    if not path.exists():
        pytest.skip("needs a source checkout (constraints-min.txt)")
    return _pins(path)


def test_every_floor_is_pinned_in_constraints_min(min_pins):
    for req in _requirements():
        name = req.name.lower()
        assert name in min_pins, f"constraints-min.txt does not pin {name} (floor of {req})"
        assert req.specifier.contains(min_pins[name]), f"{name}=={min_pins[name]} breaks {req}"
        if name == "torch":
            continue  # pinned to this machine's CPU wheel instead, see the next test
        assert min_pins[name] == _floor(req), (
            f"pyproject.toml says {req} but constraints-min.txt pins {name}=={min_pins[name]}"
        )


def test_constraints_min_pins_nothing_else(min_pins):
    declared = {req.name.lower() for req in _requirements()}
    # dask[distributed] requires the distributed release of the same version.
    assert min_pins["distributed"] == min_pins["dask"]
    assert set(min_pins) - declared == {"distributed"}


def test_torch_is_the_cpu_wheel_of_constraints_txt(min_pins):
    # Any other torch resolves to the default build with its gigabytes of CUDA libraries.
    assert min_pins["torch"] == _pins(ROOT / "constraints.txt")["torch"]
