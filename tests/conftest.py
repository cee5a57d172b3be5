"""Shared fixtures: paths of the project, notebook execution."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.nbconfig import KERNEL_ARGUMENTS

ROOT = Path(__file__).resolve().parents[1]


def execute(path):
    """Execute a notebook in a fresh kernel, errors allowed; return it."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
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
