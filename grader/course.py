"""Where the course's notebooks live, and what each chapter grades."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat

import solutions

SOURCE_DIR = Path(solutions.__file__).resolve().parent / "notebooks"
"""Instructor (nbgrader source) notebooks: ``SOURCE_DIR/<chapter>/<chapter>.ipynb``."""


def project_root():
    """The repository root when running from a checkout, else the current folder."""
    root = SOURCE_DIR.parents[1]
    return root if (root / "pyproject.toml").exists() else Path.cwd()


@dataclass(frozen=True)
class Exercise:
    """A graded exercise of a chapter, read from the source notebook."""

    name: str
    points: float


@dataclass(frozen=True)
class Chapter:
    """A chapter: its name (``01_equation_normale``) and graded exercises."""

    name: str
    path: Path
    exercises: tuple

    @property
    def max_points(self):
        return sum(ex.points for ex in self.exercises)


def nbgrader_meta(cell):
    """A cell's nbgrader metadata, as a dict (empty when absent or malformed)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """A cell's nbgrader ``grade_id``, or ``""``."""
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else ""


def _grade_cells(nb):
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and meta.get("grade_id", "").startswith("test_"):
            yield meta["grade_id"], float(meta.get("points", 0))


@cache
def chapters():
    """All chapters of the course, sorted by name, keyed by name."""
    found = {}
    for path in sorted(SOURCE_DIR.glob("*/*.ipynb")):
        if path.stem != path.parent.name or ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        exercises = tuple(
            Exercise(grade_id.removeprefix("test_"), points)
            for grade_id, points in _grade_cells(nb)
        )
        found[path.stem] = Chapter(path.stem, path, exercises)
    return found


def identify(nb, filename):
    """Chapter of a submitted notebook, or None.

    The notebook's own graded cells decide (a learner may rename the file);
    the file name decides when no cell is recognised.
    """
    ids = {grade_id(cell) for cell in nb.get("cells", [])}
    best, best_count = None, 0
    for chapter in chapters().values():
        count = sum(f"test_{ex.name}" in ids for ex in chapter.exercises)
        if count > best_count:
            best, best_count = chapter, count
    if best is not None:
        return best
    stem = re.sub(r"[^0-9a-z_]", "", Path(filename).stem.lower())
    for chapter in chapters().values():
        if stem.startswith(chapter.name):
            return chapter
    return None
