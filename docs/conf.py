"""Sphinx configuration for the skdistill documentation.

Environment variables
---------------------
SKDISTILL_DOCS_QUICK=1
    Do not execute the gallery examples (``plot_gallery = "False"``): the example
    pages are rendered from their source only. Used by ``.ci/docs``.

Links to other projects' documentation never touch the network: the intersphinx
inventories are files in ``_intersphinx/`` (its README says where each comes from), and
the few public objects they lack are linked by ``_link_api_page`` below.
"""

import importlib
import inspect
import os
import sys
from pathlib import Path

import matplotlib

# Render figures off screen, before sphinx-gallery imports pyplot.
matplotlib.use("Agg")

DOCS_DIR = Path(__file__).resolve().parent
# Document the checkout this file belongs to, even when another copy is installed.
sys.path.insert(0, str(DOCS_DIR.parent))

import skdistill  # noqa: E402


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


QUICK = _env_flag("SKDISTILL_DOCS_QUICK")

# -- Project information -----------------------------------------------------

project = "skdistill"
author = "skdistill developers"
copyright = "skdistill developers"
version = skdistill.__version__
release = skdistill.__version__

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # Copies MathJax into _static/mathjax and points mathjax_path at it: the formulas
    # render in a browser without network access (Sphinx would load MathJax from a CDN).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.py", "auto_examples/*.zip"]
default_role = "literal"

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
# A method without a docstring shows its signature only, not the docstring of the method
# it overrides (torch.nn.Module.forward's would describe torch, not skdistill).
autodoc_inherit_docstrings = False
# The autosummary templates list the methods; numpydoc must not list them again.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- links to other projects, offline ------------------------------------------

INVENTORIES = DOCS_DIR / "_intersphinx"
intersphinx_mapping = {
    name: (url, str(INVENTORIES / f"{name}-objects.inv"))
    for name, url in {
        "python": "https://docs.python.org/3",
        "numpy": "https://numpy.org/doc/stable",
        "scipy": "https://docs.scipy.org/doc/scipy",
        "sklearn": "https://scikit-learn.org/stable",
        "joblib": "https://joblib.readthedocs.io/en/stable",
        "skorch": "https://skorch.readthedocs.io/en/stable",
    }.items()
}

#: Public objects that no inventory above lists (newer than the inventory, or of a project
#: whose inventory is not shipped) are linked to the page their project's API reference
#: gives each public class and function: name prefix -> URL of that page.
API_PAGES = {
    "sklearn.": "https://scikit-learn.org/stable/modules/generated/{name}.html#{name}",
    "torch.nn.": "https://docs.pytorch.org/docs/stable/generated/{name}.html#{name}",
    "pandas.": "https://pandas.pydata.org/docs/reference/api/{name}.html#{name}",
}


def _public_object(name):
    """Whether ``name`` is a public class or function that can be imported here."""
    if any(part.startswith("_") for part in name.split(".")):
        return False
    module, _, attribute = name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return False
    return inspect.isclass(obj) or callable(obj)


def _link_api_page(app, env, node, contnode):
    """Resolve a Python reference the inventories left unresolved, by ``API_PAGES``."""
    from docutils import nodes

    if node.get("refdomain") != "py":
        return None
    name = node.get("reftarget", "")
    for prefix, page in API_PAGES.items():
        if name.startswith(prefix) and _public_object(name):
            link = nodes.reference("", "", internal=False, refuri=page.format(name=name))
            link.append(contnode)
            return link
    return None


def setup(app):
    # After intersphinx (priority 500): the shipped inventories answer first.
    app.connect("missing-reference", _link_api_page, priority=900)


# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    # A string, as sphinx-gallery expects from conf.py; "False" renders the pages
    # without running the examples.
    "plot_gallery": "False" if QUICK else "True",
    "doc_module": ("skdistill",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML output -------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skdistill {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"install": [], "architecture": []}
html_show_sourcelink = False
