"""Grading a notebook with verdicts decided outside the learner's process.

The learner's cells run in a confined runner (:mod:`grader.sandbox`,
:mod:`grader.runner`). At each exercise's test cell, the runner reports what
the learner defined under the exercise's name; this process draws fresh inputs
(unknown to the submission), the runner calls the learner's function on them
and sends back the raw outputs as plain data, and this process compares them
with :mod:`solutions`. Nothing the submission patches in its own process
(numpy, ``grader``, ``assert``, IPython, objects equal to everything) can
change a verdict.
"""

import copy
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import cache

import nbformat

from grader import runner as codec
from grader.check import CheckFailed, NotAttempted, Outcome
from grader.course import grade_id, nbgrader_meta
from grader.sandbox import Closed, Limits, Runner, Timeout

# statut -> name of the error shown in the graded test cell, and back
ENAMES = {
    "échoué": "CheckFailed",
    "non traité": "NotAttempted",
    "délai dépassé": "CellTimeoutError",
    "plantage": "DeadKernelError",
    "mémoire": "MemoryError",
    "suspect": "Suspect",
}
FORBIDDEN = re.compile(
    r"(\bimport\s+solutions\b|\bfrom\s+solutions\b|['\"]solutions['\"]"
    r"|\bgrader\.(check|exercises|runner|sandbox|engine|grading)\b"
    r"|\bfrom\s+grader\.)"
)


@dataclass
class Verdict:
    """Result of one exercise: statut (French word), message, cases checked."""

    status: str
    message: str = ""
    cases: int = 0

    @property
    def passed(self):
        return self.status == "réussi"


@dataclass
class Report:
    """Verdicts per exercise and what each executed cell printed or raised."""

    verdicts: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)  # index -> (error or None, text)
    fault: str = ""

    def to_dict(self):
        """Plain JSON-able data (a report crosses process and machine boundaries)."""
        return {
            "verdicts": {
                name: [v.status, v.message, v.cases]
                for name, v in self.verdicts.items()
            },
            "cells": [
                [i, list(e) if e else None, t] for i, (e, t) in self.cells.items()
            ],
            "fault": self.fault,
        }

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        return cls(
            verdicts={
                name: Verdict(str(s), str(m), int(c))
                for name, (s, m, c) in data["verdicts"].items()
            },
            cells={int(i): (_pair(e), str(t)) for i, e, t in data["cells"]},
            fault=str(data["fault"]),
        )


def is_test_cell(cell):
    """True for a graded cell whose grade_id is ``test_<exercise>``."""
    return bool(nbgrader_meta(cell).get("grade")) and grade_id(cell).startswith("test_")


def canonical(nb, tests, solutions):
    """The notebook to grade: the learner's cells, the course's test cells.

    Every cell that claims to be a test cell (even with edited metadata or
    type) is dropped; each test cell of ``tests`` (``name -> cell``) is put
    back once, right after the solution cell of its exercise, or at the end
    when that cell is gone. nbgrader metadata of unknown cells is removed.
    """
    cells = []
    for cell in nb.cells:
        name = grade_id(cell)
        if name in tests or name.startswith("test_") or is_test_cell(cell):
            continue
        if "nbgrader" in cell.get("metadata", {}) and name not in solutions:
            cell.metadata.pop("nbgrader")
        cells.append(cell)
    for name, test in tests.items():
        exercise = name.removeprefix("test_")
        at = [i for i, c in enumerate(cells) if grade_id(c) == exercise]
        cells.insert(at[-1] + 1 if at else len(cells), copy.deepcopy(test))
    nb.cells = cells
    return nb


def notebook_key(nb):
    """Digest of a notebook's cells (types and sources): what grading depends on."""
    cells = [[c.get("cell_type"), c.get("source")] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


@cache
def course_cells(chapter):
    """Test cells (by grade_id) and solution cell ids of a chapter's source."""
    source = nbformat.read(chapter.path, as_version=4)
    tests = {grade_id(c): c for c in source.cells if is_test_cell(c)}
    solutions = {grade_id(c) for c in source.cells if nbgrader_meta(c).get("solution")}
    return tests, solutions


def suspicion(nb, exercises):
    """French reasons to suspect exercises, ``{name: reason}``.

    Any cell using the reference (:mod:`solutions`) or the checks makes every
    exercise suspect; a solution cell using what its exercise forbids (a
    library that does the work) makes that exercise suspect.
    """
    found = {}
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        match = FORBIDDEN.search(cell.source)
        if match:
            reason = (
                f"la cellule n° {number} fait appel au corrigé ou aux vérifications "
                f"(« {match.group(0)} ») : exercice non noté, à examiner par "
                "l'enseignant."
            )
            return dict.fromkeys(exercises, reason)
        exercise = exercises.get(grade_id(cell))
        pattern = getattr(exercise, "forbidden", None)
        match = re.search(pattern, cell.source) if pattern else None
        if match:
            found[exercise.name] = (
                f"la solution utilise « {match.group(0)} », qui fait le travail "
                "demandé : l'exercice doit être écrit sans. Non noté, à examiner "
                "par l'enseignant."
            )
    return found


def _program(nb):
    steps, seen = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test_cell(cell):
            name = grade_id(cell).removeprefix("test_")
            if name not in seen:
                seen.add(name)
                steps.append([index, {"kind": "check", "exercise": name}])
        else:
            steps.append([index, {"kind": "code", "source": cell.source}])
    return steps


def grade_notebook(nb, limits=None):
    """Run ``nb`` confined and decide each exercise outside it.

    ``nb`` must already be canonical (:func:`canonical`). Returns a
    :class:`Report`.
    """
    from grader.exercises import EXERCISES

    limits = limits or Limits()
    steps = _program(nb)
    names = [s["exercise"] for _, s in steps if s["kind"] == "check"]
    report = Report()
    suspects = suspicion(nb, {n: EXERCISES.get(n) for n in names})
    if names and set(names) <= set(suspects):
        report.verdicts = {n: Verdict("suspect", suspects[n]) for n in names}
        return report
    start = time.monotonic()
    end = start + limits.notebook_timeout
    worker = Runner(limits)
    try:
        worker.send({"steps": steps})
        worker.receive(min(end, time.monotonic() + max(60, limits.cell_timeout)))
        for index, step in steps:
            deadline = min(end, time.monotonic() + limits.cell_timeout)
            message = worker.receive(deadline)
            if step["kind"] == "code":
                _expect(message, "cell", index)
                error = _pair(message.get("error"))
                report.cells[index] = (error, str(message.get("out", "")))
                if error and error[0] == "MemoryError":
                    report.fault = "mémoire"
                    break
                continue
            name = step["exercise"]
            _expect(message, "check", index)
            verdict = _check(worker, EXERCISES.get(name), name, message, end, limits)
            if name in suspects:
                verdict = Verdict("suspect", suspects[name])
            report.verdicts[name] = verdict
            if verdict.status == "mémoire":
                report.fault = "mémoire"
                break
        else:
            _expect(worker.receive(min(end, time.monotonic() + 10)), "done", None)
    except Timeout:
        report.fault = "délai dépassé"
    except Closed:
        report.fault = report.fault or "plantage"
    finally:
        worker.close()
    for name in names:
        if name not in report.verdicts:
            report.verdicts[name] = Verdict(
                report.fault or "plantage", _FAULTS[report.fault or "plantage"]
            )
    return report


_FAULTS = {
    "délai dépassé": "le temps limite a été dépassé avant ou pendant cet exercice "
    "(boucle infinie, attente sans fin ?).",
    "plantage": "l'exécution du cahier s'est arrêtée avant ou pendant cet exercice "
    "(sortie du programme, erreur fatale).",
    "mémoire": "la mémoire disponible a été épuisée avant ou pendant cet exercice.",
}


def _expect(message, kind, index):
    if message.get("t") != kind or (index is not None and message.get("i") != index):
        raise Closed("message inattendu")


def _pair(value):
    if isinstance(value, list) and len(value) == 2:
        return str(value[0])[:100], str(value[1])[:4000]
    return None


def _check(worker, exercise, name, message, end, limits):
    """Send fresh inputs, receive the raw outputs, judge them here."""
    info = message.get("obj")
    if exercise is None:
        worker.send({"cases": []})
        worker.receive(min(end, time.monotonic() + limits.cell_timeout))
        return Verdict("échoué", f"exercice « {name} » inconnu du cours.")
    if not isinstance(info, dict) or info.get("kind") not in (
        "function",
        "class",
        "missing",
        "other",
    ):
        raise Closed("message inattendu")
    try:
        exercise.check_type({"kind": info["kind"], "type": str(info.get("type"))})
    except CheckFailed as failure:
        worker.send({"cases": []})
        _expect(
            worker.receive(min(end, time.monotonic() + limits.cell_timeout)),
            "outputs",
            message["i"],
        )
        return Verdict("échoué", str(failure))
    cases = exercise.grading_cases()
    worker.send(
        {
            "kind": exercise.kind,
            "cases": [{k: codec.encode(v) for k, v in c.kwargs.items()} for c in cases],
        }
    )
    answer = worker.receive(min(end, time.monotonic() + limits.cell_timeout))
    _expect(answer, "outputs", message["i"])
    results = answer.get("results")
    if not isinstance(results, list) or len(results) > len(cases):
        raise Closed("message inattendu")
    for case, result in zip(cases, results, strict=False):
        try:
            outcome = _outcome(result)
        except (ValueError, TypeError, KeyError) as exc:
            return Verdict("échoué", f"sortie illisible pour {case.label} ({exc}).")
        try:
            exercise.judge(case, outcome)
        except NotAttempted as failure:
            return Verdict("non traité", str(failure))
        except CheckFailed as failure:
            memory = outcome.error and outcome.error[0] == "MemoryError"
            return Verdict("mémoire" if memory else "échoué", str(failure))
    if len(results) < len(cases):
        raise Closed("réponse incomplète")
    return Verdict("réussi", "", len(cases))


def _outcome(result):
    if not isinstance(result, dict):
        raise ValueError("résultat invalide")
    mutated = result.get("mutated") or []
    notes = result.get("warnings") or []
    if not all(isinstance(x, str) for x in [*mutated, *notes]):
        raise ValueError("résultat invalide")
    return Outcome(
        value=codec.decode(result.get("value")),
        error=_pair(result.get("error")),
        mutated=mutated[:10],
        warnings=[n[:300] for n in notes[:5]],
    )
