"""Sphinx configuration for the skdistill documentation.

Environment variables
---------------------
SKDISTILL_DOCS_QUICK=1
    Do not execute the gallery examples (``plot_gallery = "False"``): the example
    pages are rendered from their source only. Used by ``.ci/docs``.
SKDISTILL_DOCS_INTERSPHINX=1
    Link to the Python, NumPy, SciPy, scikit-learn, joblib, PyTorch and skorch
    documentation. Off by default because it downloads the inventories, and the
    default build must not touch the network.
"""

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

# -- intersphinx (opt-in: it downloads inventories) --------------------------

if _env_flag("SKDISTILL_DOCS_INTERSPHINX"):
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
else:
    intersphinx_mapping = {}

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
