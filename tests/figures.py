"""What the course's figures show, recorded while a notebook runs, and the rules
of an accessible figure (issue 10): French axis names, a title, a legend where
lines are compared, colours that colour-blind readers tell apart.

:data:`HOOK` is run first in the kernel: every figure that JupyterLab would
display (the PNG formatter of matplotlib figures) is described as plain data;
:data:`DUMP` prints the descriptions at the end. :func:`problems` applies the
rules to one description.
"""

import re

import matplotlib as mpl
import matplotlib.style  # noqa: F401 (fills mpl.style.library)
import numpy as np
from matplotlib import colors as mcolors

HOOK = r"""
def _cours_rn_figures():
    from IPython import get_ipython
    from matplotlib import colors as mcolors
    from matplotlib.figure import Figure

    records, ip = [], get_ipython()

    def colours(ax):
        found = [mcolors.to_hex(line.get_color()) for line in ax.get_lines()]
        for coll in ax.collections:
            if coll.get_array() is None:  # not coloured through a colormap
                found += [mcolors.to_hex(c) for c in coll.get_facecolor()[:3]]
        found += [mcolors.to_hex(p.get_facecolor()) for p in ax.patches[:3]]
        return found

    def numeric(labels):
        texts = [t.get_text().replace("−", "-").replace(",", ".") for t in labels]
        texts = [t.strip(" %$") for t in texts if t.strip()]
        try:
            [float(t) for t in texts]
            return True
        except ValueError:
            return False

    def describe(fig):
        axes = []
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>" or not (
                ax.lines or ax.collections or ax.images or ax.patches
            ):
                continue
            axes.append({
                "title": ax.get_title(), "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(), "axis": bool(ax.axison),
                "image": bool(ax.images), "legend": ax.get_legend() is not None,
                "labelled": sum(not l.get_label().startswith("_")
                                for l in ax.get_lines()),
                "colours": colours(ax),
                "cmaps": [m.get_cmap().name for m in [*ax.images, *ax.collections]
                          if m.get_array() is not None],
                "xshared": any(s.get_xlabel()
                               for s in ax.get_shared_x_axes().get_siblings(ax)),
                "yshared": any(s.get_ylabel()
                               for s in ax.get_shared_y_axes().get_siblings(ax)),
                "xcategories": not numeric(ax.get_xticklabels()),
                "ycategories": not numeric(ax.get_yticklabels()),
                "box": [float(v) for v in ax.get_position().bounds],
            })
        legends = len(fig.legends) + sum(a.get_legend() is not None for a in fig.axes)
        title = fig._suptitle.get_text() if fig._suptitle else ""
        records.append({"suptitle": title, "legends": legends, "axes": axes})

    def wrap(*args):
        png = ip.display_formatter.formatters["image/png"]
        try:
            show = png.lookup_by_type(Figure)
        except KeyError:
            return
        if getattr(show, "cours_rn", False):
            return
        def printer(fig, *a, **k):
            describe(fig)
            return show(fig, *a, **k)
        printer.cours_rn = True
        png.for_type(Figure, printer)

    ip.events.register("pre_run_cell", wrap)
    return records


_COURS_RN_FIGURES = _cours_rn_figures()
del _cours_rn_figures
"""
DUMP = "import json as _json\nprint(_json.dumps(_COURS_RN_FIGURES))"

PALETTE = {
    mcolors.to_hex(c)
    for c in mpl.style.library["tableau-colorblind10"]["axes.prop_cycle"].by_key()[
        "color"
    ]
}
SAFE_MAPS = ["viridis", "cividis", "plasma", "inferno", "magma", "Greys", "Blues"]
SAFE_RAMPS = np.vstack(
    [mpl.colormaps[m](np.linspace(0, 1, 256))[:, :3] for m in SAFE_MAPS]
)
BAD_MAPS = {"jet", "rainbow", "hsv", "gist_rainbow", "nipy_spectral", "gist_ncar",
            "prism", "flag", "RdYlGn", "RdGn"}  # fmt: skip
ENGLISH = re.compile(
    r"\b(epochs?|loss|accuracy|iterations?|training|learning rate|weights?|layers?|"
    r"values?|steps?|samples?|count|frequency)\b",
    re.IGNORECASE,
)


def readable_colour(hexa):
    """In the colour-blind palette of the course, grey, or on a safe colormap."""
    if hexa in PALETTE:
        return True
    rgb = np.array(mcolors.to_rgb(hexa))
    if rgb.max() - rgb.min() < 0.02:  # black, greys, white
        return True
    return bool(np.min(np.abs(SAFE_RAMPS - rgb).max(axis=1)) < 0.02)


def _same_row(a, b):
    return abs(a["box"][1] - b["box"][1]) < 0.05


def _same_column(a, b):
    return abs(a["box"][0] - b["box"][0]) < 0.05


def problems(record):
    """French reasons why a figure's description breaks the rules, or []."""
    found, axes = [], record["axes"]
    texts = [record["suptitle"]]
    if axes and not record["suptitle"] and not all(ax["title"] for ax in axes):
        found.append("pas de titre (ni titre de figure, ni titre sur chaque graphique)")
    for k, ax in enumerate(axes):
        texts += [ax["title"], ax["xlabel"], ax["ylabel"]]
        if ax["axis"] and not ax["image"]:
            xname = (
                ax["xlabel"]
                or ax["xshared"]
                or ax["xcategories"]
                or any(
                    o["xlabel"] and _same_column(o, ax) and o["box"][1] < ax["box"][1]
                    for o in axes
                )
            )  # the bottom row names a column
            yname = (
                ax["ylabel"]
                or ax["yshared"]
                or ax["ycategories"]
                or any(
                    o["ylabel"] and _same_row(o, ax) and o["box"][0] < ax["box"][0]
                    for o in axes
                )
            )  # the left column names a row
            if not (xname and yname):
                found.append(f"graphique {k} : axe sans nom")
        if ax["labelled"] >= 2 and not record["legends"]:
            found.append(f"graphique {k} : {ax['labelled']} courbes, aucune légende")
        odd = sorted({c for c in ax["colours"] if not readable_colour(c)})
        if odd:
            found.append(f"graphique {k} : couleurs hors palette {odd[:4]}")
        bad = sorted(set(ax["cmaps"]) & BAD_MAPS)
        if bad:
            found.append(f"graphique {k} : palette de couleurs {bad}")
    english = [t for t in texts if t and ENGLISH.search(t)]
    if english:
        found.append(f"textes en anglais ? {english[:3]}")
    return found
