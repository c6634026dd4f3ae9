"""Regenerate the figures of the reproductions page: ``docs/_static/figures/NAME.png``.

Each figure is the one a quick run writes, ``python -m skdistill.experiments NAME
--seed 0``, reduced to a palette of 128 colours so that it stays small in the repository
(a plot has few colours: the reduction does not show). The documentation build only
displays these files; it never runs a reproduction.

Usage, from the repository root (the reproductions on real data read the data home,
``--data-home PATH`` or ``$SKDISTILL_DATA``)::

    python docs/make_figures.py                       # every reproduction
    python docs/make_figures.py figure2a figure3      # some of them
    python docs/make_figures.py table1 --data-home /path/to/data
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

FIGURES = Path(__file__).resolve().parent / "_static" / "figures"
COLOURS = 128
SEED = 0


def make_figure(name, data_home=None):
    """Run reproduction ``name`` at quick size and store its reduced figure."""
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "skdistill.experiments", name, "--quiet",
                   "--seed", str(SEED), "--output", output]
        if data_home is not None:
            command += ["--data-home", str(data_home)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return store_figure(Path(output) / f"{name}.png", name)


def store_figure(png, name):
    """Store the figure ``png`` of reproduction ``name``, reduced, in the documentation."""
    image = Image.open(png).convert("RGB")
    reduced = image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT,
                             dither=Image.Dither.NONE)
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.png"
    reduced.save(path, optimize=True)
    return path


def main(argv=None):
    from skdistill.experiments import EXPERIMENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"reproductions (default: all of {', '.join(EXPERIMENTS)})")
    parser.add_argument("--data-home", metavar="PATH", default=None)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(EXPERIMENTS))
    if unknown:
        parser.error(f"unknown reproduction(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(EXPERIMENTS)}.")
    for name in args.names or EXPERIMENTS:
        path = make_figure(name, args.data_home)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
