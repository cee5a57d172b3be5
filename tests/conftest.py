"""Shared fixtures: paths of the project, notebook execution."""

import contextlib
import copy
import io
from pathlib import Path

import nbformat
import pytest

from grader.nbconfig import KERNEL_ARGUMENTS
from grader.nbgrader_ext import QuietNotebookClient

ROOT = Path(__file__).resolve().parents[1]


_EXECUTED = {}


def executed_instructor(name):
    """A chapter's instructor notebook, executed once per test session (a copy)."""
    from grader.course import chapters

    if name not in _EXECUTED:
        _EXECUTED[name] = execute(chapters()[name].path)
    return copy.deepcopy(_EXECUTED[name])


def execute(path):
    """Execute a notebook in a fresh kernel, errors allowed; return it."""
    nb = nbformat.read(path, as_version=4)
    QuietNotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        allow_errors=True,
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(Path(path).parent)}},
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
