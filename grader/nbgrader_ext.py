"""nbgrader preprocessors of the project (see :mod:`grader.nbconfig`).

``CanonicalCells`` runs while nbgrader sanitises a submission: whatever the
learner did to the test cells (deleted, duplicated, moved, re-typed, metadata
edited), the notebook to grade gets the course's test cells back, once each,
after their solution cells. ``SandboxedGrading`` replaces nbgrader's
``Execute``: the submission runs confined and each test cell's outputs are set
from a verdict decided in the grading process (:mod:`grader.engine`), so that
``SaveAutoGrades`` records it.
"""

import subprocess
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer

from grader.course import grade_id, nbgrader_meta
from grader.engine import ENAMES, canonical, grade_notebook, is_test_cell, notebook_key
from grader.sandbox import Limits


class QuietNotebookClient(NotebookClient):
    """nbclient's client, with the kernel process's stdout and stderr discarded
    (what cells print still reaches the notebook through the kernel's messages).
    """

    async def async_start_new_kernel(self, **kwargs):
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)


def _meta(name, solution, points=None, checksum=None):
    meta = {
        "grade": not solution,
        "grade_id": name,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    if checksum:
        meta["checksum"] = checksum
    return meta


class CanonicalCells(NbGraderPreprocessor):
    """Give a submission the course's test cells back (see module docstring)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            solutions = {c.name for c in notebook.solution_cells}
            sources = {c.name: c for c in notebook.source_cells}
            tests = {}
            for cell in sorted(notebook.grade_cells, key=lambda c: c.name):
                source = sources.get(cell.name)
                if cell.name in solutions or source is None:
                    continue
                new = nbformat.v4.new_code_cell(source.source)
                new.metadata["nbgrader"] = _meta(
                    cell.name, False, cell.max_score, source.checksum
                )
                new.id = cell.name.replace("_", "-")[:64]
                tests[cell.name] = new
        for cell in nb.cells:
            name = grade_id(cell)
            if name in solutions:
                cell.cell_type = "code"
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
                cell.metadata["nbgrader"] = _meta(name, True)
        return canonical(nb, tests, solutions), resources


class SandboxedGrading(NbGraderPreprocessor):
    """Run the submission confined; set test cells' outputs from the verdicts."""

    cell_timeout = Float(30.0, help="Temps limite par cellule (s).").tag(config=True)
    notebook_timeout = Float(300.0, help="Temps limite par cahier (s).").tag(
        config=True
    )
    memory = Integer(4 * 2**30, help="Mémoire maximale (octets).").tag(config=True)

    precomputed = {}
    """Reports computed by a worker (:mod:`grader.parallel`), keyed by
    ``(student, assignment, notebook_key(nb))``; used once, instead of running
    the notebook again. Plain ``nbgrader autograde`` finds none and runs it."""
    local_runs = 0  # notebooks run here because no report was given

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        key = (info.get("student"), info.get("assignment"), notebook_key(nb))
        report = SandboxedGrading.precomputed.pop(key, None)
        if report is None:
            SandboxedGrading.local_runs += 1
            limits = Limits(self.cell_timeout, self.notebook_timeout, self.memory)
            report = grade_notebook(nb, limits, _secret())
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            verdict = report.verdicts.get(grade_id(cell).removeprefix("test_"))
            if is_test_cell(cell) and verdict:
                cell.outputs = _verdict_outputs(verdict, nbgrader_meta(cell))
            elif index in report.cells:
                cell.outputs = _cell_outputs(*report.cells[index])
        return nb, resources


def _secret():
    """The course's key when plain ``nbgrader`` runs in a course directory made
    by ``cours-rn corriger`` (else None: a fresh key, a fresh test split)."""
    from grader.grading import SECRET_FILE

    path = Path.cwd() / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _verdict_outputs(verdict, meta):
    """A test cell's outputs for a verdict: nbgrader gives full marks without an
    error, none with one, and part of them for a numeric result (scored)."""
    if verdict.score is not None and verdict.status in ("réussi", "échoué"):
        points = round(verdict.score * float(meta.get("points", 0)), 2)
        mark = "✔" if verdict.passed else "✘"
        text = f"{mark} {verdict.status} : {points:g} point(s)\n{verdict.message}\n"
        return [
            nbformat.v4.new_output("stream", name="stdout", text=text),
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": f"{points:g}"}, execution_count=1
            ),
        ]
    if verdict.passed:
        checked = "cas vérifiés" if verdict.cases > 1 else "cas vérifié"
        text = f"✔ réussi ({verdict.cases} {checked})\n"
        return [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return [
        nbformat.v4.new_output(
            "error",
            ename=ENAMES[verdict.status],
            evalue=verdict.message,
            traceback=[verdict.message],
        )
    ]


def _cell_outputs(error, text):
    outputs = []
    if text:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
    if error:
        outputs.append(
            nbformat.v4.new_output(
                "error", ename=error[0], evalue=error[1], traceback=[": ".join(error)]
            )
        )
    return outputs
