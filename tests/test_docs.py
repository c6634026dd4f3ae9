"""The documentation's sources, checked without building it (no Sphinx needed).

The reproductions page shows every reproduction with the figure of its quick run, the
figures are files in the repository (the build never runs a reproduction), and the links
to other projects resolve from files in the repository (the build never downloads).
"""

import re
import runpy
import zlib
from pathlib import Path

import pytest

from skdistill.experiments import EXPERIMENTS

DOCS = Path(__file__).resolve().parents[1] / "docs"
REPRODUCTIONS = DOCS / "user_guide" / "reproductions.rst"
#: Kept small in the repository (docs/make_figures.py reduces them).
MAX_FIGURE_BYTES = 100_000


def _sections(text):
    """Section title -> its text, for the titles underlined with dashes."""
    parts = re.split(r"^(.+)\n-{3,}\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def _figures(text):
    return re.findall(r"^\.\. (?:figure|image):: (\S+)", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def conf():
    return runpy.run_path(str(DOCS / "conf.py"))


def test_every_reproduction_has_a_section_with_its_figure():
    sections = _sections(REPRODUCTIONS.read_text(encoding="utf-8"))
    by_name = {re.match(r"``(\w+)``", title).group(1): body
               for title, body in sections.items() if title.startswith("``")}
    assert set(by_name) == set(EXPERIMENTS)
    for name, body in by_name.items():
        assert f"/_static/figures/{name}.png" in _figures(body), name
        assert f".. automodule:: skdistill.experiments.{name}" in body, name


def test_figures_on_the_reproductions_page_are_small_files_in_the_repository():
    figures = _figures(REPRODUCTIONS.read_text(encoding="utf-8"))
    assert figures
    for figure in figures:
        path = DOCS / figure.lstrip("/")
        assert path.is_file(), figure
        assert path.stat().st_size < MAX_FIGURE_BYTES, figure


def _inventory(path):
    """(name, domain:role) -> relative URI of a Sphinx objects.inv (version 2)."""
    with open(path, "rb") as f:
        header = [f.readline().decode() for _ in range(4)]
        body = zlib.decompress(f.read()).decode()
    assert header[0].startswith("# Sphinx inventory version 2"), path
    entries = {}
    for line in body.splitlines():
        match = re.match(r"(.+?)\s+(\S+:\S+)\s+-?\d+\s+(\S+)\s+.*", line)
        if match:
            name, role, uri = match.groups()
            entries[name, role] = uri.replace("$", name) if uri.endswith("$") else uri
    return entries


def test_intersphinx_reads_inventories_in_the_repository(conf):
    mapping = conf["intersphinx_mapping"]
    assert {"python", "numpy", "scipy", "sklearn", "skorch"} <= set(mapping)
    for name, (url, inventory) in mapping.items():
        assert url.startswith("https://"), name
        entries = _inventory(inventory)
        assert any(role.startswith("py:") for _, role in entries), name


def test_api_pages_rule_is_the_layout_of_the_shipped_sklearn_inventory(conf):
    url, inventory = conf["intersphinx_mapping"]["sklearn"]
    page = conf["API_PAGES"]["sklearn."]
    public = {
        name: uri for (name, role), uri in _inventory(inventory).items()
        if role in {"py:class", "py:function"} and not re.search(r"\._", name)
    }
    assert public
    # The only other layout: a function named like a class gets "<name>-function.html".
    differ = {name: uri for name, uri in public.items()
              if f"{url}/{uri}" != page.format(name=name)}
    assert all(uri.endswith(f"-function.html#{name}") for name, uri in differ.items())


def test_api_pages_link_public_objects_only(conf):
    public_object = conf["_public_object"]
    assert public_object("sklearn.frozen.FrozenEstimator")
    assert public_object("sklearn.base.clone")
    assert not public_object("sklearn.utils.parallel")  # a module, not on a page of its own
    assert not public_object("sklearn.utils._param_validation.Interval")
    assert not public_object("sklearn.linear_model.NoSuchModel")
