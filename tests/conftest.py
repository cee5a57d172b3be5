"""Shared fixtures: paths of the project, notebook execution."""

import contextlib
import copy
import io
import json
from pathlib import Path

import nbformat
import pytest

from grader.nbconfig import KERNEL_ARGUMENTS
from grader.nbgrader_ext import QuietNotebookClient

ROOT = Path(__file__).resolve().parents[1]


_EXECUTED, _FIGURES = {}, {}


def executed_instructor(name):
    """A chapter's instructor notebook, executed once per test session (a copy).

    The figures it displays are described on the way (:func:`figures_of`).
    """
    from grader.course import chapters
    from tests import figures

    if name not in _EXECUTED:
        nb = nbformat.read(chapters()[name].path, as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(figures.HOOK))
        nb.cells.append(nbformat.v4.new_code_cell(figures.DUMP))
        run_notebook(nb, chapters()[name].path.parent)
        hook, dump = nb.cells.pop(0), nb.cells.pop()
        assert not hook.outputs, hook.outputs
        _FIGURES[name] = json.loads(dump.outputs[0]["text"])
        _EXECUTED[name] = nb
    return copy.deepcopy(_EXECUTED[name])


def figures_of(name):
    """Descriptions of the figures a chapter's instructor notebook displays."""
    executed_instructor(name)
    return _FIGURES[name]


def execute(path):
    """Execute a notebook in a fresh kernel, errors allowed; return it."""
    nb = nbformat.read(path, as_version=4)
    return run_notebook(nb, Path(path).parent)


def run_notebook(nb, folder):
    """Execute ``nb`` in place, in a fresh kernel started in ``folder``."""
    QuietNotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return nb


@pytest.fixture(scope="session")
def root():
    return ROOT


def run(*argv):
    """Run `cours-rn` in-process; return (exit code, stdout, stderr)."""
    from grader.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def fail_message(exercise, obj):
    """The French message of a check that must fail on ``obj``."""
    import pytest

    from grader import CheckFailed, verifier

    with pytest.raises(CheckFailed) as info:
        verifier(exercise, obj)
    return str(info.value)
