"""Accessible figures: every figure of every instructor notebook has a title,
named axes, a legend where lines are compared, colours that colour-blind readers
tell apart, and French text (issue 10). The rules are in :mod:`tests.figures`."""

import pytest

from grader.course import chapters
from tests.conftest import figures_of
from tests.figures import problems, readable_colour

NAMES = sorted(chapters())


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_is_accessible(name):
    records = figures_of(name)
    assert records, "aucune figure affichée"
    found = {n: p for n, r in enumerate(records, 1) if (p := problems(r))}
    assert not found, found


def _axes(**changes):
    ax = {
        "title": "Perte par époque", "xlabel": "époque", "ylabel": "perte",
        "axis": True, "image": False, "legend": True, "labelled": 2,
        "colours": ["#006ba4", "#ff800e"], "cmaps": [], "xshared": False,
        "yshared": False, "xcategories": False, "ycategories": False,
        "box": [0.1, 0.1, 0.8, 0.8],
    }  # fmt: skip
    return {**ax, **changes}


def test_the_rules_see_each_fault():
    good = {"suptitle": "", "legends": 1, "axes": [_axes()]}
    assert problems(good) == []
    faults = {
        "pas de titre": {**good, "axes": [_axes(title="")]},
        "axe sans nom": {**good, "axes": [_axes(ylabel="")]},
        "aucune légende": {**good, "legends": 0},
        "couleurs hors palette": {**good, "axes": [_axes(colours=["#ff0000"])]},
        "palette de couleurs": {**good, "axes": [_axes(cmaps=["jet"])]},
        "anglais": {**good, "axes": [_axes(xlabel="epoch")]},
    }
    for reason, record in faults.items():
        assert any(reason in p for p in problems(record)), reason
    grid = {"suptitle": "Trois taux", "legends": 1, "axes": [
        _axes(title="", box=[0.1, 0.1, 0.25, 0.8]),
        _axes(title="", ylabel="", box=[0.4, 0.1, 0.25, 0.8]),
    ]}  # fmt: skip
    assert problems(grid) == []  # the left column names the row


def test_colours_of_safe_colormaps_are_readable():
    import matplotlib as mpl
    from matplotlib import colors as mcolors

    assert readable_colour(mcolors.to_hex(mpl.colormaps["viridis"](0.3)))
    assert readable_colour("#595959") and not readable_colour("#00ff00")
