"""Notebook execution pieces of the project, for nbgrader and for self-checks."""

import subprocess

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade


class _QuietKernel:
    """Start the kernel with its process's stdout and stderr discarded.

    What a cell prints still reaches the notebook through the kernel's
    messages; only what bypasses them (``os.write(2, ...)``, C libraries,
    the kernel's own logs) no longer floods the grader's terminal.
    """

    async def async_start_new_kernel(self, **kwargs):
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)


class QuietExecute(_QuietKernel, Execute):
    """nbgrader's ``Execute`` with a quiet kernel process."""


class QuietNotebookClient(_QuietKernel, NotebookClient):
    """nbclient's ``NotebookClient`` with a quiet kernel process."""


class DropStderr(NbGraderPreprocessor):
    """Remove stderr streams from the outputs of graded cells.

    nbgrader scores a test cell 0 as soon as its outputs hold a stderr stream,
    even when the check passed; TensorFlow's start-up logs and numpy warnings
    land there. Errors (``output_type == "error"``) are kept: they still fail.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and is_grade(cell):
            cell.outputs = [
                out
                for out in cell.outputs
                if not (out.output_type == "stream" and out.name == "stderr")
            ]
        return cell, resources
