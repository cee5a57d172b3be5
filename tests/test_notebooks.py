"""Instructor and student notebooks: they run, checks pass or fail as they
should, the student version hides solutions and hidden tests and is in sync."""

import re

import nbformat
import pytest

from grader.course import chapters
from grader.grading import test_cell_outcomes as outcomes_of
from grader.publish import render, student_version
from tests.conftest import ROOT, execute, executed_instructor

CHAPTERS = sorted(chapters())


def _hidden_blocks(cell):
    """Each solution or hidden-test region of a cell, as its stripped lines."""
    blocks, current = [], None
    for line in cell.source.splitlines():
        if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
            current = []
        elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
            blocks.append(current)
            current = None
        elif current is not None and line.strip():
            current.append(line.strip())
    return blocks


@pytest.mark.parametrize("name", CHAPTERS)
def test_source_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(chapters()[name].path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", CHAPTERS)
def test_grade_ids_follow_the_exercise_names(name):
    chapter = chapters()[name]
    nb = nbformat.read(chapter.path, as_version=4)
    solution_ids = [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    assert solution_ids == [ex.name for ex in chapter.exercises]
    from grader.exercises import EXERCISES

    assert set(solution_ids) <= set(EXERCISES)


@pytest.mark.parametrize("name", CHAPTERS)
def test_published_notebook_is_in_sync(name):
    published = ROOT / "notebooks" / f"{name}.ipynb"
    expected = render(student_version(chapters()[name].path))
    assert published.read_text(encoding="utf-8") == expected, (
        "notebooks/ n'est pas à jour : lancez `make publier`"
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebook_has_no_solution_and_no_hidden_test(name):
    source = nbformat.read(chapters()[name].path, as_version=4)
    text = (ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
    assert not re.search(r"BEGIN (SOLUTION|HIDDEN)", text)
    assert "hidden=True" not in text
    blocks = [b for c in source.cells for b in _hidden_blocks(c)]
    assert blocks, "the source notebook should have solutions"
    student = nbformat.reads(text, as_version=4)
    lines = [line.strip() for c in student.cells for line in c.source.splitlines()]
    joined = "\n".join(lines)
    for block in blocks:
        assert "\n".join(block) not in joined
        returns = {line for line in block if line.startswith("return")}
        assert not returns & set(lines)


@pytest.mark.parametrize("name", CHAPTERS)
def test_instructor_notebook_runs_and_every_check_passes(name):
    chapter = chapters()[name]
    nb = executed_instructor(name)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"{out.ename}: {out.evalue}"
            assert not (out.output_type == "stream" and out.name == "stderr"), out.text
    outcomes = outcomes_of(nb)
    assert outcomes == {ex.name: ("réussi", "") for ex in chapter.exercises}


@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebook_as_given_fails_every_check_in_french(name):
    chapter = chapters()[name]
    nb = execute(ROOT / "notebooks" / f"{name}.ipynb")
    outcomes = outcomes_of(nb)
    assert set(outcomes) == {ex.name for ex in chapter.exercises}
    for exercise, (status, message) in outcomes.items():
        assert status == "non traité"
        assert f"Exercice « {exercise} » non traité" in message
